"""Who may use the API: a bearer key on every route (present and future), CORS for the team's extension and
playbook site, and a rate limit per key. Registered app-wide by create_app, so a new blueprint is covered too."""

import hashlib
import hmac
import ipaddress
import logging
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_cors import CORS
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized

from ..settings import Settings, SettingsError

# Open to anyone: load balancers' health checks, the API's own description (a public contract with nothing secret
# in it, which client generators and contract tests fetch before they have a key), the playbook site and the insight
# dashboard's page and scripts (which hold no data: the page asks for a key and sends it to /v1/insights). /metrics
# has its own rule (loopback or the metrics token, web/metrics_api.py), since Prometheus has no API key.
OPEN_PATHS = frozenset({"/v1/health", "/v1/openapi.json", "/playbook", "/dashboard", "/metrics"})
OPEN_PREFIXES = ("/playbook/", "/dashboard/")
LANGUAGETOOL_PREFIX = "/v2/"  # LanguageTool's HTTP API (languagetool.py)
# After a shared store (Redis) fails, requests are counted in this process this long before the store is tried again,
# so an unreachable store costs one failed attempt per interval rather than one per request.
STORE_RETRY_SECONDS = 30

log = logging.getLogger(__name__)


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def init_app(app: Flask, settings: Settings) -> None:
    api = settings.api
    app.before_request(_require_key if api.keys else _require_this_machine)

    origins = list(api.extension_origins)
    if settings.playbook_base_url:
        site = urlsplit(settings.playbook_base_url)
        origins.append(f"{site.scheme}://{site.netloc}")
    # No origins configured: no CORS headers at all, so no web page can read the API's answers.
    CORS(app, origins=origins, methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"], max_age=600)

    try:
        rate_limit = RateLimit(api.rate_limit, api.rate_limit_storage)
    except ConfigurationError as error:
        raise SettingsError(f"{settings.source}: api.rate_limit_storage {api.rate_limit_storage!r}: {error} "
                            f"(for redis://, install the redis package: pip install redis==7.4.1)") from None
    app.extensions["replyguard.rate_limit"] = rate_limit

    @app.before_request
    def count_request():
        if not is_open(request.path):
            rate_limit.hit(_rate_limit_key())


class RateLimit:
    """api.rate_limit for each client, counted with the `limits` library in fixed windows: in this process
    (memory://) or in a store that several workers and servers share (redis://). Called directly rather than through
    flask-limiter, whose per-request matching of limits to routes cost more than the checking of many replies."""

    def __init__(self, rate: str, storage_uri: str):
        self.items = parse_many(rate)
        self.shared = FixedWindowRateLimiter(storage_from_string(storage_uri, wrap_exceptions=True))
        self.local = FixedWindowRateLimiter(MemoryStorage())  # while the shared store can't be reached
        self.store_retry_at = 0.0

    def hit(self, client: str) -> None:
        """Counts one request of this client; raises TooManyRequests (429 with Retry-After) when it is one too many."""
        limiter = self.shared
        if time.monotonic() < self.store_retry_at:
            limiter = self.local
        try:
            self._hit(limiter, client)
        except StorageError as error:
            # An unreachable store must not turn requests into 500s: count here until it is back.
            log.warning("rate limit store unreachable (%s); counting in this process for %d s",
                        type(error.storage_error).__name__, STORE_RETRY_SECONDS)
            self.store_retry_at = time.monotonic() + STORE_RETRY_SECONDS
            self._hit(self.local, client)

    def _hit(self, limiter: FixedWindowRateLimiter, client: str) -> None:
        for item in self.items:
            if not limiter.hit(item, "replyguard", client):
                raise TooManyRequests(str(item), retry_after=_seconds_to_reset(limiter, item, client))


def _seconds_to_reset(limiter: FixedWindowRateLimiter, item: RateLimitItem, client: str) -> int:
    return max(1, int(limiter.get_window_stats(item, "replyguard", client).reset_time - time.time()))


def _require_key():
    g.api_key_id = None
    # CORS preflights never carry credentials; they get no data either, only the allowed methods and headers.
    if request.method == "OPTIONS" or is_open(request.path):
        return
    presented = _presented_key()
    if not presented:
        how = " (LanguageTool clients: the apiKey parameter)" if request.path.startswith(LANGUAGETOOL_PREFIX) else ""
        raise Unauthorized(f"this API needs a key: send it as Authorization: Bearer KEY{how}",
                           www_authenticate=WWWAuthenticate("bearer"))
    # The keys are long random strings, so a plain SHA-256 is enough to store them; a slow password hash would
    # only slow every request down. Every stored digest is compared in constant time, so timing tells nothing.
    digest = hashlib.sha256(presented.encode("utf-8", "replace")).hexdigest()
    matched = None
    for key in current_app.extensions["replyguard"].settings.api.keys:
        if hmac.compare_digest(digest, key.sha256):
            matched = key.id
    if matched is None:
        raise Unauthorized("the API key is not valid",
                           www_authenticate=WWWAuthenticate("bearer", {"error": "invalid_token"}))
    g.api_key_id = matched


def _presented_key() -> str:
    """The key the client sent: `Authorization: Bearer KEY`, or on /v2, where LanguageTool clients can't set
    headers, LanguageTool's own `apiKey` parameter (which its add-ons send with `username` for a Premium account)."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and presented.strip():
        return presented.strip()
    if request.path.startswith(LANGUAGETOOL_PREFIX):
        return request.values.get("apiKey", "").strip()
    return ""


def _require_this_machine():
    """With no keys configured the API is for this machine only, even when someone binds it wider or proxies it."""
    g.api_key_id = None
    if request.method == "OPTIONS" or is_open(request.path):
        return
    if not from_this_machine():
        raise Forbidden("no API keys are configured, so this API answers only on this machine: "
                        "add a key with `replyguard new-key` to serve it to others")


def from_this_machine() -> bool:
    """Whether the request comes from this machine itself, not forwarded by a proxy on it."""
    if "Forwarded" in request.headers or "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _rate_limit_key() -> str:
    key_id = g.get("api_key_id")
    return f"key:{key_id}" if key_id else f"address:{request.remote_addr}"
