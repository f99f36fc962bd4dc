"""The playbook's own style rules, checked the way its users' replies are: every Danish and English text staff read
(pages, rules, templates, complaint kinds, the extension's strings, the generated pages' labels) uses the words in
terminology.yml and none of the words it rules out.

Exempt by design: a rule's check (its patterns), its bad examples and a page's "!!! failure" boxes (meant to be
bad), code, link targets and addresses.
"""

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = ROOT / "playbook"
TERMINOLOGY = yaml.safe_load((ROOT / "terminology.yml").read_text(encoding="utf-8"))
LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class Banned:
    pattern: re.Pattern
    source: str  # the avoid entry as written
    use: str  # what to write instead


@dataclass(frozen=True)
class Text:
    file: str  # relative to the checkout
    field: str  # where in the file: a line, a YAML path, a string's key
    language: str
    text: str  # exempt parts already blanked out, so positions still match the original


def _banned(language: str) -> list[Banned]:
    banned = []
    for term in TERMINOLOGY["terms"]:
        for avoid in term[language]["avoid"]:
            banned.append(Banned(_compile(avoid), avoid, f"{term[language]['use']} ({term['thing']})"))
    for slip in TERMINOLOGY["slips"][language]:
        banned.append(Banned(_compile(slip["avoid"]), slip["avoid"], slip["use"]))
    return banned


def _compile(avoid: str) -> re.Pattern:
    """A whole-word, case-insensitive pattern; a space in it matches any run of spaces and line breaks."""
    spaced = avoid.replace(" ", r"\s+")
    return re.compile(rf"(?<![\w-])(?:{spaced})(?!\w)", re.IGNORECASE)


BANNED = {language: _banned(language) for language in LANGUAGES}


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


