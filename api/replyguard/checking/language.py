"""Telling Danish from English replies, including short ones ("Tak!", "Sorry to hear that")."""

import re
from functools import cache

from lingua import Language, LanguageDetectorBuilder

# Detection on the opening of a reply is as reliable as on the whole of it, and costs a fraction.
SAMPLE_LENGTH = 300
FALLBACK = "da"
# A link's letters are no language (t.co/dMQ1WZXJOk read as Danish), so links are left out.
LINK = re.compile(r"(?:https?://|www\.)\S*")
# Capitalised words are mostly names and greetings. Danish names (Søren, Bjørn) in an English reply would tip the
# scales, so they are left out when enough other words remain.
CAPITALISED = re.compile(r"(?<!\w)[A-ZÆØÅ][\w'’-]*")
ENOUGH_WORDS = 3  # a Danish company's playbook: when nothing tells, assume Danish
# Short everyday words of one language that are not words of the other. A sample with several of one list's words
# and none of the other's is in that language for sure, and lingua (~10 times slower) needn't be asked; any mix,
# or too few such words, is left to lingua. tests/test_engine.py holds this to lingua's own answers.
FUNCTION_WORDS = {
    "da": frozenset("""og er det vi jeg ikke til på af med har den de som kan vil dit jer jeres vores meget tak hej
        beklager også så hvis hvad fordi når være blev var skal kun eller lige godt gerne venlig hilsen mvh ingen nu
        mere få får hvor sig kunne ville skulle hos efter du et""".split()),
    "en": frozenset("""the and we you your our are is of that this it with was were not please thanks thank hi hello
        been would could should will they their them what when there here from about us my me an or if so but know
        all any very""".split()),
}
SURE_COUNT = 3
WORD = re.compile(r"\w+")


@cache
def _detector():
    return LanguageDetectorBuilder.from_languages(Language.DANISH, Language.ENGLISH).with_preloaded_language_models().build()


def warm_up() -> None:
    """Loads the language models now, so the first request doesn't pay for it."""
    _detector()


def detect_language(text: str) -> str:
    sample = sample_of(text)
    return sure_language(sample) or lingua_language(sample)


def sample_of(text: str) -> str:
    return LINK.sub(" ", text[:SAMPLE_LENGTH])


def sure_language(sample: str) -> str | None:
    """The language when the sample's function words leave no doubt, else None."""
    words = WORD.findall(sample.lower())
    danish = sum(word in FUNCTION_WORDS["da"] for word in words)
    english = sum(word in FUNCTION_WORDS["en"] for word in words)
    if danish >= SURE_COUNT and not english:
        return "da"
    if english >= SURE_COUNT and not danish:
        return "en"
    return None


def lingua_language(sample: str) -> str:
    without_names = CAPITALISED.sub(" ", sample)
    if len(without_names.split()) >= ENOUGH_WORDS:
        sample = without_names
    detected = _detector().detect_language_of(sample)
    if detected == Language.ENGLISH:
        return "en"
    return "da" if detected == Language.DANISH else FALLBACK
