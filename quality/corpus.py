"""The labelled corpus (corpus/): reading it, checking it, and its fixed train/test split.

Real texts from the shared data sets are not in the repository (their licence allows measuring, not shipping); a
line names them by `ref` and they are read from ../shared/corpus/ (or $REPLYGUARD_SHARED_CORPUS) here.

    python3 -m quality.corpus check FILE...   checks lines against the labelling guide (corpus/README.md)
    python3 -m quality.corpus split           writes corpus/test-ids.txt (only when the corpus grows on purpose)
"""

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TEST_IDS = CORPUS / "test-ids.txt"
SHARED_FILES = {"twcs": "twcs-pool.jsonl", "real-replies": "real-replies.jsonl"}

LANGUAGES = ("da", "en")
# A few real Twitter replies are in Japanese, Spanish, German, ...: kept with their labels, left out of every score.
OTHER_LANGUAGE = "other"
PLATFORMS = ("facebook", "trustpilot", "twitter")
ORIGINS = ("written", "twcs", "real-replies")
COMPLAINT_KINDS = ("complaint", "question", "praise", "troll", "hateful")
HOSTILE_KINDS = ("insult", "mockery", "condescension", "blame", "gloating", "dismissal", "exposure", "threat",
                 "personal", "people-like-you", "shouting", "contradiction")
EVASIVE_KINDS = ("passing-the-buck", "policy", "non-apology", "no-comment", "boilerplate", "looking-into-it",
                 "not-our-fault")
SPAN_LABELS = ("compensation", "written_channel", "removal_request", "personal_data", "arguing")
KIND_SPAN_LABELS = {"hostile": HOSTILE_KINDS, "evasive": EVASIVE_KINDS}
FLAG_LABELS = ("apology", "phone", "signed")
LABELS = (*SPAN_LABELS, *KIND_SPAN_LABELS, *FLAG_LABELS)
# The share of ids drawn into the test split (by a hash of the id, so a line's split never depends on the others).
TEST_SHARE = 0.35


@dataclass(frozen=True)
class Reply:
    id: str
    lang: str
    platform: str
    origin: str
    text: str
    complaint: str | None
    complaint_kind: str | None
    labels: dict
    source: str = field(default="", compare=False)  # the corpus file it came from, for messages

    @property
    def real(self) -> bool:
        return self.origin != "written"

    def spans(self, label: str) -> list[tuple[int, int]]:
        """A span label's labelled stretches as (start, end) in code points: each span's first occurrence."""
        found = []
        for item in self.labels[label]:
            words = item["span"] if isinstance(item, dict) else item
            start = self.text.find(words)
            found.append((start, start + len(words)))
        return found


@dataclass(frozen=True)
class Comment:
    id: str
    lang: str
    text: str
    kind: str
    real: bool


def shared_dir() -> Path:
    return Path(os.environ.get("REPLYGUARD_SHARED_CORPUS", ROOT.parent / "shared" / "corpus"))


def _shared_rows(origin: str) -> dict:
    path = shared_dir() / SHARED_FILES[origin]
    if not path.exists():
        raise CorpusError(f"{path} is missing: the shared corpus is read from ../shared/corpus/ next to the checkout, "
                          "or from $REPLYGUARD_SHARED_CORPUS")
    with path.open(encoding="utf-8") as lines:
        return {json.loads(line)["id"]: json.loads(line) for line in lines if line.strip()}


class Shared:
    """The shared data sets, read once, for resolving `ref`s."""

    def __init__(self):
        self._rows: dict[str, dict] = {}

    def row(self, origin: str, ref) -> dict:
        if origin not in self._rows:
            self._rows[origin] = _shared_rows(origin)
        try:
            return self._rows[origin][ref]
        except KeyError:
            raise CorpusError(f"{origin} has no line with id {ref!r}") from None


class CorpusError(ValueError):
    pass


