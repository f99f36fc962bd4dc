"""What kind of comment a reply answers: a complaint, a question, praise, a troll or a hateful comment.

The playbook's advice depends on it (an apology to a wronged customer, one calm reply to a troll). The kinds, their
signal patterns and their examples are data: one YAML file per kind under playbook/complaints/, shipped as
replyguard.complaint_files. Sentiment comes from AFINN's Danish and English word lists. The kind is decided by a
trained model (replyguard.model, `make train`) over the comment's words and those signals, learnt from the labelled
comments in corpus/ and the kind files' examples.
"""

import math
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from afinn import Afinn

from ..settings import LANGUAGES
from .language import detect_language
from .model import LinearModel, features, load_model, opening_and_ending
from .patterns import AnchorIndex, Haystack, PatternSet
from .playbook_files import packaged_dir, read_yaml
from .text import Measured

KINDS = ("hateful", "troll", "praise", "question", "complaint")
MODEL = "complaint-kind"
AFINN_FILES = {"da": "AFINN-da-32.txt", "en": "AFINN-en-165.txt"}
WORD = re.compile(r"\w+(?:['’]\w+)?")
SHOUTED_WORD = re.compile(r"\b[A-ZÆØÅ]{2,}\b")
QUESTION_MARK = re.compile(r"\?")
STRONG_WORD_SCORE = -4  # AFINN's strongest negative words: swearing and abuse


class ComplaintKindError(ValueError):
    """A complaint kind file that can't be used; the message names the file and the field."""


@dataclass(frozen=True)
class Classification:
    kind: str
    anger: float  # 0 (calm) to 1 (furious)
    signals: tuple[str, ...]  # short ids saying why, sorted

    def as_json(self) -> dict:
        """As the API answers it (POST /v1/classify, and /v1/check's `complaint`) and `replyguard check --json`."""
        return {"kind": self.kind, "anger": self.anger, "signals": list(self.signals)}


@dataclass(frozen=True)
class ComplaintKind:
    kind: str
    title: dict[str, str]
    signals: dict[str, dict[str, tuple[str, ...]]]  # signal id -> language -> patterns
    examples: dict[str, tuple[str, ...]]  # language -> comments of this kind
    source: str


def default_complaints_dir() -> Path:
    """The kind files that travel with the package (playbook/complaints/ in the checkout)."""
    return packaged_dir("complaint_files")


def load_complaint_kinds(directory: str | Path | None = None) -> list[ComplaintKind]:
    """Loads and validates one file per kind, in the order kinds are tried; raises ComplaintKindError."""
    directory = Path(directory) if directory else default_complaints_dir()
    found = {path.stem: path for path in directory.glob("*.yml")}
    if set(found) != set(KINDS):
        raise ComplaintKindError(f"{directory}: needs exactly one file per kind: {', '.join(f'{k}.yml' for k in KINDS)}")
    return [_read_kind(found[kind]) for kind in KINDS]


def _read_kind(path: Path) -> ComplaintKind:
    def fail(name: str, problem: str):
        raise ComplaintKindError(f"{path}: {name}: {problem}")

    data = read_yaml(path, ComplaintKindError)
    if not isinstance(data, dict) or data.get("kind") != path.stem:
        fail("kind", f"must equal the file name {path.stem!r}")
    title = data.get("title")
    if not isinstance(title, dict) or any(not isinstance(title.get(lang), str) for lang in LANGUAGES):
        fail("title", "must give a text for da and en")
    signals = {}
    for signal, patterns in (data.get("signals") or {}).items():
        if not isinstance(patterns, dict) or set(patterns) - set(LANGUAGES):
            fail(f"signals.{signal}", "must map da and/or en to lists of patterns")
        for lang, items in patterns.items():
            if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
                fail(f"signals.{signal}.{lang}", "must be a list of patterns")
            for item in items:
                try:
                    re.compile(item)
                except re.error as error:
                    fail(f"signals.{signal}.{lang}", f"{item!r} is not a valid regular expression ({error})")
        signals[signal] = {lang: tuple(patterns.get(lang, ())) for lang in LANGUAGES}
    examples = data.get("examples")
    if not isinstance(examples, dict) or any(
            not isinstance(examples.get(lang), list) or not all(isinstance(e, str) and e.strip() for e in examples[lang])
            for lang in LANGUAGES):
        fail("examples", "must map da and en to lists of comments")
    return ComplaintKind(path.stem, {lang: title[lang] for lang in LANGUAGES}, signals,
                         {lang: tuple(examples[lang]) for lang in LANGUAGES}, str(path))


@cache
def _afinn_scores(language: str) -> dict[str, int]:
    """AFINN's word list as {word or phrase: score from -5 to 5}."""
    return Afinn.read_word_file(str(files("afinn") / "data" / AFINN_FILES[language]))


