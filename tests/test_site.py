"""The playbook site as a reader meets it: built strictly, served by the API at /playbook/, read in Chromium."""

import html
import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import serve_in_thread
from replyguard import create_app
from replyguard.checking.rules import Example, load_rules
from replyguard.settings import LANGUAGES
from replyguard.site_hooks.rule_pages import _example
from replyguard.checking.templates import load_templates

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules()
COMPENSATION = "no-public-compensation"
# Chromium's own background traffic (updates, sync, safe browsing, …) stays off; the page's is routed below.
CHROMIUM_ARGS = ["--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-domain-reliability",
                 "--disable-features=Translate,OptimizationHints,MediaRouter"]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The suite's strict build of the site, served by the real API; yields (site_dir, base URL of the API)."""
    site_dir = tmp_path_factory.mktemp("playbook") / "site"
    with serve_in_thread(create_app({"TESTING": True, "SITE_DIR": str(site_dir)})) as base_url:
        # Built once the port is known, so the sitemap that instant navigation reads names this server.
        environment = {**os.environ, "REPLYGUARD_PLAYBOOK_URL": f"{base_url}/playbook/", "NO_MKDOCS_2_WARNING": "1"}
        build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
                               cwd=ROOT, env=environment, capture_output=True, text=True)
        assert build.returncode == 0, build.stderr
        yield site_dir, base_url


@pytest.fixture(scope="module")
def browser(chromium_path):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def outside_requests():
    """Every request the pages tried to send anywhere but this machine (each was aborted)."""
    return []


