"""MkDocs hook (mkdocs.yml `hooks:`): writes the playbook's rule and template pages from the files the API loads.

A page per rule and language, the rules index, the rules section of the navigation and the templates page are
generated on every build, so a new playbook/rules/<id>.yml or playbook/templates/<id>.yml appears on the site with no
edit to mkdocs.yml, and a page can never show an example that the tests don't run. An organisation's own rule and
template folders (the settings' [playbook] rules_dir and templates_dir) are given to the build as
REPLYGUARD_RULES_DIR and REPLYGUARD_TEMPLATES_DIR and get their pages the same way. The JSON Schemas of rule and
template files are published next to the admin pages (admin/rule.schema.json, admin/template.schema.json), for
editors. MkDocs loads this file from its path, so it imports the package by absolute name.
"""

import html
import json
import logging
import os
import re
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs_static_i18n.suffix import create_i18n_file

from replyguard.checking.classify import load_complaint_kinds
from replyguard.checking.playbook_files import packaged_dir
from replyguard.checking.rules import RuleError, load_rules
from replyguard.checking.templates import TemplateError, load_templates

RULES_INDEX = "rules/index.md"
# The organisation's own folders, read by the build as the API reads them from the settings.
RULES_DIR_VARIABLE, TEMPLATES_DIR_VARIABLE = "REPLYGUARD_RULES_DIR", "REPLYGUARD_TEMPLATES_DIR"
SCHEMAS = ("rule.schema.json", "template.schema.json")  # published under admin/
TEMPLATES_PAGE = "templates.md"
SEARCH_INDEX = Path("search", "search_index.json")
# Where Material's page config says the site starts: it loads the search index from there and resolves results
# against it.
CONFIG_BASE = re.compile(r'(<script id="__config" type="application/json">\{[^<]*?"base": )("[^"]*")')

