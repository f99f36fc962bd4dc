"""The playbook site for people who read it with a screen reader, a keyboard or low vision (issue 15).

axe-core, the version pinned in tests/a11y/package-lock.json (`make test` installs it with `npm ci`) and injected from
that local install, runs its WCAG 2.1 A and AA rules on every page the build writes, Danish and English, in the light
and the dark palette, in Debian's Chromium; no page may have a serious or critical violation. Around it: what axe
can't judge on its own (each page's language, the language switcher, headings and landmarks, reaching a wide table
with the keyboard), and screenshots of both palettes in test-artifacts/.
"""

import asyncio
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import async_playwright
from playwright.async_api import expect as async_expect
from playwright.sync_api import expect

from test_site import CHROMIUM_ARGS, browser, site  # noqa: F401  (fixtures: the strict build served by the API)

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# How a screen-reader user finds their way: one main landmark, all content inside landmarks, one h1, no skipped
# heading levels, distinct names for repeated landmarks. axe files these under best practice, not WCAG.
STRUCTURE_RULES = ["landmark-one-main", "landmark-no-duplicate-main", "landmark-unique", "landmark-banner-is-top-level",
                   "landmark-contentinfo-is-top-level", "landmark-main-is-top-level", "region", "page-has-heading-one",
                   "heading-order", "empty-heading"]
SCHEMES = {"light": "default", "dark": "slate"}
COMPENSATION = "no-public-compensation"
# The switcher's label and its entries, each in its own language.
LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}
SELECT_LANGUAGE = {"da": "Vælg sprog", "en": "Select language"}


def built_pages(site_dir: Path) -> dict[str, list[str]]:
    """Every page the build wrote, by language, as paths under /playbook/."""
    pages = {"da": [], "en": []}
    for index in sorted(site_dir.rglob("*.html")):
        relative = index.relative_to(site_dir).as_posix()
        path = relative.removesuffix("index.html")
        pages["en" if relative.startswith("en/") else "da"].append(f"/playbook/{path}")
    assert len(pages["da"]) > 30 and len(pages["en"]) > 30, pages  # the whole site, not a build that went wrong
    return pages


@pytest.fixture(scope="module")
def pages(site):
    site_dir, _ = site
    return built_pages(site_dir)


@pytest.fixture(scope="module")
def axe_source() -> str:
    assert AXE.is_file(), "axe-core is not installed in tests/a11y: run `make test` (or `npm ci` in tests/a11y)"
    return AXE.read_text(encoding="utf-8")


def only_local(route):
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        return route.continue_()
    return route.abort()


