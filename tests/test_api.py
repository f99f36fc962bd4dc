"""The /v1 API as the extension and scripts use it."""

import pytest

from conftest import utf16_len

OFFER_DA = "Hej Lone. Det er vi kede af. Du får 20 % rabat på din næste ordre. Ring på 70 20 30 40. Mvh Mette"


def test_check_danish_reply_with_public_discount_is_blocked(client):
    response = client.post("/v1/check", json={"text": OFFER_DA, "language": "da", "platform": "facebook"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["language"] == "da"
    assert body["verdict"] == "block"
    offer = next(f for f in body["findings"] if f["rule"] == "no-public-compensation")
    assert OFFER_DA[offer["start"]:offer["end"]] == "Du får 20 % rabat på din næste ordre."
    assert offer["severity"] == "error"
    assert offer["url"] == "http://localhost/playbook/rules/no-public-compensation/"
    assert offer["suggestions"] == ["Ring til os på +45 70 20 30 40, så finder vi en løsning sammen."]


def test_check_detects_english_and_links_english_page(client):
    text = "Hi Sam, so sorry about this. We've issued a full refund. Please call us on +45 70 20 30 40. Best, Jonas"
    body = client.post("/v1/check", json={"text": text}).get_json()
    assert body["language"] == "en"
    offer = next(f for f in body["findings"] if f["rule"] == "no-public-compensation")
    assert offer["url"].endswith("/playbook/en/rules/no-public-compensation/")
    assert offer["message"].startswith("This reply talks about compensation")


def test_offsets_count_utf16_units_like_javascript(client):
    text = "😡👍🏽 Hej Lone, undskyld! Du får et gavekort. Mvh Mette"
    offer = next(f for f in client.post("/v1/check", json={"text": text, "language": "da"}).get_json()["findings"]
                 if f["rule"] == "no-public-compensation")
    sentence = "Du får et gavekort."
    assert offer["start"] == utf16_len(text[: text.index(sentence)])
    assert offer["end"] - offer["start"] == utf16_len(sentence)


def test_findings_are_sorted_and_whole_reply_ones_have_null_span(client):
    text = "Du får et gavekort. Og pengene tilbage."
    findings = client.post("/v1/check", json={"text": text, "language": "da"}).get_json()["findings"]
    spans = [(f["start"], f["end"]) for f in findings if f["start"] is not None]
    assert spans == sorted(spans) and len(spans) == 2
    for finding in findings:
        assert set(finding) == {"rule", "severity", "message", "start", "end", "insert", "suggestions", "kind", "url"}
        assert (finding["start"] is None) == (finding["end"] is None) == (finding["insert"] is not None)
        assert finding["kind"] is None  # only kind-tone's and no-dodging's messages name a kind


@pytest.mark.parametrize("language, text, rule, kind", [
    ("da", "Hej Tom. Din anmeldelse er sendt videre til vores advokat. Mvh Anna", "kind-tone", "threat"),
    ("en", "Hi Sam. Deliveries are handled by our courier partner, so they are the ones to speak to. Thanks, Jo",
     "no-dodging", "passing-the-buck"),
])
def test_a_finding_whose_message_names_a_kind_says_which_for_clients_to_count(client, language, text, rule, kind):
    findings = client.post("/v1/check", json={"text": text, "language": language}).get_json()["findings"]
    [finding] = [f for f in findings if f["rule"] == rule]
    assert finding["kind"] == kind


def test_configured_playbook_base_url_is_used(tmp_path):
    from replyguard import create_app
    from replyguard.settings import DEFAULT_SETTINGS_TEXT

    settings = tmp_path / "settings.toml"
    settings.write_text(DEFAULT_SETTINGS_TEXT.replace('base_url = ""', 'base_url = "https://guide.example.dk/playbook"'))
    client = create_app({"SETTINGS_FILE": str(settings)}).test_client()
    finding = client.post("/v1/check", json={"text": OFFER_DA, "language": "da"}).get_json()["findings"][0]
    assert finding["url"].startswith("https://guide.example.dk/playbook/rules/")


def test_rules_lists_every_rule_with_rendered_description(client, rules):
    body = client.get("/v1/rules?language=en").get_json()
    assert [r["id"] for r in body["rules"]] == [rule.id for rule in rules]
    compensation = next(r for r in body["rules"] if r["id"] == "no-public-compensation")
    assert compensation["title"] == "Never offer compensation in public"
    assert compensation["description"].startswith("<p>")
    assert compensation["url"].endswith("/playbook/en/rules/no-public-compensation/")


def test_health(client, rules):
    body = client.get("/v1/health").get_json()
    assert body["status"] == "ok" and body["rules"] == len(rules) and body["version"]


@pytest.mark.parametrize("body, status, words", [
    ({}, 400, "'text' is required"),
    ({"text": 42}, 400, "'text' is required"),
    ({"text": "   "}, 400, "empty"),
    ({"text": "Hej", "language": "de"}, 400, "'language' must be one of da, en, auto"),
    ({"text": "Hej", "platform": "twitter"}, 400, "'platform' must be one of"),
    ({"text": "Hej", "context": []}, 400, "'context' must be an object"),
    ({"text": "Hej", "context": {"staff_replies_in_thread": "two"}}, 400, "staff_replies_in_thread"),
    ({"text": "Hej", "context": {"staff_replies_in_thread": True}}, 400, "staff_replies_in_thread"),
    ({"text": "Hej", "context": {"complaint_posted_at": "yesterday"}}, 400, "ISO 8601"),
    ({"text": "Hej", "context": {"mood": "angry"}}, 400, "unknown context field(s): mood"),
    ({"text": "Hej", "langauge": "da"}, 400, "unknown field(s): langauge"),
    ({"text": "x" * 10_001}, 413, "limit of 10000 characters"),
    ({"text": "Hej \ud800"}, 400, "unpaired surrogate"),
    (["text"], 400, "JSON object"),
])
def test_bad_check_requests_get_a_clear_json_error(client, body, status, words):
    response = client.post("/v1/check", json=body)
    assert response.status_code == status
    assert words in response.get_json()["error"]["message"]
    assert response.get_json()["error"]["code"] == status


def test_body_that_is_not_json(client):
    assert client.post("/v1/check", data="text=hej", content_type="application/x-www-form-urlencoded").status_code == 415
    response = client.post("/v1/check", data="{not json", content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/v1/check", "/v1/classify"])
def test_deeply_nested_json_is_a_clear_400_not_a_crash(client, path):
    response = client.post(path, data="[" * 30_000 + "]" * 30_000, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.get_json()["error"]["message"]


def test_oversized_body_is_refused(client):
    response = client.post("/v1/check", data="x" * 70_000, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == 413


def test_unknown_route_and_method_answer_json(client):
    assert client.get("/v1/nope").get_json()["error"]["code"] == 404
    response = client.get("/v1/check")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert response.get_json()["error"]["code"] == 405


def test_unknown_rules_language(client):
    assert client.get("/v1/rules?language=sv").status_code == 400
