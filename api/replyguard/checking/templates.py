"""Reply templates: one YAML file per situation under playbook/templates/, shipped as replyguard.template_files."""

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from ..settings import LANGUAGES, Settings
from .playbook_files import packaged_dir, read_yaml, schema_problem, yaml_files
from .rules import PLACEHOLDER, RULE_ID, SUGGESTION_PLACEHOLDERS

FIELDS = ("title", "situation", "complaint", "text")
STRAY_BRACES = re.compile(r"\{[^{}]*\}?|\}")
# The JSON Schema of a template file (template.schema.json in the package, on the playbook's admin pages too).
TEMPLATE_SCHEMA = json.loads(files("replyguard").joinpath("template.schema.json").read_text(encoding="utf-8"))


class TemplateError(ValueError):
    """A template file that can't be used; the message names the file and the field."""


@dataclass(frozen=True)
class Template:
    id: str
    title: dict[str, str]  # the situation's short name
    situation: dict[str, str]  # when to use it (Markdown)
    complaint: dict[str, str]  # a comment or review this template answers
    text: dict[str, str]  # the reply, with {phone} {name} {organisation} {owner}
    source: str

    def fill(self, language: str, settings: Settings) -> str:
        """The reply ready to post for this organisation: every placeholder replaced by its setting."""
        values = settings.placeholders
        return PLACEHOLDER.sub(lambda match: values[match.group(1)], self.text[language])


def default_templates_dir() -> Path:
    """The template files that travel with the package (playbook/templates/ in the checkout)."""
    return packaged_dir("template_files")


def load_templates(directory: str | Path | None = None, organisation: str | Path | None = None) -> list[Template]:
    """Loads and validates every template file, sorted by id, then the organisation's own folder's, if given; raises
    TemplateError naming the file and field, and naming both files when an organisation's id is the playbook's."""
    directory = Path(directory) if directory else default_templates_dir()
    templates = [load_template(path) for path in yaml_files(directory, "template", TemplateError)]
    if organisation:
        folder = Path(organisation)
        if not folder.is_dir():
            raise TemplateError(f"{folder}: the organisation's template folder doesn't exist "
                                f"(playbook.templates_dir in the settings)")
        by_id = {template.id: template for template in templates}
        for path in sorted(folder.glob("*.yml")):
            template = load_template(path)
            if template.id in by_id:
                raise TemplateError(f"{path}: id: {template.id!r} is already the id of {by_id[template.id].source}; "
                                    f"give the organisation's template an id of its own (and rename its file to match)")
            by_id[template.id] = template
            templates.append(template)
    return templates


def load_template(path: Path) -> Template:
    def fail(name: str, problem: str):
        raise TemplateError(f"{path}: {name}: {problem}")

    data = read_yaml(path, TemplateError)
    if not isinstance(data, dict):
        fail("file", "must be a mapping of fields")
    if data.get("id") != path.stem or not RULE_ID.match(path.stem):
        fail("id", f"must equal the file name {path.stem!r} and match {RULE_ID.pattern}")
    unknown = set(data) - {"id", *FIELDS}
    if unknown:
        fail(sorted(unknown)[0], f"unknown field (known: id, {', '.join(FIELDS)})")

    texts = {}
    for name in FIELDS:
        value = data.get(name)
        if not isinstance(value, dict) or set(value) != set(LANGUAGES) or any(
                not isinstance(value[lang], str) or not value[lang].strip() for lang in LANGUAGES):
            fail(name, "must give a text for da and for en, and nothing else")
        texts[name] = {lang: value[lang].strip() for lang in LANGUAGES}
    for lang, text in texts["text"].items():
        # Whatever braces remain once the known placeholders are taken out would reach the customer unfilled.
        leftover = PLACEHOLDER.sub(lambda m: "" if m.group(1) in SUGGESTION_PLACEHOLDERS else m.group(), text)
        unknown_placeholder = STRAY_BRACES.search(leftover)
        if unknown_placeholder:
            fail(f"text.{lang}", f"unknown placeholder {unknown_placeholder.group()!r} "
                                 f"(allowed: {', '.join('{%s}' % p for p in SUGGESTION_PLACEHOLDERS)})")
    problem = schema_problem(TEMPLATE_SCHEMA, data)
    if problem:
        fail(*problem)
    return Template(id=path.stem, source=str(path), **texts)
