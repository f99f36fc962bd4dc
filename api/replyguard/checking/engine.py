"""The checking engine: three generic kinds of check (present, absent, metric), parametrised by the rule files."""

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from ..settings import LANGUAGES, Settings, SettingsError
from .classify import KINDS as COMPLAINT_KINDS, Classification, Classifier
from .entities import make_detectors
from .language import detect_language
from .model import SentenceModels, load_model, models_dir, words_of_spans
from .patterns import AnchorIndex, Haystack, PatternSet, runaway
from .rules import CONTEXT_METRICS, MESSAGE_PLACEHOLDERS, PLACEHOLDER, Rule, RuleError
from .templates import load_templates
from .text import Measured, Utf16Offsets

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
NAMES_LIKE_NOUNS = "names-like-nouns.json"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    start: int | None  # UTF-16 code units; None for a finding about the whole reply
    end: int | None
    insert: str | None  # for whole-reply findings: where a suggestion goes, "start" or "end"
    suggestions: tuple[str, ...]
    kind: str | None = None  # the kind of dig or dodge the message names (check.model.kinds), when it names one


@dataclass(frozen=True)
class CheckResult:
    language: str
    findings: tuple[Finding, ...]
    complaint: Classification | None = None  # the answered comment, when the context sent it

    @property
    def verdict(self) -> str:
        severities = {finding.severity for finding in self.findings}
        return "block" if "error" in severities else "review" if "warning" in severities else "ok"


class _Text(Haystack):
    """One reply prepared once for all rules: its measures and entity spans are shared by every rule."""

    def __init__(self, text: str, context: dict, detectors: dict, index: AnchorIndex, language: str,
                 sentence_models: SentenceModels, answers: str | None):
        super().__init__(text, index)
        self.context = context
        self.answers = answers  # the kind of comment the reply answers, when sent with it; the sentence models read it
        self.measured = Measured(text)
        # parsed: work that several detectors share (one phone-number parse for both phone entities), and the reply's
        # language (national phone numbers are read in its usual countries too)
        self._detectors, self._entities, self._parsed = detectors, {}, {"language": language}
        self.sentence_models, self._sentence_features, self._sentence_probabilities = sentence_models, None, None
        self._sentence_words = None  # each sentence's words, found with its features

    def sentence_features(self) -> list[tuple[int, int, list[str]]]:
        """Each sentence's span and model features, found once for every model that reads them."""
        if self._sentence_features is None:
            spans = [(s.start, s.end) for s in self.measured.sentences]
            texts = [self.text[start:end] for start, end in spans]
            self._sentence_words = words_of_spans(self.text, self.lowered, spans)
            found = self.sentence_models.sentence_features(texts, self._sentence_words, self.answers)
            self._sentence_features = [(start, end, row) for (start, end), row in zip(spans, found)]
        return self._sentence_features

    def sentence_probabilities(self) -> list[list[float]]:
        """Each sentence's probability under every sentence model of the language (Checker numbers the models)."""
        if self._sentence_probabilities is None:
            rows = [found for _, _, found in self.sentence_features()]  # finds the sentences' words too
            self._sentence_probabilities = self.sentence_models.reply_probabilities(rows, self._sentence_words)
        return self._sentence_probabilities

    def entity(self, name: str) -> list[tuple[int, int]]:
        if name not in self._entities:
            self._entities[name] = self._detectors[name](self.text, self._parsed)
        return self._entities[name]


