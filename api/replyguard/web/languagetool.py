"""LanguageTool's HTTP API v2 at /v2, so LanguageTool clients (browser add-on, office plug-ins, editor integrations,
language_tool_python) show the playbook's findings with no new software.

One engine, two shapes: the findings are those of /v1/check for the same text, written the way LanguageTool writes
its matches. Offsets count UTF-16 code units, as LanguageTool's do. A finding about the whole reply has no span of its
own, so it becomes a match on the span its suggestion belongs to: the whole text when the suggestion replaces the
reply, the first sentence when it goes at the start, else the last sentence (to the end of the text). The replacement
is that span with the suggestion in its place, so applying it gives the same text as applying the /v1 suggestion.
"""

import json

from flask import Blueprint, abort, current_app, g, jsonify, request

from .. import __version__
from ..checking.language import detect_language
from ..checking.text import Measured, Utf16Offsets
from .check_api import checker, rule_url, validate_text

bp = Blueprint("languagetool", __name__, url_prefix="/v2")

# LanguageTool's codes for the playbook's languages, with LanguageTool's names; the English rules serve every variant.
VARIANTS = {
    "da-DK": ("Danish", "da"),
    "en": ("English", "en"),
    "en-US": ("English (US)", "en"),
    "en-GB": ("English (GB)", "en"),
    "en-AU": ("English (Australian)", "en"),
    "en-CA": ("English (Canadian)", "en"),
    "en-NZ": ("English (New Zealand)", "en"),
    "en-ZA": ("English (South African)", "en"),
}
# What LanguageTool reports for a detected language when the client names no preferred variant.
DEFAULT_VARIANT = {"da": "da-DK", "en": "en-US"}
CODES = {code.lower(): code for code in VARIANTS} | {"da": "da-DK"}
ACCEPTED = ", ".join(["auto", "da", *VARIANTS])
CATEGORY = {"id": "REPLYGUARD_PLAYBOOK", "name": {"da": "Svarguide", "en": "Response playbook"}}
CONTEXT_CHARACTERS = 40  # on each side of a match, as LanguageTool's default context


@bp.get("/languages")
def languages():
    return jsonify([{"name": name, "code": language, "longCode": code} for code, (name, language) in VARIANTS.items()])


@bp.route("/check", methods=["GET", "POST"])
def check():
    params = request.values  # LanguageTool takes its parameters from the query string and a form body alike
    text = _annotated_text(params)
    requested = _language(params.get("language"))
    preferred = _list(params, "preferredVariants")
    if preferred and requested != "auto":
        abort(400, "parameter 'preferredVariants' only applies with language=auto")
    wanted = _rule_filter(params)
    # motherTongue and LanguageTool's other parameters (level, mode, ...) don't change a playbook check.

    detected = detect_language(text.plain)
    if text.plain.strip():
        result = checker().check(text.plain, "auto" if requested == "auto" else VARIANTS[requested][1])
        # counted as the extension's checks are (a LanguageTool client doesn't say where it writes)
        current_app.extensions["replyguard.insights"].count_check(result, "other", g.api_key_id)
        language, findings = result.language, [f for f in result.findings if wanted(f.rule)]
    else:  # LanguageTool answers an empty text with no matches, and clients send one for an empty editor
        language, findings = detected, []
    code = requested if requested != "auto" else _variant(language, preferred)
    rules = {rule.id: rule for rule in checker().rules}
    return jsonify(
        software={"name": "ReplyGuard", "version": __version__, "buildDate": "", "apiVersion": 1,
                  "premium": False, "status": ""},
        warnings={"incompleteResults": False},
        language={"name": VARIANTS[code][0], "code": code,
                  "detectedLanguage": {"name": VARIANTS[DEFAULT_VARIANT[detected]][0], "code": DEFAULT_VARIANT[detected]}},
        matches=sorted((_match(f, rules[f.rule], text, language) for f in findings),
                       key=lambda match: (match["offset"], match["length"])),
        sentenceRanges=[list(text.original_span(start, end)) for start, end in text.sentence_spans],
    )


