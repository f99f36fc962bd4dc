"""`make eval`: the checker measured like a classifier on the labelled corpus's test split.

For each rule that judges content, per language: precision, recall and F1 on the test split, and on its real
replies alone; the complaint classifier's confusion matrix; false alarms on the whole pool of real Twitter replies.
A labelled span counts as caught when one of the rule's findings overlaps it; a finding on a reply without the
label, or beside every labelled span, is a false alarm. Every miss and false alarm goes to eval-report/report.md
(not in git: it quotes the shared corpus's texts). The scores without texts go to quality/scores.json, which the
playbook site shows on each rule's page. Exits 1 when a target (issue 12) is missed.

    python -m quality.evaluate             the test split (make eval)
    python -m quality.evaluate --train [--patterns-only] [REPORT]
                                           the training part, for reading misses while writing patterns (report in
                                           eval-report/train-report.md, or REPORT); --patterns-only leaves the
                                           models out, which have seen the training part; the test split's misses
                                           are for measuring only
"""

import dataclasses
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from quality.corpus import COMPLAINT_KINDS, ROOT, in_test_split, load_comments, load_replies
from replyguard.checking.classify import Classifier
from replyguard.checking.engine import Checker
from replyguard.checking.model import sentence_features
from replyguard.checking.rules import load_rules
from replyguard.checking.text import Measured
from replyguard.settings import load_settings

SETTINGS = ROOT / "corpus" / "settings.toml"
REPORT = ROOT / "eval-report" / "report.md"
SCORES = ROOT / "quality" / "scores.json"
LANGUAGES = ("da", "en")
ALL_KINDS = (*COMPLAINT_KINDS, None)


@dataclass(frozen=True)
class Measure:
    """What a rule is judged on: a span label it should mark, or a yes/no label whose absence it should flag; only
    in replies to the kinds of comment it is for (None: no comment known, which the checker takes as a complaint)."""
    label: str
    spans: bool
    kinds: tuple = ALL_KINDS


MEASURES = {
    "no-public-compensation": Measure("compensation", True),
    "kind-tone": Measure("hostile", True),
    "no-dodging": Measure("evasive", True),
    "call-dont-write": Measure("written_channel", True),
    "no-review-removal-request": Measure("removal_request", True),
    "no-personal-data": Measure("personal_data", True),
    "dont-feed-trolls": Measure("arguing", True, ("troll", "hateful")),
    "acknowledge-and-apologise": Measure("apology", False, ("complaint", "troll", None)),
    "offer-phone": Measure("phone", False, ("complaint", "troll", "hateful", None)),
    "sign-with-name": Measure("signed", False),
}
# (precision, recall) on the test split, each language (issue 12)
TARGETS = {
    "kind-tone": (0.90, 0.85),
    "no-dodging": (0.80, 0.70),
    "no-public-compensation": (0.95, 0.90),
    "acknowledge-and-apologise": (0.90, 0.90),
    "call-dont-write": (0.90, 0.90),
}
COMPLAINT_MACRO_F1 = 0.85
POOL_FALSE_ERRORS = 0.01  # error-level findings the labels don't support, on the real Twitter pool


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)


def without_models(rules):
    """The rules as the checker runs them minus their models: what the patterns alone find."""
    return [dataclasses.replace(rule, check={k: v for k, v in rule.check.items() if k != "model"}) for rule in rules]


def overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def judge(rule_id: str, reply, findings) -> tuple[str | None, list]:
    """'tp', 'fp', 'fn', 'fp+fn' (found, but beside the labelled spans) or None, and the rule's findings here."""
    measure = MEASURES[rule_id]
    found = [f for f in findings if f.rule == rule_id]
    in_scope = reply.complaint_kind in measure.kinds
    if measure.spans:
        wanted = reply.spans(measure.label) if in_scope else []
        if not wanted:
            return ("fp" if found else None), found
        spans = [(f.start, f.end) for f in found if f.start is not None]
        hit = any(overlaps(s, w) for s in spans for w in wanted) or any(f.start is None for f in found)
        return ("tp" if hit else "fp+fn" if found else "fn"), found
    wanted = in_scope and not reply.labels[measure.label]
    return ("tp" if found else "fn") if wanted else ("fp" if found else None), found