class _Matchers:
    """Patterns and entities that together answer: is this element in the reply, and where?"""

    def __init__(self, spec: dict, language: str, settings: Settings, index: AnchorIndex, extra: tuple[str, ...] = ()):
        by_language = spec.get("patterns", {})
        items = [i if isinstance(i, dict) else {"pattern": i}
                 for i in [*by_language.get(language, []), *by_language.get("any", []), *extra]]
        items = [{**i, "pattern": _fill_pattern(i["pattern"], settings)} for i in items]
        self.patterns = PatternSet([i for i in items if "not_answering" not in i], index)
        # Patterns that don't count in answer to some kinds of comment (capitals that shout at a complaint celebrate
        # with praise), kept apart so that a match they don't make can't hide another pattern's where the two overlap.
        by_kinds: dict[frozenset[str], list[dict]] = {}
        for item in items:
            if "not_answering" in item:
                by_kinds.setdefault(frozenset(item["not_answering"]), []).append(item)
        self.conditional = [(kinds, PatternSet(chosen, index)) for kinds, chosen in by_kinds.items()]
        self.entities = tuple(spec.get("entities", ()))

    def spans(self, text: _Text):
        yield from self.patterns.finditer(text)
        for kinds, patterns in self.conditional:
            if text.answers not in kinds:
                yield from patterns.finditer(text)
        for entity in self.entities:
            for start, end in text.entity(entity):
                yield start, end, None

    def found(self, text: _Text) -> bool:
        return (self.patterns.search(text)
                or any(patterns.search(text) for kinds, patterns in self.conditional if text.answers not in kinds)
                or any(text.entity(entity) for entity in self.entities))


@lru_cache(maxsize=1)
def names_like_nouns() -> tuple[str, ...]:
    """First names that end like a Danish definite noun (Søren, Karen, Imogen), so that sign-with-name can read "Mvh
    Køreskolen" as the company and "Mvh Søren" as a person (quality/first_names.py; make train writes them)."""
    return tuple(json.loads((models_dir() / NAMES_LIKE_NOUNS).read_text(encoding="utf-8"))["names"])


def _fill_pattern(pattern: str, settings: Settings) -> str:
    # The name's single words too, so a pattern can tell "Mvh Cykelhuset" (the company) from a person's name.
    values = {"staff": settings.staff, "organisation": (settings.organisation,),
              "organisation_words": tuple(re.findall(r"\w+", settings.organisation)),
              "names_like_nouns": names_like_nouns()}

    def alternation(match):
        names = [name for name in values[match.group(1)] if name]
        return "(?:%s)" % "|".join(re.escape(name) for name in names) if names else "(?!)"

    return PLACEHOLDER.sub(alternation, pattern)


class _Present:
    """Flags every place where one of the rule's phrases, patterns or entities occurs, and the whole reply when it
    passes one of the check's optional limits (a reply to a troll that argues, or that goes on too long)."""

    def __init__(self, rule: Rule, language: str, settings: Settings, index: AnchorIndex):
        extra = settings.extra_phrases.get(rule.id, {}).get(language, ())
        self.matchers = _Matchers(rule.check, language, settings, index, extra)
        unless = rule.check.get("unless")
        self.unless = PatternSet([{"pattern": _fill_pattern(p, settings)}
                                  for p in [*unless.get(language, []), *unless.get("any", [])]], index) if unless else None
        self.whole_sentence = rule.check.get("span") == "sentence"
        self.limits = _Limits(rule, language, settings) if "limits" in rule.check else None
        self.model = _ModelSentences(rule.check["model"], language) if "model" in rule.check else None

    def spans(self, text: _Text):
        passed = self.limits.passed(text) if self.limits else None
        return self._matches(text) + ([(None, None, passed)] if passed is not None else [])

    def _matches(self, text: _Text):
        spans = list(self.matchers.spans(text))
        if spans:  # no rule finds its phrases in the initials or name that sign the reply (Measured.sign_off_start)
            signed_from = text.measured.sign_off_start
            spans = [span for span in spans if span[0] < signed_from]
        if self.model and self.model.kinds:  # before the match grows to its sentence: the message quotes the match
            spans = [(start, end, self.model.with_kind(text, start, end, item)) for start, end, item in spans]
        if self.whole_sentence:
            spans = [(*_around(text.measured.without_address_and_signature(*text.measured.sentence_at(start, end)),
                               start, end), item) for start, end, item in spans]
        spans = _without_overlaps(spans)
        if self.model:  # the model's sentences where no pattern already marks something
            spans = sorted(spans + [s for s in self.model.sentences(text)
                                    if not any(p[0] < s[1] and s[0] < p[1] for p in spans)],
                           key=lambda span: span[:2])
        if self.unless and spans:
            allowed = [(start, end) for start, end, _ in self.unless.finditer(text)]
            spans = [s for s in spans if not any(a < s[1] and s[0] < b for a, b in allowed)]
        if self.model:  # the words to quote are weighed only for the model's sentences that are kept
            spans = [(start, end, self.model.item(text, start, end) if item is self.model else item)
                     for start, end, item in spans]
        return spans


