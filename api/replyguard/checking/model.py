"""Trained linear models, scored in plain Python: the sentence models (tone, evasion, compensation, invitations to
write, arguing back) and the complaint-kind model.

A model is data, like a rule: `make train` learns it from the labelled corpus (corpus/, quality/train.py) and writes
one JSON file per model and language into replyguard/models/. Scoring needs no machine-learning library: a text's
features are its words, word pairs and the four-letter pieces of its words (so 'refunderet' and 'refunderingen'
share what they mean), plus a few shapes (a word in capitals, '!!', '?', '...') and its emoji. A reply's sentences
also carry how they begin and end, their place in the reply and the kind of comment the reply answers
(sentence_features). Each feature
counts 1/sqrt(number of features), so short and long texts weigh alike; a score is the bias plus the features'
weights, and a binary model's probability its logistic. In a sentence each word brings its own pieces, so a piece two
of its words share ('you' in 'you' and 'your') counts twice; the checker can then add a word's pieces into the word's
own weight once, at load (SentenceModels).
"""

import json
import math
import re
import sys
from collections import Counter
from functools import cache
from itertools import chain, repeat
from operator import add, methodcaller
from pathlib import Path

from .playbook_files import packaged_dir

# Possessive: a word never gives back letters, which spares the regex engine its backtracking (same words found).
WORD = re.compile(r"\w++(?:['’]\w++)*+")
# Handles (@115712, @AldiUK) and links say nothing about tone; read as words they would tie a model to one thread.
NOT_WORDS = re.compile(r"@\w+|https?://\S+|www\.\S+")
# A word of three or more capitals. It begins with the capital itself and looks back for the word's start
# ((?<!\w.)), so the regex engine can skip straight to capital letters instead of trying every word boundary.
CAPITALS_WORD = re.compile(r"[^\W\d_a-zæøå](?<!\w.)[^\W\d_a-zæøå]{2,}(?!\w)")
PIECE = 4  # letters per word piece
# The features of a sentence's shape and place in its reply (sentence_features), as opposed to its words.
SHAPE = ("^:", "^2:", "$:", "p:", "r:")
CONTEXT = "o:"  # a word of the reply's other sentences (sentence_context)
ANSWERS = "a:"  # the kind of comment the reply answers (classify.KINDS), as the checker classifies it
CONTEXT_WORDS = 3  # a sentence of fewer words ("Hej Lone.", "Mvh Mette") is a greeting or sign-off: no context
# The words a reply's greeting opens with, in both languages (is_greeting), and the most words it has: the greeting
# word and a name of one or two words, each with a capital.
GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "dear", "hej", "hejsa", "kære", "goddag", "hallo", "dav"})
GREETING_WORDS = 3
_IS_SHAPE = methodcaller("startswith", SHAPE)
PLAIN_ENDING = "$:."  # a sentence that ends in a full stop: no feature (sentence_features)
# Emoji and other pictographs, each a feature of its own: a wink or an upside-down face can make a polite sentence
# sarcastic, and the words alone don't show it.
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
# An emoji, or the skin tone, joiner or variation selector of one, as a sentence may end with it (text.SENTENCE_END).
_CLOSING_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]")


def features(text: str) -> list[str]:
    """The features of one comment, each once, in a fixed order (the complaint model's)."""
    return list(dict.fromkeys(_features(text, words_of(text))))


def words_of(text: str) -> list[str]:
    """A text's words as the models read them: lowered, without handles and links."""
    return WORD.findall(NOT_WORDS.sub(" ", text.lower()))


def words_of_spans(text: str, lowered: str | None, spans: list[tuple[int, int]]) -> list[list[str]]:
    """words_of of each span of one text (its sentences), the text lowered and cleared of handles and links once
    rather than once per span: the same words, since a handle or link ends at whitespace and a sentence begins after
    it. `lowered`: text.lower(), or None when lowering changed its length (then each span is read alone)."""
    if lowered is None:
        return [words_of(text[start:end]) for start, end in spans]
    cleared = NOT_WORDS.sub(_blank, lowered)
    return [WORD.findall(cleared, start, end) for start, end in spans]


def _blank(match: re.Match) -> str:
    return " " * (match.end() - match.start())