# Markdown that isn't prose: fenced code, inline code, link targets, bare addresses, HTML tags and comments.
MARKDOWN_EXEMPT = [
    re.compile(r"^( *)(```|~~~).*?^\1\2[^\n]*$", re.MULTILINE | re.DOTALL),
    re.compile(r"`[^`\n]+`"),
    re.compile(r"\]\([^)\s]*\)"),
    re.compile(r"\]\[[^\]]*\]|^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE),
    re.compile(r"<https?://[^>]+>|https?://\S+|\b[\w.+-]+@[\w-]+\.[\w.]+\b"),
    re.compile(r"<!--.*?-->", re.DOTALL),
    re.compile(r"</?[A-Za-z][^>\n]*>"),
]
# A page's bad examples: an admonition of type failure, with its indented body.
FAILURE_BOX = re.compile(r'^( *)!!! failure\b[^\n]*\n(?:(?:\1    [^\n]*|[ \t]*)\n)*', re.MULTILINE)


def prose(markdown: str) -> str:
    """The Markdown with code, addresses, link targets and bad-example boxes blanked out."""
    for pattern in (FAILURE_BOX, *MARKDOWN_EXEMPT):
        markdown = pattern.sub(_blank, markdown)
    return markdown


def _page_texts() -> list[Text]:
    texts = []
    for path in sorted(PLAYBOOK.rglob("*.md")):
        language = "en" if path.name.endswith(".en.md") else "da"
        texts.append(Text(str(path.relative_to(ROOT)), "line", language, prose(path.read_text(encoding="utf-8"))))
    return texts


def _yaml_strings(node, path: str):
    """(path, string) for every string under a YAML node."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _yaml_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for number, value in enumerate(node):
            yield from _yaml_strings(value, f"{path}[{number}]")
    elif isinstance(node, str):
        yield path, node


def _language_of(path: str) -> str | None:
    parts = re.split(r"[.\[\]]+", path)
    return next((part for part in parts if part in LANGUAGES), None)


def _yaml_texts(folder: str, fields: tuple[str, ...]) -> list[Text]:
    """The text fields of each YAML file in playbook/<folder>/, in both languages; bad examples are left out."""
    texts = []
    for path in sorted((PLAYBOOK / folder).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for field in fields:
            node = data
            for key in field.split("."):
                node = node.get(key) if isinstance(node, dict) else None
            for where, value in _yaml_strings(node, field):
                language = _language_of(where)
                if language is None or re.search(r"\.bad\[", where):
                    continue
                markdown = field == "why"  # written as Markdown, rendered on the rule's page
                texts.append(Text(str(path.relative_to(ROOT)), where, language,
                                  prose(value) if markdown else value.replace("<marker>", "").replace("</marker>", "")))
    return texts


def _locale_texts() -> list[Text]:
    texts = []
    for language in LANGUAGES:
        path = ROOT / "extension" / "_locales" / language / "messages.json"
        for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
            texts.append(Text(str(path.relative_to(ROOT)), key, language, entry["message"]))
    return texts


JS_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|`(?:[^`\\]|\\.)*`")


def _ui_texts() -> list[Text]:
    """The card's strings, ReplyGuard.STRINGS in ui.js, read as text: each key's string literals joined."""
    path = ROOT / "extension" / "content" / "ui.js"
    source = path.read_text(encoding="utf-8")
    block = re.search(r"^ReplyGuard\.STRINGS = \{\n(.*?)^\};", source, re.MULTILINE | re.DOTALL)
    assert block, "ReplyGuard.STRINGS not found in ui.js"
    texts = []
    for language_block in re.finditer(r"^  (\w+): \{\n(.*?)^  \},", block.group(1), re.MULTILINE | re.DOTALL):
        language = language_block.group(1)
        # One entry per key: from `    key:` to the next key at the same depth.
        entries = re.finditer(r"^    (\w+):(.*?)(?=^    \w+:|\Z)", language_block.group(2), re.MULTILINE | re.DOTALL)
        for entry in entries:
            literals = [literal[1:-1] for literal in JS_STRING.findall(entry.group(2))]
            text = re.sub(r"\$\{[^}]*\}", "N", " / ".join(literals))
            texts.append(Text(str(path.relative_to(ROOT)), f"STRINGS.{language}.{entry.group(1)}", language, text))
    assert {t.language for t in texts} == set(LANGUAGES), "STRINGS should have a da and an en block"
    return texts


def _label_texts() -> list[Text]:
    """LABELS in site_hooks/rule_pages.py, read from the source (the module needs MkDocs to import)."""
    path = ROOT / "api" / "replyguard" / "site_hooks" / "rule_pages.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    node = next(n.value for n in tree.body if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "LABELS" for t in n.targets))
    labels = ast.literal_eval(node)
    texts = []
    for language in LANGUAGES:
        for where, value in _strings_in(labels[language], f"LABELS.{language}"):
            texts.append(Text(str(path.relative_to(ROOT)), where, language, value))
    return texts


def _strings_in(node, path: str):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings_in(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for number, value in enumerate(node):
            yield from _strings_in(value, f"{path}[{number}]")
    elif isinstance(node, str):
        yield path, node


RULE_FIELDS = ("title", "flags", "message", "why", "suggestions", "check.model.message", "check.model.kinds.message",
               "examples")
TEXTS = [
    *_page_texts(),
    *_yaml_texts("rules", RULE_FIELDS),
    *_yaml_texts("templates", ("title", "situation", "complaint", "text")),
    *_yaml_texts("complaints", ("title", "examples")),
    *_locale_texts(),
    *_ui_texts(),
    *_label_texts(),
]
def violations(text: Text) -> list[str]:
    found, seen = [], []
    for banned in BANNED[text.language]:
        for match in banned.pattern.finditer(text.text):
            if any(start <= match.start() and match.end() <= end for start, end in seen):
                continue  # already reported under another entry
            seen.append(match.span())
            line = text.text.count("\n", 0, match.start()) + 1
            field = f"line {line}" if text.field == "line" else text.field
            words = " ".join(match.group(0).split())
            found.append(f'{text.file}, {field}: "{words}" is ruled out ({banned.source}); use {banned.use}')
    return found


FILES = sorted({text.file for text in TEXTS})


@pytest.mark.parametrize("file", FILES)
def test_file_uses_the_terminology(file):
    problems = [problem for text in TEXTS if text.file == file for problem in violations(text)]
    assert not problems, "\n" + "\n".join(problems)


def test_every_kind_of_text_is_read():
    """A change in a file's shape must not silently leave its text unchecked."""
    kinds = {(text.file.split("/")[0] if not text.file.startswith("playbook/") else text.file.split("/")[1]
              if "/" in text.file[len("playbook/"):] else "pages") for text in TEXTS}
    assert {"pages", "principles", "admin", "rules", "templates", "complaints", "extension", "api"} <= kinds
    for language in LANGUAGES:
        fields = {text.field.split("[")[0] for text in TEXTS if text.language == language and "rules/" in text.file}
        for field in ("title", f"flags.{language}", f"message.{language}", f"why.{language}",
                      f"suggestions.{language}", f"check.model.message.{language}", f"examples.{language}.good"):
            assert any(f.startswith(field.split(".")[0]) and language in f for f in fields) or field == "title", \
                f"no rule field {field} was read"
        assert any(t.field.startswith(f"STRINGS.{language}.") for t in TEXTS)
        assert any(t.field.startswith(f"LABELS.{language}.") for t in TEXTS)


def test_the_checks_catch_what_they_should():
    """The exemptions are as narrow as meant: prose is read, code, links and bad-example boxes are not."""
    page = ("Læs playbogen.\n`playbogen` og [trolde](principles/trolls.md)\n\n"
            '!!! failure "Svagt svar"\n\n    Læs playbogen.\n\nLæs playbogen igen.\n')
    text = prose(page)
    assert text.splitlines()[0] == "Læs playbogen."
    assert violations(Text("x.md", "line", "da", "Kunden begynder at spille på alle\ninstrumenterne."))
    assert "playbogen" not in text.splitlines()[1] and "trolls" not in text
    assert [line for line in text.splitlines() if "playbogen" in line] == ["Læs playbogen.", "Læs playbogen igen."]
    assert violations(Text("x.md", "line 1", "da", "Lad være med at fodre trolls."))
    assert not violations(Text("x.md", "line 1", "da", "Lad være med at fodre troldene."))
    assert violations(Text("x.md", "line 1", "da", "Et kort og varmt tak er nok."))
    assert not violations(Text("x.md", "line 1", "da", "udenomssnak"))


def test_terminology_file_is_well_formed():
    for term in TERMINOLOGY["terms"]:
        assert term.get("thing"), term
        for language in LANGUAGES:
            assert term[language]["use"], f"{term['thing']}: no word to use in {language}"
    for language in LANGUAGES:
        for slip in TERMINOLOGY["slips"][language]:
            assert slip["avoid"] and slip["use"], slip