def utf16_to_index(text: str, offset: int) -> int:
    units = 0
    for index, character in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(character) > 0xFFFF else 1
    return len(text)


def code_point_findings(text, findings):
    """The engine counts UTF-16 units (for JavaScript); the corpus counts code points."""
    return [f.__class__(**{**f.__dict__, "start": utf16_to_index(text, f.start), "end": utf16_to_index(text, f.end)})
            if f.start is not None else f for f in findings]


def reply_findings(checker, reply):
    """The checker's findings for a corpus reply, with the complaint it answers as context, in code points."""
    context = {"complaint": reply.complaint} if reply.complaint else {}
    return code_point_findings(reply.text, checker.check(reply.text, reply.lang, context).findings)


def marked(text: str, spans) -> str:
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out += [text[last:start], "⟦", text[start:end], "⟧"]
        last = end
    return "".join(out + [text[last:]]).replace("\n", " ")


def fmt(value) -> str:
    return "  -  " if value is None else f"{value:.2f}"


def evaluate(split: str = "test", patterns_only: bool = False):
    """Tallies per (rule, language, 'all'/'real'), complaint confusion matrices, the report's lines per rule, the
    real Twitter pool's unsupported error-level findings, the labelled spans caught per kind of hostility and
    evasion ({(rule, language, kind): [caught, labelled]}), and how often a caught span's message names its kind
    ({(rule, language): [caught, named, named right]}), for the test split or the training part."""
    in_split = in_test_split if split == "test" else (lambda item_id: not in_test_split(item_id))
    replies = load_replies()
    rules = load_rules()
    if patterns_only:
        rules = without_models(rules)
    checker = Checker(rules, load_settings(SETTINGS))
    tallies: dict[tuple, Tally] = {}
    report: dict[str, list[str]] = {rule_id: [] for rule_id in MEASURES}
    pool_errors, pool_size, pool_test_errors, pool_test_size = [], 0, 0, 0
    by_kind: dict[tuple[str, str, str], list[int]] = {}
    named: dict[tuple[str, str], list[int]] = {}
    naming_kinds = {rule.id for rule in rules if rule.kind_titles}
    for reply in replies:
        findings = reply_findings(checker, reply)
        chosen = in_split(reply.id)
        if reply.origin == "twcs":
            pool_size += 1
            pool_test_size += chosen
            unsupported = [f for f in findings if f.severity == "error"
                           and judge(f.rule, reply, findings)[0] in ("fp", "fp+fn")] if any(
                f.severity == "error" for f in findings) else []
            if unsupported:
                pool_errors.append((reply, unsupported, chosen))
                pool_test_errors += chosen
        if not chosen:
            continue
        for rule_id, measure in MEASURES.items():
            outcome, found = judge(rule_id, reply, findings)
            if outcome is None:
                continue
            _count_kinds(by_kind, rule_id, reply, found)
            if rule_id in naming_kinds:
                _count_named(named, rule_id, reply, found)
            for part in ("all", "real") if reply.real else ("all",):
                tally = tallies.setdefault((rule_id, reply.lang, part), Tally())
                for piece in outcome.split("+"):
                    setattr(tally, piece, getattr(tally, piece) + 1)
            if outcome != "tp":
                wanted = reply.spans(measure.label) if measure.spans else []
                spans = [(f.start, f.end) for f in found if f.start is not None]
                what = {"fp": "false alarm", "fn": "missed", "fp+fn": "found beside the label"}[outcome]
                report[rule_id].append(
                    f"- **{what}** `{reply.id}` ({reply.lang}, {reply.complaint_kind or 'no comment'}): "
                    f"{marked(reply.text, spans + wanted)}"
                    + (f"  \n  labelled: {', '.join(repr(reply.text[a:b]) for a, b in wanted)}" if wanted else "")
                    + (f"  \n  found: {', '.join(repr(reply.text[a:b]) for a, b in spans)}" if spans else "")
                    + "".join(f"  \n  message: {f.message}" for f in found if f.message not in
                              (r.message[reply.lang] for r in rules if r.id == rule_id)))
    comments = [c for c in load_comments(replies=replies) if in_split(c.id)]
    classifier = Classifier()
    confusion = {lang: Counter() for lang in LANGUAGES}
    for comment in comments:
        kind = classifier.classify(comment.text, comment.lang).kind
        confusion[comment.lang][(comment.kind, kind)] += 1
        if kind != comment.kind:
            report.setdefault("complaint kinds", []).append(
                f"- `{comment.id}` ({comment.lang}) labelled **{comment.kind}**, classified **{kind}**: "
                f"{comment.text}".replace("\n", " "))
    return tallies, confusion, report, (pool_errors, pool_size, pool_test_errors, pool_test_size), by_kind, named


