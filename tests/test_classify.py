"""The complaint classifier: every kind's own examples, in both languages, read as that kind, and /v1/classify."""

import pytest

from replyguard import create_app
from replyguard.checking.classify import KINDS, Classifier, ComplaintKindError, load_complaint_kinds
from replyguard.settings import LANGUAGES

MIN_EXAMPLES = 5
COMPLAINT_KINDS = load_complaint_kinds()
EXAMPLES = [
    pytest.param(kind.kind, language, text, id=f"{kind.kind}-{language}-{number}")
    for kind in COMPLAINT_KINDS
    for language in LANGUAGES
    for number, text in enumerate(kind.examples[language])
]


@pytest.fixture(scope="module")
def client():
    """One app for the module: building one loads the rules, templates and language models."""
    return create_app({"TESTING": True}).test_client()

@pytest.fixture(scope="module")
def classifier():
    return Classifier(COMPLAINT_KINDS)


def test_every_kind_has_enough_examples_in_both_languages():
    assert [kind.kind for kind in COMPLAINT_KINDS] == list(KINDS)
    for kind in COMPLAINT_KINDS:
        for language in LANGUAGES:
            assert len(kind.examples[language]) >= MIN_EXAMPLES, f"{kind.kind}: {language}"


@pytest.mark.parametrize("expected, language, text", EXAMPLES)
def test_example_is_classified_as_its_kind_with_and_without_the_language(classifier, expected, language, text):
    assert classifier.classify(text, language).kind == expected
    assert classifier.classify(text, "auto").kind == expected


def test_anger_grows_with_capitals_exclamations_and_swearing(classifier):
    calm = classifier.classify("Min ordre er ikke kommet endnu. Kan I se, hvor den er?", "da")
    angry = classifier.classify("Min ordre er STADIG IKKE kommet!!! Det er noget lort, I er elendige!", "da")
    assert 0 <= calm.anger < 0.3 < 0.7 < angry.anger <= 1
    assert {"shouting", "exclamations", "negative-words", "strong-words"} <= set(angry.signals)
    assert calm.kind == angry.kind == "complaint"


def test_a_rough_complaint_with_a_real_case_is_not_a_troll(classifier):
    text = "Haha, fantastisk service 😂 Min cykel gik i stykker efter to dage, og ingen svarer på mine mails."
    result = classifier.classify(text, "da")
    assert result.kind == "complaint" and {"mockery", "problem"} <= set(result.signals)


def test_a_question_about_a_late_order_is_a_complaint(classifier):
    assert classifier.classify("Where is my order? It should have arrived on Friday.", "en").kind == "complaint"


@pytest.mark.parametrize("change, words", [
    (lambda d: (d / "troll.yml").unlink(), "one file per kind"),
    (lambda d: (d / "troll.yml").write_text("kind: trolls\n"), "troll.yml: kind"),
    (lambda d: (d / "praise.yml").write_text((d / "praise.yml").read_text().replace("(?:tak|", "(?:tak|(")),
     "not a valid regular expression"),
])
def test_a_broken_kind_file_names_file_and_field(tmp_path, change, words):
    for kind in COMPLAINT_KINDS:
        (tmp_path / f"{kind.kind}.yml").write_text(open(kind.source, encoding="utf-8").read(), encoding="utf-8")
    change(tmp_path)
    with pytest.raises(ComplaintKindError, match=words):
        load_complaint_kinds(tmp_path)


@pytest.mark.parametrize("kind, language", [(kind, language) for kind in KINDS for language in LANGUAGES])
def test_classify_endpoint(client, kind, language):
    text = next(k for k in COMPLAINT_KINDS if k.kind == kind).examples[language][0]
    response = client.post("/v1/classify", json={"text": text, "language": language})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"kind", "anger", "signals"} and body["kind"] == kind
    assert 0 <= body["anger"] <= 1 and body["signals"] == sorted(body["signals"])
    assert client.post("/v1/classify", json={"text": text}).get_json()["kind"] == kind


@pytest.mark.parametrize("body, status, words", [
    ({}, 400, "'text' is required"),
    ({"text": "  "}, 400, "'text' is required"),
    ({"text": "Hej", "language": "sv"}, 400, "'language' must be one of da, en, auto"),
    ({"text": "Hej", "mood": "angry"}, 400, "unknown field(s): mood"),
    ({"text": "x" * 10_001}, 413, "limit of 10000 characters"),
    (["Hej"], 400, "JSON object"),
])
def test_bad_classify_requests_get_a_clear_json_error(client, body, status, words):
    response = client.post("/v1/classify", json=body)
    assert response.status_code == status and words in response.get_json()["error"]["message"]