def _features(text: str, words: list[str], shape: list[str] = (), aggregated: frozenset[str] = frozenset()) -> list[str]:
    """Each feature once, but a word piece once for each different word it is in. `shape`: a sentence's shape
    features (sentence_features), kept last. `aggregated`: words whose pieces a scorer has added into the word's own
    weight (SentenceModels.aggregated); their pieces are left out here."""
    different_words = list(dict.fromkeys(words))  # a repeated word adds no feature
    found = ["w:" + word for word in different_words]
    found += dict.fromkeys(f"b:{first} {second}" for first, second in zip(words, words[1:]))
    pieced = [word for word in different_words if word not in aggregated] if aggregated else different_words
    found.extend(chain.from_iterable(map(word_pieces, pieced)))
    if CAPITALS_WORD.search(text):
        found.append("s:capitals")
    if "!!" in text:
        found.append("s:!!")
    if "?" in text:
        found.append("s:?")
    if "..." in text or "…" in text:
        found.append("s:...")
    if EMOJI.search(text):
        found += dict.fromkeys("e:" + character for character in EMOJI.findall(text))
    found += shape
    return found


def sentence_features(sentences: list[str], words: list[list[str]] | None = None,
                      aggregated: frozenset[str] = frozenset(), answers: str | None = None) -> list[list[str]]:
    """The features of each sentence of one reply, with the sentence's shape, its place in the reply and the kind of
    comment the reply answers.

    Much hostility is a curt line that no single word gives away: "Check your app." alone, as the whole reply, reads
    nothing like "Check your app for the tracking link, it updates hourly" in a warm reply. So a sentence of two words
    or more also says how it begins and ends (opening_and_ending), and in a reply of several sentences whether it is
    the first, a middle or the last, and how many there are. Measured on the training part out of fold, the shape
    raised the tone model's best F1 from 0.64 to 0.73 (en) and 0.71 to 0.77 (da).

    A sentence's length in words and an ending in a plain full stop are left out: they were the English tone model's
    heaviest features after "you" ("2-3 words" 3.1, "ends in '.'" 2.9, "4-7 words" 2.1), since in the written corpus
    curt lines are the hostile ones and polite ones end in "!" or an emoji, and they alone made "Enjoy your weekend.",
    "Which colour would you like?" and "We open again on Monday." read as hostile. Without them, out of fold: the
    same precision and recall (0.82 / 0.56 against 0.82 / 0.57 at the threshold make train chooses), and 10 rather
    than 18 of 40 everyday polite English lines sent alone warned. The full stop is the ending every other ending is
    weighed against.

    A reply of one sentence gets no place: written for the corpus, half of those are hostile, among real company
    replies 4 in 100, so "the whole reply is one sentence" taught the models a prior of the written corpus that warned
    on polite one-line replies ("Have a lovely day."); without it, the same out-of-fold scores and fewer warnings on
    real polite replies.

    A sentence of one word has no features: the models don't judge it. Alone on its line it is a sign-off ("Mvh",
    "/Jo", "^JB"), a name, a link or an exclamation far more often than a hostile remark, and its word's weight was
    learnt inside longer sentences, where the sentence's shape said the rest: read alone, "Mvh" and the name "Jo"
    (the Danish particle of "det må du jo selv om") got tone warnings on polite Danish replies.

    The kind of comment answered (`answers`, one of classify.KINDS, as the checker classifies the complaint sent
    with the reply; None when none is sent) is a feature of every judged sentence. "Enjoy the new bank then 👋" wishes
    well a customer who praised the move and mocks one who complained: replies to praise and to questions are hardly ever
    hostile, replies to complaints, trolls and hateful comments far more often. The models learn it from the kind
    the classifier gives each training reply's complaint out of fold (make train), as it would at run time, and
    each sentence a second time without it (train.fit), so that a reply sent without its complaint is read by its
    own words, as before. Out of fold on the training part, the kind raised the tone model's average precision from
    0.793 to 0.816 (en) and 0.828 to 0.846 (da), and the evasion model's from 0.842 to 0.850 and 0.912 to 0.914.

    `words`: each sentence's words_of, when the caller has them (the checker reads them once for the context too).
    `aggregated`: as for _features, for the scorer that will read the rows (SentenceModels.sentence_features); make
    train reads every piece."""
    size = "r:2-3" if len(sentences) <= 3 else "r:4+"
    last = len(sentences) - 1
    answered = [ANSWERS + answers] if answers else []
    found = []
    for number, sentence in enumerate(sentences):
        its_words = words[number] if words else words_of(sentence)
        if len(its_words) < 2 or (number == 0 and is_greeting(sentence, its_words)):
            found.append([])
            continue
        shape = [feature for feature in opening_and_ending(sentence, its_words) if feature != PLAIN_ENDING]
        if last:  # a reply of one sentence says nothing by its size (see above)
            shape += ["p:first" if number == 0 else "p:last" if number == last else "p:mid", size]
        # Before the shape, which cue() reads among the last features: the comment answered is not the line's doing.
        found.append(_features(sentence, its_words, [*answered, *shape], aggregated))
    return found


