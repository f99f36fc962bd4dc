"""Measuring a reply: words, sentences, readability, and UTF-16 offsets for JavaScript clients."""

import re
from bisect import bisect_right
from functools import cached_property
from typing import NamedTuple

WORD = re.compile(r"\w+(?:['’-]\w+)*")
# What opens and ends a Twitter team's reply inside its first and last sentence: the handles it is addressed to
# ("@115712 ") and the initials or name it is signed with ("^JK", "/PM", "-Jo", "- Anna", after any emoji).
LEADING_HANDLES = re.compile(r"(?:@\w+[ \t]+)+")
TRAILING_SIGN_OFF = re.compile(r"(?<!\w)(?:[\^*~/–—-] ?[A-ZÆØÅ][\w.]*|\^[a-zæøå]{1,3})[\W_]*$")
# A sign-off begins with one of these marks, and with its initials or name and any emoji after them it is short.
SIGN_OFF_MARK = re.compile(r"[\^*~/–—-]")
SIGN_OFF_REACH = 60
ABBREVIATIONS = ("kr", "nr", "ca", "tlf", "evt", "inkl", "ekskl", "eks", "mht", "osv", "jf", "pga",
                 "mr", "mrs", "ms", "dr", "st", "vs", "approx")
# A lone dot after a whole word that is one of these, or a single character, is not a sentence end; the letter after
# an apostrophe is not a single character ("it wasn't."). A lookbehind has a fixed width, so there is one per length
# of abbreviation; they sit after the dot so the regex only tries them there.
_NOT_AFTER_ABBREVIATION = r"(?<!(?<![\w'’])\w\.)" + "".join(
    r"(?<!(?<!\w)(?i:%s)\.)" % "|".join(a for a in ABBREVIATIONS if len(a) == length)
    for length in sorted({len(a) for a in ABBREVIATIONS}))
EMOJI = "\U0001F300-\U0001FAFF\u2600-\u27BF"
# One emoji's skin tone, joiners and variation selectors, and the emoji joined to it ("👍🏻", "❤️", "👨‍👩‍👧").
EMOJI_TAIL = "[\U0001F3FB-\U0001F3FF\uFE0F\u200D%s]*" % EMOJI
# Emoji that close a sentence: "Tillykke! 🎉 Vi ses".
TRAILING_EMOJI = "(?:[ \t]*[%s]%s)*" % (EMOJI, EMOJI_TAIL)
# A sentence ends at . ! ? or … (and any more of them) followed by space, or at a line break, but not at the dot of an
# abbreviation ("200 kr. om måneden", "f.eks. her", "Mr. Smith") or an initial ("J. Hansen"). Emoji right after the
# end belong to the sentence they close, so a finding about the next sentence doesn't begin with them. Emoji with no
# end mark before them end a sentence when a capital letter follows ("Vi ses 🙂 Mvh Jo"); before a small letter they
# sit inside it ("Vi elsker jer ❤️ og glæder os"). One regex pass; it starts with the characters a sentence can end
# with, so the regex engine can skip straight to them.
SENTENCE_END = re.compile(r"[\n!?….%s](?:%s)" % (EMOJI, "|".join([
    r"(?<=\n)",
    r"(?<=[!?…])[.!?…]*%s(?=\s|$)" % TRAILING_EMOJI,
    r"(?<=\.)(?:[.!?…]+%s|%s%s)(?=\s|$)" % (TRAILING_EMOJI, _NOT_AFTER_ABBREVIATION, TRAILING_EMOJI),
    r"(?<=[%s])%s%s(?=[ \t]+[A-ZÆØÅÄÖÜ])" % (EMOJI, EMOJI_TAIL, TRAILING_EMOJI)])))
ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
# Every letter is inside some word, so a text's letters are its words' characters less these (digits, _, ' and -).
NOT_LETTER = re.compile(r"[\W\d_]")
LONG_WORD = 6  # LIX counts the words of more than six letters


class Utf16Offsets:
    """Converts Python code-point indices to UTF-16 code units, the unit JavaScript strings count in."""

    def __init__(self, text: str):
        # Only characters outside the Basic Multilingual Plane (most emoji) take two UTF-16 units.
        self._astral_positions = [m.start() for m in ASTRAL.finditer(text)] if ASTRAL.search(text) else []

    def __call__(self, index: int) -> int:
        if not self._astral_positions:
            return index
        return index + bisect_right(self._astral_positions, index - 1)