class _ModelSentences:
    """The sentences a trained model (replyguard.model) scores at or over the rule's threshold for the language,
    each with a message that quotes the words that weigh most, and the model's own severity when the rule gives one
    (a model's guess may warn where the rule's patterns block)."""

    def __init__(self, spec: dict, language: str):
        self.model = load_model(spec["name"], language)
        self.column = None  # its place among the language's sentence models, given by Checker
        self.threshold = spec["threshold"][language]
        self.message = spec["message"][language]
        self.severity = {"severity": spec["severity"]} if "severity" in spec else {}
        # A kind model names which kind of the label the sentence reads as, and the message for that kind says so,
        # when the kind model is at least as sure as the rule's confidence (chosen by make train).
        kinds = spec.get("kinds")
        self.kinds = load_model(kinds["model"], language) if kinds else None
        self.kind_messages = {kind: text[language] for kind, text in kinds["message"].items()} if kinds else {}
        self.kind_confidence = kinds["confidence"][language] if kinds else None

    def sentences(self, text: _Text) -> list[tuple[int, int, "_ModelSentences"]]:
        """The sentences scored at or over the threshold, each marked as this model's until item() makes its finding."""
        return [(*text.measured.without_address_and_signature(start, end), self)
                for (start, end, _), probabilities in zip(text.sentence_features(), text.sentence_probabilities())
                if probabilities[self.column] >= self.threshold]

    def item(self, text: _Text, start: int, end: int) -> dict:
        """The finding's message and severity for the model's sentence marked start..end (without its address and
        signature, which the words to quote leave out too): its kind's message where the kind model is sure enough of
        one, else the model's own, which names no kind rather than a wrong one."""
        found = _features_at(text, start)
        cue = self.model.cue(text.text[start:end], found)
        kind = self._sure_kind(text, found)
        message = self.kind_messages[kind] if kind else self.message
        return {"message": message.replace("{cue}", cue), **self.severity, **({"kind": kind} if kind else {})}

    def with_kind(self, text: _Text, start: int, end: int, item: dict | None) -> dict | None:
        """A pattern's match start..end (item: the pattern's own entry, None for an entity) in a rule whose model
        tells kinds: its message names the kind the pattern says it finds (`kind:` in the rule file), or else, where
        the kind model is sure enough of the sentence's kind, that one, as the model's findings do, and quotes what
        the pattern matched; its suggestions and severity stay the pattern's. A pattern's own message stays, and
        where no kind is named, the rule's message is shown, as in any rule."""
        if item and "message" in item:
            return item
        kind = item["kind"] if item and "kind" in item else self._sure_kind(text, _features_at(text, start))
        if not kind:
            return item
        return {**(item or {}), "kind": kind, "message": self.kind_messages[kind].replace("{cue}", text.text[start:end])}

    def _sure_kind(self, text: _Text, found: list[str]) -> str | None:
        """The kind a sentence with these features reads as, when the model tells kinds and is at least the rule's
        confidence sure of it; else None."""
        if not self.kinds:
            return None
        kind, probability = self.kinds.best_class_of_row(found, text.sentence_models.aggregated)
        return kind if probability >= self.kind_confidence else None


def _features_at(text: _Text, start: int) -> list[str]:
    """The sentence models' features of the sentence that holds `start`."""
    return next(found for begins, ends, found in text.sentence_features() if begins <= start < ends)


def _around(sentence: tuple[int, int], start: int, end: int) -> tuple[int, int]:
    """The sentence's span, stretched to hold the match found in it (a pattern that matched its sign-off)."""
    return min(sentence[0], start), max(sentence[1], end)


def _without_overlaps(spans):
    """A rule marks each character once: when its patterns and entities overlap (a phone number inside an order
    number), the leftmost and then longest span wins, as within one group of patterns."""
    kept = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


