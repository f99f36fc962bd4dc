"""`replyguard rules check FOLDER`: an organisation's own rule files checked as the server would load them, and
their examples run through the real engine, with one line per problem (what a team puts in its own CI)."""

from dataclasses import replace
from pathlib import Path

from ..settings import Settings, SettingsError
from .rules import Rule, RuleError, load_rule, load_rules
from .templates import TemplateError


def check_rule_folder(folder: str | Path, settings: Settings, templates_dir: str | Path | None = None) -> list[str]:
    """Every problem with the folder's rule files, one line each, naming the file and the field or example; [] when
    the server would load them and every example is flagged (or left alone) as it says."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SettingsError(f"{folder}: no such folder")
    paths = sorted(folder.glob("*.yml"))
    if not paths:
        return [f"{folder}: no rule files (*.yml) found"]
    playbook = load_rules()
    by_id = {rule.id: rule for rule in playbook}
    problems, loaded = [], []
    for path in paths:
        try:
            rule = load_rule(path, origin="organisation")
        except RuleError as error:
            problems.append(str(error))
            continue
        if rule.id in by_id:
            problems.append(f"{path}: id: {rule.id!r} is already the id of {by_id[rule.id].source}; give the "
                            f"organisation's rule an id of its own (and rename its file to match)")
            continue
        by_id[rule.id] = rule
        loaded.append(rule)
    # The examples run with every rule on, the organisation's settings and templates, as in the server.
    settings = replace(settings, rules_dir=folder, disabled_rules=frozenset(),
                       templates_dir=Path(templates_dir) if templates_dir else settings.templates_dir)
    from .engine import Checker

    try:
        checker = Checker(playbook + loaded, settings)
    except (RuleError, SettingsError, TemplateError) as error:
        return problems + [str(error)]
    for rule in loaded:
        problems += _example_problems(checker, rule)
    return problems


def _example_problems(checker, rule: Rule) -> list[str]:
    problems, numbers = [], {}
    for example in rule.examples:
        kind = "bad" if example.bad else "good"
        number = numbers[example.language, kind] = numbers.get((example.language, kind), -1) + 1
        where = f"{rule.source}: examples.{example.language}.{kind}[{number}]"
        found = _findings(checker, rule, example.text, example.language, example.context)
        spans = [_quote(example.text, finding) for finding in found]
        if not example.bad:
            if found:
                problems.append(f"{where}: a good example, but the rule flags {', '.join(spans)}")
            continue
        expected = "the whole reply" if example.span is None else f"«{example.text[slice(*example.span)]}»"
        if not found:
            problems.append(f"{where}: the rule doesn't flag this example (it should flag {expected})")
        elif spans != [expected]:
            problems.append(f"{where}: the rule flags {', '.join(spans)}, but the example marks {expected}")
    return problems


def _findings(checker, rule: Rule, text: str, language: str, context: dict):
    return [f for f in checker.check(text, language, context).findings if f.rule == rule.id]


def _quote(text: str, finding) -> str:
    if finding.start is None:
        return "the whole reply"
    units = text.encode("utf-16-le")  # the offsets count UTF-16 code units
    return f"«{units[2 * finding.start:2 * finding.end].decode('utf-16-le')}»"
