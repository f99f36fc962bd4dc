"""Rule files: one YAML file per rule under playbook/rules/, shipped inside the package as replyguard.rule_files, and
the organisation's own rule files in the folder its settings name ([playbook] rules_dir), read by the same loader."""

import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from ..settings import LANGUAGES
from .classify import KINDS as COMPLAINT_KINDS
from .entities import ENTITIES
from .model import load_model
from .patterns import compiled, runaway
from .playbook_files import packaged_dir, read_yaml, schema_problem, yaml_files
from .text import METRICS

RULE_ID = re.compile(r"^[a-z0-9-]+$")
SEVERITIES = ("error", "warning", "info")
KINDS = ("present", "absent", "metric")
PATTERN_LANGUAGES = (*LANGUAGES, "any")
MARKER = re.compile(r"<marker>(.*?)</marker>", re.S)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PATTERN_PLACEHOLDERS = ("staff", "organisation", "organisation_words", "names_like_nouns")
DEFINED_NAME = re.compile(r"^[a-z_]+$")
UNKNOWN_PATTERN_PLACEHOLDER = ("unknown placeholder {{{}}} (the settings fill in " + ", ".join(PATTERN_PLACEHOLDERS)
                               + "; a part several patterns share can be named in check.define, above its use)")
SUGGESTION_PLACEHOLDERS = ("phone", "name", "organisation", "owner")
# Numbers about the situation, usable by metric checks and `when` conditions like the reply's own measures.
# complaint_age_hours is worked out by the engine from the context's complaint_posted_at.
CONTEXT_METRICS = ("staff_replies_in_thread", "complaint_age_hours")
# Placeholders a message may hold, each filled from the context metric it names; a rule using one must have a
# limit on that metric, so the value is there whenever the rule fires.
MESSAGE_PLACEHOLDERS = {"age": "complaint_age_hours"}
# Where a whole-reply finding's suggestion goes: before the reply, after it, or instead of it (a template).
INSERTS = ("start", "end", "replace")
# The JSON Schema of a rule file (the package's rule.schema.json, also on the playbook's admin pages for editors).
# The loader checks a file with it after its own checks, which name the field and say what it must be in plainer
# words; the schema then catches what they don't look at, such as a misspelt field.
RULE_SCHEMA = json.loads(files("replyguard").joinpath("rule.schema.json").read_text(encoding="utf-8"))
# The playbook's principles (playbook/principles/<slug>.md); a rule's page links to the one it names.
PRINCIPLES = tuple(RULE_SCHEMA["properties"]["principle"]["enum"])
# Where a rule comes from: the playbook's own files, or the organisation's folder.
ORIGINS = ("playbook", "organisation")


class RuleError(ValueError):
    """A rule file that can't be used; the message names the file and the field."""


@dataclass(frozen=True)
class Example:
    language: str
    bad: bool
    text: str
    span: tuple[int, int] | None  # code-point offsets of the marked text; None for a whole-reply finding
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    principle: str
    title: dict[str, str]
    flags: dict[str, str]  # what the rule flags, for its playbook page
    message: dict[str, str]
    why: dict[str, str]  # why it matters to customers (Markdown)
    check: dict
    suggestions: dict[str, tuple[str, ...]]
    examples: tuple[Example, ...]
    source: str
    # The situations the rule runs in: {"complaint": [kinds], <context metric>: {"min"/"max": n}}; see _RuleReader.when
    when: dict = field(default_factory=dict)
    suggest_template: str | None = None  # a reply template (playbook/templates/<id>.yml) offered as the suggestion
    origin: str = "playbook"  # or "organisation": a rule file from the organisation's own folder

    @property
    def kind_titles(self) -> dict[str, dict[str, str]]:
        """{kind: {da, en}}: the kinds of dig or dodge the rule's messages can name (check.model.kinds), each with
        its short name; {} for a rule whose messages name none."""
        return self.check.get("model", {}).get("kinds", {}).get("title", {})