LABELS = {
    "da": {
        "rule_id": "Regel-id",
        "severity": "Alvor",
        "principle": "Princip",
        "flags": "Hvad reglen markerer",
        "applies": "Hvornår reglen gælder",
        "applies_kinds": "Når svaret gælder en af disse slags kommentarer: {kinds}. Får ReplyGuard ikke kommentaren, "
                         "svaret gælder, regnes den for en klage.",
        "applies_bound": {"min": "{name}: mindst {value}.", "max": "{name}: højst {value}."},
        "why": "Derfor er det vigtigt for kunderne",
        "trust": "Hvor sikker advarslen er",
        "trust_intro": "Målt med make eval på testdelen af det mærkede korpus: svar, som hverken reglens mønstre eller "
                       "modellerne er skrevet eller trænet ud fra. Præcision er, hvor ofte advarslen har ret, når den "
                       "kommer; genkaldelse er, hvor mange af de svar, der burde få den, som får den.",
        "trust_none": "Reglen er ikke målt på korpusset: den tæller eller måler noget i svaret og gætter ikke.",
        "trust_columns": ("Sprog", "Præcision", "Genkaldelse", "Mærkede svar", "Sådan kan du læse den"),
        "trust_parts": {"da": "Dansk", "en": "Engelsk", "en-real": "Engelsk, kun rigtige virksomheders svar"},
        "trust_levels": ("Næsten altid rigtig: ret svaret", "Oftest rigtig: se på det igen",
                         "En ekstra vurdering: læs sætningen igen, og døm selv"),
        "message": "Beskeden, man ser i svarfeltet",
        "model_message": "Når modellen markerer en sætning, citerer beskeden de ord, der vejer tungest (her …):",
        "kind_messages": "Når ReplyGuard er sikker nok på, hvilken slags det er, siger beskeden det, og hvad man kan "
                         "skrive i stedet:",
        "kinds_trust": "Målt med make eval på korpussets testdel, ligesom præcision og genkaldelse ovenfor: hvor meget "
                       "af det, reglen fanger, der får en besked, som nævner en slags, og hvor tit det er den slags, "
                       "korpusset er mærket med:",
        "kinds_trust_columns": ("Sprog", "Beskeden nævner en slags", "Den mærkede slags"),
        "examples": "Eksempler",
        "bad": "Det markerer reglen",
        "good": "Sig i stedet",
        "whole_reply": "Hele svaret markeres.",
        "suggestions": "Forslag",
        "suggestions_intro": "Et klik på et forslag sætter det ind i svaret; {phone}, {name}, {organisation} og {owner} "
                             "bliver udfyldt med organisationens oplysninger.",
        "principle_link": "Læs princippet bag reglen",
        "api_id": "I API'et og i udvidelsen hedder reglen",
        "organisation_rule_title": "Jeres egen regel",
        "organisation_rule": "Det her er jeres organisations egen regel, ikke en af håndbogens fælles regler.",
        "index_title": "Regler",
        "index_intro": "Hver regel er én fil i playbook/rules/. ReplyGuard tjekker svarudkast med præcis de regler, "
                       "der står her, og eksemplerne på hver side er dem, reglen bliver testet med.",
        "title": "Titel",
        "context": {
            "complaint": "Svar på",
            "staff_replies_in_thread": "Jeres svar i tråden indtil nu",
            "complaint_age_hours": "Timer siden klagen blev skrevet",
        },
        "templates_title": "Svarskabeloner",
        "templates_intro": "Et udgangspunkt for de situationer, der går igen. Tilpas altid svaret til kunden og sagen, "
                           "før du sender det. Pladsholderne bliver udfyldt med organisationens oplysninger fra "
                           "indstillingerne, når skabelonen bruges i ReplyGuard:",
        "placeholders": {
            "phone": "telefonnummeret, kunden kan ringe til",
            "name": "navnet på den, der svarer",
            "organisation": "organisationens navn",
            "owner": "den navngivne person, der har ansvaret for svarene",
        },
        "complaint": "Klagen, den svarer på",
        "reply": "Svaret",
    },
    "en": {
        "rule_id": "Rule id",
        "severity": "Severity",
        "principle": "Principle",
        "flags": "What it flags",
        "applies": "When it applies",
        "applies_kinds": "When the reply answers one of these kinds of comment: {kinds}. When the comment being answered "
                         "isn't sent, it counts as a complaint.",
        "applies_bound": {"min": "{name}: at least {value}.", "max": "{name}: at most {value}."},
        "why": "Why it matters to customers",
        "message": "The message shown in the reply box",
        "model_message": "When the model flags a sentence, the message quotes the words that weigh most (here …):",
        "kind_messages": "When ReplyGuard is sure enough which kind it is, the message says so, and what to write "
                         "instead:",
        "kinds_trust": "Measured with make eval on the corpus's test part, like the precision and recall above: how "
                       "much of what the rule catches gets a message that names a kind, and how often that is the kind "
                       "the corpus is labelled with:",
        "kinds_trust_columns": ("Language", "The message names a kind", "The labelled kind"),
        "examples": "Examples",
        "trust": "How far the warning can be trusted",
        "trust_intro": "Measured with make eval on the test part of the labelled corpus: replies that neither the "
                       "rule's patterns nor the models were written or trained from. Precision is how often the "
                       "warning is right when it appears; recall is how many of the replies that should get it do.",
        "trust_none": "This rule isn't measured on the corpus: it counts or measures something in the reply and "
                      "doesn't guess.",
        "trust_columns": ("Language", "Precision", "Recall", "Labelled replies", "How to read it"),
        "trust_parts": {"da": "Danish", "en": "English", "en-real": "English, real companies' replies only"},
        "trust_levels": ("Almost always right: fix the reply", "Usually right: take another look",
                         "A second opinion: read the sentence again and judge for yourself"),
        "bad": "What the rule flags",
        "good": "Say instead",
        "whole_reply": "The whole reply is flagged.",
        "suggestions": "Suggestions",
        "suggestions_intro": "Clicking a suggestion puts it into the reply; {phone}, {name}, {organisation} and {owner} "
                             "are filled in from the organisation's settings.",
        "principle_link": "Read the principle behind the rule",
        "api_id": "In the API and the extension the rule is called",
        "organisation_rule_title": "Your own rule",
        "organisation_rule": "This is your organisation's own rule, not one of the playbook's shared rules.",
        "index_title": "Rules",
        "index_intro": "Each rule is one file in playbook/rules/. ReplyGuard checks draft replies with exactly the rules "
                       "listed here, and the examples on each page are the ones the rule is tested with.",
        "title": "Title",
        "context": {
            "complaint": "Replying to",
            "staff_replies_in_thread": "Your replies in the thread so far",
            "complaint_age_hours": "Hours since the complaint was posted",
        },
        "templates_title": "Reply templates",
        "templates_intro": "A starting point for the situations that keep coming back. Always adapt the reply to the "
                           "customer and the case before you post it. The placeholders are filled in from the "
                           "organisation's settings when the template is used in ReplyGuard:",
        "placeholders": {
            "phone": "the phone number the customer can call",
            "name": "the name of the person replying",
            "organisation": "the organisation's name",
            "owner": "the named person who owns the replies",
        },
        "complaint": "The complaint it answers",
        "reply": "The reply",
    },
}
SEVERITY_NAMES = {
    "da": {"error": "Fejl", "warning": "Advarsel", "info": "Info"},
    "en": {"error": "Error", "warning": "Warning", "info": "Info"},
}


