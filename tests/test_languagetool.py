"""LanguageTool's HTTP API v2 at /v2, as LanguageTool clients use it: the real language_tool_python client against
the running API, and the response checked against LanguageTool's documented format."""

import json
import logging

import jsonschema_rs
import language_tool_python
import pytest

from conftest import apply_suggestion, serve_in_thread
from replyguard import create_app

OFFER_DA = "Hej Lone. Det er vi kede af. Du får 20 % rabat på din næste ordre. Ring på 70 20 30 40. Mvh Mette"
OFFER_EN = "Hi Sam, so sorry about this. We've issued a full refund. Please call us on +45 70 20 30 40. Best, Jonas"
EMOJI_DA = "😡👍🏽 Hej Lone, undskyld! Du får et gavekort. Mvh Mette"
REPLIES = [OFFER_DA, OFFER_EN, EMOJI_DA]

# LanguageTool's documented response format for /v2/check (its API reference and its JSON serializer), as a schema.
# LanguageTool adds fields over time, so more fields are allowed; the ones below must be there with these types.
STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}


def _object(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "properties": properties, "required": [p for p in properties if p not in optional]}


LANGUAGETOOL_CHECK_RESPONSE = _object({
    "software": _object({"name": STRING, "version": STRING, "buildDate": STRING, "apiVersion": INTEGER,
                         "status": STRING, "premium": BOOLEAN}, optional=("status", "premium")),
    "warnings": _object({"incompleteResults": BOOLEAN}),
    "language": _object({"name": STRING, "code": STRING, "detectedLanguage": _object({"name": STRING, "code": STRING})}),
    "matches": {"type": "array", "items": _object({
        "message": STRING,
        "shortMessage": STRING,
        "replacements": {"type": "array", "items": _object({"value": STRING})},
        "offset": {"type": "integer", "minimum": 0},
        "length": {"type": "integer", "minimum": 0},
        "context": _object({"text": STRING, "offset": {"type": "integer", "minimum": 0},
                            "length": {"type": "integer", "minimum": 0}}),
        "sentence": STRING,
        "type": _object({"typeName": {"enum": ["UnknownWord", "Hint", "Other"]}}),
        "rule": _object({
            "id": STRING,
            "description": STRING,
            "issueType": {"enum": ["misspelling", "grammar", "typographical", "style", "register", "uncategorized",
                                   "non-conformance", "inconsistency", "other"]},
            "urls": {"type": "array", "items": _object({"value": {"type": "string", "format": "uri"}})},
            "category": _object({"id": STRING, "name": STRING}),
        }),
        "ignoreForIncompleteSentence": BOOLEAN,
        "contextForSureMatch": INTEGER,
    })},
    "sentenceRanges": {"type": "array", "items": {"type": "array", "prefixItems": [INTEGER, INTEGER],
                                                  "minItems": 2, "maxItems": 2}},
})
LANGUAGES_RESPONSE = {"type": "array", "items": _object({"name": STRING, "code": STRING, "longCode": STRING})}


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def server(app):
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def tool(server):
    """The real LanguageTool client, pointed at ReplyGuard: it asks /v2/languages and starts nothing locally."""
    with language_tool_python.LanguageTool("auto", remote_server=server) as tool:
        assert tool.is_remote
        yield tool


def v1_findings(client, text: str) -> list[dict]:
    response = client.post("/v1/check", json={"text": text, "language": "auto"})
    assert response.status_code == 200
    return response.get_json()["findings"]


def code_points(text: str, utf16_offset: int) -> int:
    """Where a UTF-16 offset falls in a Python string, which language_tool_python's offsets count in."""
    return len(text.encode("utf-16-le")[: 2 * utf16_offset].decode("utf-16-le"))


def apply_match(text: str, match: dict) -> str:
    """What a LanguageTool client does when the person clicks the first replacement (offsets in UTF-16 units)."""
    return apply_suggestion(text, match["offset"], match["offset"] + match["length"], None,
                            match["replacements"][0]["value"])


def utf16_slice(text: str, start: int, length: int) -> str:
    return text.encode("utf-16-le")[2 * start: 2 * (start + length)].decode("utf-16-le")


