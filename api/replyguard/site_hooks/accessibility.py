"""MkDocs hook (mkdocs.yml `hooks:`): what the playbook's pages say to a screen reader, where Material's HTML says too
little (issue 15; tests/test_site_a11y.py runs axe-core over every page).

- Material's progress bar for instant navigation (navigation.instant.progress) gets a name, and moves into the
  header (it is fixed to the top of the window wherever it stands), so no content is outside a landmark.
- The language switcher names each language in that language (`lang` on its link, so a screen reader pronounces
  "English" in English on a Danish page) and marks the page's own language as the current one.
- A navigation section that has an index page (navigation.indexes) is labelled by an element with no text, so such
  sections were navigation landmarks without a name, all alike: each is named after its section.
- Both languages write the theme's 404.html at the site's root, so the Danish site's 404 page was the English one: the
  English build's goes to en/404.html and the Danish one stays at the root, in Danish, each with its language's `lang`.

Kept apart from rule_pages.py, which writes the rule pages. MkDocs loads this file from its path.
"""

import html
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

PROGRESS = '<div class="md-progress" data-md-component="progress" role="progressbar"></div>'
HEADER = re.compile(r'<header class="md-header[^"]*"[^>]*>')
PROGRESS_NAME = {"da": "Henter siden", "en": "Loading the page"}
SWITCHER_LINK = re.compile(r'<a href="([^"]*)" hreflang="([^"]+)" class="md-select__link">')
# A section's toggle: <label class="md-nav__link" for="__nav_7" id="__nav_7_label" tabindex="">icon only</label>
SECTION_LABEL = re.compile(r'<label class="md-nav__link[^"]*" for="(__nav_[\d_]+)" id="\1_label"[^>]*>(.*?)</label>',
                           re.S)
NOT_FOUND = "404.html"
NOT_FOUND_HEADING = ("<h1>404 - Not found</h1>", {"da": "<h1>404 – siden findes ikke</h1>"})  # Material writes English
_not_found_pages: dict[str, bytes] = {}


def _language(config) -> str:
    i18n = config.plugins.get("i18n")
    return i18n.current_language if i18n else config.theme["language"]


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _accessible(output: str, config) -> str:
    language = _language(config)
    if "navigation.instant.progress" in config.theme["features"]:
        header = HEADER.search(output)
        if PROGRESS not in output or not header:
            raise PluginError("site_hooks/accessibility.py: Material's progress bar or header has changed; name it anew")
        name = PROGRESS_NAME.get(language, PROGRESS_NAME["en"])
        named = PROGRESS.replace("></div>", f' aria-label="{html.escape(name)}"></div>')
        output = output.replace(PROGRESS, "", 1)
        output = HEADER.sub(lambda match: match.group() + named, output, count=1)

    def switcher_link(match: re.Match) -> str:
        current = ' aria-current="true"' if match.group(2) == language else ""
        return f'<a href="{match.group(1)}" hreflang="{match.group(2)}" lang="{match.group(2)}"{current} ' \
               f'class="md-select__link">'

    output = SWITCHER_LINK.sub(switcher_link, output)

    for section, label in SECTION_LABEL.findall(output):
        if _text(label):
            continue  # a label with text names its section already
        nav = re.compile(rf'(<nav class="md-nav" data-md-level="\d+") aria-labelledby="{section}_label"'
                         rf'([^>]*>\s*<label class="md-nav__title" for="{section}">)(.*?)(</label>)', re.S)
        output = nav.sub(lambda m: f'{m.group(1)} aria-label="{html.escape(_text(m.group(3)))}"'
                                   f'{m.group(2)}{m.group(3)}{m.group(4)}', output, count=1)
    return output


def on_post_page(output, page, config):
    return _accessible(output, config)


def on_post_template(output, template_name, config):
    if template_name != NOT_FOUND:
        return output
    english, translated = NOT_FOUND_HEADING
    return _accessible(output.replace(english, translated.get(_language(config), english)), config)


def on_post_build(config):
    """Runs before mkdocs-static-i18n (priority -100) builds the other languages, then once after each of them."""
    i18n = config.plugins.get("i18n")
    page = Path(config.site_dir) / NOT_FOUND
    if i18n is None or not page.is_file():
        return
    if i18n.current_language == i18n.default_language:
        _not_found_pages[i18n.default_language] = page.read_bytes()
    elif i18n.default_language in _not_found_pages:
        (Path(config.site_dir) / i18n.current_language).mkdir(parents=True, exist_ok=True)
        page.replace(Path(config.site_dir) / i18n.current_language / NOT_FOUND)
        page.write_bytes(_not_found_pages[i18n.default_language])
