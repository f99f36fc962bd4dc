"""The API keeps its published contract whatever it is sent, and the engine holds up on any Unicode text.

Schemathesis fuzzes every operation in /v1/openapi.json against the app (bounded and seeded, so a run is repeatable);
Hypothesis throws arbitrary text at the engine.
"""

import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import utf16_len, write_settings
from replyguard import create_app
from replyguard.web.openapi import load_document

KEY = "rg_contract-test-key-0123456789abcdefghijklmnop"
EXAMPLES_PER_OPERATION = 30
SEED = 20261123
# The limits are statuses of their own (413), not 400: Schemathesis should accept them as a rejection.
REJECTIONS = [400, 401, 403, 404, 405, 413, 415, 422, 429]


def make_keyed_app(folder: Path):
    """The API as a team runs it: a key required, a built site at /playbook/, a rate limit the fuzzer won't reach."""
    site = folder / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>Svarguide</h1>", encoding="utf-8")
    settings_file = write_settings(folder / "team.toml", 'rate_limit = "1000000 per minute"', {"contract": KEY})
    return create_app({"SETTINGS_FILE": settings_file, "SITE_DIR": str(site)})


# Schemathesis needs the app when the tests are collected, before pytest's fixtures exist.
_folder = tempfile.TemporaryDirectory(prefix="replyguard-contract-")
keyed_app = make_keyed_app(Path(_folder.name))
schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", keyed_app, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "headers": {"Authorization": f"Bearer {KEY}"},
    "generation": {"max-examples": EXAMPLES_PER_OPERATION},
    "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
    # /v2/check takes `text` or `data` but not both (LanguageTool's rule), which OpenAPI has no way to say.
    "operations": [{"include-path": "/v2/check", "checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "400", "401", "403", "429"]}}}],
}))


@schema.parametrize()
def test_every_operation_keeps_to_the_document_and_never_fails_with_5xx(case):
    case.call_and_validate()


def routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) for every route the app serves."""
    served = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return served


def test_document_lists_every_route_the_app_serves_and_no_other():
    document = load_document()
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert routes(keyed_app) - documented == set(), "add these routes to api/replyguard/openapi.yml"
    assert documented - routes(keyed_app) == set(), "the document lists routes the app doesn't serve"


def test_document_is_served_as_openapi_3_1_json(client):
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document == load_document() and document["openapi"] == "3.1.0"
    assert document["info"]["version"] == client.get("/v1/health").get_json()["version"]
    assert document["components"]["securitySchemes"]["bearerKey"]["scheme"] == "bearer"
    # What an event's finding may name, filled in from the rule files: every rule, and each kind of dig or dodge.
    assert "kind-tone" in document["components"]["schemas"]["RuleId"]["enum"]
    assert {"threat", "passing-the-buck"} <= set(document["components"]["schemas"]["KindName"]["enum"])


def test_limits_come_from_the_settings_and_the_413_names_them(tmp_path):
    settings_file = write_settings(tmp_path / "team.toml", "max_body_bytes = 2000\nmax_text_length = 300")
    client = create_app({"SETTINGS_FILE": settings_file}).test_client()
    assert client.post("/v1/check", json={"text": "Hej Lone. " * 30}).status_code == 200

    too_long = client.post("/v1/check", json={"text": "Hej Lone. " * 31})
    assert too_long.status_code == 413
    assert too_long.get_json()["error"]["message"] == "field 'text' is longer than the limit of 300 characters"

    too_big = client.post("/v1/check", json={"text": "Hej", "context": {"complaint": "x" * 2000}})
    assert too_big.status_code == 413
    assert too_big.get_json()["error"]["message"] == "the request body is larger than the limit of 2000 bytes"


def test_default_limits_fit_a_public_reply_with_room_to_spare(client):
    long_reply = "Hej Lone, tak for din besked, og undskyld ventetiden. " * 100  # 5,500 characters
    assert client.post("/v1/check", json={"text": long_reply, "context": {"complaint": long_reply}}).status_code == 200


@pytest.mark.parametrize("method, path", [("DELETE", "/v1/check"), ("PUT", "/v1/rules"), ("POST", "/v1/health")])
def test_wrong_method_is_a_json_405_with_allow(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405 and response.get_json()["error"]["code"] == 405
    assert response.headers["Allow"]


# Words the rules look for, numbers that read as phones or prices, emoji outside the BMP, line breaks and the like,
# mixed with arbitrary text, so generated replies do trigger findings near awkward characters.
PIECES = ["gavekort", "rabat", "20 % rabat", "refund", "voucher", "Du får", "pengene tilbage", "70 20 30 40",
          "+45 70 20 30 40", "Mette", "Jonas", "undskyld", "sorry", "😡", "👍🏽", "🇩🇰", "e\u0301", "\r\n", "\n\n", ". ",
          "! ", "…", "kr.", "f.eks.", "lone@example.dk", "https://example.dk/x", "\u200b", "\ufeff", "İ", "ß", "ﬁ"]
replies = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(PIECES)), max_size=40).map("".join)
# Bounded and repeatable; no deadline or speed health check, since speed is bench/'s business, not a busy CI's.
engine_settings = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                           suppress_health_check=[HealthCheck.too_slow])


def assert_sound(text: str, result) -> None:
    units = text.encode("utf-16-le")
    length = utf16_len(text)
    for finding in result.findings:
        if finding.start is None:
            assert finding.end is None and finding.insert in ("start", "end")
            continue
        assert 0 <= finding.start < finding.end <= length, (finding, length)
        for offset in (finding.start, finding.end):
            if 0 < offset < length:
                unit = int.from_bytes(units[2 * offset: 2 * offset + 2], "little")
                assert not 0xDC00 <= unit <= 0xDFFF, f"offset {offset} splits a surrogate pair"


@engine_settings
@given(text=replies, language=st.sampled_from(["da", "en", "auto"]))
def test_engine_never_raises_and_spans_lie_inside_the_text_on_whole_characters(checker, text, language):
    assert_sound(text, checker.check(text, language))


@engine_settings
@given(text=replies, other=replies)
def test_the_same_text_always_gives_the_same_findings(checker, text, other):
    first = checker.check(text, "auto")
    checker.check(other, "auto")
    assert checker.check(text, "auto") == first
