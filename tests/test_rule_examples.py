"""Every rule's own examples, run as tests: the rule files are the specification of what the checker flags."""

import pytest

from conftest import apply_suggestion, utf16_len
from replyguard.checking.rules import load_rules
from replyguard.settings import LANGUAGES

MIN_EXAMPLES = 5
RULES = load_rules()
EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.id}-{example.language}-{'bad' if example.bad else 'good'}-{number}")
    for rule in RULES
    for number, example in enumerate(rule.examples)
]


def findings_of(checker, rule, text, language, context):
    return [f for f in checker.check(text, language, context).findings if f.rule == rule.id]


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_rule_has_enough_examples(rule):
    for language in LANGUAGES:
        for bad in (True, False):
            count = sum(1 for e in rule.examples if e.language == language and e.bad == bad)
            assert count >= MIN_EXAMPLES, f"{rule.id}: {count} {'bad' if bad else 'good'} {language} examples"


@pytest.mark.parametrize("rule, example", EXAMPLES)
def test_example(checker, rule, example):
    found = findings_of(checker, rule, example.text, example.language, example.context)
    if not example.bad:
        assert found == [], f"good example flagged: {[example.text[f.start:f.end] if f.start is not None else 'whole reply' for f in found]}"
        return
    if example.span is None:
        expected = [(None, None)]
    else:
        start, end = example.span
        expected = [(utf16_len(example.text[:start]), utf16_len(example.text[:end]))]
    assert [(f.start, f.end) for f in found] == expected
    for suggestion in found[0].suggestions:
        fixed = apply_suggestion(example.text, found[0].start, found[0].end, found[0].insert, suggestion)
        assert findings_of(checker, rule, fixed, example.language, example.context) == [], f"still flagged: {fixed}"


def errors_by_rule(checker, text, language, context) -> set[str]:
    return {f.rule for f in checker.check(text, language, context).findings if f.severity == "error"}


@pytest.mark.parametrize("rule, example", [param for param in EXAMPLES if param.values[1].bad])
def test_a_suggestion_brings_in_no_other_rules_error(checker, rule, example):
    """Staff who click a fix must not be handed a new error: a suggestion that mends one rule and breaks another
    (Danish "gøre det godt igen", which the compensation rule reads as amends offered) sends them round in circles."""
    before = errors_by_rule(checker, example.text, example.language, example.context)
    found = findings_of(checker, rule, example.text, example.language, example.context)
    for suggestion in found[0].suggestions if found else []:
        fixed = apply_suggestion(example.text, found[0].start, found[0].end, found[0].insert, suggestion)
        assert errors_by_rule(checker, fixed, example.language, example.context) <= before, fixed


def test_example_language_is_detected(checker):
    """auto must read each realistic example in the language it was written in."""
    wrong = [(r.id, e.language, e.text) for r in RULES for e in r.examples
             if checker.check(e.text, "auto", e.context).language != e.language]
    assert wrong == []
