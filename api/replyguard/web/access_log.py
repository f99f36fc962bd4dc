"""The access log: one JSON line per request with method, path, status, duration and key id.

Never a body, a query string or a header: LanguageTool clients send the reply in the query string, and the extension
sends it in the body, and customers' words must not end up in any log.
"""

import json
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, g, request

log = logging.getLogger("replyguard.access")


def init_app(app: Flask) -> None:
    """Registered before the access checks, so refused requests are logged (and timed) too."""
    app.before_request(_start_clock)
    app.after_request(_write_line)
    # Werkzeug's development server logs each request line, query string included; keep only its warnings.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def send_to(stream=sys.stdout) -> None:
    """Where a server process writes its access log: JSON lines on standard output by default."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _start_clock():
    g.request_started = time.perf_counter()


def _write_line(response):
    if log.isEnabledFor(logging.INFO):
        started = g.get("request_started", time.perf_counter())
        log.info(json.dumps({
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "key": g.get("api_key_id"),
        }))
    return response