class Sentence(NamedTuple):
    start: int
    end: int
    words: int


class Measured:
    """A reply's text with its measures, computed once and only when a rule asks for them."""

    def __init__(self, text: str):
        self.text = text

    @property
    def words(self) -> list[str]:
        return self._words_and_sentences[0]

    @property
    def sentences(self) -> list[Sentence]:
        return self._words_and_sentences[1]

    @cached_property
    def _words_and_sentences(self) -> tuple[list[str], list[Sentence]]:
        """One pass: the text is cut at its sentence ends and each piece's words are found once. No word crosses a
        sentence end (a space or a line break follows it), so the pieces' words are the text's words."""
        words, sentences, start = [], [], 0
        for end in [*(boundary.end() for boundary in SENTENCE_END.finditer(self.text)), len(self.text)]:
            found = WORD.findall(self.text, start, end)
            if found:
                words += found
                chunk = self.text[start:end]
                stripped = chunk.lstrip()
                first = start + len(chunk) - len(stripped)
                sentences.append(Sentence(first, first + len(stripped.rstrip()), len(found)))
            start = end
        return words, sentences

    def without_address_and_signature(self, start: int, end: int) -> tuple[int, int]:
        """start..end without the handles that open it and the sign-off that ends it, when words are left between:
        a finding about a sentence is not about them, and a fix that replaces the sentence must keep them (the
        handle addresses the customer on Twitter, the initials say who wrote)."""
        text = self.text
        handles = LEADING_HANDLES.match(text, start, end)
        if handles and WORD.search(text, handles.end(), end):
            start = handles.end()
        sign_off = TRAILING_SIGN_OFF.search(text, start, end)
        if sign_off and WORD.search(text, start, sign_off.start()):
            end = len(text[:sign_off.start()].rstrip())
        return start, end

    @cached_property
    def sign_off_start(self) -> int:
        """Where the initials or name that sign the reply begin ("^DM", "/PM", "- Anna"), when words come before them;
        the text's length when there are none. They say who wrote the reply, so a rule's phrase can't be found in
        them: "^DM" is the agent, not a direct message.

        Tried only where one of the marks that begin a sign-off is, in the last SIGN_OFF_REACH characters: searched for
        through the whole reply, the sign-off cost the real replies' checks 3 % more instructions."""
        text = self.text
        for mark in SIGN_OFF_MARK.finditer(text, max(0, len(text) - SIGN_OFF_REACH)):
            if TRAILING_SIGN_OFF.match(text, mark.start()):
                return mark.start() if WORD.search(text, 0, mark.start()) else len(text)
        return len(text)

    def sentence_at(self, start: int, end: int) -> tuple[int, int]:
        """The span of the sentence(s) around start..end, for findings about a whole sentence."""
        sentences = self.sentences
        first = bisect_right(self._sentence_ends, start)  # the first sentence that ends after start
        last = first
        while last < len(sentences) and sentences[last].start < end:
            last += 1
        return (sentences[first].start, sentences[last - 1].end) if last > first else (start, end)

    @cached_property
    def _sentence_ends(self) -> list[int]:
        return [sentence.end for sentence in self.sentences]

    def metric(self, name: str) -> float:
        return METRICS[name](self)


def _lix(measured: Measured) -> float:
    """LIX, the Danish readability index: words per sentence plus the percentage of words over six letters."""
    words = measured.words
    long_words = sum(map(LONG_WORD.__lt__, map(len, words)))  # no Python loop per word
    return len(words) / max(len(measured.sentences), 1) + 100 * long_words / max(len(words), 1)


def _coleman_liau(measured: Measured) -> float:
    """Coleman–Liau grade level for English: letters and sentences per 100 words, no syllable guessing."""
    words = measured.words
    if not words:
        return 0.0
    joined = "".join(words)
    letters = len(joined) - len(NOT_LETTER.findall(joined))
    per_hundred = 100 / len(words)
    return 0.0588 * letters * per_hundred - 0.296 * len(measured.sentences) * per_hundred - 15.8


METRICS = {
    "words": lambda m: len(m.words),
    "sentences": lambda m: len(m.sentences),
    "longest_sentence_words": lambda m: max((sentence.words for sentence in m.sentences), default=0),
    "lix": _lix,
    "coleman_liau": _coleman_liau,
}