def _count_kinds(by_kind: dict, rule_id: str, reply, found) -> None:
    """Each labelled span that has a kind (mockery, blame, policy, ...), caught or not: which kinds a rule misses
    tells where its patterns and model are thin."""
    measure = MEASURES[rule_id]
    if not measure.spans or reply.complaint_kind not in measure.kinds:
        return
    spans = [(f.start, f.end) for f in found if f.start is not None]
    whole_reply = any(f.start is None for f in found)
    for item, wanted in zip(reply.labels[measure.label], reply.spans(measure.label)):
        if isinstance(item, dict) and "kind" in item:
            tally = by_kind.setdefault((rule_id, reply.lang, item["kind"]), [0, 0])
            tally[0] += whole_reply or any(overlaps(span, wanted) for span in spans)
            tally[1] += 1


# The kinds a kind model learns and names, where they are fewer than the labels': a label's kinds that read alike, or
# that two labellers told apart less often than not, are named as one (corpus/second-pass.md: the two gave different
# hostile kinds in 21 of 45 replies, most of them neighbours such as mockery and gloating). A kind not listed here is
# named as itself.
NAMED_AS = {
    "hostile": {"gloating": "mockery", "dismissal": "condescension", "contradiction": "blame", "personal": "insult",
                "people-like-you": "insult"},
}


def kind_sentences(replies, label: str, language: str, in_split) -> list[tuple[list[str], str, str]]:
    """(features, kind, reply id) for each sentence of the chosen replies that overlaps a span labelled with a kind,
    the sentence read as a kind model reads it (model.sentence_features: its own features, with its shape and place
    in the reply) and its kind as the model names it (NAMED_AS): what make train learns a kind model from and what
    make eval judges it on."""
    named_as = NAMED_AS.get(label, {})
    found_kinds = []
    for reply in replies:
        if reply.lang != language or not in_split(reply.id) or not reply.labels[label]:
            continue
        labelled = [(start, end, item["kind"]) for (start, end), item in zip(reply.spans(label), reply.labels[label])]
        spans = [(s.start, s.end) for s in Measured(reply.text).sentences]
        for (start, end), found in zip(spans, sentence_features([reply.text[a:b] for a, b in spans])):
            kind = next((kind for a, b, kind in labelled if a < end and start < b), None)
            if kind and found:
                found_kinds.append((found, named_as.get(kind, kind), reply.id))
    return found_kinds


