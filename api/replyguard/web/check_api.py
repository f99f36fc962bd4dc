"""The /v1 API: check a draft reply, list the rules, report health."""

from datetime import datetime, timedelta, timezone

import markdown
from flask import Blueprint, abort, current_app, g, jsonify, request

from .. import __version__
from ..checking.rules import rule_page_url
from ..settings import LANGUAGES

bp = Blueprint("check_api", __name__, url_prefix="/v1")

PLATFORMS = ("facebook", "trustpilot", "other")
CHECK_FIELDS = {"text", "language", "platform", "context"}
CONTEXT_FIELDS = {"complaint", "staff_replies_in_thread", "complaint_posted_at"}
CLASSIFY_LANGUAGES = (*LANGUAGES, "auto")
CLOCK_SKEW = timedelta(minutes=5)  # a posting time this far ahead of ours is a clock difference, not a mistake


def checker():
    return current_app.extensions["replyguard"]


def playbook_url() -> str:
    """The playbook site: the API's own /playbook/ unless the site is published elsewhere."""
    return checker().settings.playbook_base_url or request.url_root + "playbook/"


def rule_url(rule_id: str, language: str) -> str:
    return rule_page_url(playbook_url(), rule_id, language)


@bp.post("/check")
def check():
    body = json_object(CHECK_FIELDS)
    text = body.get("text")
    if not isinstance(text, str):
        abort(400, "field 'text' is required and must be a string")
    if not text.strip():
        abort(400, "field 'text' is empty: send the draft reply to check")
    limit = current_app.config["MAX_TEXT_LENGTH"]
    validate_text("text", text, limit)
    language = choice(body, "language", (*LANGUAGES, "auto"), "auto")
    platform = choice(body, "platform", PLATFORMS, "other")
    context = _context(body.get("context", {}), limit)

    result = checker().check(text, language, context)
    current_app.extensions["replyguard.insights"].count_check(result, platform, g.api_key_id)
    playbook = playbook_url()  # once per answer, not per finding
    answer = dict(
        language=result.language,
        verdict=result.verdict,
        findings=[
            {
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "start": f.start,
                "end": f.end,
                "insert": f.insert,
                "suggestions": list(f.suggestions),
                "kind": f.kind,
                "url": rule_page_url(playbook, f.rule, result.language),
            }
            for f in result.findings
        ],
    )
    if result.complaint:
        answer["complaint"] = result.complaint.as_json()
    return jsonify(answer)


@bp.get("/rules")
def rules():
    language = request.args.get("language", "da")
    if language not in LANGUAGES:
        abort(400, f"query parameter 'language' must be one of {', '.join(LANGUAGES)}")
    disabled = checker().settings.disabled_rules
    return jsonify(rules=[
        {
            "id": rule.id,
            "severity": rule.severity,
            "enabled": rule.id not in disabled,
            "origin": rule.origin,
            "title": rule.title[language],
            "message": rule.message[language],
            "description": _description_html(rule.id, language),
            "url": rule_url(rule.id, language),
        }
        for rule in checker().rules
    ])


@bp.get("/health")
def health():
    enabled = [rule for rule in checker().rules if rule.id not in checker().settings.disabled_rules]
    return jsonify(status="ok", version=__version__, rules=len(enabled))


def _description_html(rule_id: str, language: str) -> str:
    cache = current_app.extensions.setdefault("replyguard.descriptions", {})
    if (rule_id, language) not in cache:
        rule = next(rule for rule in checker().rules if rule.id == rule_id)
        cache[rule_id, language] = markdown.markdown(rule.why[language])
    return cache[rule_id, language]


def json_object(fields: set[str]) -> dict:
    """The request's JSON object, holding only the given fields; anything else is a 4xx that says what is wrong."""
    if not request.is_json:
        abort(415, "send the body as JSON with Content-Type: application/json")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # json gives up on deep nesting with this, not ValueError, so silent=True lets it through
        abort(400, "the body is nested too deeply to be a request of this API")
    if body is None:
        abort(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object like {\"text\": \"...\"}")
    unknown = set(body) - fields
    if unknown:
        abort(400, f"unknown field(s): {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(fields))}")
    return body


def validate_text(name: str, text: str, limit: int) -> None:
    """The length limit and Unicode check every checked text passes, in /v1 and /v2 alike."""
    if len(text) > limit:
        abort(413, f"field '{name}' is longer than the limit of {limit} characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        abort(400, f"field '{name}' contains invalid Unicode (an unpaired surrogate)")


def choice(body: dict, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name, default)
    if value not in allowed or not isinstance(value, str):
        abort(400, f"field '{name}' must be one of {', '.join(allowed)}")
    return value


def _context(context, limit: int) -> dict:
    if not isinstance(context, dict):
        abort(400, "field 'context' must be an object")
    unknown = set(context) - CONTEXT_FIELDS
    if unknown:
        abort(400, f"unknown context field(s): {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(CONTEXT_FIELDS))}")
    complaint = context.get("complaint")
    if complaint is not None:
        if not isinstance(complaint, str):
            abort(400, "field 'context.complaint' must be a string")
        validate_text("context.complaint", complaint, limit)
    replies = context.get("staff_replies_in_thread")
    if isinstance(replies, float) and replies.is_integer():
        replies = context["staff_replies_in_thread"] = int(replies)  # JSON has one number type: 3.0 is 3
    if replies is not None and (isinstance(replies, bool) or not isinstance(replies, int) or replies < 0):
        abort(400, "field 'context.staff_replies_in_thread' must be a whole number, 0 or more")
    posted = context.get("complaint_posted_at")
    if posted is not None and in_the_future(posting_time("context.complaint_posted_at", posted)):
        abort(400, "field 'context.complaint_posted_at' is in the future")
    return context


def posting_time(name: str, value) -> datetime:
    """A comment's posting time as the client sent it: ISO 8601 with a time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        abort(400, f"field '{name}' must be an ISO 8601 date and time, e.g. 2026-11-22T09:30:00Z")
    if moment.tzinfo is None:
        abort(400, f"field '{name}' needs a time zone (Z or an offset such as +01:00)")
    return moment


def in_the_future(moment: datetime) -> bool:
    """Later than now by more than a difference between clocks."""
    try:
        return moment > datetime.now(timezone.utc) + CLOCK_SKEW
    except OverflowError:  # a time near year 9999 whose offset takes it past the calendar's end
        return True