@pytest.fixture
def page(browser, outside_requests):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")

    def only_local(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside_requests.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    yield context.new_page()
    context.close()


def home(base_url: str, language: str) -> str:
    return f"{base_url}/playbook/{'en/' if language == 'en' else ''}"


def primary_nav(page):
    return page.locator(".md-sidebar--primary")


def expect_title(page, title: str):
    expect(page.locator("article h1")).to_have_text(re.compile(rf"^{re.escape(title)}¶?$"))  # ¶: its permalink


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rule_page_is_reached_by_clicking_from_the_home_page(site, page, language):
    _, base_url = site
    section = {"da": "Regler", "en": "Rules"}[language]
    page.goto(home(base_url, language))
    primary_nav(page).get_by_role("link", name=section, exact=True).click()
    expect(page).to_have_url(f"{home(base_url, language)}rules/")
    for rule in RULES:
        primary_nav(page).get_by_role("link", name=rule.title[language], exact=True).click()
        expect(page).to_have_url(f"{home(base_url, language)}rules/{rule.id}/")
        expect_title(page, rule.title[language])


# Material's search builds its index in a web worker after the page loads, and answers what was typed meanwhile once
# it is ready; on a loaded two-core machine that took longer than Playwright's default 5 s (a clean-clone run failed).
SEARCH_READY_MS = 20_000


@pytest.mark.parametrize("language, query", [("da", "rabat"), ("en", "refund")])
def test_search_finds_the_compensation_rule(site, page, language, query):
    _, base_url = site
    page.goto(home(base_url, language))
    page.locator("input.md-search__input").fill(query)
    results = page.locator(".md-search-result__item a")
    expect(results.first).to_be_visible(timeout=SEARCH_READY_MS)
    found = {urlsplit(link).path for link in results.evaluate_all("links => links.map(a => a.href)")}
    assert f"{urlsplit(home(base_url, language)).path}rules/{COMPENSATION}/" in found


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_finds_only_pages_in_the_readers_language(site, page, language):
    _, base_url = site
    page.goto(home(base_url, language))
    page.locator("input.md-search__input").fill("ReplyGuard")  # a word on pages of both languages
    results = page.locator(".md-search-result__item a")
    expect(results.first).to_be_visible(timeout=SEARCH_READY_MS)
    paths = {urlsplit(link).path for link in results.evaluate_all("links => links.map(a => a.href)")}
    english = {path for path in paths if path.startswith("/playbook/en/")}
    assert english == (paths if language == "en" else set()), paths


def switch_language(page, language: str):
    page.locator(".md-header__option .md-select").hover()
    page.locator(f"a.md-select__link[hreflang={language}]").click()


def test_language_switcher_leads_from_a_page_to_its_twin(site, page):
    _, base_url = site
    rule = RULES[0]
    page.goto(home(base_url, "da"))
    switch_language(page, "en")
    expect(page).to_have_url(home(base_url, "en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_language(page, "da")
    expect(page).to_have_url(home(base_url, "da"))

    # Reached by instant navigation, which swaps the page but not the header with the switcher in it.
    primary_nav(page).get_by_role("link", name="Regler", exact=True).click()
    primary_nav(page).get_by_role("link", name=rule.title["da"], exact=True).click()
    expect(page).to_have_url(f"{home(base_url, 'da')}rules/{rule.id}/")
    switch_language(page, "en")
    expect(page).to_have_url(f"{home(base_url, 'en')}rules/{rule.id}/")
    expect_title(page, rule.title["en"])

    # Opened straight from a finding's link.
    page.goto(f"{home(base_url, 'da')}rules/")
    switch_language(page, "en")
    expect(page).to_have_url(f"{home(base_url, 'en')}rules/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rule_url_from_the_api_is_that_rules_page(site, language):
    _, base_url = site
    with urllib.request.urlopen(f"{base_url}/v1/rules?language={language}") as response:
        listed = json.load(response)["rules"]
    assert [rule["id"] for rule in listed] == [rule.id for rule in RULES]
    for rule in listed:
        with urllib.request.urlopen(rule["url"]) as response:
            assert response.status == 200
            assert response.url == rule["url"]  # no redirect: the URL is the page itself
            heading = re.search(r"<h1[^>]*>(.*?)<a", response.read().decode()).group(1)
        assert html.unescape(heading) == rule["title"]


def test_a_page_address_without_its_slash_redirects_to_the_page(site):
    site_dir, base_url = site
    client = create_app({"TESTING": True, "SITE_DIR": str(site_dir)}).test_client()
    response = client.get(f"/playbook/en/rules/{COMPENSATION}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/playbook/en/rules/{COMPENSATION}/")


def test_light_and_dark_palettes_toggle(site, page, artifacts_dir):
    _, base_url = site
    page.goto(f"{home(base_url, 'da')}rules/{COMPENSATION}/")
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    light = body.evaluate("element => getComputedStyle(element).backgroundColor")
    page.locator("form[data-md-component=palette] label:visible").click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    assert body.evaluate("element => getComputedStyle(element).backgroundColor") != light
    page.screenshot(path=artifacts_dir / "site-rule-dark.png", full_page=True, animations="disabled")
    page.locator("form[data-md-component=palette] label:visible").click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")


def test_screenshots_of_the_home_and_a_rule_page(site, page, artifacts_dir):
    _, base_url = site
    for language in LANGUAGES:
        page.goto(home(base_url, language))
        page.screenshot(path=artifacts_dir / f"site-home-{language}.png", full_page=True, animations="disabled")
        page.goto(f"{home(base_url, language)}rules/{COMPENSATION}/")
        expect(page.locator("mark").first).to_be_visible()
        page.screenshot(path=artifacts_dir / f"site-rule-{language}.png", full_page=True, animations="disabled")


def test_reading_the_site_sends_nothing_off_the_machine(site, page, outside_requests):
    _, base_url = site
    for language in LANGUAGES:
        page.goto(home(base_url, language))
        page.locator("input.md-search__input").fill("telefon")
        expect(page.locator(".md-search-result__item").first).to_be_visible()
        page.goto(f"{home(base_url, language)}rules/{COMPENSATION}/")
        page.goto(f"{home(base_url, language)}templates/")
    assert outside_requests == []  # collected from every test in this module


def rendered_examples(page_html: str) -> list[tuple[str, str, str | None]]:
    """(kind, text, marked span) of each example block on a built rule page."""
    found = []
    for kind, body in re.findall(r'rg-example--(bad|good)"><p class="rg-example__text">(.*?)</p>', page_html, re.S):
        marked = re.search(r"<mark>(.*?)</mark>", body, re.S)
        text = re.sub(r"</?mark>", "", body).replace("<br>", "\n")
        found.append((kind, html.unescape(text), html.unescape(marked.group(1)) if marked else None))
    return found


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_each_rule_page_shows_exactly_the_tested_examples(site, rule):
    site_dir, _ = site
    for language in LANGUAGES:
        page_html = (site_dir / ("en" if language == "en" else "") / "rules" / rule.id / "index.html").read_text()
        expected = [("bad" if e.bad else "good", e.text, e.text[e.span[0]:e.span[1]] if e.span else None)
                    for e in rule.examples if e.language == language]
        # Bad examples are listed before the good ones, each group in the rule file's order.
        assert rendered_examples(page_html) == sorted(expected, key=lambda example: example[0] != "bad")


@pytest.mark.parametrize("language", LANGUAGES)
def test_rule_pages_link_their_principle_and_the_index_lists_every_rule(site, language):
    site_dir, _ = site
    rules_dir = site_dir / ("en" if language == "en" else "") / "rules"
    index_html = (rules_dir / "index.html").read_text()
    for rule in RULES:
        assert f'href="{rule.id}/"' in index_html
        assert f'href="../../principles/{rule.principle}/"' in (rules_dir / rule.id / "index.html").read_text()


def test_templates_page_shows_every_template_with_its_placeholders(site):
    site_dir, _ = site
    for language in LANGUAGES:
        page_html = html.unescape((site_dir / ("en" if language == "en" else "") / "templates" / "index.html")
                                  .read_text())
        text_only = re.sub(r"<[^>]+>", "", page_html)
        for template in load_templates():
            assert f'id="{template.id}"' in page_html
            assert template.text[language] in text_only
            assert template.complaint[language] in text_only


def test_example_text_is_shown_as_text_never_as_markup():
    text = 'Hi <b>Tom</b> & "you"\n<script>alert(1)</script>'
    block = _example(Example("en", True, text, (3, 13)), {"context": {}, "whole_reply": ""})
    assert "<b>" not in block and "<script>" not in block
    assert rendered_examples(block) == [("bad", text, "<b>Tom</b>")]


def test_every_context_an_example_carries_is_labelled_on_its_rule_page():
    """Examples show the situation they are checked in; a context field without a label would show its raw key."""
    from replyguard.site_hooks.rule_pages import LABELS

    used = {name for rule in RULES for example in rule.examples for name in example.context}
    for language in LANGUAGES:
        assert used <= set(LABELS[language]["context"]), language


@pytest.mark.parametrize("rule", [rule for rule in RULES if rule.when], ids=lambda rule: rule.id)
def test_a_rule_page_says_when_the_rule_applies(site, rule):
    """A rule that runs only in some situations says which, from the same `when:` the checker obeys."""
    from replyguard.checking.classify import load_complaint_kinds

    site_dir, _ = site
    titles = {kind.kind: kind.title for kind in load_complaint_kinds()}
    for language in LANGUAGES:
        page_html = (site_dir / ("en" if language == "en" else "") / "rules" / rule.id / "index.html").read_text()
        applies = re.search(r'<h2 id="[^"]*">(?:Hvornår reglen gælder|When it applies).*?</ul>', page_html, re.S)
        assert applies, f"{rule.id} ({language}) doesn't say when it applies"
        text = html.unescape(re.sub(r"<[^>]+>", "", applies.group()))
        for kind in rule.when.get("complaint", []):
            assert titles[kind][language].lower() in text
        for bound in (value for name, value in rule.when.items() if name != "complaint"):
            assert all(str(number) in text for number in bound.values())


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_a_rule_page_says_how_far_its_warning_can_be_trusted(site, rule):
    """The measured precision and recall from the last make eval (quality/scores.json), per language, or that the
    rule isn't measured."""
    site_dir, _ = site
    scores = json.loads((ROOT / "quality" / "scores.json").read_text(encoding="utf-8")).get(rule.id)
    for language in LANGUAGES:
        page_html = (site_dir / ("en" if language == "en" else "") / "rules" / rule.id / "index.html").read_text()
        trust = re.search(r'<h2 id="[^"]*">(?:Hvor sikker advarslen er|How far the warning can be trusted).*?</h2>'
                          r'(.*?)<h2', page_html, re.S)
        assert trust, f"{rule.id} ({language}) doesn't say how far it can be trusted"
        text = html.unescape(re.sub(r"<[^>]+>", " ", trust.group(1)))
        if not scores:
            assert "isn't measured" in text or "ikke målt" in text
            continue
        rows = [re.sub(r"\s+", " ", row) for row in re.findall(r"<tr>(.*?)</tr>", trust.group(1), re.S)][1:]
        measured = [(part, values) for lang, parts in sorted(scores.items()) for part, values in sorted(parts.items())]
        assert len(rows) == len(measured)
        for row, (_, values) in zip(rows, measured):
            cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]
            expected = [f"{round(values[k] * 100)} %" if values[k] is not None else "–" for k in ("precision", "recall")]
            assert cells[1:4] == [*expected, str(values["labelled"])]


@pytest.mark.parametrize("rule", [rule for rule in RULES if "model" in rule.check], ids=lambda rule: rule.id)
def test_a_rule_page_shows_every_message_its_warning_can_show(site, rule):
    """A rule with a model shows the model's message too, and where its kind model names the kind of dig or dodge,
    each kind's, with what to write instead, as the reply box shows them: the page and the warning never disagree."""
    site_dir, _ = site
    model = rule.check["model"]
    for language in LANGUAGES:
        page_html = (site_dir / ("en" if language == "en" else "") / "rules" / rule.id / "index.html").read_text()
        shown = re.search(r'<h2 id="[^"]*">(?:Beskeden, man ser i svarfeltet|The message shown in the reply box)'
                          r'.*?</h2>(.*?)<h2', page_html, re.S)
        assert shown, f"{rule.id} ({language}) doesn't show its messages"
        def texts(tag):
            return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
                    for text in re.findall(rf"<{tag}>(.*?)</{tag}>", shown.group(1), re.S)]

        assert texts("blockquote") == [rule.message[language], model["message"][language].replace("{cue}", "…")]
        kinds = model.get("kinds", {"message": {}, "title": {}})
        assert texts("li") == [f"{kinds['title'][kind][language]}: {message[language].replace('{cue}', '…')}"
                               for kind, message in kinds["message"].items()]


@pytest.mark.parametrize("rule", [rule for rule in RULES if rule.kind_titles],
                         ids=lambda rule: rule.id)
def test_a_rule_page_says_how_often_its_message_names_a_kind_and_how_often_the_right_one(site, rule):
    """From the last make eval (quality/scores.json): of the labelled spans the rule catches, the share whose message
    names a kind, and of those the share naming the labelled kind, per language; staff then know how far "this can
    read as a threat" can be taken at its word."""
    site_dir, _ = site
    named = json.loads((ROOT / "quality" / "scores.json").read_text(encoding="utf-8"))["kinds-named"][rule.id]
    for language in LANGUAGES:
        page_html = (site_dir / ("en" if language == "en" else "") / "rules" / rule.id / "index.html").read_text()
        shown = re.search(r'<h2 id="[^"]*">(?:Beskeden, man ser i svarfeltet|The message shown in the reply box)'
                          r'.*?</h2>(.*?)<h2', page_html, re.S)
        rows = [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
                for row in re.findall(r"<tr>(.*?)</tr>", shown.group(1), re.S)][1:]
        names = {"da": {"da": "Dansk", "en": "Engelsk"}, "en": {"da": "Danish", "en": "English"}}[language]
        assert rows == [[names[lang], f"{round(counts['named'] / counts['caught'] * 100)} %",
                         f"{round(counts['right'] / counts['named'] * 100)} %"] for lang, counts in sorted(named.items())]