class Classifier:
    """Classifies the comment a reply answers; built once, then shared by every request."""

    def __init__(self, kinds: list[ComplaintKind] | None = None):
        self.kinds = kinds or load_complaint_kinds()
        # The engine's phrase matcher: one Aho–Corasick pass finds which signals' words occur at all.
        self._indexes = {lang: AnchorIndex() for lang in LANGUAGES}
        self._patterns = {
            lang: [(signal, PatternSet([{"pattern": p, "word": False} for p in by_lang[lang]], self._indexes[lang]))
                   for kind in self.kinds for signal, by_lang in kind.signals.items() if by_lang[lang]]
            for lang in LANGUAGES
        }
        for index in self._indexes.values():
            index.build()
        self._afinn = {lang: _afinn_scores(lang) for lang in LANGUAGES}
        # AFINN has a few entries of two or three words ("no fun", "ikke god"); they score instead of their words, and
        # only a word that begins one of them needs the longer lookups.
        self._longest_entry = {lang: max(len(entry.split()) for entry in scores) for lang, scores in self._afinn.items()}
        self._entry_starts = {lang: frozenset(entry.split()[0] for entry in scores if " " in entry)
                              for lang, scores in self._afinn.items()}

    def classify(self, text: str, language: str = "auto", model: LinearModel | None = None) -> Classification:
        """`model`: a kind model other than the shipped one (make train classifies with models learnt out of fold)."""
        if language == "auto":
            language = detect_language(text)
        signals, anger = self._signals(text, language)
        model = model or load_model(MODEL, language)
        scores = dict(zip(model.classes, model.raw_scores(self.features(text, signals))))
        kind = max(self.kinds, key=lambda k: scores[k.kind]).kind
        return Classification(kind, anger, tuple(sorted(signals)))

    @staticmethod
    def features(text: str, signals: set[str]) -> list[str]:
        """What the kind model reads: the comment's words and word pieces, its signals, each pair of signals (a
        question with a problem in it is a complaint; mockery with a problem is a rough complaint, not a troll), and
        how each of its sentences begins and ends ("How do I ..." asks; out of fold on the training part this raised
        macro-F1 from 0.79 to 0.81 in English and 0.87 to 0.90 in Danish, with the model's strength from 4 to 16)."""
        ordered = sorted(signals)
        shapes = [shape for sentence in Measured(text).sentences
                  for shape in opening_and_ending(text[sentence.start:sentence.end])]
        return list(dict.fromkeys(features(text) + shapes)) + [f"k:{signal}" for signal in ordered] + [
            f"k:{a}+{b}" for i, a in enumerate(ordered) for b in ordered[i + 1:]]

    def _signals(self, text: str, language: str) -> tuple[set[str], float]:
        """The kind files' signals and the computed ones that the comment shows, and its anger (0..1)."""
        haystack = Haystack(text, self._indexes[language])
        signals = {signal for signal, patterns in self._patterns[language] if patterns.search(haystack)}
        scores = self._sentiment_scores(text, language)
        negative = -sum(score for score in scores if score < 0)
        shouted = len(SHOUTED_WORD.findall(text))
        exclamations = text.count("!")
        if negative:
            signals.add("negative-words")
        if any(score > 0 for score in scores):
            signals.add("positive-words")
        if any(score <= STRONG_WORD_SCORE for score in scores):
            signals.add("strong-words")
        if shouted:
            signals.add("shouting")
        if exclamations:
            signals.add("exclamations")
        if QUESTION_MARK.search(text):
            signals.add("question")
        return signals, _anger(negative, len(WORD.findall(text)), shouted, exclamations, "strong-words" in signals)

    def training_features(self, text: str, language: str) -> list[str]:
        """The model's features of a labelled comment (quality/train.py learns from these)."""
        return self.features(text, self._signals(text, language)[0])

    def _sentiment_scores(self, text: str, language: str) -> list[int]:
        words = [word.lower() for word in WORD.findall(text)]
        table, longest, starts = self._afinn[language], self._longest_entry[language], self._entry_starts[language]
        scores, position = [], 0
        while position < len(words):
            if words[position] not in starts:
                score = table.get(words[position])
                if score is not None:
                    scores.append(score)
                position += 1
                continue
            for size in range(min(longest, len(words) - position), 0, -1):
                score = table.get(" ".join(words[position:position + size]))
                if score is not None:
                    scores.append(score)
                    position += size
                    break
            else:
                position += 1
        return scores


def _anger(negative: int, words: int, shouted: int, exclamations: int, strong_words: bool) -> float:
    """0..1 from how negative the words are (per length, so one long rant and one short outburst compare),
    capitals, exclamation marks and swearing."""
    if not words:
        return 0.0
    negativity = negative / math.sqrt(words)  # AFINN points; a short "Elendigt!" is as angry as a long rant
    raw = 0.4 * negativity + 0.15 * min(shouted, 3) + 0.1 * min(exclamations, 3) + (0.3 if strong_words else 0)
    return round(min(1.0, raw), 2)

