"""Trained linear models, scored in plain Python: the tone, evasion and complaint-kind models.

A model is data, like a rule: `make train` learns it from the labelled corpus (corpus/, quality/train.py) and writes
one JSON file per model and language into replyguard/models/. Scoring needs no machine-learning library: a text's
features are words, word pairs and the four-letter pieces of its words (so 'refunderet' and 'refunderingen' share
what they mean), plus a few shapes (a word in capitals, '!!'). Each present feature counts 1/sqrt(number of features),
so short and long sentences weigh alike; the score is the logistic of the bias plus the features' weights.
"""

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .playbook_files import packaged_dir

WORD = re.compile(r"\w+(?:['’]\w+)*")
# Handles (@115712, @AldiUK) and links say nothing about tone; read as words they would tie a model to one thread.
NOT_WORDS = re.compile(r"@\w+|https?://\S+|www\.\S+")
CAPITALS_WORD = re.compile(r"\b[^\W\d_a-zæøå]{3,}\b")
PIECE = 4  # letters per word piece


def features(text: str) -> list[str]:
    """The features of one sentence (or comment), each once, in a fixed order."""
    lowered = NOT_WORDS.sub(" ", text.lower())
    words = WORD.findall(lowered)
    found = [f"w:{word}" for word in words]
    found += [f"b:{first} {second}" for first, second in zip(words, words[1:])]
    for word in words:
        padded = f" {word} "
        found += [f"c:{padded[i:i + PIECE]}" for i in range(len(padded) - PIECE + 1)]
    if CAPITALS_WORD.search(text):
        found.append("s:capitals")
    if "!!" in text:
        found.append("s:!!")
    if "?" in text:
        found.append("s:?")
    return list(dict.fromkeys(found))


def words_of_feature(feature: str) -> int:
    """How many words a feature spans (for the explanation)."""
    return 2 if feature.startswith("b:") else 1


@dataclass(frozen=True)
class LinearModel:
    """One class (binary) or several (a score per class, the highest wins)."""

    name: str
    language: str
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]  # feature -> one weight per class

    def raw_scores(self, found: list[str]) -> list[float]:
        if not found:
            return list(self.bias)
        scale = 1 / math.sqrt(len(found))
        totals = [0.0] * len(self.bias)
        get = self.weights.get
        for feature in found:
            weights = get(feature)
            if weights:
                for number, weight in enumerate(weights):
                    totals[number] += weight
        return [bias + total * scale for bias, total in zip(self.bias, totals)]

    def probability(self, found: list[str]) -> float:
        """For a binary model: how likely the text is of its class, 0..1."""
        return 1 / (1 + math.exp(-self.raw_scores(found)[0]))

    def best_class(self, found: list[str]) -> str:
        scores = self.raw_scores(found)
        return self.classes[max(range(len(scores)), key=scores.__getitem__)]

    def cue(self, text: str, most_words: int = 3) -> str:
        """The words of `text` that weigh most towards the model's (first) class: the stretch of up to
        `most_words` words whose features add the most, for a message that says why."""
        spans = [match.span() for match in WORD.finditer(NOT_WORDS.sub(lambda m: " " * len(m.group()), text))]
        if not spans:
            return text.strip()
        lowered = [text[start:end].lower() for start, end in spans]
        weight = [0.0] * len(spans)
        for index, word in enumerate(lowered):
            padded = f" {word} "
            weight[index] += self._weight(f"w:{word}")
            weight[index] += sum(self._weight(f"c:{padded[i:i + PIECE]}") for i in range(len(padded) - PIECE + 1))
            if index + 1 < len(lowered):
                pair = self._weight(f"b:{word} {lowered[index + 1]}")
                weight[index] += pair / 2
                weight[index + 1] += pair / 2
        best = max(((sum(weight[first:first + size]), first, size)
                    for size in range(1, most_words + 1) for first in range(len(spans) - size + 1)),
                   key=lambda choice: (choice[0], -choice[2]))
        _, first, size = best
        return text[spans[first][0]:spans[first + size - 1][1]]

    def _weight(self, feature: str) -> float:
        weights = self.weights.get(feature)
        return weights[0] if weights else 0.0


def models_dir() -> Path:
    return packaged_dir("models")


def model_path(name: str, language: str, directory: Path | None = None) -> Path:
    return (directory or models_dir()) / f"{name}-{language}.json"


@cache
def load_model(name: str, language: str) -> LinearModel:
    """A shipped model; raises FileNotFoundError naming the file when `make train` hasn't made it."""
    return read_model(model_path(name, language))


def read_model(path: Path) -> LinearModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return LinearModel(data["name"], data["language"], tuple(data["classes"]), tuple(data["bias"]),
                       {feature: tuple(weights) for feature, weights in data["weights"].items()})