def problems(line: dict, shared: Shared) -> list[str]:
    """What is wrong with one reply line, by the labelling guide; [] when it is right."""
    found = []
    for key in ("id", "lang", "platform", "origin", "labels"):
        if key not in line:
            found.append(f"missing {key}")
    if found:
        return found
    if line["lang"] not in (*LANGUAGES, OTHER_LANGUAGE):
        found.append(f"lang {line['lang']!r} is not one of {LANGUAGES} or {OTHER_LANGUAGE!r}")
    if line["platform"] not in PLATFORMS:
        found.append(f"platform {line['platform']!r} is not one of {PLATFORMS}")
    if line["origin"] not in ORIGINS:
        return found + [f"origin {line['origin']!r} is not one of {ORIGINS}"]
    if line.get("complaint_kind") not in (*COMPLAINT_KINDS, None):
        found.append(f"complaint_kind {line.get('complaint_kind')!r} is not one of {COMPLAINT_KINDS} or null")
    try:
        text, complaint = _texts(line, shared)
    except CorpusError as error:
        return found + [str(error)]
    if not isinstance(text, str) or not text.strip():
        return found + ["no reply text"]
    if line["origin"] == "written" and complaint is not None and not isinstance(complaint, str):
        found.append("complaint must be a text or null")
    if complaint and not line.get("complaint_kind"):
        found.append("a complaint without complaint_kind")
    labels = line["labels"]
    if not isinstance(labels, dict):
        return found + ["labels must be an object"]
    for name in set(labels) - set(LABELS):
        found.append(f"unknown label {name!r}")
    for name in LABELS:
        if name not in labels:
            found.append(f"label {name} missing")
    for name in FLAG_LABELS:
        if name in labels and not isinstance(labels[name], bool):
            found.append(f"{name} must be true or false")
    for name in SPAN_LABELS:
        value = labels.get(name, [])
        if not isinstance(value, list) or not all(isinstance(span, str) and span for span in value):
            found.append(f"{name} must be a list of spans (texts)")
            continue
        found += [f"{name}: span {span!r} is not in the reply" for span in value if span not in text]
    for name, kinds in KIND_SPAN_LABELS.items():
        value = labels.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) and set(item) == {"span", "kind"}
                                                  for item in value):
            found.append(f"{name} must be a list of {{span, kind}}")
            continue
        for item in value:
            if item["kind"] not in kinds:
                found.append(f"{name}: kind {item['kind']!r} is not one of {kinds}")
            if not isinstance(item["span"], str) or not item["span"] or item["span"] not in text:
                found.append(f"{name}: span {item['span']!r} is not in the reply")
    return found


def _texts(line: dict, shared: Shared) -> tuple[str, str | None]:
    if line["origin"] == "written":
        return line.get("text"), line.get("complaint")
    if "ref" not in line:
        raise CorpusError("a real line needs its ref")
    if "text" in line or "complaint" in line:
        raise CorpusError("a real line must not carry its texts (they stay in the shared corpus)")
    row = shared.row(line["origin"], line["ref"])
    return row["reply"], row.get("complaint")


def comment_problems(line: dict) -> list[str]:
    found = [f"missing {key}" for key in ("id", "lang", "text", "kind") if key not in line]
    if found:
        return found
    if line["lang"] not in LANGUAGES:
        found.append(f"lang {line['lang']!r} is not one of {LANGUAGES}")
    if line["kind"] not in COMPLAINT_KINDS:
        found.append(f"kind {line['kind']!r} is not one of {COMPLAINT_KINDS}")
    if not isinstance(line["text"], str) or not line["text"].strip():
        found.append("no text")
    return found


def _read_lines(path: Path):
    with path.open(encoding="utf-8") as lines:
        for number, raw in enumerate(lines, 1):
            if raw.strip():
                try:
                    yield number, json.loads(raw)
                except json.JSONDecodeError as error:
                    raise CorpusError(f"{path}:{number}: not JSON ({error})") from None