@pytest.mark.parametrize("text", REPLIES, ids=["da", "en", "da-emoji"])
def test_language_tool_python_check_gives_the_v1_findings(tool, client, text):
    findings = v1_findings(client, text)
    matches = tool.check(text)
    assert sorted(m.rule_id for m in matches) == sorted(f["rule"] for f in findings)
    assert any(f["start"] is not None for f in findings)
    spans = {(f["rule"], code_points(text, f["start"]), f["end"] - f["start"], tuple(f["suggestions"]))
             for f in findings if f["start"] is not None}
    # The client turns LanguageTool's UTF-16 offsets into code points, but not the lengths.
    assert spans <= {(m.rule_id, m.offset, m.error_length, tuple(m.replacements)) for m in matches}
    for match in matches:
        assert match.message and match.category == "REPLYGUARD_PLAYBOOK" and match.rule_issue_type == "style"


@pytest.mark.parametrize("text", REPLIES, ids=["da", "en", "da-emoji"])
def test_every_replacement_gives_the_text_its_v1_suggestion_gives(client, text):
    matches = client.post("/v2/check", data={"text": text, "language": "auto"}).get_json()["matches"]
    for finding in v1_findings(client, text):
        match = next(m for m in matches if m["rule"]["id"] == finding["rule"] and (
            finding["start"] is None or (m["offset"], m["offset"] + m["length"]) == (finding["start"], finding["end"])))
        if finding["start"] is not None:
            assert [r["value"] for r in match["replacements"]] == finding["suggestions"]
        if finding["suggestions"]:
            assert apply_match(text, match) == apply_suggestion(text, finding["start"], finding["end"],
                                                                 finding["insert"], finding["suggestions"][0])


def test_language_tool_python_correct_applies_the_suggestion(tool, client):
    offer = next(f for f in v1_findings(client, OFFER_DA) if f["rule"] == "no-public-compensation")
    tool.enabled_rules, tool.enabled_rules_only = {"no-public-compensation"}, True
    try:
        corrected = tool.correct(OFFER_DA)
    finally:
        tool.enabled_rules, tool.enabled_rules_only = set(), False
    assert corrected == apply_suggestion(OFFER_DA, offer["start"], offer["end"], None, offer["suggestions"][0])
    assert "rabat" not in corrected and "+45 70 20 30 40" in corrected


def test_language_tool_python_with_a_danish_language_code_and_disabled_rules(server):
    with language_tool_python.LanguageTool("da-DK", remote_server=server) as danish:
        assert "no-public-compensation" in {m.rule_id for m in danish.check(OFFER_DA)}
        danish.disabled_rules = {"no-public-compensation", "WHITESPACE_RULE"}  # clients send LanguageTool's ids too
        assert "no-public-compensation" not in {m.rule_id for m in danish.check(OFFER_DA)}
    with pytest.raises(ValueError, match="unsupported language"):
        language_tool_python.LanguageTool("de-DE", remote_server=server)


@pytest.mark.parametrize("request_data", [
    {"text": OFFER_DA, "language": "da"},
    {"text": OFFER_EN, "language": "auto", "preferredVariants": "en-GB,de-AT"},
    {"text": EMOJI_DA, "language": "da-DK"},
    {"text": "Tak for din anmeldelse. Ring gerne til os.", "language": "auto"},
    {"data": json.dumps({"annotation": [{"markup": "<p>"}, {"text": "Hej Lone. Du får et "}, {"markup": "<b>"},
                                        {"text": "gavekort"}, {"markup": "</b>"}, {"text": "."},
                                        {"markup": "</p>", "interpretAs": "\n\n"}]}), "language": "da"},
], ids=["da", "en-preferred-variant", "emoji", "short", "annotated"])
def test_check_response_has_languagetools_documented_shape(client, request_data):
    response = client.post("/v2/check", data=request_data)
    assert response.status_code == 200 and response.content_type == "application/json"
    body = response.get_json()
    jsonschema_rs.validator_for(LANGUAGETOOL_CHECK_RESPONSE, validate_formats=True).validate(body)
    original = request_data.get("text") or "".join(i.get("text", i.get("markup")) for i in
                                                   json.loads(request_data["data"])["annotation"])
    for match in body["matches"]:
        context = match["context"]
        assert context["length"] == match["length"]
        assert (utf16_slice(context["text"], context["offset"], context["length"])
                == utf16_slice(original, match["offset"], match["length"]))
        assert match["sentence"] and match["rule"]["urls"][0]["value"].endswith(f"/rules/{match['rule']['id']}/")
    ranges = body["sentenceRanges"]
    assert ranges and all(0 <= start < end for start, end in ranges)
    assert ranges == sorted(ranges)
    assert body["software"]["name"] == "ReplyGuard"


