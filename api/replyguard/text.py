"""Measuring a reply: words, sentences, readability, and UTF-16 offsets for JavaScript clients."""

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

WORD = re.compile(r"\w+(?:['’-]\w+)*")
# A sentence ends at . ! ? or … followed by space, or at a line break, but not after an abbreviation
# ("200 kr. om måneden", "f.eks. her", "Mr. Smith") or an initial.
ABBREVIATIONS = ("kr", "nr", "ca", "tlf", "evt", "inkl", "ekskl", "eks", "mht", "osv", "jf", "pga", "mr", "mrs", "ms",
                 "dr", "st", "vs", "etc", "approx", "no", "e.g", "i.e")
SENTENCE_END = re.compile(
    "".join(rf"(?<!\b{re.escape(a)})" for a in ABBREVIATIONS) + r"(?<!\b\w)\.(?=\s|$)|[!?…]+(?=\s|$)|\.{2,}(?=\s|$)|\n",
    re.IGNORECASE,
)
FIRST_ASTRAL = "\U00010000"


class Utf16Offsets:
    """Converts Python code-point indices to UTF-16 code units, the unit JavaScript strings count in."""

    def __init__(self, text: str):
        # Only characters outside the Basic Multilingual Plane (most emoji) take two UTF-16 units.
        self._astral_positions = (
            [i for i, ch in enumerate(text) if ch >= FIRST_ASTRAL] if text and max(text) >= FIRST_ASTRAL else []
        )

    def __call__(self, index: int) -> int:
        if not self._astral_positions:
            return index
        return index + bisect_right(self._astral_positions, index - 1)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    words: int


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
        for boundary in SENTENCE_END.finditer(self.text):
            self._add_sentence(sentences, start, boundary.end())
            start = boundary.end()
        self._add_sentence(sentences, start, len(self.text))
        return sentences

    def _add_sentence(self, sentences: list[Sentence], start: int, end: int) -> None:
        chunk = self.text[start:end]
        words = len(WORD.findall(chunk))
        if words:
            leading = len(chunk) - len(chunk.lstrip())
            sentences.append(Sentence(start + leading, start + len(chunk.rstrip()), words))

    def sentence_at(self, start: int, end: int) -> tuple[int, int]:
        """The span of the sentence(s) around start..end, for findings about a whole sentence."""
        around = [s for s in self.sentences if s.start < end and start < s.end] or [Sentence(start, end, 0)]
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
    letters = sum(sum(ch.isalpha() for ch in word) for word in words)
    per_hundred = 100 / len(words)
    return 0.0588 * letters * per_hundred - 0.296 * len(measured.sentences) * per_hundred - 15.8


METRICS = {
    "words": lambda m: len(m.words),
    "sentences": lambda m: len(m.sentences),
    "longest_sentence_words": lambda m: max((s.words for s in m.sentences), default=0),
    "lix": _lix,
    "coleman_liau": _coleman_liau,
}