class _HideInstantNavigationWarning(logging.Filter):
    """mkdocs-static-i18n warns that its per-page language links go stale under navigation.instant; the site's
    assets/javascripts/language-switch.js refreshes them after every instant navigation, so the warning (which
    fails the strict build) no longer applies."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "not compatible with theme.features = navigation.instant" not in record.getMessage()


logging.getLogger("mkdocs.plugins.mkdocs_static_i18n.reconfigure").addFilter(_HideInstantNavigationWarning())


def _rules(config):
    try:
        return load_rules(Path(config.docs_dir) / "rules", os.environ.get(RULES_DIR_VARIABLE) or None)
    except RuleError as error:
        raise PluginError(str(error)) from None  # MkDocs prints it as an error message, not a traceback


def _templates(config):
    try:
        return load_templates(Path(config.docs_dir) / "templates", os.environ.get(TEMPLATES_DIR_VARIABLE) or None)
    except TemplateError as error:
        raise PluginError(str(error)) from None


def on_config(config):
    """Lists every rule page in the rules section, after its index page (runs again for each language build)."""
    rule_pages = [f"rules/{rule.id}.md" for rule in _rules(config)]
    section = _section_holding(config.nav or [], RULES_INDEX)
    if section is None:
        raise PluginError(f"mkdocs.yml: the nav needs a section holding {RULES_INDEX}; the rule pages go there")
    section[:] = [RULES_INDEX, *rule_pages]
    return config


def _section_holding(nav: list, page: str) -> list | None:
    for item in nav:
        children = next(iter(item.values())) if isinstance(item, dict) else None
        if isinstance(children, list):
            if page in children:
                return children
            found = _section_holding(children, page)
            if found is not None:
                return found
    return None


@event_priority(-110)  # after mkdocs-static-i18n (-100), which drops files that have no source file in docs_dir
def on_files(files, config):
    i18n = config.plugins["i18n"]
    language = i18n.current_language
    rules = _rules(config)
    pages = {RULES_INDEX: _rules_index(rules, language)}
    kind_titles = {kind.kind: kind.title[language] for kind in load_complaint_kinds()}
    scores = _scores(config)
    pages.update({f"rules/{rule.id}.md": _rule_page(rule, language, _principle_title(files, rule.principle), kind_titles,
                                                    scores)
                  for rule in rules})
    pages[TEMPLATES_PAGE] = _templates_page(_templates(config), language)
    for name in SCHEMAS:  # the package's own schema files, so editors point at the same rules the loader applies
        files.append(File.generated(config, f"admin/{name}", abs_src_path=str(packaged_dir(".") / name)))
    for src_uri, markdown in pages.items():
        page_file = _localized_file(config, i18n, src_uri, language)
        page_file.content_string = markdown
        page_file.alternates = {
            other: page_file if other == language else _localized_file(config, i18n, src_uri, other)
            for other in i18n.build_languages
        }
        files.append(page_file)
        i18n.i18n_files_per_language[language].append(page_file)  # the sitemap lists it with its twin
    return files


@event_priority(-110)  # after mkdocs-static-i18n (-100), which builds the other languages and merges the index
def on_post_build(config):
    """Material's language switcher looks a page's twin up in the sitemap under the other language's root
    (en/sitemap.xml); mkdocs-static-i18n writes one sitemap of both languages at the site root, complete once the
    last language is built, so that one is copied there. Once every language is built, the search index is split."""
    i18n = config.plugins["i18n"]
    site_dir = Path(config.site_dir)
    if i18n.current_language != i18n.default_language:
        shutil.copyfile(site_dir / "sitemap.xml", site_dir / i18n.current_language / "sitemap.xml")
    if not i18n.building:  # the outer build, after mkdocs-static-i18n has written its index of every language
        _search_index_per_language(site_dir, i18n.default_language, i18n.build_languages)


def _search_index_per_language(site_dir: Path, default_language: str, languages: list[str]) -> None:
    """mkdocs-static-i18n writes one search index of every language's pages, so searching the Danish playbook
    also found English pages. Each other language gets its own index under its own root (en/search/), without the
    language's folder in the pages' locations, and its pages' Material config points there."""
    index = json.loads((site_dir / SEARCH_INDEX).read_text(encoding="utf-8"))
    documents = index["docs"]
    for language in languages:
        if language == default_language:
            continue
        root, folder = site_dir / language, f"{language}/"
        own = [{**doc, "location": doc["location"].removeprefix(folder)}
               for doc in documents if doc["location"].startswith(folder)]
        documents = [doc for doc in documents if not doc["location"].startswith(folder)]
        _write_index(root / SEARCH_INDEX, index, own)
        for page in root.rglob("*.html"):
            base = Path(os.path.relpath(root, page.parent)).as_posix()
            text = page.read_text(encoding="utf-8")
            page.write_text(CONFIG_BASE.sub(lambda m: m.group(1) + json.dumps(base), text, count=1), encoding="utf-8")
    _write_index(site_dir / SEARCH_INDEX, index, documents)


