"""The counts in Prometheus' text format, for GET /metrics, with the official client.

Under gunicorn every worker is its own process, so the client's multiprocess mode is used when
PROMETHEUS_MULTIPROC_DIR is set (`replyguard serve` sets it to a fresh folder unless the environment has one): each
worker writes its counts to files there, and a scrape of any worker adds them up. The variable must be set before
prometheus_client is first imported, which is why `replyguard serve` sets it before it builds the app. Without it
(tests, `flask run`) the counts are the one process's.

Every label has a short, fixed set of values: verdicts, rule ids, severities, languages, platforms, the settings' key
ids, the API's endpoints and HTTP statuses. Never a text, a name, a customer or an address.
"""

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

from .store import WAIT_BUCKETS_MINUTES

CHECKS = Counter("replyguard_checks", "Replies checked, by verdict.", ["verdict", "language", "platform", "key"])
FINDINGS = Counter("replyguard_findings", "Findings in checked replies, by rule and severity.", ["rule", "severity"])
POSTED = Counter("replyguard_replies_posted", "Replies posted through the extension, by their verdict when posted.",
                 ["verdict", "platform", "key"])
POSTED_DESPITE_ERROR = Counter("replyguard_replies_posted_despite_error",
                               "Replies posted with an error-level finding.", ["platform", "key"])
COMPLAINT_AGE = Histogram("replyguard_answered_complaint_age_seconds",
                          "How long the complaints answered had waited for the reply, when the thread showed it.",
                          ["platform"], buckets=[minutes * 60 for minutes in WAIT_BUCKETS_MINUTES])
REQUEST_DURATION = Histogram("replyguard_request_duration_seconds", "Time to answer a request, by endpoint.",
                             ["endpoint"])
RATE_LIMITED = Counter("replyguard_rate_limited_requests", "Requests refused with 429 by the rate limit.",
                       ["endpoint"])
REJECTED = Counter("replyguard_rejected_requests",
                   "Requests refused with another 4xx: bad input, no or a wrong key, too large.", ["endpoint", "status"])


def exposition() -> tuple[bytes, str]:
    """The scrape's body and content type: all workers' counts in multiprocess mode, this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def count_request(endpoint: str | None, status: int, seconds: float) -> None:
    name = endpoint or "unmatched"
    REQUEST_DURATION.labels(name).observe(seconds)
    if status == 429:
        RATE_LIMITED.labels(name).inc()
    elif 400 <= status < 500:
        REJECTED.labels(name, str(status)).inc()
