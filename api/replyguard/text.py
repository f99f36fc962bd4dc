"""Measuring a reply: words, sentences, readability, and UTF-16 offsets for JavaScript clients."""

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

WORD = re.compile(r"\w+(?:['’-]\w+)*")
# A sentence ends at . ! ? or … followed by space, or at a line break, but not at the dot of an abbreviation
# ("200 kr. om måneden", "f.eks. her", "Mr. Smith") or an initial ("J. Hansen"); those are told apart in Python.
SENTENCE_END = re.compile(r"[.!?…\n](?:(?<=\n)|[.!?…]*(?=\s|$))")
WORD_BEFORE = re.compile(r"\w+$")
ABBREVIATIONS = frozenset(["kr", "nr", "ca", "tlf", "evt", "inkl", "ekskl", "eks", "mht", "osv", "jf", "pga",
                           "mr", "mrs", "ms", "dr", "st", "vs", "approx"])
ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
LETTER = re.compile(r"[^\W\d_]")  # every letter is inside some word, so counting them in the whole text is the same


class Utf16Offsets:
    """Converts Python code-point indices to UTF-16 code units, the unit JavaScript strings count in."""

    def __init__(self, text: str):
        # Only characters outside the Basic Multilingual Plane (most emoji) take two UTF-16 units.
        self._astral_positions = [m.start() for m in ASTRAL.finditer(text)] if ASTRAL.search(text) else []

    def __call__(self, index: int) -> int:
        if not self._astral_positions:
            return index
        return index + bisect_right(self._astral_positions, index - 1)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


class Measured:
    """A reply's text with its measures, computed once and only when a rule asks for them."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def words(self) -> list[str]:
        return WORD.findall(self.text)

    @cached_property
    def sentences(self) -> list[Sentence]:
        sentences, start = [], 0
        for end in [*self._sentence_ends(), len(self.text)]:
            if WORD.search(self.text, start, end):
                chunk = self.text[start:end]
                stripped = chunk.lstrip()
                first = start + len(chunk) - len(stripped)
                sentences.append(Sentence(first, first + len(stripped.rstrip())))
            start = end
        return sentences

    def _sentence_ends(self):
        for boundary in SENTENCE_END.finditer(self.text):
            if boundary.group() == ".":
                word = WORD_BEFORE.search(self.text, max(0, boundary.start() - 8), boundary.start())
                if word and (len(word.group()) == 1 or word.group().lower() in ABBREVIATIONS):
                    continue
            yield boundary.end()

    def sentence_words(self, sentence: Sentence) -> int:
        return len(WORD.findall(self.text, sentence.start, sentence.end))

    def sentence_at(self, start: int, end: int) -> tuple[int, int]:
        """The span of the sentence(s) around start..end, for findings about a whole sentence."""
        around = [s for s in self.sentences if s.start < end and start < s.end] or [Sentence(start, end)]
        return around[0].start, around[-1].end

    def metric(self, name: str) -> float:
        return METRICS[name](self)


def _lix(measured: Measured) -> float:
    """LIX, the Danish readability index: words per sentence plus the percentage of words over six letters."""
    words = measured.words
    long_words = sum(1 for word in words if len(word) > 6)
    return len(words) / max(len(measured.sentences), 1) + 100 * long_words / max(len(words), 1)


def _coleman_liau(measured: Measured) -> float:
    """Coleman–Liau grade level for English: letters and sentences per 100 words, no syllable guessing."""
    words = measured.words
    if not words:
        return 0.0
    letters = len(LETTER.findall(measured.text))
    per_hundred = 100 / len(words)
    return 0.0588 * letters * per_hundred - 0.296 * len(measured.sentences) * per_hundred - 15.8


METRICS = {
    "words": lambda m: len(m.words),
    "sentences": lambda m: len(m.sentences),
    "longest_sentence_words": lambda m: max(map(m.sentence_words, m.sentences), default=0),
    "lix": _lix,
    "coleman_liau": _coleman_liau,
}