def _write_index(path: Path, index: dict, documents: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**index, "docs": documents}, ensure_ascii=False), encoding="utf-8")


def _localized_file(config, i18n, src_uri: str, language: str) -> File:
    """The page as mkdocs-static-i18n places a hand-written <page>.md / <page>.en.md: same URL scheme, twins linked."""
    name = src_uri if language == i18n.default_language else src_uri.removesuffix(".md") + f".{language}.md"
    written_file = File(name, config.docs_dir, config.site_dir, config.use_directory_urls)
    return create_i18n_file(written_file, language, i18n.default_language, i18n.all_languages, config)


def _text(text: str) -> str:
    """Plain text from a rule file, safe inside Markdown: no markup, no Markdown syntax."""
    escaped = html.escape(text, quote=False)
    for character in "\\`*_[]|#":
        escaped = escaped.replace(character, "\\" + character)
    return escaped


def _quote(text: str) -> str:
    return "\n".join(f"> {_text(line)}" for line in text.splitlines())


def _rules_index(rules, language: str) -> str:
    labels, severities = LABELS[language], SEVERITY_NAMES[language]
    lines = [f"# {labels['index_title']}", "", labels["index_intro"], "",
             f"| {labels['rule_id']} | {labels['severity']} | {labels['title']} |", "| --- | --- | --- |"]
    for rule in rules:
        lines.append(f"| `{rule.id}` | {severities[rule.severity]} | [{_text(rule.title[language])}]({rule.id}.md) |")
    return "\n".join(lines) + "\n"


