"""The labelled corpus (corpus/): it follows its labelling guide, is big enough to measure with, and its test split
is fixed, so nothing is ever tuned on the replies the checker is scored on."""

import json

import pytest

from quality.corpus import (LANGUAGES, TEST_IDS, TEST_SHARE, CorpusError, in_test_split, load_comments,
                            load_replies, split_ids)

MIN_REPLIES = 1000
MIN_TEST_SHARE = 0.30


@pytest.fixture(scope="module")
def replies():
    return load_replies()


def test_every_line_follows_the_guide_and_the_shared_texts_stay_out(replies):
    assert {reply.lang for reply in replies} == set(LANGUAGES)
    assert all(reply.text.strip() for reply in replies)


@pytest.mark.parametrize("language", LANGUAGES)
def test_at_least_a_thousand_replies_per_language(replies, language):
    assert sum(1 for reply in replies if reply.lang == language) >= MIN_REPLIES


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_test_split_holds_at_least_30_percent_of_each_language(replies, language):
    ids = [reply.id for reply in replies if reply.lang == language]
    assert sum(map(in_test_split, ids)) / len(ids) >= MIN_TEST_SHARE
    assert TEST_SHARE >= MIN_TEST_SHARE


def test_the_test_split_is_the_recorded_one():
    """corpus/test-ids.txt records the split; a change to the draw, an id or a file fails here."""
    assert split_ids() == TEST_IDS.read_text(encoding="utf-8").split()


def test_real_replies_kept_for_measuring_are_test_only(replies):
    real = [reply for reply in replies if reply.origin == "real-replies"]
    assert len(real) == 188 and all(in_test_split(reply.id) for reply in real)


def test_every_kind_of_comment_is_labelled_in_both_languages(replies):
    comments = load_comments(replies=replies)
    for language in LANGUAGES:
        kinds = {comment.kind for comment in comments if comment.lang == language}
        assert kinds == {"complaint", "question", "praise", "troll", "hateful"}


@pytest.mark.parametrize("change, words", [
    (lambda line: line.update(labels={**line["labels"], "hostile": [{"span": "not in the text", "kind": "insult"}]}),
     "hostile: span 'not in the text' is not in the reply"),
    (lambda line: line["labels"].pop("apology"), "label apology missing"),
    (lambda line: line.update(labels={**line["labels"], "evasive": [{"span": "Hej", "kind": "nosuch"}]}),
     "evasive: kind 'nosuch'"),
    (lambda line: line.update(origin="twcs", ref="twcs-1"), "must not carry its texts"),
])
def test_a_wrong_line_is_refused_naming_file_line_and_label(tmp_path, change, words):
    line = {"id": "da-t-0001", "lang": "da", "platform": "facebook", "origin": "written", "complaint": None,
            "complaint_kind": None, "text": "Hej Lone. Ring til os på 70 20 30 40. Mvh Mette",
            "labels": {"compensation": [], "hostile": [], "evasive": [], "apology": False, "written_channel": [],
                       "phone": True, "removal_request": [], "personal_data": [], "arguing": [], "signed": True}}
    (tmp_path / "replies").mkdir()
    change(line)
    (tmp_path / "replies" / "t.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=rf"t\.jsonl:1: .*{words}"):
        load_replies(tmp_path)


def test_a_complaint_answered_by_several_replies_is_one_comment(tmp_path):
    """Otherwise the complaint classifier could be trained on it with one reply and scored on it with another."""
    line = {"lang": "en", "platform": "facebook", "origin": "written", "complaint": "Two weeks and no sofa!",
            "complaint_kind": "complaint", "text": "Hi Lone, sorry. Call us on 70 20 30 40. Mette",
            "labels": {"compensation": [], "hostile": [], "evasive": [], "apology": True, "written_channel": [],
                       "phone": True, "removal_request": [], "personal_data": [], "arguing": [], "signed": True}}
    (tmp_path / "replies").mkdir()
    (tmp_path / "complaints").mkdir()
    (tmp_path / "replies" / "t.jsonl").write_text(
        "".join(json.dumps({**line, "id": f"en-t-000{n}"}) + "\n" for n in (1, 2)), encoding="utf-8")
    assert [comment.id for comment in load_comments(tmp_path)] == ["en-t-0001/complaint"]
