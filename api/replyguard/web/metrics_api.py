"""GET /metrics for Prometheus, and the per-request counts behind it (latency by endpoint, refused requests).

Prometheus has no API key, so /metrics has a rule of its own: it answers this machine (a Prometheus beside the API,
not through a proxy), or anyone who sends the settings' `[insights] metrics_token` as `Authorization: Bearer TOKEN`
(Prometheus' `authorization` scrape setting).
"""

import hmac
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from ..insights import metrics
from .access import from_this_machine

bp = Blueprint("metrics_api", __name__)


def init_app(app: Flask) -> None:
    """Times every request, refused ones included (after access_log.init_app, whose clock it reads)."""
    app.after_request(_count_request)


def _count_request(response):
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    metrics.count_request(request.url_rule.endpoint if request.url_rule else None, response.status_code, seconds)
    return response


@bp.get("/metrics")
def scrape():
    token = current_app.extensions["replyguard"].settings.insights.metrics_token
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    token_ok = bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode("utf-8", "replace"), token.encode("utf-8"))
    if not token_ok and not from_this_machine():
        if token:
            raise Unauthorized("send the metrics token of the settings ([insights] metrics_token) as "
                               "Authorization: Bearer TOKEN", www_authenticate=WWWAuthenticate("bearer"))
        raise Forbidden("/metrics answers only on this machine: set [insights] metrics_token in the settings to "
                        "let a Prometheus elsewhere scrape it")
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)