def is_greeting(sentence: str, words: list[str]) -> bool:
    """Whether a reply's first sentence is its greeting ("Hi Lone.", "Kære Anne Marie,"): a greeting word and a name,
    nothing else ("Hi Sam, sorry!" says more). `words`: the sentence's words_of. Read with the reply's other words as
    context, the tone model flagged "Hi Lone." in 7 of 8 short factual English answers to a complaint ("Hi Lone. Your
    bike is booked in for Thursday. Best, Mette"), and the arguing model learnt "Hi" from the replies that open "Hi
    Kim, that's not true.". A greeting says nothing about a reply's tone, so no model judges it."""
    return (len(words) <= GREETING_WORDS and words[0] in GREETINGS
            and all(name[0].isupper() for name in WORD.findall(NOT_WORDS.sub(" ", sentence))[1:]))


def sentence_context(sentences: list[str], rows: list[list[str]], words: list[list[str]] | None = None) -> list[list[str]]:
    """For each sentence the models judge (its row of sentence_features is not empty), the words of the reply's other
    sentences of CONTEXT_WORDS words or more, each once, as features of their own ('o:' and the word), weighed apart
    from the sentence's own. Greetings and sign-offs ("Hej Lone.", "Mvh Mette") are left out: the corpus's written
    hostile twins are short replies of a greeting, a dig and a sign-off, and read as context, "hej" and "mvh" weighed
    +1.4 and +1.6 towards hostile, so "Hej Lone. Du får 20 % rabat på din næste ordre. Mvh Mette" got a tone warning.

    A dig reads differently in a reply that apologises and offers a call than in one that only corrects the customer,
    and the sentence alone can't show which it is in. A reply of one judged sentence has no context: a model that
    reads context keeps a bias of its own for such sentences (LinearModel.bias_alone), since one-line replies are
    mostly polite among real ones and mostly hostile among the corpus's written ones. `words`: as for
    sentence_features."""
    judged = _context_words(rows, words or list(map(words_of, sentences)))
    contexts = []
    for number, row in enumerate(rows):
        other = set().union(*judged[:number], *judged[number + 1:]) if row else ()
        contexts.append(sorted(CONTEXT + word for word in other))
    return contexts


def _context_words(rows: list[list[str]], words: list[list[str]]) -> list[set[str]]:
    """The words each sentence gives the others as context: none from a sentence the models don't judge, nor from a
    greeting or sign-off (fewer than CONTEXT_WORDS words)."""
    return [set(its_words) if row and len(its_words) >= CONTEXT_WORDS else set()
            for its_words, row in zip(words, rows)]


def opening_and_ending(sentence: str, words: list[str] | None = None) -> list[str]:
    """How a sentence of two words or more begins (its first word, its first two) and ends (its last character, 'a'
    for a letter or digit): "How do I ..." asks, "What did you expect?" mocks, a line with no full stop is curt.
    `words`: the sentence's lowered words when the caller has them."""
    if words is None:
        words = words_of(sentence)
    if len(words) < 2:
        return []
    stripped = sentence.rstrip()
    while _CLOSING_EMOJI.fullmatch(stripped[-1]):  # "Tillykke! 🎉" ends in "!"; the emoji is a feature of its own
        stripped = stripped[:-1].rstrip()
    return [f"^:{words[0]}", f"^2:{words[0]} {words[1]}", "$:a" if stripped[-1].isalnum() else f"$:{stripped[-1]}"]