def _rule_filter(params):
    """Which rules a request wants, from LanguageTool's enabledRules, disabledRules, enabledOnly and categories."""
    enabled_only = _boolean(params, "enabledOnly")
    enabled, disabled = _list(params, "enabledRules"), _list(params, "disabledRules")
    enabled_categories, disabled_categories = _list(params, "enabledCategories"), _list(params, "disabledCategories")
    if enabled_only and not (enabled or enabled_categories):
        abort(400, "parameter 'enabledOnly=true' needs 'enabledRules' or 'enabledCategories'")
    if CATEGORY["id"] in disabled_categories:
        return lambda rule_id: False
    if enabled_only and CATEGORY["id"] not in enabled_categories:
        return lambda rule_id: rule_id in enabled and rule_id not in disabled
    return lambda rule_id: rule_id not in disabled


class _AnnotatedText:
    """The plain text the engine checks, and the original it came from (LanguageTool's annotated text: text and
    markup together), with offsets in UTF-16 code units mapped from one to the other as LanguageTool maps them."""

    def __init__(self, items: list[dict]):
        checked = [item["text"] if "text" in item else item.get("interpretAs", "") for item in items]
        written = [item["text"] if "text" in item else item["markup"] for item in items]
        self.plain, self.original = "".join(checked), "".join(written)
        # One piece per item: (start in plain, length in plain, start in original, length in original, is text).
        self._pieces, plain_at, original_at = [], 0, 0
        for item, plain_part, original_part in zip(items, checked, written):
            plain_length, original_length = _utf16_len(plain_part), _utf16_len(original_part)
            self._pieces.append((plain_at, plain_length, original_at, original_length, "text" in item))
            plain_at, original_at = plain_at + plain_length, original_at + original_length
        measured, utf16 = Measured(self.plain), Utf16Offsets(self.plain)
        self.sentence_spans = [(utf16(s.start), utf16(s.end)) for s in measured.sentences]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """A plain span's place in the original: markup before and after it stays outside, markup inside is in."""
        return self._original_start(start), max(self._original_start(start), self._original_end(end))

    def _original_start(self, position: int) -> int:
        for plain_start, plain_length, original_start, _, is_text in self._pieces:
            if position < plain_start + plain_length:
                return original_start + (position - plain_start if is_text else 0)
        return _utf16_len(self.original)

    def _original_end(self, position: int) -> int:
        for plain_start, plain_length, original_start, original_length, is_text in reversed(self._pieces):
            if plain_length and position > plain_start:
                return original_start + (position - plain_start if is_text else original_length)
        return 0

    def original_slice(self, start: int, end: int) -> str:
        return _utf16_slice(self.original, start, end)

    def sentence_around(self, start: int, end: int) -> str:
        """The plain sentence(s) a plain span touches, as LanguageTool's `sentence`."""
        around = [s for s in self.sentence_spans if s[0] < max(end, start + 1) and start < s[1]]
        return _utf16_slice(self.plain, around[0][0], around[-1][1]) if around else ""


def _match(finding, rule, text: _AnnotatedText, language: str) -> dict:
    start, end = _plain_span(finding, text)
    original_start, original_end = text.original_span(start, end)
    replacements = list(finding.suggestions)
    if finding.start is None:
        written = text.original_slice(original_start, original_end)
        replacements = [_placed(finding.insert, suggestion, written) for suggestion in replacements]
    length = original_end - original_start
    context_start = max(0, original_start - CONTEXT_CHARACTERS)
    context_end = min(_utf16_len(text.original), original_end + CONTEXT_CHARACTERS)
    before = "..." if context_start else ""
    after = "..." if context_end < _utf16_len(text.original) else ""
    context = before + text.original_slice(context_start, context_end) + after
    return {
        "message": finding.message,
        "shortMessage": rule.title[language],
        "replacements": [{"value": value} for value in replacements],
        "offset": original_start,
        "length": length,
        "context": {"text": context.replace("\r", " ").replace("\n", " "),
                    "offset": _utf16_len(before) + original_start - context_start, "length": length},
        "sentence": text.sentence_around(start, end),
        "type": {"typeName": "Hint" if finding.severity == "info" else "Other"},
        "rule": {
            "id": rule.id,
            "description": rule.title[language],
            "issueType": "style",
            "urls": [{"value": rule_url(rule.id, language)}],
            "category": {"id": CATEGORY["id"], "name": CATEGORY["name"][language]},
        },
        "ignoreForIncompleteSentence": finding.start is None,  # a whole-reply finding needs the whole reply
        "contextForSureMatch": -1 if finding.start is None else 0,
    }