class _Absent:
    """Flags the whole reply when any required element (a group of patterns/entities) is missing."""

    def __init__(self, rule: Rule, language: str, settings: Settings, index: AnchorIndex):
        self.groups = [_Matchers(group, language, settings, index) for group in rule.check["require"]]

    def spans(self, text: _Text):
        return [] if all(group.found(text) for group in self.groups) else [(None, None, None)]


class _Limits:
    """A check's limits on measures of the reply or numbers about its situation (thresholds from the settings)."""

    def __init__(self, rule: Rule, language: str, settings: Settings):
        overrides = settings.thresholds.get(rule.id, {})
        self.limits = []
        for limit in rule.check["limits"]:
            if language in limit.get("languages", LANGUAGES):
                bound = "max" if "max" in limit else "min"
                value = overrides.get(limit["metric"], limit[bound])
                self.limits.append((limit["metric"], bound, value, limit.get("at_least_words", 0),
                                    limit.get("escalate")))

    def passed(self, text: _Text) -> dict | None:
        """None when the reply keeps to every limit, else the finding's item: {} or, far past an escalating
        limit, {"severity": ...}."""
        for metric, bound, limit, at_least_words, escalate in self.limits:
            if at_least_words and len(text.measured.words) < at_least_words:
                continue
            value = _metric_value(text, metric)
            if value is None:
                continue
            if (value > limit) if bound == "max" else (value < limit):
                far_past = escalate and value >= limit * escalate["times"]
                return {"severity": escalate["severity"]} if far_past else {}
        return None


class _Metric:
    """Flags the whole reply when a measure (of the text or the thread) passes its limit, unless the reply already
    says what the situation asks for (`unless` patterns, e.g. an apology for a late answer)."""

    def __init__(self, rule: Rule, language: str, settings: Settings, index: AnchorIndex):
        self.limits = _Limits(rule, language, settings)
        unless = rule.check.get("unless")
        self.unless = PatternSet([{"pattern": _fill_pattern(p, settings)}
                                  for p in [*unless.get(language, []), *unless.get("any", [])]], index) if unless else None

    def spans(self, text: _Text):
        passed = self.limits.passed(text)
        if passed is None or (self.unless and self.unless.search(text)):
            return []
        return [(None, None, passed)]


def _metric_value(text: _Text, metric: str) -> float | None:
    """A measure of the reply, or a number about its situation (None when the client didn't send it)."""
    return text.context.get(metric) if metric in CONTEXT_METRICS else text.measured.metric(metric)


KINDS = {"present": _Present, "absent": _Absent, "metric": _Metric}


class _CompiledRule:
    def __init__(self, rule: Rule, language: str, settings: Settings, index: AnchorIndex, templates: dict):
        self.rule, self.language = rule, language
        self.check = KINDS[rule.check["kind"]](rule, language, settings, index)
        self.message = rule.message[language]
        self.insert = rule.check.get("insert", "end")  # used by whole-reply findings only
        self.suggestions = _fill_suggestions(rule.suggestions[language], settings)
        if rule.suggest_template:
            self.suggestions += (templates[rule.suggest_template].fill(language, settings),)
        self.settings = settings
        self.complaint_kinds = frozenset(rule.when.get("complaint", ()))
        self.context_bounds = [(metric, bounds) for metric, bounds in rule.when.items() if metric in CONTEXT_METRICS]

    def applies(self, text: _Text, complaint_kind: str) -> bool:
        """Whether the situation is one the rule is for (its `when`)."""
        if self.complaint_kinds and complaint_kind not in self.complaint_kinds:
            return False
        for metric, bounds in self.context_bounds:
            value = text.context.get(metric)
            if value is None or value < bounds.get("min", value) or value > bounds.get("max", value):
                return False
        return True

    def findings(self, text: _Text, utf16: Utf16Offsets):
        for start, end, item in self.check.spans(text):
            suggestions = self.suggestions
            if item and "suggest" in item:
                suggestions = _fill_suggestions(item["suggest"], self.settings)
            yield Finding(
                rule=self.rule.id,
                severity=item.get("severity", self.rule.severity) if item else self.rule.severity,
                message=item["message"] if item and "message" in item else _fill_message(self.message, text,
                                                                                          self.language),
                start=None if start is None else utf16(start),
                end=None if end is None else utf16(end),
                insert=self.insert if start is None else None,
                suggestions=suggestions,
                kind=item.get("kind") if item else None,
            )