def word_pieces(word: str) -> tuple[str, ...]:
    """A word's four-letter pieces as features (' hej', 'hej '), the word padded by a space at each end."""
    pieces = _KNOWN_WORD_PIECES.get(word)
    if pieces is None:
        padded = f" {word} "
        pieces = tuple([f"c:{padded[i:i + PIECE]}" for i in range(len(padded) - PIECE + 1)])
    return pieces


# The pieces of every word the loaded models know, made once at load: most words of a reply are among them, and
# making the pieces is the dearest part of reading a sentence. Only the shipped models' own words are kept here,
# never a word from a reply.
_KNOWN_WORD_PIECES: dict[str, tuple[str, ...]] = {}


class LinearModel:
    """One class (binary: a probability) or several (a score per class, the highest wins)."""

    def __init__(self, name: str, language: str, classes: tuple[str, ...], bias: tuple[float, ...],
                 weights: dict[str, tuple[float, ...]], bias_alone: tuple[float, ...] | None = None):
        """bias_alone: a sentence model's bias for a sentence without context (sentence_context), when it reads
        context; make train sets it so that such sentences meet a threshold of their own."""
        self.name, self.language, self.classes, self.bias, self.weights = name, language, classes, bias, weights
        self.bias_alone = bias_alone or bias
        self.reads_context = any(feature.startswith(CONTEXT) for feature in weights)
        # The first class's weight of each feature: SentenceModels merges these, and cue() weighs words by them.
        self._first = {feature: row[0] for feature, row in weights.items()}
        # What the pieces of each of the model's own words weigh together, added up once here rather than in every
        # cue() (the dearest part of it).
        self._pieces_weight = {feature[2:]: self._pieces_weight_of(feature[2:])
                               for feature in weights if feature.startswith("w:")}
        self._pieces_rows: dict[str, tuple[int, list[float]]] = {}  # best_class_of_row's, filled as words come

    def _pieces_weight_of(self, word: str) -> float:
        return sum(map(self._first.get, word_pieces(word), repeat(0.0)))

    def raw_scores(self, found: list[str]) -> list[float]:
        if not found:
            return list(self.bias)
        scale = 1 / math.sqrt(len(found))
        # The known features' weight rows, turned into one column per class and each summed, all in C.
        columns = zip(*filter(None, map(self.weights.get, found)))
        totals = [sum(column) for column in columns] or [0.0] * len(self.bias)
        return [bias + total * scale for bias, total in zip(self.bias, totals)]

    def best_class(self, found: list[str]) -> tuple[str, float]:
        """The class that scores highest, and its probability (its own binary model's)."""
        return self._best(self.raw_scores(found))

    def _best(self, scores: list[float]) -> tuple[str, float]:
        best = max(range(len(scores)), key=scores.__getitem__)
        return self.classes[best], 1 / (1 + math.exp(-scores[best]))

    def best_class_of_row(self, found: list[str], whole: frozenset[str]) -> tuple[str, float]:
        """best_class of a row of SentenceModels.sentence_features, read as make train reads a kind model's: with the
        pieces of the words in `whole` (SentenceModels.aggregated), which that row leaves out, and without the
        comment answered. Each such word's pieces are weighed together once and kept, so a flagged sentence costs
        one lookup a feature, as the sentence models do."""
        pieces = [self._pieces_row(feature[2:]) for feature in found
                  if feature.startswith("w:") and feature[2:] in whole]
        count = len(found) - sum(1 for feature in found if feature.startswith(ANSWERS)) + sum(n for n, _ in pieces)
        # As raw_scores: the known features' rows and the pieces' sums turned into one column per class, summed in C.
        columns = zip(*filter(None, map(self.weights.get, found)), *(row for _, row in pieces))
        totals = [sum(column) for column in columns] or [0.0] * len(self.bias)
        scale = 1 / math.sqrt(count) if count else 0.0
        return self._best([bias + total * scale for bias, total in zip(self.bias, totals)])

    def _pieces_row(self, word: str) -> tuple[int, list[float]]:
        """How many pieces a word has, and their weights added up per class (kept for the next time)."""
        if word not in self._pieces_rows:
            pieces = word_pieces(word)
            rows = [self.weights[piece] for piece in pieces if piece in self.weights]
            self._pieces_rows[word] = (len(pieces), [sum(column) for column in zip(*rows)] if rows
                                       else [0.0] * len(self.bias))
        return self._pieces_rows[word]

    def cue(self, text: str, found: list[str] = (), most_words: int = 3) -> str:
        """The words of `text` that weigh most towards the model's (first) class: the stretch of up to
        `most_words` words whose features add the most, for a message that says why. When the sentence's shape
        (among its features `found`: how it begins and ends, its place in the reply) weighs more than
        any stretch of its words, no word is to blame: the whole line is quoted, as it is the line that reads so."""
        spans = [match.span() for match in WORD.finditer(NOT_WORDS.sub(lambda m: " " * len(m.group()), text))]
        if not spans:
            return text.strip()
        lowered = [text[start:end].lower() for start, end in spans]
        weights, known_pieces = self._first, self._pieces_weight
        # A word weighs its own feature, its pieces and half of each word pair it is in, added in that order.
        half_pairs = [weights.get(f"b:{word} {following}", 0.0) / 2 for word, following in zip(lowered, lowered[1:])]
        weight = [weights.get(f"w:{word}", 0.0) for word in lowered]
        weight = list(map(add, weight, [0.0, *half_pairs]))
        weight = list(map(add, weight, [known_pieces[word] if word in known_pieces else self._pieces_weight_of(word)
                                        for word in lowered]))
        weight = list(map(add, weight, [*half_pairs, 0.0]))
        # Each stretch's weight, by its size: stretches[size - 1][first], added up word by word from the left.
        stretches = [weight]
        while len(stretches) < most_words and len(stretches[-1]) > 1:
            stretches.append(list(map(add, stretches[-1], weight[len(stretches):])))
        # The heaviest stretch; of equally heavy ones the shortest, then the first.
        words_weight = max(map(max, stretches))
        size = next(size for size, row in enumerate(stretches, 1) if words_weight in row)
        first = stretches[size - 1].index(words_weight)
        # A sentence's shape features come last among its features (sentence_features), at most one of each kind.
        if sum(map(weights.get, filter(_IS_SHAPE, found[-len(SHAPE):]), repeat(0.0))) > words_weight:
            return text.strip().removesuffix(".")  # the message's own quote marks and full stop follow
        return text[spans[first][0]:spans[first + size - 1][1]]