def _principle_title(files, slug: str) -> str | None:
    """The heading of the principle page in the language being built, for the rule page's link to it."""
    page_file = files.get_file_from_path(f"principles/{slug}.md")
    if page_file is None:
        return None  # the link to it then fails the strict build, naming the missing page
    heading = next((line for line in page_file.content_string.splitlines() if line.startswith("# ")), None)
    return heading[2:].strip() if heading else None


def _applies_when(rule, language: str, kind_titles: dict[str, str]) -> list[str]:
    """The situations the rule runs in, read from its `when:` (empty: always), so the page says what the checker does."""
    labels = LABELS[language]
    lines = []
    if "complaint" in rule.when:
        kinds = ", ".join(kind_titles[kind].lower() for kind in rule.when["complaint"])
        lines.append(labels["applies_kinds"].format(kinds=kinds))
    for name, bound in rule.when.items():
        if name != "complaint":
            lines += [labels["applies_bound"][side].format(name=labels["context"][name], value=value)
                      for side, value in bound.items()]
    return [f"## {labels['applies']}", "", *(f"- {_text(line)}" for line in lines), ""] if lines else []


def _scores(config) -> dict:
    """The last make eval's scores (quality/scores.json in the checkout), or none when the site is built without it."""
    path = Path(config.config_file_path).parent / "quality" / "scores.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _trust(scores: dict | None, labels: dict) -> list[str]:
    """A rule's measured precision and recall per language, so staff know which warnings are certain."""
    lines = [f"## {labels['trust']}", ""]
    if not scores:
        return lines + [_text(labels["trust_none"]), ""]
    rows = [(labels["trust_parts"][language + ("-real" if part == "real" else "")], measured)
            for language, parts in sorted(scores.items()) for part, measured in sorted(parts.items())]
    lines += [_text(labels["trust_intro"]), "", "| " + " | ".join(labels["trust_columns"]) + " |",
              "| --- | --- | --- | --- | --- |"]
    for name, measured in rows:
        precision, recall = measured["precision"], measured["recall"]
        level = ("" if precision is None else labels["trust_levels"][0] if precision >= 0.9
                 else labels["trust_levels"][1] if precision >= 0.75 else labels["trust_levels"][2])
        lines.append(f"| {name} | {_percent(precision)} | {_percent(recall)} | {measured['labelled']} | {level} |")
    return lines + [""]


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)} %"


def _share(part: int, whole: int) -> str:
    return _percent(part / whole if whole else None)


def _rule_page(rule, language: str, principle_title: str | None, kind_titles: dict[str, str], scores: dict) -> str:
    labels = LABELS[language]
    examples = [example for example in rule.examples if example.language == language]
    lines = [
        f"# {_text(rule.title[language])}",
        "",
        f'<p class="rg-rule-meta"><span class="rg-severity rg-severity--{rule.severity}">'
        f"{SEVERITY_NAMES[language][rule.severity]}</span> <code>{rule.id}</code></p>",
        "",
        f"## {labels['flags']}",
        "",
        _text(rule.flags[language]),
        "",
        *([f"!!! note \"{labels['organisation_rule_title']}\"", "", f"    {_text(labels['organisation_rule'])}", ""]
          if rule.origin == "organisation" else []),
        *_applies_when(rule, language, kind_titles),
        *_trust(scores.get(rule.id), labels),
        f"## {labels['why']}",
        "",
        rule.why[language],  # Markdown by design: the rule's authors write it as prose with links
        "",
        f"## {labels['message']}",
        "",
        _quote(rule.message[language]),
        "",
        *_model_messages(rule, language, labels, scores.get("kinds-named", {}).get(rule.id)),
        f"## {labels['examples']}",
        "",
        f"### {labels['bad']}",
        "",
        *[_example(example, labels) for example in examples if example.bad],
        f"### {labels['good']}",
        "",
        *[_example(example, labels) for example in examples if not example.bad],
    ]
    if rule.suggestions[language]:
        lines += [f"## {labels['suggestions']}", "", _text(labels["suggestions_intro"]), ""]
        lines += [f"- {_text(suggestion)}" for suggestion in rule.suggestions[language]]
        lines.append("")
    lines += [
        f"## {labels['principle']}",
        "",
        f"[{principle_title or labels['principle_link']}](../principles/{rule.principle}.md)",
        "",
        f"{labels['api_id']} `{rule.id}`.",
    ]
    return "\n".join(lines) + "\n"


