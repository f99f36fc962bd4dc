"""POST /v1/events (what the extension saw posted) and GET /v1/insights (the counts, as JSON or CSV).

Both take the same keys, limits and errors as the rest of the API. An event carries no text: the platform, the
language, the rule ids, severities and kinds of dig or dodge found, whether the person was asked first, and when the answered complaint was
posted, from which only the wait's bucket is kept.

Each API key stands for one team, and a team's counts are its own business: a key reads only the rows counted with
it, unless the settings name it in [insights] owner_keys (the playbook's owner, who sees every team and may pick one
with ?team=). An API without keys answers only its own machine, so it shows everything.
"""

import csv
import io
from datetime import UTC, datetime
from typing import NamedTuple

from flask import Blueprint, Response, abort, current_app, g, jsonify, request

from ..insights.counting import PostedReply
from ..insights.report import build_report, first_day
from ..insights.store import StoreUnavailable
from ..settings import LANGUAGES
from .check_api import PLATFORMS, checker, choice, in_the_future, json_object, posting_time, rule_url

bp = Blueprint("insights_api", __name__, url_prefix="/v1")

EVENT_FIELDS = {"type", "platform", "language", "findings", "after_question", "complaint_posted_at"}
EVENT_TYPES = ("reply_posted",)
SEVERITIES = ("error", "warning", "info")
MAX_FINDINGS = 200  # far more than one reply ever has; bounds the work an event can cause
MAX_DAYS = 400
CSV_COLUMNS = ("day", "key_id", "platform", "language", "event", "label", "severity", "count")
DEFAULT_TARGET_HOURS = 2  # the playbook's response time, when the respond-promptly rule isn't loaded


def tally():
    return current_app.extensions["replyguard.insights"]


@bp.post("/events")
def events():
    body = json_object(EVENT_FIELDS)
    choice(body, "type", EVENT_TYPES, None)
    platform = choice(body, "platform", PLATFORMS, "other")
    language = choice(body, "language", LANGUAGES, None)
    findings = _findings(body.get("findings", []))
    after_question = body.get("after_question", False)
    if not isinstance(after_question, bool):
        abort(400, "field 'after_question' must be true or false")
    posted_at = body.get("complaint_posted_at")
    age = None
    if posted_at is not None:
        moment = posting_time("complaint_posted_at", posted_at)
        # A time in the future is a page's or computer's clock gone wrong: the post counts, its wait doesn't.
        if not in_the_future(moment):
            age = max(0.0, (datetime.now(UTC) - moment).total_seconds() / 60)
    severities = {severity for _, severity, _ in findings}
    verdict = "block" if "error" in severities else "review" if "warning" in severities else "ok"
    tally().count_post(PostedReply(platform, language, verdict, findings, after_question, age), g.api_key_id)
    return jsonify(counted=tally().enabled), 202


def _findings(findings) -> tuple[tuple[str, str, str | None], ...]:
    """(rule, severity, kind) of each posted finding; the kind (of dig or dodge, as /v1/check gave it) is optional."""
    if not isinstance(findings, list):
        abort(400, "field 'findings' must be a list of {\"rule\": ..., \"severity\": ...}")
    if len(findings) > MAX_FINDINGS:
        abort(400, f"field 'findings' has more than {MAX_FINDINGS} items")
    kinds = {rule.id: set(rule.kind_titles) for rule in checker().rules}
    all_kinds = set().union(*kinds.values())
    result = []
    for finding in findings:
        if not isinstance(finding, dict) or not {"rule", "severity"} <= set(finding) <= {"rule", "severity", "kind"}:
            abort(400, "each item of 'findings' must be an object with 'rule' and 'severity' (and may have 'kind')")
        if not isinstance(finding["rule"], str) or finding["rule"] not in kinds:
            abort(400, "each finding's 'rule' must be the id of one of the API's rules (GET /v1/rules)")
        if not isinstance(finding["severity"], str) or finding["severity"] not in SEVERITIES:
            abort(400, f"each finding's 'severity' must be one of {', '.join(SEVERITIES)}")
        kind = finding.get("kind")
        if kind is not None and (not isinstance(kind, str) or kind not in all_kinds):
            abort(400, f"each finding's 'kind' must be null or one of {', '.join(sorted(all_kinds))}")
        # A kind its rule doesn't name (another rule's) isn't counted: the finding still is.
        result.append((finding["rule"], finding["severity"], kind if kind in kinds[finding["rule"]] else None))
    return tuple(result)