class SentenceModels:
    """Several binary models scored together: every sentence is read by the tone, evasion, compensation and
    written-channel models, and one lookup per feature in a merged table (a feature's weight in each model, 0.0 where
    a model lacks it) costs a quarter of looking it up in each. Each model word's entry also holds its pieces' weights,
    so a known word costs one lookup instead of one per piece (aggregated; the rows the checker scores leave those
    pieces out, sentence_features). Adding 0.0 changes no sum, so each probability is the model's own."""

    def __init__(self, models: list[LinearModel]):
        self.models = models
        self._biases = [model.bias[0] for model in models]
        self._biases_alone = [model.bias_alone[0] for model in models]
        self.read_context = any(model.reads_context for model in models)
        merged: dict[str, list[float]] = {}
        for number, model in enumerate(models):
            for feature, weight in model._first.items():
                merged.setdefault(feature, [0.0] * len(models))[number] = weight
        # Each entry's last column: how many features it stands for (a word with its pieces: more than one).
        self._weights = {feature: (*weights, 1) for feature, weights in merged.items()}
        self.aggregated = frozenset(feature[2:] for feature in merged if feature.startswith("w:"))
        absent = [0.0] * len(models)
        for word in self.aggregated:
            feature, pieces = "w:" + word, word_pieces(word)
            columns = zip(*(merged.get(part, absent) for part in (feature, *pieces)))
            self._weights[feature] = (*map(sum, columns), 1 + len(pieces))
        # The context features by their bare word, so a reply's context words are looked up without making 'o:word'.
        self._by_context_word = {feature[len(CONTEXT):]: row for feature, row in self._weights.items()
                                 if feature.startswith(CONTEXT)}

    def sentence_features(self, sentences: list[str], words: list[list[str]] | None = None,
                          answers: str | None = None) -> list[list[str]]:
        """model.sentence_features as these models read them: without the pieces their words' entries hold."""
        return sentence_features(sentences, words, self.aggregated, answers)

    def probabilities(self, found: list[str], context: list[str] = ()) -> list[float]:
        """Each model's probability for one sentence's features (self.sentence_features) and its context
        (sentence_context), in the order the models were given; 0.0 for a sentence without features, which the
        models don't judge. The sentence's own features and its context are each scaled by 1/sqrt(their number), as
        make train learns."""
        if not found:
            return [0.0] * len(self.models)
        if not context:
            return self._logistic(found, self._biases_alone, repeat(0.0), 1)
        return self._logistic(found, self._biases, self._totals(context), len(context))

    def reply_probabilities(self, rows: list[list[str]], words: list[list[str]]) -> list[list[float]]:
        """Each sentence's probabilities, as probabilities(row, context) with sentence_context's contexts, the context
        weighed once per reply: a sentence's context is the reply's context words less those that only it gives, so
        each sentence costs its own words rather than all the others' (summing every sentence's whole context took a
        quarter of a 1,000-character reply's check). `rows`: self.sentence_features; `words`: each sentence's words."""
        if not self.read_context:
            return [self.probabilities(row) for row in rows]
        given = _context_words(rows, words)
        counts = Counter(chain.from_iterable(given))
        reply_total = self._totals(counts, self._by_context_word)
        results = []
        for row, its_words in zip(rows, given):
            only_here = [word for word in its_words if counts[word] == 1]
            size = len(counts) - len(only_here)
            if not row or not size:
                results.append(self.probabilities(row))
                continue
            context_totals = (map(float.__sub__, reply_total, self._totals(only_here, self._by_context_word))
                              if only_here else reply_total)
            results.append(self._logistic(row, self._biases, context_totals, size))
        return results

    def _logistic(self, found: list[str], biases, context_totals, context_size: int) -> list[float]:
        """Each model's probability from its bias, the sentence's own features and its context's summed weights, each
        part scaled by 1/sqrt(its number of features), as make train learns."""
        known = list(filter(None, map(self._weights.get, found)))
        *totals, stood_for = map(sum, zip(*known)) if known else [0.0] * (len(self.models) + 1)
        root, context_root = math.sqrt(stood_for + len(found) - len(known)), math.sqrt(context_size)
        return [1 / (1 + math.exp(-(bias + total / root + context_total / context_root)))
                for bias, total, context_total in zip(biases, totals, context_totals)]

    def _totals(self, found, table: dict | None = None) -> list[float]:
        """Each model's summed weights of context features, found in `table` (default: by their feature); each stands
        for one feature, so their number is len(found)."""
        # The known features' weight rows, turned into one column per model and each summed, all in C.
        rows = filter(None, map((self._weights if table is None else table).get, found))
        return [sum(column) for column in zip(*rows)][:-1] or [0.0] * len(self.models)


def models_dir() -> Path:
    return packaged_dir("models")


def model_path(name: str, language: str, directory: Path | None = None) -> Path:
    return (directory or models_dir()) / f"{name}-{language}.json"


@cache
def load_model(name: str, language: str) -> LinearModel:
    """A shipped model; raises FileNotFoundError naming the file when `make train` hasn't made it."""
    return read_model(model_path(name, language))


def read_model(path: Path) -> LinearModel:
    return model_from_json(path.read_text(encoding="utf-8"))


def model_from_json(text: str) -> LinearModel:
    data = json.loads(text)
    # Features and known words' pieces are interned: a piece of a known word is then the very string that keys its
    # weight, which a dict finds by identity, without reading the key's characters (a third off each lookup).
    for feature in data["weights"]:
        if feature.startswith("w:") and feature[2:] not in _KNOWN_WORD_PIECES:
            _KNOWN_WORD_PIECES[feature[2:]] = tuple(map(sys.intern, word_pieces(feature[2:])))
    return LinearModel(data["name"], data["language"], tuple(data["classes"]), tuple(data["bias"]),
                       {sys.intern(feature): tuple(weights) for feature, weights in data["weights"].items()},
                       tuple(data["bias_alone"]) if "bias_alone" in data else None)
