"""Where the daily counts are kept: one small interface, in SQLite (one server) or PostgreSQL (several servers).

A row is one day's count of one thing for one key, platform and language: a check's verdict, a rule found, a reply
posted, a complaint answered within a wait bucket. Nothing in it can hold a text: every column is a value from a short
list (or a date), and the count. Writers add to a row with an upsert, so any number of processes may write at once.
"""

import os
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

# Days are ISO dates kept as text in both databases: they sort and compare as dates, and one schema serves both.
SCHEMA = """
CREATE TABLE IF NOT EXISTS insight_counts (
    day TEXT NOT NULL,
    key_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    language TEXT NOT NULL,
    event TEXT NOT NULL,
    label TEXT NOT NULL,
    severity TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (day, key_id, platform, language, event, label, severity)
)
"""
COLUMNS = "day, key_id, platform, language, event, label, severity"
UPSERT = (f"INSERT INTO insight_counts ({COLUMNS}, count) VALUES ({{marks}}) "
          f"ON CONFLICT ({COLUMNS}) DO UPDATE SET count = insight_counts.count + excluded.count")
# How long a complaint had waited when it was answered, in minutes: each answer counts in the first bucket it fits
# (the label is the bucket's upper bound; "inf" for a week or more). The playbook's target, two hours, is a bound.
WAIT_BUCKETS_MINUTES = (15, 30, 60, 120, 240, 480, 1440, 2880, 10080)


class Row(NamedTuple):
    """What one daily count is of. event: checked (label: verdict), finding (label: rule id), posted (label: verdict),
    posted_finding (label: rule id), posted_after_question (label: verdict), answer_wait (label: the wait bucket's
    upper bound in minutes, or inf), finding_kind and posted_finding_kind (label: rule id/kind, the kind of dig or
    dodge a finding's message names). severity: the finding's, empty for the others; key_id empty without keys."""

    day: str
    key_id: str
    platform: str
    language: str
    event: str
    label: str
    severity: str


class StoreUnavailable(Exception):
    """The store can't be reached or written now; the caller keeps its counts and tries again later."""


class Store:
    """The interface both databases implement. Safe to call from several threads of one process."""

    def add(self, counts: Mapping[Row, int]) -> None:
        raise NotImplementedError

    def rows(self, since: str, key_id: str | None = None) -> list[tuple[Row, int]]:
        """Every row from the day `since` (an ISO date) on: one key's (one team's), or with key_id None every key's."""
        raise NotImplementedError

    def forget_before(self, day: str) -> None:
        """Deletes the rows older than `day`: the retention setting."""
        raise NotImplementedError


def _rows_query(mark: str, since: str, key_id: str | None) -> tuple[str, tuple[str, ...]]:
    """Store.rows' query in a database's placeholder style (`mark`): a team's rows are picked in the database, so
    another team's counts never leave it."""
    if key_id is None:
        return f"SELECT {COLUMNS}, count FROM insight_counts WHERE day >= {mark} ORDER BY day", (since,)
    return (f"SELECT {COLUMNS}, count FROM insight_counts WHERE day >= {mark} AND key_id = {mark} ORDER BY day",
            (since, key_id))


def open_store(url: str) -> Store:
    """The store a settings URL names: sqlite:///relative/or sqlite:////absolute/path, or postgresql://..."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(Path(url.removeprefix("sqlite:///")))
    return PostgreSQLStore(url)


class SQLiteStore(Store):
    """A file shared by the workers of one server: WAL lets readers and one writer work at once, and each worker
    waits its turn to write (busy timeout) rather than fail. A connection is opened for each flush or read (every few
    seconds at most), so a file that was moved, deleted or made unwritable shows as an unreachable store, and no
    connection crosses gunicorn's fork."""

    BUSY_TIMEOUT_SECONDS = 5

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def _run(self, work):
        with self._lock:
            connection = None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=self.BUSY_TIMEOUT_SECONDS, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(SCHEMA)
                return work(connection)
            except (OSError, sqlite3.Error) as error:
                raise StoreUnavailable(f"{self.path}: {error}") from None
            finally:
                if connection is not None:
                    connection.close()

    def add(self, counts: Mapping[Row, int]) -> None:
        def write(connection):
            with connection:  # one transaction: all of a flush or none of it
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany(UPSERT.format(marks=", ".join("?" * 8)),
                                       [(*row, count) for row, count in counts.items()])
        self._run(write)

    def rows(self, since: str, key_id: str | None = None) -> list[tuple[Row, int]]:
        query, values = _rows_query("?", since, key_id)
        found = self._run(lambda connection: connection.execute(query, values).fetchall())
        return [(Row(*values[:7]), values[7]) for values in found]

    def forget_before(self, day: str) -> None:
        self._run(lambda connection: connection.execute("DELETE FROM insight_counts WHERE day < ?", (day,)))


class PostgreSQLStore(Store):
    """One database that several API instances share. psycopg 3 (`pip install replyguard[postgresql]`); a lost
    connection is opened again on the next call."""

    CONNECT_TIMEOUT_SECONDS = 3

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            from ..settings import SettingsError

            raise SettingsError(f"insights.store is a PostgreSQL URL: install its driver with "
                                f"pip install 'psycopg[binary]==3.3.9'") from None
        self._psycopg = psycopg
        self.url = url
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None

    def _connect(self):
        if self._connection is None or self._connection.closed or self._pid != os.getpid():
            connection = self._psycopg.connect(self.url, connect_timeout=self.CONNECT_TIMEOUT_SECONDS, autocommit=True)
            try:
                connection.execute(SCHEMA)
            except self._psycopg.errors.UniqueViolation:
                pass  # another instance created the table at the same moment
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _run(self, work):
        with self._lock:
            try:
                return work(self._connect())
            except self._psycopg.Error as error:
                if self._connection is not None:
                    self._connection.close()
                self._connection = None
                # The error's text names the server, never a password (psycopg leaves it out); its type is enough.
                raise StoreUnavailable(f"PostgreSQL: {type(error).__name__}") from None

    def add(self, counts: Mapping[Row, int]) -> None:
        def write(connection):
            with connection.transaction(), connection.cursor() as cursor:
                cursor.executemany(UPSERT.format(marks=", ".join(["%s"] * 8)),
                                   [(*row, count) for row, count in counts.items()])
        self._run(write)

    def rows(self, since: str, key_id: str | None = None) -> list[tuple[Row, int]]:
        query, values = _rows_query("%s", since, key_id)
        found = self._run(lambda connection: connection.execute(query, values).fetchall())
        return [(Row(*values[:7]), int(values[7])) for values in found]

    def forget_before(self, day: str) -> None:
        self._run(lambda connection: connection.execute("DELETE FROM insight_counts WHERE day < %s", (day,)))

