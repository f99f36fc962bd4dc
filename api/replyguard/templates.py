"""Reply templates: one YAML file per situation under playbook/templates/, shipped as replyguard.template_files."""

import re
from dataclasses import dataclass
from pathlib import Path

from .playbook_files import packaged_dir, read_yaml, yaml_files
from .rules import PLACEHOLDER, RULE_ID, SUGGESTION_PLACEHOLDERS
from .settings import LANGUAGES, Settings

FIELDS = ("title", "situation", "complaint", "text")
STRAY_BRACES = re.compile(r"\{[^{}]*\}?|\}")


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


def load_templates(directory: str | Path | None = None) -> list[Template]:
    """Loads and validates every template file, sorted by id; raises TemplateError naming the file and field."""
    directory = Path(directory) if directory else default_templates_dir()
    return [load_template(path) for path in yaml_files(directory, "template", TemplateError)]


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
    return Template(id=path.stem, source=str(path), **texts)