@bp.get("/insights")
def insights():
    days = request.args.get("days", "30")
    if not days.isascii() or not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
        abort(400, f"query parameter 'days' must be a whole number from 1 to {MAX_DAYS}")
    days = int(days)
    output = request.args.get("format", "json")
    if output not in ("json", "csv"):
        abort(400, "query parameter 'format' must be json or csv")
    language = request.args.get("language", "da")
    if language not in LANGUAGES:
        abort(400, f"query parameter 'language' must be one of {', '.join(LANGUAGES)}")
    scope = _scope()
    if not tally().enabled:
        abort(404, "counting is switched off in the settings ([insights] enabled = false)")
    until = datetime.now(UTC).date()
    try:
        rows = tally().rows(first_day(days, until).isoformat(), scope.key_id)
    except StoreUnavailable:
        abort(503, "the insights store can't be reached now; the counts are kept and written when it is back")
    if output == "csv":
        return _csv(rows, days)
    rules = checker().rules
    titles = {rule.id: rule.title[language] for rule in rules}
    kind_titles = {(rule.id, kind): title[language] for rule in rules for kind, title in rule.kind_titles.items()}
    report = build_report(rows, days, until, _target_minutes(),
                          lambda rule_id: (titles.get(rule_id, rule_id), rule_url(rule_id, language)),
                          lambda rule_id, kind: kind_titles.get((rule_id, kind), kind))
    return jsonify({**report, "teams": scope.teams, "team_choices": scope.choices})


class Scope(NamedTuple):
    """Whose counts one request reads."""

    key_id: str | None  # the one team's (API key's) rows, or None: every row
    teams: list[str]  # the teams the answer covers, as the report's "teams" says
    choices: list[str]  # the teams this caller may pick with ?team=, as the report's "team_choices" says


def _scope() -> Scope:
    """A team's key reads its own rows (asking for another team is 403, whether that team exists or not, so a key
    can't find out the others' ids); an owner's key, or any request to an API without keys (its own machine only),
    reads every row or the one team asked for (an unknown team is 400)."""
    settings = checker().settings
    team = request.args.get("team")
    caller = g.api_key_id
    if caller is not None and caller not in settings.insights.owner_keys:
        if team is not None and team != caller:
            abort(403, f"query parameter 'team': this API key (id {caller!r}) shows only its own team's counts; "
                       f"other teams' are for the keys in the settings' [insights] owner_keys")
        return Scope(caller, [caller], [caller])
    key_ids = [key.id for key in settings.api.keys]
    if team is None:
        return Scope(None, key_ids, key_ids)
    if team not in key_ids:
        if not key_ids:
            abort(400, "query parameter 'team': this API has no keys, so its counts aren't split by team")
        abort(400, "query parameter 'team' must be the id of one of the API keys in the settings (the answer's "
                   "team_choices lists them)")
    return Scope(team, [team], key_ids)


def _csv(rows, days: int) -> Response:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows((*row, count) for row, count in rows)
    return Response(text.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="replyguard-insights-{days}d.csv"'})


def _target_minutes() -> float:
    """The playbook's response time: the respond-promptly rule's limit, or the organisation's own from the settings."""
    hours = DEFAULT_TARGET_HOURS
    for rule in checker().rules:
        if rule.id == "respond-promptly":
            for limit in rule.check.get("limits", []):
                if limit.get("metric") == "complaint_age_hours":
                    hours = limit.get("max", hours)
    hours = checker().settings.thresholds.get("respond-promptly", {}).get("complaint_age_hours", hours)
    return hours * 60