def _fill_suggestions(texts, settings: Settings) -> tuple[str, ...]:
    values = settings.placeholders
    return tuple(PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group()), text) for text in texts)


AGE_UNITS = {  # (hours in the unit, singular, plural), largest first
    "da": ((24 * 7, "uge", "uger"), (24, "dag", "dage"), (1, "time", "timer"), (1 / 60, "minut", "minutter")),
    "en": ((24 * 7, "week", "weeks"), (24, "day", "days"), (1, "hour", "hours"), (1 / 60, "minute", "minutes")),
}


def _fill_message(message: str, text: _Text, language: str) -> str:
    """A message's placeholders (rules.MESSAGE_PLACEHOLDERS), e.g. {age}: how old the complaint is, in words."""
    if "{" not in message:
        return message
    return PLACEHOLDER.sub(lambda m: _age_in_words(text.context[MESSAGE_PLACEHOLDERS[m.group(1)]], language), message)


def _age_in_words(hours: float, language: str) -> str:
    for unit_hours, singular, plural in AGE_UNITS[language]:
        count = int(hours // unit_hours)
        if count >= 1 or unit_hours == AGE_UNITS[language][-1][0]:
            return f"{count} {singular if count == 1 else plural}"


def complaint_age_hours(posted_at: str, now: datetime | None = None) -> float:
    """Hours since an ISO 8601 time with a zone offset; never below 0 (clocks differ a little)."""
    posted = datetime.fromisoformat(posted_at.replace("Z", "+00:00"))
    now = now or datetime.now(timezone.utc)
    return max(0.0, (now - posted).total_seconds() / 3600)


class Checker:
    """Checks replies against the enabled rules; built once at start, then shared by every request."""

    def __init__(self, rules: list[Rule], settings: Settings, classifier: Classifier | None = None):
        _validate_settings_against_rules(settings, rules)
        self.rules = rules
        self.settings = settings
        self.detectors = make_detectors(settings)
        self.classifier = classifier or Classifier()
        enabled = [rule for rule in rules if rule.id not in settings.disabled_rules]
        templates = _templates_named_by(enabled, settings)
        self._indexes = {lang: AnchorIndex() for lang in LANGUAGES}
        self._compiled = {lang: [_CompiledRule(rule, lang, settings, self._indexes[lang], templates) for rule in enabled]
                          for lang in LANGUAGES}
        for index in self._indexes.values():
            index.build()
        self._sentence_models = {lang: _sentence_models_by_kind(compiled) for lang, compiled in self._compiled.items()}

    def prepare(self, text: str, language: str, context: dict, answers: str | None = None) -> _Text:
        """The reply made ready for every rule of the language (the benchmarks time the rules on it too). `answers`:
        the kind of comment it answers, when the context sent it."""
        return _Text(text, context, self.detectors, self._indexes[language], language,
                     self._sentence_models[language][answers or "complaint"], answers)

    def check(self, text: str, language: str = "auto", context: dict | None = None,
              now: datetime | None = None) -> CheckResult:
        """context: complaint (the answered comment's text), staff_replies_in_thread, complaint_posted_at (ISO 8601,
        its age counted against `now`, default the current time) or complaint_age_hours directly."""
        if language == "auto":
            language = self.settings.default_language
        if language == "auto":
            language = detect_language(text)
        context = dict(context or {})
        if context.get("complaint_posted_at") and "complaint_age_hours" not in context:
            context["complaint_age_hours"] = complaint_age_hours(context["complaint_posted_at"], now)
        # Classified only when sent; without it the reply is taken to answer a complaint, the usual case. A reply is
        # written in its complaint's language, so the complaint is read in the reply's (no second detection).
        complaint = self.classifier.classify(context["complaint"], language) if context.get("complaint") else None
        prepared = self.prepare(text, language, context, complaint.kind if complaint else None)
        utf16 = Utf16Offsets(text)
        kind = complaint.kind if complaint else "complaint"
        findings = [f for compiled in self._compiled[language] if compiled.applies(prepared, kind)
                    for f in compiled.findings(prepared, utf16)]
        findings.sort(key=lambda f: (f.start is None, f.start or 0, f.end or 0, SEVERITY_RANK[f.severity], f.rule))
        return CheckResult(language, tuple(findings), complaint)


def _sentence_models_by_kind(compiled: list[_CompiledRule]) -> dict[str, SentenceModels]:
    """For each kind of comment a reply can answer, the language's sentence models scored together, each rule's told
    its column: a model whose rule doesn't run for that kind (dont-feed-trolls', for trolls and hateful comments only)
    is not scored; scored for every reply, that fifth model cost the usual check, a reply to a complaint, about 4 %.
    The models of rules that run for every kind come first, so a model has one column in every kind's set, each set
    being the models up to the last its kind needs."""
    readers = sorted(((rule.complaint_kinds, rule.check.model) for rule in compiled
                      if isinstance(rule.check, _Present) and rule.check.model), key=lambda reader: bool(reader[0]))
    models = list({id(reader.model): reader.model for _, reader in readers}.values())
    for _, reader in readers:
        reader.column = models.index(reader.model)
    by_kind = {}
    for kind in COMPLAINT_KINDS:
        needed = [reader.column for kinds, reader in readers if not kinds or kind in kinds]
        by_kind[kind] = _scored_together(tuple(models[:max(needed, default=-1) + 1]))
    return by_kind


@lru_cache(maxsize=16)
def _scored_together(models: tuple) -> SentenceModels:
    """One SentenceModels per set of models (they are the packaged ones, loaded once): merging their weights took
    half of what a new Checker costs, and every app, settings reload and test makes one."""
    return SentenceModels(list(models))


def _templates_named_by(rules: list[Rule], settings: Settings) -> dict:
    """The reply templates rules offer as suggestions (the organisation's own too), loaded only when some rule names
    one."""
    if not any(rule.suggest_template for rule in rules):
        return {}
    templates = {template.id: template for template in load_templates(None, settings.templates_dir)}
    for rule in rules:
        if rule.suggest_template and rule.suggest_template not in templates:
            raise RuleError(f"{rule.source}: suggest_template: no template {rule.suggest_template!r} "
                            f"(there are: {', '.join(sorted(templates))})")
    return templates


def _validate_settings_against_rules(settings: Settings, rules: list[Rule]) -> None:
    """A setting that names a rule or metric that doesn't exist is a mistake worth stopping for."""
    known = {rule.id: rule for rule in rules}
    named = {
        "checker.disabled_rules": settings.disabled_rules,
        "checker.extra_phrases": settings.extra_phrases,
        "checker.thresholds": settings.thresholds,
    }
    for field, rule_ids in named.items():
        for rule_id in rule_ids:
            if rule_id not in known:
                raise SettingsError(f"{settings.source}: {field} names unknown rule {rule_id!r}")
    for rule_id, phrases in settings.extra_phrases.items():
        if known[rule_id].check["kind"] != "present":
            raise SettingsError(f"{settings.source}: checker.extra_phrases.{rule_id}: that rule does not look for phrases")
        for language, patterns in phrases.items():
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as error:
                    raise SettingsError(f"{settings.source}: checker.extra_phrases.{rule_id}.{language}: "
                                        f"{pattern!r} is not a valid regular expression ({error})") from None
                danger = runaway(pattern)
                if danger:
                    raise SettingsError(f"{settings.source}: checker.extra_phrases.{rule_id}.{language}: "
                                        f"{pattern!r} could hang the checker: {danger}")
    for rule_id, limits in settings.thresholds.items():
        rule = known[rule_id]
        metrics = {limit["metric"] for limit in rule.check.get("limits", [])}
        for metric in limits:
            if metric not in metrics:
                raise SettingsError(f"{settings.source}: checker.thresholds.{rule_id}.{metric}: "
                                    f"that rule has no limit on {metric} (it has: {', '.join(sorted(metrics)) or 'none'})")