def load_replies(directory: Path = CORPUS) -> list[Reply]:
    """Every labelled reply in Danish or English, texts resolved; raises CorpusError naming the file and line of
    the first problem."""
    shared, replies, seen = Shared(), [], {}
    for path in sorted((directory / "replies").glob("*.jsonl")):
        for number, line in _read_lines(path):
            wrong = problems(line, shared)
            if wrong:
                raise CorpusError(f"{path}:{number}: {'; '.join(wrong)}")
            if line["id"] in seen:
                raise CorpusError(f"{path}:{number}: id {line['id']} is also in {seen[line['id']]}")
            seen[line["id"]] = f"{path.name}:{number}"
            if line["lang"] == OTHER_LANGUAGE:
                continue
            text, complaint = _texts(line, shared)
            replies.append(Reply(line["id"], line["lang"], line["platform"], line["origin"], text, complaint or None,
                                 line.get("complaint_kind") if complaint else None, line["labels"], path.name))
    return replies


def load_comments(directory: Path = CORPUS, replies: list[Reply] | None = None) -> list[Comment]:
    """Every labelled comment: the standalone ones in complaints/ and the ones the corpus replies answer."""
    comments, seen = [], set()
    for path in sorted((directory / "complaints").glob("*.jsonl")):
        for number, line in _read_lines(path):
            wrong = comment_problems(line) + ([f"id {line['id']} twice"] if line.get("id") in seen else [])
            if wrong:
                raise CorpusError(f"{path}:{number}: {'; '.join(wrong)}")
            seen.add(line["id"])
            comments.append(Comment(line["id"], line["lang"], line["text"], line["kind"], False))
    # A complaint answered by several replies (a hostile and a kind answer to the same comment) is one comment, the
    # first reply's: counted twice it could be trained on with one reply and tested with another.
    answered = set()
    for reply in replies if replies is not None else load_replies(directory):
        if reply.complaint and reply.complaint_kind and (reply.lang, reply.complaint) not in answered:
            answered.add((reply.lang, reply.complaint))
            comments.append(Comment(f"{reply.id}/complaint", reply.lang, reply.complaint, reply.complaint_kind,
                                    reply.real))
    return comments


def in_test_split(item_id: str) -> bool:
    """A fixed draw per id: real-replies lines are always test; others by a hash of the id. A reply's complaint
    (id 'REPLY/complaint') goes with its reply, so a text is never trained on in one role and tested in another."""
    reply_id = item_id.split("/")[0]
    if reply_id.startswith("real-"):
        return True
    digest = hashlib.sha256(reply_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < TEST_SHARE


def split_ids(directory: Path = CORPUS) -> list[str]:
    replies = load_replies(directory)
    ids = [reply.id for reply in replies] + [comment.id for comment in load_comments(directory, replies)
                                             if "/" not in comment.id]
    return sorted(i for i in ids if in_test_split(i))


def _check(paths: list[str]) -> int:
    shared, failures, count = Shared(), 0, 0
    for name in paths:
        path = Path(name)
        ids = set()
        try:
            for number, line in _read_lines(path):
                count += 1
                is_comment = path.parent.name == "complaints"
                wrong = comment_problems(line) if is_comment else problems(line, shared)
                if line.get("id") in ids:
                    wrong.append(f"id {line.get('id')} twice")
                ids.add(line.get("id"))
                for problem in wrong:
                    failures += 1
                    print(f"{path}:{number}: {problem}")
        except (CorpusError, OSError) as error:
            failures += 1
            print(error)
    print(f"{count} lines, {failures} problems")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"] and argv[1:]:
        return _check(argv[1:])
    if argv == ["split"]:
        TEST_IDS.write_text("".join(f"{i}\n" for i in split_ids()), encoding="utf-8")
        print(f"wrote {TEST_IDS}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