def open_context(browser, scheme: str = "light", **options):  # noqa: F811
    """A reader's browser that prefers the given palette and sends nothing off this machine."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "color_scheme": scheme, **options})
    context.route("**/*", only_local)
    return context


AXE_RUN = """async ({tags, extra}) => {
    // The WCAG tags' rules as axe runs them by tag (experimental ones left out), and the extra rules besides.
    const rules = Object.fromEntries(extra.map(id => [id, {enabled: true}]));
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                                        targets: v.nodes.slice(0, 5).map(node => node.target.join(" "))}));
}"""


def scan_site(chromium_path: str, base_url: str, paths: list[str], axe_source: str) -> dict[tuple[str, str], list]:
    """axe on every page, in both palettes: {(path, "light" | "dark"): violations}. Each page is opened once and read
    in the palette it opens in, then in the other after a click on the palette toggle, as a reader switches. The
    structure rules run once per page, in the light palette. A few tabs at once: the pages are many."""

    async def run():
        found, queue = {}, list(paths)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)  # noqa: F811
            context = await browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
            await context.route("**/*", only_local)
            await context.add_init_script(axe_source)  # the local axe-core, in every page: never a CDN

            async def read(page, path: str):
                scheme = await page.locator("body").get_attribute("data-md-color-scheme")
                name = next(name for name, value in SCHEMES.items() if value == scheme)
                extra = STRUCTURE_RULES if name == "light" else []
                found[path, name] = await page.evaluate(AXE_RUN, {"tags": WCAG_21_A_AA, "extra": extra})
                return name

            async def worker():
                page = await context.new_page()
                while queue:
                    path = queue.pop(0)
                    await page.goto(base_url + path)
                    await page.evaluate("() => new Promise(requestAnimationFrame)")  # the page's own scripts ran
                    first = await read(page, path)
                    await page.locator("form[data-md-component=palette] label:visible").click()
                    other = next(name for name in SCHEMES if name != first)
                    await async_expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES[other])
                    await read(page, path)

            await asyncio.gather(*(worker() for _ in range(max(2, min(4, os.cpu_count() or 2)))))
            await browser.close()
        return found

    return asyncio.run(run())


@pytest.fixture(scope="module")
def axe_results(site, chromium_path, pages, axe_source):
    _, base_url = site
    found = scan_site(chromium_path, base_url, pages["da"] + pages["en"], axe_source)
    assert len(found) == 2 * len(pages["da"] + pages["en"])
    return found


def describe(found: dict[str, list[dict]]) -> str:
    return "\n".join(f"{path}: {v['id']} ({v['impact']}, {v['count']}x: {v['help']}) {v['targets']}"
                     for path, violations in sorted(found.items()) for v in violations)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("language", ["da", "en"])
def test_no_page_has_a_serious_or_critical_wcag_violation(axe_results, pages, language, scheme):
    serious = {path: [v for v in axe_results[path, scheme]
                      if v["id"] not in STRUCTURE_RULES and v["impact"] in ("serious", "critical")]
               for path in pages[language]}
    serious = {path: violations for path, violations in serious.items() if violations}
    assert not serious, f"{len(serious)} of {len(pages[language])} pages:\n{describe(serious)}"


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_page_has_its_landmarks_and_an_outline_of_headings(axe_results, pages, language):
    found = {path: [v for v in axe_results[path, "light"] if v["id"] in STRUCTURE_RULES] for path in pages[language]}
    found = {path: violations for path, violations in found.items() if violations}
    assert not found, describe(found)


def test_every_page_says_its_language(site, pages):
    """The `lang` a screen reader picks its voice by: Danish pages da, English pages en, on the page itself."""
    site_dir, _ = site
    for language, paths in pages.items():
        for path in paths:
            file = site_dir / path.removeprefix("/playbook/")
            page_html = (file / "index.html" if path.endswith("/") else file).read_text(encoding="utf-8")
            assert re.search(r"<html lang=\"([^\"]+)\"", page_html).group(1) == language, path


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_language_switcher_reads_well_in_a_screen_reader(site, browser, language):  # noqa: F811
    """A labelled button; each language named in its own language (lang on the link, so it is pronounced right) and
    the one being read marked as current."""
    _, base_url = site
    context = open_context(browser)
    page = context.new_page()
    page.goto(f"{base_url}/playbook/{'en/' if language == 'en' else ''}rules/")
    switcher = page.locator(".md-header__option .md-select")
    expect(switcher.get_by_role("button", name=SELECT_LANGUAGE[language], exact=True)).to_have_count(1)
    for other, name in LANGUAGE_NAMES.items():
        link = switcher.get_by_role("link", name=name, exact=True)
        expect(link).to_have_attribute("lang", other)
        expect(link).to_have_attribute("hreflang", other)
        if other == language:
            expect(link).to_have_attribute("aria-current", "true")
        else:
            expect(link).not_to_have_attribute("aria-current", re.compile(".*"))
    context.close()


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_wide_table_is_reached_and_scrolled_with_the_keyboard(site, browser, language):  # noqa: F811
    """On a phone, the admin pages' and the rule pages' tables are wider than the screen: the keyboard reaches each
    one (a named region in the Tab order), and the arrow keys scroll it."""
    _, base_url = site
    context = open_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    wide = 0
    for path in ["admin/", f"rules/{COMPENSATION}/", "rules/"]:
        page.goto(f"{base_url}/playbook/{'en/' if language == 'en' else ''}{path}")
        page.evaluate("() => new Promise(requestAnimationFrame)")
        regions = page.locator("article .md-typeset__scrollwrap")
        expect(regions.first).to_be_attached()
        for index in range(regions.count()):
            region = regions.nth(index)
            if not region.evaluate("element => element.scrollWidth > element.clientWidth"):
                continue
            wide += 1
            expect(region).to_have_attribute("tabindex", "0")
            expect(region).to_have_attribute("role", "region")
            expect(region).to_have_attribute("aria-label", re.compile(r"^(Tabel|Table): \S"))
            region.focus()
            expect(region).to_be_focused()
            page.keyboard.press("ArrowRight")
            page.wait_for_function("element => element.scrollLeft > 0", arg=region.element_handle())
    assert wide, "no table is wider than a phone: this test no longer tests anything"
    context.close()


def test_a_screenshot_of_each_palette(site, browser, artifacts_dir):  # noqa: F811
    """What the contrast fixes look like: a home page and a rule page, light and dark."""
    _, base_url = site
    for scheme in SCHEMES:
        context = open_context(browser, scheme)
        page = context.new_page()
        for name, path in [("home", "/playbook/"), ("rule", "/playbook/en/rules/no-public-compensation/")]:
            page.goto(base_url + path)
            expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES[scheme])
            page.screenshot(path=artifacts_dir / f"site-a11y-{name}-{scheme}.png", full_page=True, animations="disabled")
        context.close()
