"""Counts each check and each posted reply in the process (a few dictionary additions under a lock), and writes the
counts to the store from a background thread every few seconds: a check never waits for the store, and never fails
because the store is down. While it is down the counts stay in the process and are written when it is back; past
MAX_PENDING_ROWS (days of an unreachable store) they are dropped with a warning, so memory stays bounded.

What is counted: a verdict, the rule ids and severities found and the kind of dig or dodge a finding names, the
language, the platform, the API key's id, the day (UTC), whether a reply was posted after the "post anyway?" question,
and which wait bucket the answered complaint's age falls in. Never a text, a name, a customer or an address.
"""

import atexit
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..settings import InsightsSettings
from . import metrics
from .store import WAIT_BUCKETS_MINUTES, Row, StoreUnavailable, open_store

FLUSH_SECONDS = 5
MAX_PENDING_ROWS = 100_000  # a row is one day's count of one thing for one key, platform and language
RETENTION_EVERY_SECONDS = 3600  # how often a process deletes the rows past insights.retention_days

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostedReply:
    """A reply posted through the extension, as it was at the moment of posting."""

    platform: str
    language: str
    verdict: str
    findings: tuple[tuple[str, str, str | None], ...]  # (rule id, severity, the kind its message named or None)
    after_question: bool  # posted with "post anyway" after the extension asked
    complaint_age_minutes: float | None  # how long the answered complaint had waited, when the thread showed it


def wait_bucket(minutes: float) -> str:
    """The label of the first wait bucket `minutes` fits in."""
    return next((str(bound) for bound in WAIT_BUCKETS_MINUTES if minutes <= bound), "inf")


def today() -> str:
    return datetime.now(UTC).date().isoformat()


class Tally:
    """One app's counts on their way to the store; one per create_app, shared by the worker's threads."""

    def __init__(self, settings: InsightsSettings):
        self.enabled = settings.enabled
        self.retention_days = settings.retention_days
        self.store = open_store(settings.store) if settings.enabled else None
        self._pending: dict[Row, int] = {}
        self._lock = threading.Lock()
        self._flusher_pid = None  # the process whose flusher thread runs (gunicorn forks workers from one app)
        self._exit_flush_pid = None
        self._store_down = False
        self._retention_due = 0.0

    def count_check(self, result, platform: str, key_id: str | None) -> None:
        if not self.enabled:
            return
        key = key_id or ""
        day = today()
        rows = [Row(day, key, platform, result.language, "checked", result.verdict, "")]
        rows += [Row(day, key, platform, result.language, "finding", f.rule, f.severity) for f in result.findings]
        rows += [Row(day, key, platform, result.language, "finding_kind", f"{f.rule}/{f.kind}", f.severity)
                 for f in result.findings if f.kind]
        self._add(rows)
        metrics.CHECKS.labels(result.verdict, result.language, platform, key).inc()
        for finding in result.findings:
            metrics.FINDINGS.labels(finding.rule, finding.severity).inc()

    def count_post(self, post: PostedReply, key_id: str | None) -> None:
        if not self.enabled:
            return
        key = key_id or ""
        day = today()
        row = Row(day, key, post.platform, post.language, "posted", post.verdict, "")
        rows = [row] + [row._replace(event="posted_finding", label=rule, severity=severity)
                        for rule, severity, _ in post.findings]
        rows += [row._replace(event="posted_finding_kind", label=f"{rule}/{kind}", severity=severity)
                 for rule, severity, kind in post.findings if kind]
        if post.after_question:
            rows.append(row._replace(event="posted_after_question"))
        if post.complaint_age_minutes is not None:
            rows.append(row._replace(event="answer_wait", label=wait_bucket(post.complaint_age_minutes)))
            metrics.COMPLAINT_AGE.labels(post.platform).observe(post.complaint_age_minutes * 60)
        self._add(rows)
        metrics.POSTED.labels(post.verdict, post.platform, key).inc()
        if post.verdict == "block":
            metrics.POSTED_DESPITE_ERROR.labels(post.platform, key).inc()

    def _add(self, rows: list[Row]) -> None:
        with self._lock:
            for row in rows:
                self._pending[row] = self._pending.get(row, 0) + 1
            pid = os.getpid()
            if self._flusher_pid != pid:
                # Started on the first count in each process: a thread started before gunicorn's fork wouldn't run.
                self._flusher_pid = pid
                threading.Thread(target=self._flush_regularly, name="replyguard-insights", daemon=True).start()
            if self._exit_flush_pid != pid:
                self._exit_flush_pid = pid
                atexit.register(self.flush)  # a worker that stops writes what it counted last

    def _flush_regularly(self) -> None:
        """Writes every FLUSH_SECONDS while there is something to write; an idle process keeps no thread."""
        while True:
            time.sleep(FLUSH_SECONDS)
            self.flush()
            with self._lock:
                if not self._pending:
                    self._flusher_pid = None
                    return

    def flush(self) -> bool:
        """Writes this process's counts to the store; False (the counts kept for later) when it can't be reached."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return True
        try:
            self.store.add(pending)
            if time.monotonic() >= self._retention_due:
                cutoff = datetime.now(UTC).date() - timedelta(days=self.retention_days)
                self.store.forget_before(cutoff.isoformat())
                self._retention_due = time.monotonic() + RETENTION_EVERY_SECONDS
        except StoreUnavailable as error:
            self._keep(pending, error)
            return False
        if self._store_down:
            log.warning("insights store reachable again; the counts kept meanwhile are written")
            self._store_down = False
        return True

    def _keep(self, pending: dict[Row, int], error: StoreUnavailable) -> None:
        with self._lock:
            for row, count in pending.items():
                self._pending[row] = self._pending.get(row, 0) + count
            if len(self._pending) > MAX_PENDING_ROWS:
                log.warning("insights store unreachable too long (%s); dropping %d counts kept in this process",
                            error, sum(self._pending.values()))
                self._pending.clear()
                return
        if not self._store_down:
            log.warning("insights store unreachable (%s); keeping the counts in this process to write later", error)
            self._store_down = True

    def rows(self, since: str, key_id: str | None = None):
        """The stored rows from the day `since` on, this process's latest counts included: one key's (team's), or
        with key_id None every key's."""
        self.flush()
        return self.store.rows(since, key_id)