def test_language_codes_and_the_reported_language(client):
    def language(**params):
        return client.post("/v2/check", data={"text": OFFER_EN, **params}).get_json()["language"]

    assert language(language="auto")["code"] == "en-US"
    assert language(language="auto", preferredVariants="en-GB,de-AT")["code"] == "en-GB"
    assert language(language="EN-gb") == {"name": "English (GB)", "code": "en-GB",
                                          "detectedLanguage": {"name": "English (US)", "code": "en-US"}}
    # A Danish check of an English reply: the language asked for is used, the detected one is reported beside it.
    assert language(language="da") == {"name": "Danish", "code": "da-DK",
                                       "detectedLanguage": {"name": "English (US)", "code": "en-US"}}


def test_languages_lists_the_playbook_languages_in_languagetool_shape(client):
    body = client.get("/v2/languages").get_json()
    jsonschema_rs.validator_for(LANGUAGES_RESPONSE).validate(body)
    assert {language["code"] for language in body} == {"da", "en"}
    assert {"da-DK", "en-US", "en-GB"} <= {language["longCode"] for language in body}


def test_get_gives_the_same_as_post_and_logs_no_text(client, caplog):
    params = {"text": OFFER_DA, "language": "da"}
    with caplog.at_level(logging.DEBUG):
        by_get = client.get("/v2/check", query_string=params)
    assert by_get.status_code == 200
    assert by_get.get_json() == client.post("/v2/check", data=params).get_json()
    assert "rabat" not in caplog.text


def test_annotated_text_offsets_count_the_markup_like_languagetool(client):
    items = [{"markup": "<p>"}, {"text": "Hej Lone. Du får et "}, {"markup": "<b>"}, {"text": "gavekort"},
             {"markup": "</b>"}, {"text": ". Mvh Mette"}, {"markup": "<br/>", "interpretAs": "\n"}, {"markup": "</p>"}]
    original = "".join(item.get("text", item.get("markup")) for item in items)
    body = client.post("/v2/check", data={"data": json.dumps({"annotation": items}), "language": "da"}).get_json()
    offer = next(m for m in body["matches"] if m["rule"]["id"] == "no-public-compensation")
    assert utf16_slice(original, offer["offset"], offer["length"]) == "Du får et <b>gavekort</b>."
    assert offer["sentence"] == "Du får et gavekort."
    assert [utf16_slice(original, start, end - start) for start, end in body["sentenceRanges"]] == [
        "Hej Lone.", "Du får et <b>gavekort</b>.", "Mvh Mette"]


@pytest.mark.parametrize("params, message", [
    ({"text": "Hej", "language": "sv"}, "'sv' is not one the playbook covers"),
    ({"text": "Hej"}, "parameter 'language' is required"),
    ({"language": "da"}, "parameter 'text' or 'data' is required"),
    ({"text": "Hej", "data": '{"annotation": []}', "language": "da"}, "either 'text' or 'data'"),
    ({"data": "{not json", "language": "da"}, "'data' is not valid JSON"),
    ({"data": "[" * 5000 + "]" * 5000, "language": "da"}, "'data' is not valid JSON"),
    ({"data": '{"annotation": [{"text": "Hej", "markup": "<b>"}]}', "language": "da"}, "data.annotation[0]"),
    ({"data": '{"annotation": [{"text": "\\ud83d"}]}', "language": "da"}, "unpaired surrogate"),
    ({"text": "Hej", "language": "da", "enabledOnly": "true"}, "needs 'enabledRules'"),
    ({"text": "Hej", "language": "da", "enabledOnly": "yes"}, "must be true or false"),
    ({"text": "Hej", "language": "da", "preferredVariants": "en-GB"}, "only applies with language=auto"),
])
def test_bad_requests_get_a_clear_400(client, params, message):
    response = client.post("/v2/check", data=params)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_too_long_text_is_refused_with_413(client, app):
    response = client.post("/v2/check", data={"text": "Hej! " * app.config["MAX_TEXT_LENGTH"], "language": "da"})
    assert response.status_code == 413 and "limit" in response.get_json()["error"]["message"]


def test_empty_text_has_no_matches_as_in_languagetool(client):
    body = client.post("/v2/check", data={"text": "", "language": "auto"}).get_json()
    assert body["matches"] == [] and body["sentenceRanges"] == []