def _model_messages(rule, language: str, labels: dict, kinds_named: dict | None) -> list[str]:
    """The messages of the rule's model and of each kind its kind model names, as the reply box shows them, so the
    page and the warning say the same thing; {cue}, the words quoted from the reply, shown as "…". Then, from the
    last make eval (`kinds_named`: per language, the labelled spans caught, how many of their messages name a kind
    and how many the labelled one), how often a kind is named and how far it can be trusted."""
    model = rule.check.get("model")
    if not model:
        return []
    lines = [_text(labels["model_message"]), "", _quote(model["message"][language].replace("{cue}", "…")), ""]
    if "kinds" in model:
        lines += [_text(labels["kind_messages"]), ""]
        titles = model["kinds"]["title"]
        lines += [f"- **{_text(titles[kind][language])}**: {_text(message[language].replace('{cue}', '…'))}"
                  for kind, message in model["kinds"]["message"].items()]
        lines.append("")
        if kinds_named:
            lines += [_text(labels["kinds_trust"]), "", "| " + " | ".join(labels["kinds_trust_columns"]) + " |",
                      "| --- | --- | --- |"]
            lines += [f"| {labels['trust_parts'][lang]} | {_share(counts['named'], counts['caught'])} "
                      f"| {_share(counts['right'], counts['named'])} |" for lang, counts in sorted(kinds_named.items())]
            lines.append("")
    return lines


def _example(example, labels: dict) -> str:
    """One example as a block of HTML: the text escaped, the span the checker reports inside <mark>."""
    kind = "bad" if example.bad else "good"
    if example.span is None:
        body = html.escape(example.text)
    else:
        start, end = example.span
        body = (html.escape(example.text[:start]) + "<mark>" + html.escape(example.text[start:end]) + "</mark>"
                + html.escape(example.text[end:]))
    notes = [f"{html.escape(labels['context'].get(name, name))}: {html.escape(str(value))}"
             for name, value in example.context.items()]
    if example.bad and example.span is None:
        notes.append(html.escape(labels["whole_reply"]))
    note = "".join(f'<span class="rg-example__note">{text}</span>' for text in notes)
    # One line with no blank lines, so Markdown keeps it as a single raw HTML block.
    body = body.replace("\n", "<br>")
    return f'<div class="rg-example rg-example--{kind}"><p class="rg-example__text">{body}</p>{note}</div>\n'


def _templates_page(templates, language: str) -> str:
    labels = LABELS[language]
    lines = [f"# {labels['templates_title']}", "", labels["templates_intro"], ""]
    lines += [f"- `{{{name}}}`: {meaning}" for name, meaning in labels["placeholders"].items()]
    lines.append("")
    for template in templates:
        text = template.text[language]
        fence = "`" * max(3, 1 + max((len(line.strip()) for line in text.splitlines() if set(line.strip()) == {"`"}),
                                     default=0))  # longer than any line of backticks in the text, which would close it
        lines += [
            f"## {_text(template.title[language])} {{#{template.id}}}",
            "",
            template.situation[language],  # Markdown by design
            "",
            f"**{labels['complaint']}:**",
            "",
            _quote(template.complaint[language]),
            "",
            f"**{labels['reply']}:**",
            "",
            '<div class="rg-template" markdown>',
            "",
            f"{fence}text",
            text,  # a code block shows the text as written, placeholders included, with a copy button
            fence,
            "",
            "</div>",
            "",
        ]
    return "\n".join(lines)
