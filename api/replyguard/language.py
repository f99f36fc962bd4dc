"""Telling Danish from English replies, including short ones ("Tak!", "Sorry to hear that")."""

import re
from functools import cache

from lingua import Language, LanguageDetectorBuilder

# Detection on the opening of a reply is as reliable as on the whole of it, and costs a fraction.
SAMPLE_LENGTH = 300
FALLBACK = "da"
# Capitalised words are mostly names and greetings. Danish names (Søren, Bjørn) in an English reply would tip the
# scales, so they are left out when enough other words remain.
CAPITALISED = re.compile(r"(?<!\w)[A-ZÆØÅ][\w'’-]*")
ENOUGH_WORDS = 3  # a Danish company's playbook: when nothing tells, assume Danish


@cache
def _detector():
    return LanguageDetectorBuilder.from_languages(Language.DANISH, Language.ENGLISH).with_preloaded_language_models().build()


def warm_up() -> None:
    """Loads the language models now, so the first request doesn't pay for it."""
    _detector()


def detect_language(text: str) -> str:
    sample = text[:SAMPLE_LENGTH]
    without_names = CAPITALISED.sub(" ", sample)
    if len(without_names.split()) >= ENOUGH_WORDS:
        sample = without_names
    detected = _detector().detect_language_of(sample)
    if detected == Language.ENGLISH:
        return "en"
    return "da" if detected == Language.DANISH else FALLBACK