# Whole-reply findings, with rules made for the test: a greeting that goes at the start, a sign-off at the end, and a
# length limit that names no place for its suggestion.
WHOLE_REPLY_RULES = {
    "greet-first": """
severity: info
check: {kind: absent, insert: start, require: [{patterns: {da: [hej], en: [hi]}}]}
suggestions: {da: ["Hej,"], en: ["Hi,"]}
""",
    "sign-off": """
severity: warning
check: {kind: absent, insert: end, require: [{patterns: {any: ["{staff}"]}}]}
suggestions: {da: ["Mvh {name}"], en: ["Best, {name}"]}
""",
    "short-enough": """
severity: warning
check: {kind: metric, limits: [{metric: words, max: 12}]}
suggestions: {da: [Skriv kortere.], en: [Write less.]}
""",
    "use-the-template": """
severity: info
check: {kind: metric, insert: replace, limits: [{metric: words, max: 3, languages: [en]}]}
suggestions: {da: [Skabelonen.], en: [The template.]}
""",
}
COMMON_FIELDS = """
principle: clear-simple-kind
title: {da: Testregel, en: Test rule}
flags: {da: Test., en: Test.}
message: {da: Testbesked., en: Test message.}
why: {da: Fordi., en: Because.}
examples: {da: {bad: [], good: []}, en: {bad: [], good: []}}
"""


@pytest.fixture(scope="module")
def whole_reply_client(tmp_path_factory):
    rules_dir = tmp_path_factory.mktemp("rules")
    for rule_id, fields in WHOLE_REPLY_RULES.items():
        (rules_dir / f"{rule_id}.yml").write_text(f"id: {rule_id}\n{fields}{COMMON_FIELDS}", encoding="utf-8")
    return create_app({"TESTING": True, "RULES_DIR": str(rules_dir)}).test_client()


def whole_reply_matches(client, **params) -> dict:
    body = client.post("/v2/check", data={"language": "da", **params}).get_json()
    return {match["rule"]["id"]: match for match in body["matches"]}


def test_whole_reply_findings_mark_the_sentence_their_suggestion_belongs_to(whole_reply_client):
    text = "Tak for din besked. Vi ringer til dig i dag."
    matches = whole_reply_matches(whole_reply_client, text=text)
    greeting, sign_off = matches["greet-first"], matches["sign-off"]
    assert utf16_slice(text, greeting["offset"], greeting["length"]) == "Tak for din besked."
    assert apply_match(text, greeting) == apply_suggestion(text, None, None, "start", "Hej,")
    assert utf16_slice(text, sign_off["offset"], sign_off["length"]) == "Vi ringer til dig i dag."
    assert apply_match(text, sign_off) == apply_suggestion(text, None, None, "end", "Mvh Mette")
    assert greeting["type"]["typeName"] == "Hint" and sign_off["type"]["typeName"] == "Other"
    assert greeting["ignoreForIncompleteSentence"] and sign_off["contextForSureMatch"] == -1


def test_a_whole_reply_finding_without_a_place_for_its_suggestion_adds_it_at_the_end(whole_reply_client):
    text = "Hej Lone. Tak for din besked, vi har læst den grundigt og vender tilbage i morgen. Mvh Mette "
    matches = whole_reply_matches(whole_reply_client, text=text)
    assert set(matches) == {"short-enough"}
    assert utf16_slice(text, matches["short-enough"]["offset"], matches["short-enough"]["length"]) == "Mvh Mette "
    assert apply_match(text, matches["short-enough"]) == apply_suggestion(text, None, None, None, "Skriv kortere.")


def test_a_whole_reply_suggestion_that_replaces_the_reply_marks_the_whole_text(whole_reply_client):
    text = "Hi Sam. Thanks for your message, we'll call you today. Best, Mette"
    matches = whole_reply_matches(whole_reply_client, text=text, language="en")
    replace = matches["use-the-template"]
    assert (replace["offset"], replace["length"]) == (0, len(text))
    assert apply_match(text, replace) == "The template."


def test_a_whole_reply_suggestion_goes_inside_the_markup(whole_reply_client):
    items = [{"markup": "<p>"}, {"text": "Tak for din besked. Vi ringer i dag."}, {"markup": "</p>"}]
    original = "".join(item.get("text", item.get("markup")) for item in items)
    matches = whole_reply_matches(whole_reply_client, data=json.dumps({"annotation": items}))
    assert apply_match(original, matches["greet-first"]) == "<p>Hej, Tak for din besked. Vi ringer i dag.</p>"
    assert apply_match(original, matches["sign-off"]) == "<p>Tak for din besked. Vi ringer i dag.\n\nMvh Mette</p>"

