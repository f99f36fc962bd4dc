"""Who may use the API: a bearer key on every route (present and future), CORS for the team's extension and
playbook site, and a rate limit per key. Registered app-wide by create_app, so a new blueprint is covered too."""

import hashlib
import hmac
import ipaddress
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_cors import CORS
from flask_limiter import Limiter
from limits.errors import ConfigurationError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from .settings import Settings, SettingsError

# Open to anyone: load balancers' health checks, the API's own description (a public contract with nothing secret
# in it, which client generators and contract tests fetch before they have a key) and the playbook site.
OPEN_PATHS = frozenset({"/v1/health", "/v1/openapi.json", "/playbook"})
OPEN_PREFIXES = ("/playbook/",)


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
        limiter = Limiter(
            key_func=_rate_limit_key,
            app=app,
            default_limits=[api.rate_limit],
            storage_uri=api.rate_limit_storage,
            # Its headers on every answer would cost a second look-up in the store per request; only a 429 needs one.
            headers_enabled=False,
            swallow_errors=True,  # an unreachable shared store must not turn requests into 500s
            in_memory_fallback_enabled=True,
            key_prefix="replyguard",
        )
    except ConfigurationError as error:
        raise SettingsError(f"{settings.source}: api.rate_limit_storage {api.rate_limit_storage!r}: {error} "
                            f"(for redis://, install the redis package: pip install redis)") from None
    limiter.request_filter(lambda: is_open(request.path))

    @app.after_request
    def retry_after(response):
        if response.status_code == 429 and limiter.current_limit:
            response.headers["Retry-After"] = str(max(1, int(limiter.current_limit.reset_at - time.time())))
        return response


def _require_key():
    g.api_key_id = None
    # CORS preflights never carry credentials; they get no data either, only the allowed methods and headers.
    if request.method == "OPTIONS" or is_open(request.path):
        return
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Unauthorized("this API needs a key: send it as Authorization: Bearer KEY",
                           www_authenticate=WWWAuthenticate("bearer"))
    # The keys are long random strings, so a plain SHA-256 is enough to store them; a slow password hash would
    # only slow every request down. Every stored digest is compared in constant time, so timing tells nothing.
    digest = hashlib.sha256(presented.strip().encode("utf-8", "replace")).hexdigest()
    matched = None
    for key in current_app.extensions["replyguard"].settings.api.keys:
        if hmac.compare_digest(digest, key.sha256):
            matched = key.id
    if matched is None:
        raise Unauthorized("the API key is not valid",
                           www_authenticate=WWWAuthenticate("bearer", {"error": "invalid_token"}))
    g.api_key_id = matched


def _require_this_machine():
    """With no keys configured the API is for this machine only, even when someone binds it wider or proxies it."""
    g.api_key_id = None
    if request.method == "OPTIONS" or is_open(request.path):
        return
    forwarded = "Forwarded" in request.headers or "X-Forwarded-For" in request.headers
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        local = False
    if forwarded or not local:
        raise Forbidden("no API keys are configured, so this API answers only on this machine: "
                        "add a key with `replyguard new-key` to serve it to others")


def _rate_limit_key() -> str:
    key_id = g.get("api_key_id")
    return f"key:{key_id}" if key_id else f"address:{request.remote_addr}"