def _count_named(named: dict, rule_id: str, reply, found) -> None:
    """For each labelled span with a kind that one of the rule's findings marks: whether the finding's message names
    a kind, as staff see it (a pattern's own `kind:`, or the kind model's where it is sure enough), and whether the
    labelled one (NAMED_AS)."""
    measure = MEASURES[rule_id]
    if reply.complaint_kind not in measure.kinds:
        return
    named_as = NAMED_AS.get(measure.label, {})
    tally = named.setdefault((rule_id, reply.lang), [0, 0, 0])
    for item, wanted in zip(reply.labels[measure.label], reply.spans(measure.label)):
        finding = next((f for f in found if f.start is not None and overlaps((f.start, f.end), wanted)), None)
        if finding is None or not isinstance(item, dict) or "kind" not in item:
            continue
        tally[0] += 1
        tally[1] += finding.kind is not None
        tally[2] += finding.kind == named_as.get(item["kind"], item["kind"])


def macro_f1(matrix: Counter) -> float:
    scores = []
    for kind in COMPLAINT_KINDS:
        tp = matrix[(kind, kind)]
        fp = sum(n for (truth, said), n in matrix.items() if said == kind and truth != kind)
        fn = sum(n for (truth, said), n in matrix.items() if truth == kind and said != kind)
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def scores(tallies: dict, confusion: dict, named: dict) -> dict:
    """What the playbook site shows: per rule, language and part (all / real), the counts, precision and recall;
    the complaint classifier's macro-F1 per language; and per rule whose messages name kinds, per language, how
    often a caught span's message names one and how often the labelled one (evaluate's `named`)."""
    published = {}
    for (rule_id, lang, part), tally in sorted(tallies.items()):
        published.setdefault(rule_id, {}).setdefault(lang, {})[part] = {
            "labelled": tally.tp + tally.fn, "tp": tally.tp, "fp": tally.fp, "fn": tally.fn,
            "precision": None if tally.precision is None else round(tally.precision, 2),
            "recall": None if tally.recall is None else round(tally.recall, 2)}
    for lang, matrix in confusion.items():
        published.setdefault("complaint-kinds", {})[lang] = {"macro_f1": round(macro_f1(matrix), 2)}
    for (rule_id, lang), (caught, with_kind, right) in sorted(named.items()):
        published.setdefault("kinds-named", {}).setdefault(rule_id, {})[lang] = {
            "caught": caught, "named": with_kind, "right": right}
    return published