def rule_page_url(base_url: str, rule_id: str, language: str) -> str:
    """A rule's page in the playbook site: Danish at rules/<id>/, English under en/."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return f"{base}{'en/' if language == 'en' else ''}rules/{rule_id}/"


def default_rules_dir() -> Path:
    """The rule files that travel with the package (playbook/rules/ in the checkout)."""
    return packaged_dir("rule_files")


def load_rules(directory: str | Path | None = None, organisation: str | Path | None = None) -> list[Rule]:
    """Loads and validates every rule file: the playbook's (`directory`, default the packaged ones), sorted by id,
    then the organisation's own folder's, if given. All or nothing: the first problem raises RuleError naming the
    file, the field and what is wrong, and an organisation rule whose id is the playbook's names both files."""
    directory = Path(directory) if directory else default_rules_dir()
    rules = [load_rule(path) for path in yaml_files(directory, "rule", RuleError)]
    if organisation:
        by_id = {rule.id: rule for rule in rules}
        for path in organisation_files(organisation):
            rule = load_rule(path, origin="organisation")
            clash = by_id.get(rule.id)
            if clash:
                raise RuleError(f"{path}: id: {rule.id!r} is already the id of {clash.source}; give the "
                                f"organisation's rule an id of its own (and rename its file to match)")
            by_id[rule.id] = rule
            rules.append(rule)
    return rules


