"""Reply templates: each one, filled for the demo organisation, is a reply the checker has nothing against."""

import shutil

import pytest

from replyguard.settings import DEFAULT_SETTINGS_TEXT, LANGUAGES, load_settings, parse_settings
from replyguard.checking.templates import TemplateError, default_templates_dir, load_templates

TEMPLATES = load_templates()
CASES = [pytest.param(template, language, id=f"{template.id}-{language}")
         for template in TEMPLATES for language in LANGUAGES]
# The situations the playbook's layout promises a template for (the site and GET /v1/templates list them).
AGREED_IDS = {"our-mistake", "good-product", "troll", "hateful-comment", "wont-call", "money-back", "move-to-phone"}


def test_every_agreed_situation_has_a_template():
    assert {template.id for template in TEMPLATES} == AGREED_IDS


@pytest.mark.parametrize("staff_replies_in_thread", [None, 3], ids=["first-reply", "long-thread"])
@pytest.mark.parametrize("template, language", CASES)
def test_filled_template_passes_the_checker(checker, template, language, staff_replies_in_thread):
    """A template is posted as the first answer or, like move-to-phone, deep in a thread: neither may be objected to."""
    reply = template.fill(language, load_settings())
    context = {"complaint": template.complaint[language]}
    if staff_replies_in_thread is not None:
        context["staff_replies_in_thread"] = staff_replies_in_thread
    result = checker.check(reply, language, context)
    objections = [(f.rule, f.severity, reply[f.start:f.end] if f.start is not None else "whole reply")
                  for f in result.findings if f.severity in ("error", "warning")]
    assert objections == []


@pytest.mark.parametrize("template, language", CASES)
def test_filled_template_is_read_in_its_own_language(checker, template, language):
    assert checker.check(template.fill(language, load_settings()), "auto").language == language


@pytest.mark.parametrize("template, language", CASES)
def test_filling_leaves_no_placeholder_and_uses_the_organisations_settings(template, language):
    settings = parse_settings(DEFAULT_SETTINGS_TEXT.replace("Cykelhuset Demo ApS", "Bageriet Test ApS")
                              .replace('"+45 70 20 30 40"', '"+45 33 12 12 12"')
                              .replace('["Mette", "Jonas", "Sara", "Ahmad"]', '["Louise"]'), "team.toml")
    reply = template.fill(language, settings)
    assert "{" not in reply and "}" not in reply
    assert "+45 33 12 12 12" in reply  # every template invites the customer to call
    assert "Louise" in reply  # and is signed by a person
    assert "Cykelhuset" not in reply and "Mette" not in reply


def copy_of_templates(tmp_path):
    directory = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), directory)
    return directory


@pytest.mark.parametrize("change, field", [
    (("  en: |\n", "  fr: |\n"), "text"),
    (("{phone}", "{customer}"), "text.da: unknown placeholder '{customer}'"),
    (("{phone}", "{phone"), "text.da: unknown placeholder '{phone"),
    (("id: troll", "id: trolls"), "id: must equal the file name 'troll'"),
    (("title:", "headline:"), "headline: unknown field"),
    (("situation:\n  da:", "situation:\n  da: ''\n  xx:"), "situation"),
    (("complaint:", "complaint: [\n"), "not valid YAML"),
])
def test_broken_template_file_names_file_and_field(tmp_path, change, field):
    directory = copy_of_templates(tmp_path)
    path = directory / "troll.yml"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(TemplateError) as error:
        load_templates(directory)
    assert str(error.value).startswith(f"{path}: ")
    assert field in str(error.value)


def test_empty_template_folder_is_an_error(tmp_path):
    with pytest.raises(TemplateError, match="no template files"):
        load_templates(tmp_path)