def main(argv: list[str]) -> int:
    split = "train" if argv[:1] == ["--train"] else "test"
    patterns_only = split == "train" and "--patterns-only" in argv
    argv = [arg for arg in argv if arg != "--patterns-only"]
    tallies, confusion, report, (pool_errors, pool_size, pool_test_errors, pool_test_size), by_kind, named = evaluate(
        split, patterns_only)
    missed = []
    print(f"{'Test split' if split == 'test' else 'TRAINING PART (for development; make eval measures the test split)'}"
          ". P = precision, R = recall; 'real' = real replies only (English: Twitter, Trustpilot).")
    print(f"{'rule':<27}{'lang':<6}{'part':<6}{'labelled':>9}{'TP':>6}{'FP':>6}{'FN':>6}{'P':>7}{'R':>7}{'F1':>7}"
          f"   target")
    for rule_id in MEASURES:
        for lang in LANGUAGES:
            for part in ("all", "real"):
                tally = tallies.get((rule_id, lang, part))
                if tally is None:
                    continue
                target = TARGETS.get(rule_id) if part == "all" else None
                verdict = ""
                if target:
                    ok = (tally.precision or 0) >= target[0] and (tally.recall or 0) >= target[1]
                    verdict = f"P≥{target[0]:.2f} R≥{target[1]:.2f} {'ok' if ok else 'MISSED'}"
                    if not ok:
                        missed.append(f"{rule_id} {lang}")
                print(f"{rule_id:<27}{lang:<6}{part:<6}{tally.tp + tally.fn:>9}{tally.tp:>6}{tally.fp:>6}"
                      f"{tally.fn:>6}{fmt(tally.precision):>7}{fmt(tally.recall):>7}{fmt(tally.f1):>7}   {verdict}")
    print("\nRecall by kind, weakest first (labelled spans caught / labelled):")
    kind_lines = []
    for (rule_id, lang) in sorted({(rule_id, lang) for rule_id, lang, _ in by_kind}, key=lambda key: (
            list(MEASURES).index(key[0]), key[1])):
        kinds = sorted(((caught / labelled, kind, caught, labelled) for (r, l, kind), (caught, labelled)
                        in by_kind.items() if (r, l) == (rule_id, lang)))
        line = f"{rule_id} {lang}: " + ", ".join(f"{kind} {caught}/{labelled}" for _, kind, caught, labelled in kinds)
        print(f"  {line}")
        kind_lines.append(f"- {line}")
    report["recall by kind"] = kind_lines
    for (rule_id, lang), (caught, with_kind, right) in sorted(named.items()):
        print(f"  {rule_id} {lang}: the message names a kind for {with_kind} of the {caught} labelled spans caught "
              f"({with_kind / max(caught, 1):.2f}), the labelled kind for {right} of them "
              f"({right / max(with_kind, 1):.2f})")
    print(f"\nComplaint classifier, {'test split' if split == 'test' else 'training part'} (rows: labelled kind, columns: classified kind)")
    for lang in LANGUAGES:
        matrix = confusion[lang]
        f1 = macro_f1(matrix)
        ok = f1 >= COMPLAINT_MACRO_F1
        if not ok:
            missed.append(f"complaint kinds {lang}")
        print(f"\n{lang}: macro-F1 {f1:.3f} (target ≥ {COMPLAINT_MACRO_F1:.2f} {'ok' if ok else 'MISSED'})")
        print(" " * 11 + "".join(f"{kind:>11}" for kind in COMPLAINT_KINDS))
        for truth in COMPLAINT_KINDS:
            print(f"{truth:>11}" + "".join(f"{matrix[(truth, said)]:>11}" for said in COMPLAINT_KINDS))
    share = len(pool_errors) / pool_size if pool_size else 0.0
    ok = share <= POOL_FALSE_ERRORS
    if not ok:
        missed.append("false errors on the real pool")
    print(f"\nReal Twitter pool: {len(pool_errors)} of {pool_size} replies ({share:.1%}) have an error-level finding "
          f"the labels don't support (target ≤ {POOL_FALSE_ERRORS:.0%} {'ok' if ok else 'MISSED'}); "
          f"{pool_test_errors} of the {pool_test_size} in the {'test split' if split == 'test' else 'training part'}")
    report[f"false errors on the real pool, {'test split' if split == 'test' else 'training part'}"] = [
        f"- `{reply.id}` {', '.join(f.rule for f in found)}: "
        f"{marked(reply.text, [(f.start, f.end) for f in found if f.start is not None])}"
        for reply, found, in_split in pool_errors if in_split]
    path = REPORT if split == "test" else Path(argv[1]) if argv[1:] else REPORT.with_name("train-report.md")
    path.parent.mkdir(exist_ok=True)
    guard = ("Read it to see what the checker misses; write patterns, thresholds and corpus lines from the training "
             "part's report (`python -m quality.evaluate --train`, train-report.md), never from this one.\n\n"
             if split == "test" else "")
    path.write_text(f"# Every miss and false alarm on the {'test split' if split == 'test' else 'training part'}\n\n{guard}"
                    + "\n\n".join(f"## {name} ({len(lines)})\n\n" + "\n".join(lines) for name, lines in report.items())
                    + "\n", encoding="utf-8")
    print(f"\nEvery miss and false alarm: {path}")
    if split == "test":
        SCORES.write_text(json.dumps(scores(tallies, confusion, named), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"Scores for the playbook site: {SCORES.name}")
    if missed:
        print(f"Targets missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
