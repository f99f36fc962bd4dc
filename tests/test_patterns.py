"""Phrase matching finds what plain re finds, however it narrows down where to look and whether it stops at the
first match."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from replyguard.checking.patterns import AnchorIndex, Haystack, PatternSet

# Patterns of the shapes the rule files use: an anchor any number of characters but few words into a match (after
# words of any length, or after whitespace of some kinds), an anchor after a repeat of whole words, no anchor at all
# (a rare or a common first character), an anchor a few characters in (tried where the pattern's first characters
# are, or where it can't list them at every word start or every character), matches outside whole words (two, which a
# search tries one by one), emoji (anchored by one character), and case-sensitive ones.
ITEMS = [
    {"pattern": r"\d+ ?(?:%|percent|per cent) (?:off|discount)"},
    {"pattern": r"(?:\w+['’]s|is|are|will be) on (?:us|the house)\b"},
    {"pattern": r"(?:money|refund)(?: \S+){0,3}? back\b"},
    {"pattern": r"(?:we|i)(?: [^\s.!?]+){0,4}? for free"},
    {"pattern": r"(?:very )*sorry"},
    {"pattern": r"(?:\+45 ?)?[78]0(?: ?\d\d){3}"},
    {"pattern": r"(?:our \w+|the shop) (?:at|on) \d{1,4}"},
    {"pattern": r"[/~^*–-] ?[A-Z]{1,3}$", "word": False, "case_sensitive": True},
    {"pattern": r"\n[A-Z][a-z]+$", "word": False, "case_sensitive": True},
    {"pattern": r"🙄|🤷|¯\\_\(ツ\)_/¯", "word": False},
    {"pattern": r"[A-Z]{3,} [A-Z]{2,}", "case_sensitive": True},
    {"pattern": r"(?:Best|Kind regards),\s*[A-Z][a-z]+", "case_sensitive": True},
    {"pattern": r"(?:a |the |[0-9] )?(?:tenner|fiver) off"},
    {"pattern": r"(?:\w{1,3} )?gift card"},
    {"pattern": r"[(\[]?ref[)\]]?:", "word": False},
    {"pattern": r".?ref-\d", "word": False},
    {"pattern": r"(?:Mr|Ms)\.? Smith", "case_sensitive": True},
    {"pattern": r"(?:sorry|refund)[\t ,]?(?:[^\S\n]\w+){1,2} again"},
]
PIECES = st.sampled_from([
    "20% off", "20 per cent off", "20 percent discount", "it's on us", "It's on the house", "that is on us",
    "money back", "Refund is on its way back", "refund back", "we will do it for free", "I can fix it for free.",
    "We will, for free", "very very sorry", "Sorry", "unsorry", "+45 70 20 30 40", "80 20 30 40", "7020 3040",
    "our shop at 12", "the shop on 4", "/KM", "- Jo", "CALL US NOW", "Best, Mette", "Kind regards,\nJonas",
    "a tenner off", "The fiver off", "2 fiver off", "tenner off", "atenner off", "ab gift card", "Gift card", "xgift card",
    "sorry, so very again", "refund\tnot\u00a0again", "Sorry so\nvery again", "refund  again",
    "(ref):", "[ref]:", "ref:", "xref-1", "ref-2", "Mr. Smith", "Ms Smith", "mr smith", "Mr.Smith",
    "İ", "lorem ipsum dolor sit amet", "x", "2", " ", "  ", "\n", "\u00a0", ".", ", ", "!", "'", "🙄", "ok🤷", "¯\\_(ツ)_/¯",
])


def _plain(item: dict) -> re.Pattern:
    """The item as one plain regex over the whole reply (case-insensitive ones as the matcher reads them)."""
    template = r"(?<!\w)(?:%s)(?!\w)" if item.get("word", True) else "(?:%s)"
    return re.compile(template % item["pattern"], 0 if item.get("case_sensitive") else re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=80).map(" ".join))
@example("lorem ipsum dolor sit amet " * 20 + "so it's on us, and 20% off, money back")
@example("CALL US NOW " + "x " * 200 + "Best, Mette")
def test_patterns_find_what_plain_re_finds(text):
    """The matcher skips the places where a pattern can't match (no anchor near enough) and its search stops at the
    first match; it must still find every match re finds, each pattern on its own and all of them together."""
    index = AnchorIndex()
    each = [PatternSet([item], index) for item in ITEMS]
    together = PatternSet(ITEMS, index)
    index.build()
    for item, patterns in zip(ITEMS, each):
        assert [(start, end) for start, end, _ in patterns.finditer(Haystack(text, index))] == [
            match.span() for match in _plain(item).finditer(text)], item
    first = [match.start() for match in (_plain(item).search(text) for item in ITEMS) if match]
    assert together.search(Haystack(text, index)) == bool(first)
    found = list(together.finditer(Haystack(text, index)))
    assert min((start for start, _, _ in found), default=None) == min(first, default=None)
    for start, end, item in found:  # each is one of the items' matches, at its place
        assert _plain(item).match(text, start), (text[start:end], item)


@pytest.mark.parametrize("order", [("a", "b", "c"), ("b", "c", "a"), ("c", "a", "b")])
def test_of_patterns_matching_the_same_words_the_first_in_the_file_names_the_finding(order):
    """Which item a finding names (its message and suggestions) must not depend on how the matcher found it: by an
    anchor at the match's start (a), by an anchor a few words in (b), or in the scan for patterns with no anchor (c).
    Of patterns matching the same words, the first in the rule file names it."""
    patterns_by_name = {
        "a": r"(?:^|(?<=[.!?] ))read (?:the|your|our|it)(?: \w+){0,2}(?= next time|[.!])",
        "b": r"(?:read|check) (?:it|them|the \w+)(?: \w+){0,3} next time|next time,? read\b",
        "c": r"r\w{3} \w{2} \w{4} \w{4}",
    }
    items = [{"pattern": patterns_by_name[name], "name": name} for name in order]
    index = AnchorIndex()
    patterns = PatternSet(items, index)
    index.build()
    text = "No trainers, no exceptions. Read it next time."
    assert [(text[start:end], item["name"]) for start, end, item in patterns.finditer(Haystack(text, index))] == [
        ("Read it next time", order[0])]