def _plain_span(finding, text: _AnnotatedText) -> tuple[int, int]:
    """Where in the plain text a finding is shown (see the module's docstring)."""
    if finding.start is not None:
        return finding.start, finding.end
    sentences, end_of_text = text.sentence_spans, _utf16_len(text.plain)
    if finding.insert == "replace" or not sentences:
        return 0, end_of_text
    if finding.insert == "start":
        return 0, sentences[0][1]
    return sentences[-1][0], end_of_text


def _placed(insert: str | None, suggestion: str, written: str) -> str:
    """A whole-reply suggestion put where /v1's `insert` says, around the text of the span it is shown on."""
    if insert == "replace":
        return suggestion
    return f"{suggestion} {written}" if insert == "start" else f"{written}\n\n{suggestion}"


def _annotated_text(params) -> _AnnotatedText:
    if "text" in params and "data" in params:
        abort(400, "send either 'text' or 'data', not both")
    limit = current_app.config["MAX_TEXT_LENGTH"]
    if "text" in params:
        validate_text("text", params["text"], limit)
        return _AnnotatedText([{"text": params["text"]}])
    if "data" not in params:
        abort(400, "parameter 'text' or 'data' is required: send the draft reply to check")
    try:
        data = json.loads(params["data"])
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's parser goes
        abort(400, "parameter 'data' is not valid JSON (or is nested too deeply)")
    items = data.get("annotation") if isinstance(data, dict) else None
    if not isinstance(items, list):
        abort(400, 'parameter \'data\' must be JSON like {"annotation": [{"text": "Hej "}, {"markup": "<b>"}]}')
    for number, item in enumerate(items):
        if not isinstance(item, dict) or not all(isinstance(value, str) for value in item.values()) or not (
                set(item) == {"text"} or set(item) in ({"markup"}, {"markup", "interpretAs"})):
            abort(400, f"data.annotation[{number}] must be {{\"text\": ...}} or {{\"markup\": ...}} "
                       "(optionally with \"interpretAs\"), with string values")
    validate_text("data", "".join(value for item in items for value in item.values()), limit)  # markup counts too
    return _AnnotatedText(items)


def _language(value: str | None) -> str:
    """'auto' or one of VARIANTS' codes, from any of LanguageTool's spellings of it (da, da-DK, en-gb, ...)."""
    if value is None:
        abort(400, f"parameter 'language' is required, one of: {ACCEPTED}")
    if value.lower() == "auto":
        return "auto"
    if value.lower() not in CODES:
        abort(400, f"language {value!r} is not one the playbook covers; use one of: {ACCEPTED}")
    return CODES[value.lower()]


def _variant(language: str, preferred: set[str]) -> str:
    chosen = [CODES[code.lower()] for code in sorted(preferred) if code.lower() in CODES
              and VARIANTS[CODES[code.lower()]][1] == language]
    return chosen[0] if chosen else DEFAULT_VARIANT[language]


def _list(params, name: str) -> set[str]:
    """A comma-separated parameter; unknown ids are LanguageTool's own rules and categories, which clients send too."""
    return {item.strip() for item in params.get(name, "").split(",") if item.strip()}


def _boolean(params, name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        abort(400, f"parameter {name!r} must be true or false")
    return value == "true"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_slice(text: str, start: int, end: int) -> str:
    # A context's edge can fall inside an emoji's surrogate pair: that half shows as one U+FFFD, keeping the length.
    return text.encode("utf-16-le")[2 * start: 2 * end].decode("utf-16-le", errors="replace")