def organisation_files(folder: str | Path) -> list[Path]:
    """The *.yml files of an organisation's own folder, sorted by name; the folder may be empty, but must exist."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RuleError(f"{folder}: the organisation's rule folder doesn't exist (playbook.rules_dir in the settings)")
    return sorted(folder.glob("*.yml"))


def load_rule(path: Path, origin: str = "playbook") -> Rule:
    return _RuleReader(path, read_yaml(path, RuleError), origin).rule()


class _RuleReader:
    def __init__(self, path: Path, data, origin: str = "playbook"):
        self.path, self.data, self.origin = path, data, origin

    def fail(self, name: str, problem: str):
        raise RuleError(f"{self.path}: {name}: {problem}")

    def rule(self) -> Rule:
        if not isinstance(self.data, dict):
            self.fail("file", "must be a mapping of fields")
        rule_id = self.data.get("id")
        if rule_id != self.path.stem or not RULE_ID.match(self.path.stem):
            self.fail("id", f"must equal the file name {self.path.stem!r} and match {RULE_ID.pattern}")
        severity = self.data.get("severity")
        if severity not in SEVERITIES:
            self.fail("severity", f"must be one of {', '.join(SEVERITIES)}")
        principle = self.data.get("principle")
        if principle not in PRINCIPLES:
            self.fail("principle", f"must name one of the playbook's principles: {', '.join(PRINCIPLES)}")
        rule = Rule(
            id=rule_id,
            severity=severity,
            principle=principle,
            title=self.per_language("title"),
            flags=self.per_language("flags"),
            message=self.message(),
            why=self.per_language("why"),
            check=self.check(),
            suggestions=self.suggestions(),
            examples=self.examples(),
            source=str(self.path),
            when=self.when(),
            suggest_template=self.suggest_template(),
            origin=self.origin,
        )
        problem = schema_problem(RULE_SCHEMA, self.data)
        if problem:
            self.fail(*problem)
        return rule

    def when(self) -> dict:
        """`complaint: [kinds]` runs the rule only when the answered comment classifies as one of those kinds; with
        no complaint sent, the comment counts as a complaint (the usual case). `<context metric>: {min: n}` (or max)
        runs it only when the client sent that number and it is within the bound. All conditions must hold."""
        when = self.data.get("when", {})
        if not isinstance(when, dict) or set(when) - {"complaint", *CONTEXT_METRICS}:
            self.fail("when", f"must be a mapping of complaint and/or {', '.join(CONTEXT_METRICS)}")
        kinds = when.get("complaint", list(COMPLAINT_KINDS))
        if not isinstance(kinds, list) or not kinds or set(kinds) - set(COMPLAINT_KINDS):
            self.fail("when.complaint", f"must list some of {', '.join(COMPLAINT_KINDS)}")
        for metric in set(when) & set(CONTEXT_METRICS):
            bound = when[metric]
            if (not isinstance(bound, dict) or not bound or set(bound) - {"min", "max"}
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bound.values())):
                self.fail(f"when.{metric}", "must be {min: number} and/or {max: number}")
        return when

    def suggest_template(self) -> str | None:
        template = self.data.get("suggest_template")
        if template is not None and (not isinstance(template, str) or not RULE_ID.match(template)):
            self.fail("suggest_template", "must be a template id, e.g. move-to-phone")
        return template

    def per_language(self, name: str) -> dict[str, str]:
        value = self.data.get(name)
        if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) or not value[lang].strip()
                                              for lang in LANGUAGES):
            self.fail(name, "must give a text for both da and en")
        return {lang: value[lang].strip() for lang in LANGUAGES}

    def message(self) -> dict[str, str]:
        message = self.per_language("message")
        metrics = {limit.get("metric") for limit in (self.data.get("check") or {}).get("limits") or []
                   if isinstance(limit, dict)}
        for lang, text in message.items():
            for placeholder in PLACEHOLDER.findall(text):
                if MESSAGE_PLACEHOLDERS.get(placeholder) not in metrics:
                    self.fail(f"message.{lang}", f"{{{placeholder}}} needs a limit on the metric it shows "
                                                 f"(placeholders: {', '.join(f'{{{p}}} ({m})' for p, m in MESSAGE_PLACEHOLDERS.items())})")
        return message

    def strings(self, name: str, value) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.fail(name, "must be a list of non-empty strings")
        return tuple(value)

    def suggestions(self) -> dict[str, tuple[str, ...]]:
        value = self.data.get("suggestions", {})
        if not isinstance(value, dict) or set(value) - set(LANGUAGES):
            self.fail("suggestions", "must map da and en to lists of texts")
        result = {lang: self.strings(f"suggestions.{lang}", value.get(lang, [])) for lang in LANGUAGES}
        for lang, texts in result.items():
            for text in texts:
                self.check_placeholders(f"suggestions.{lang}", text, SUGGESTION_PLACEHOLDERS)
        return result

    def check_placeholders(self, name: str, text: str, allowed: tuple[str, ...]) -> None:
        for placeholder in PLACEHOLDER.findall(text):
            if placeholder not in allowed:
                self.fail(name, f"unknown placeholder {{{placeholder}}} (allowed: {', '.join(allowed)})")

    def check(self) -> dict:
        check = self.data.get("check")
        if not isinstance(check, dict) or check.get("kind") not in KINDS:
            self.fail("check.kind", f"must be one of {', '.join(KINDS)}")
        check = self.defined(check)
        kind = check["kind"]
        if kind == "present":
            if not {"patterns", "entities", "model"} & set(check):
                self.fail("check", "a present check needs patterns, entities or a model")
            if "model" in check and self.origin == "organisation":
                self.fail("check.model", "is for the playbook's own rules, whose models make train learns from the "
                                         "labelled corpus; an organisation's rule finds words with patterns")
            if "model" in check:
                self.model(check["model"])
            if {"patterns", "entities"} & set(check):
                self.matchers("check", check, check.get("model", {}).get("kinds", {}).get("message", {}))
            if "unless" in check:
                self.patterns("check.unless", check["unless"])
            if check.get("span", "match") not in ("match", "sentence"):
                self.fail("check.span", "must be match (the words found) or sentence (the sentence around them)")
            if "limits" in check:  # the whole reply is flagged too when it passes one
                self.limits(check["limits"])
        elif kind == "absent":
            groups = check.get("require")
            if not isinstance(groups, list) or not groups:
                self.fail("check.require", "must be a list of groups, each with patterns and/or entities")
            for number, group in enumerate(groups):
                self.matchers(f"check.require[{number}]", group)
            if check.get("insert") not in INSERTS:
                self.fail("check.insert", "must be start, end or replace (where a suggestion goes)")
        else:
            self.limits(check.get("limits"))
            if "unless" in check:
                self.patterns("check.unless", check["unless"])
            if check.get("insert", "end") not in INSERTS:
                self.fail("check.insert", "must be start, end or replace (where a suggestion goes)")
        return check

    def defined(self, check: dict) -> dict:
        """The check with each `{name}` that its `define` names written out in its patterns. A long part that several
        patterns share (sign-with-name's "a word a company signs with") is then written, read and mended in one place.
        A part may use the parts defined before it and the settings' placeholders; any other placeholder is refused
        here, in a check with or without parts."""
        if "define" in check and (not isinstance(check["define"], dict) or not check["define"]):
            self.fail("check.define", "must map names to parts of patterns")
        parts: dict[str, str] = {}
        for name, part in check.get("define", {}).items():
            where = f"check.define.{name}"
            if not isinstance(name, str) or not DEFINED_NAME.match(name) or name in PATTERN_PLACEHOLDERS:
                self.fail(where, f"must be a name of small letters and _, and not one the settings fill in "
                                 f"({', '.join(PATTERN_PLACEHOLDERS)})")
            if not isinstance(part, str) or not part:
                self.fail(where, "must be a part of a regular expression")
            parts[name] = self.written_out(where, part, parts)
        expanded = {key: value for key, value in check.items() if key != "define"}
        for key in ("patterns", "unless"):
            if isinstance(check.get(key), dict):
                expanded[key] = self.patterns_written_out(f"check.{key}", check[key], parts)
        if isinstance(check.get("require"), list):
            expanded["require"] = [
                {**group, "patterns": self.patterns_written_out(f"check.require[{number}].patterns", group["patterns"],
                                                                parts)}
                if isinstance(group, dict) and isinstance(group.get("patterns"), dict) else group
                for number, group in enumerate(check["require"])]
        return expanded

    def patterns_written_out(self, name: str, patterns: dict, parts: dict[str, str]) -> dict:
        def item_written_out(where: str, item):
            if isinstance(item, str):
                return self.written_out(where, item, parts)
            if isinstance(item, dict) and isinstance(item.get("pattern"), str):
                return {**item, "pattern": self.written_out(where, item["pattern"], parts)}
            return item
        return {lang: [item_written_out(f"{name}.{lang}[{number}]", item) for number, item in enumerate(items)]
                if isinstance(items, list) else items for lang, items in patterns.items()}

    def written_out(self, where: str, pattern: str, parts: dict[str, str]) -> str:
        for placeholder in PLACEHOLDER.findall(pattern):
            if placeholder not in parts and placeholder not in PATTERN_PLACEHOLDERS:
                self.fail(where, UNKNOWN_PATTERN_PLACEHOLDER.format(placeholder))
        return PLACEHOLDER.sub(lambda m: f"(?:{parts[m.group(1)]})" if m.group(1) in parts else m.group(), pattern)

    def model(self, spec) -> None:
        """`model: {name, threshold: {da, en}, message: {da, en}, severity, kinds}`: sentences a trained model
        (replyguard/models/<name>-<language>.json, made by `make train`) scores at or over the threshold are flagged
        too, with the message, in which {cue} is the words that weigh most, and the severity if given (no more
        serious than the rule's). `kinds: {model, confidence: {da, en}, message: {kind: {da, en}}}`: a kind model
        tells which kind the sentence is, and where it is at least that sure, that kind's message replaces the
        model's."""
        if not isinstance(spec, dict) or not {"name", "threshold", "message"} <= set(spec) <= {
                "name", "threshold", "message", "severity", "kinds"}:
            self.fail("check.model", "needs name, threshold and message (and may have severity and kinds)")
        if "kinds" in spec:
            self.kinds(spec["kinds"])
        if "severity" in spec and spec["severity"] not in SEVERITIES[SEVERITIES.index(self.data["severity"]):]:
            self.fail("check.model.severity", f"must be {self.data['severity']} or less serious")
        for lang in LANGUAGES:
            try:
                load_model(spec["name"], lang)
            except (FileNotFoundError, TypeError) as error:
                self.fail("check.model.name", f"no trained model {spec['name']!r} for {lang} ({error})")
            threshold = (spec["threshold"] or {}).get(lang) if isinstance(spec["threshold"], dict) else None
            if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
                self.fail(f"check.model.threshold.{lang}", "must be a number between 0 and 1")
            message = spec["message"].get(lang) if isinstance(spec["message"], dict) else None
            if not isinstance(message, str) or "{cue}" not in message:
                self.fail(f"check.model.message.{lang}", "must be a text with {cue} (the words that weigh most)")

    def kinds(self, spec) -> None:
        if (not isinstance(spec, dict) or set(spec) != {"model", "confidence", "title", "message"}
                or not isinstance(spec["message"], dict) or not isinstance(spec["confidence"], dict)
                or not isinstance(spec["title"], dict)):
            self.fail("check.model.kinds", "needs model, confidence (how sure the model must be to name a kind, "
                                           "per language), title (a short name for each kind the model tells) and "
                                           "message (a message for each kind)")
        for lang in LANGUAGES:
            confidence = spec["confidence"].get(lang)
            if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence < 1:
                self.fail(f"check.model.kinds.confidence.{lang}", "must be a number from 0 up to 1")
            try:
                kinds = load_model(spec["model"], lang).classes
            except (FileNotFoundError, TypeError) as error:
                self.fail("check.model.kinds.model", f"no trained model {spec['model']!r} for {lang} ({error})")
            for kind in kinds:
                message = spec["message"].get(kind)
                text = message.get(lang) if isinstance(message, dict) else None
                if not isinstance(text, str) or "{cue}" not in text:
                    self.fail(f"check.model.kinds.message.{kind}.{lang}",
                              "must be a text with {cue} (the words that weigh most)")
                title = spec["title"].get(kind)
                if not isinstance(title, dict) or not isinstance(title.get(lang), str) or not title[lang].strip():
                    self.fail(f"check.model.kinds.title.{kind}.{lang}", "must be a short name for the kind")

    def matchers(self, name: str, group, kind_messages: dict | None = None) -> None:
        if not isinstance(group, dict) or not ({"patterns", "entities"} & set(group)):
            self.fail(name, "must have patterns and/or entities")
        if "patterns" in group:
            self.patterns(f"{name}.patterns", group["patterns"], kind_messages)
        for entity in group.get("entities", []):
            if entity not in ENTITIES:
                self.fail(f"{name}.entities", f"unknown entity {entity!r} (known: {', '.join(ENTITIES)})")

    def patterns(self, name: str, patterns, kind_messages: dict | None = None) -> None:
        """`kind_messages`: the kind messages of the rule's model where a pattern may name its findings' kind outright
        (`kind:`, what the rule's author knows the pattern means, rather than the kind model's guess); None where
        a pattern flags nothing itself (unless, require)."""
        if not isinstance(patterns, dict) or not patterns or set(patterns) - set(PATTERN_LANGUAGES):
            self.fail(name, f"must map some of {', '.join(PATTERN_LANGUAGES)} to lists of patterns")
        for lang, items in patterns.items():
            if not isinstance(items, list) or not items:
                self.fail(f"{name}.{lang}", "must be a non-empty list")
            for number, item in enumerate(items):
                where = f"{name}.{lang}[{number}]"
                if isinstance(item, str):
                    item = {"pattern": item}
                if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
                    self.fail(where, "must be a pattern string or a mapping with 'pattern' (quote patterns that contain ': ')")
                if set(item) - {"pattern", "case_sensitive", "word", "suggest", "not_answering", "kind"}:
                    self.fail(where, "allowed keys: pattern, case_sensitive, word, suggest, not_answering, kind")
                if "kind" in item and item["kind"] not in (kind_messages or {}):
                    self.fail(f"{where}.kind", "only the patterns of a rule whose model tells kinds may name one"
                              if not kind_messages else
                              f"must be one of the kinds the model has messages for: {', '.join(kind_messages)}")
                if "not_answering" in item:
                    kinds = item["not_answering"]  # checked with `in`, which doesn't hash: [{praise: 1}] is refused too
                    if not isinstance(kinds, list) or not kinds or not all(kind in COMPLAINT_KINDS for kind in kinds):
                        self.fail(f"{where}.not_answering", f"must list some of {', '.join(COMPLAINT_KINDS)}")
                try:
                    compiled(PLACEHOLDER.sub("x", item["pattern"]))
                except re.error as error:
                    self.fail(where, f"not a valid regular expression ({error})")
                danger = runaway(PLACEHOLDER.sub("x", item["pattern"]))
                if danger:
                    self.fail(where, f"'{item['pattern']}' could hang the checker: {danger}. Make the repeated part "
                                     f"unable to match what comes after it (e.g. (?:\\w+ )+ rather than (?:\\w+\\s?)+), or "
                                     f"bound the outer repeat ({{0,3}})")
                if "suggest" in item:
                    self.strings(f"{where}.suggest", item["suggest"])

    def limits(self, limits) -> None:
        if not isinstance(limits, list) or not limits:
            self.fail("check.limits", "must be a non-empty list of {metric, max or min}")
        for number, limit in enumerate(limits):
            where = f"check.limits[{number}]"
            if not isinstance(limit, dict) or limit.get("metric") not in (*METRICS, *CONTEXT_METRICS):
                self.fail(f"{where}.metric", f"must be one of {', '.join((*METRICS, *CONTEXT_METRICS))}")
            bounds = {"max", "min"} & set(limit)
            if len(bounds) != 1 or not all(isinstance(limit[b], (int, float)) for b in bounds):
                self.fail(where, "needs exactly one number: max or min")
            if set(limit.get("languages", LANGUAGES)) - set(LANGUAGES):
                self.fail(f"{where}.languages", "must list da and/or en")
            if not isinstance(limit.get("at_least_words", 0), int):
                self.fail(f"{where}.at_least_words", "must be a whole number")
            if "escalate" in limit:
                self.escalate(f"{where}.escalate", limit)

    def escalate(self, where: str, limit: dict) -> None:
        """`escalate: {times: n, severity: s}`: a finding that is n times past a max limit gets severity s. As a
        multiple of the limit it follows a threshold set in the settings."""
        escalate = limit["escalate"]
        if "max" not in limit or not isinstance(escalate, dict) or set(escalate) != {"times", "severity"}:
            self.fail(where, "goes on a max limit and needs times and severity")
        times = escalate["times"]
        if isinstance(times, bool) or not isinstance(times, (int, float)) or times <= 1:
            self.fail(f"{where}.times", "must be a number above 1")
        if escalate["severity"] not in SEVERITIES[:SEVERITIES.index(self.data["severity"])]:
            self.fail(f"{where}.severity", f"must be more serious than the rule's severity {self.data['severity']}")

    def examples(self) -> tuple[Example, ...]:
        value = self.data.get("examples")
        if not isinstance(value, dict) or set(value) != set(LANGUAGES):
            self.fail("examples", "must have da and en")
        examples = []
        for lang in LANGUAGES:
            if not isinstance(value[lang], dict) or set(value[lang]) != {"bad", "good"}:
                self.fail(f"examples.{lang}", "must have bad and good lists")
            for kind in ("bad", "good"):
                for number, item in enumerate(value[lang][kind] or []):
                    examples.append(self.example(f"examples.{lang}.{kind}[{number}]", lang, kind == "bad", item))
        return tuple(examples)

    def example(self, where: str, lang: str, bad: bool, item) -> Example:
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            self.fail(where, "must be a text or a mapping with text (and context)")
        context = item.get("context", {})
        if not isinstance(context, dict):
            self.fail(f"{where}.context", "must be a mapping")
        marked = item["text"]
        markers = MARKER.findall(marked)
        if len(markers) > 1 or (markers and not bad):
            self.fail(where, "a bad example marks at most one span; a good example marks none")
        text = MARKER.sub(r"\1", marked)
        span = None
        if markers:
            start = marked.index("<marker>")
            span = (start, start + len(markers[0]))
        return Example(lang, bad, text, span, context)
