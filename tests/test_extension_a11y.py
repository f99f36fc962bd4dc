"""The extension in the reply box for everyone (issue 15): a keyboard path from the reply box to every finding and back
with the caret where it was, what a screen reader hears, severity shown by more than colour, underlines that survive
forced colours, reduced motion, and axe-core on the Facebook and Trustpilot pages with the card and the "post anyway?"
question open. Chromium with the unpacked extension, on pages served as facebook.com and business.trustpilot.com."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import serve_in_thread
from extension_browser import FACEBOOK_POST, TRUSTPILOT_REVIEWS, extension_browser, open_facebook_reply_box, sent_check
from replyguard import create_app

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
SHORTCUT = "Alt+Shift+G"  # the manifest's suggested key for "open-findings"

OFFER_EN = "As a small thank you for your patience, here's a 20% discount on your next order."
TRUSTPILOT_OFFER = f"Hi Per, we're really sorry to hear this. {OFFER_EN} Best, Mette"
DANISH_OFFER = "Hej Per, det er vi kede af. Du får 20 % rabat på næste ordre. Mvh Mette"
CLEAN_EN = ("Hi Per, we're really sorry the gears broke so soon, and that shouldn't happen. Please give us a call on "
            "+45 70 20 30 40 so we can find a solution together. Best, Mette")
REFUND = "We've issued a full refund to your card today."
FACEBOOK_OFFER = f"Hi Lone, we're really sorry. {REFUND} Kind regards, Jonas"
HOSTILE = "Hi Lone, we are sure the sofa was fine until you got your hands on it."

BADGE = "replyguard-ui .badge:not([hidden])"
CARD = "replyguard-ui .card:not([hidden])"
CONFIRM = "replyguard-ui .confirm"

# The element with the focus, looking into ReplyGuard's shadow root: {where: "page" | "card" | ..., tag, text, ...}.
FOCUSED = """() => {
    const host = document.querySelector('replyguard-ui');
    let active = document.activeElement;
    if (host && active === host) {
        active = host.shadowRoot.activeElement;
        const card = host.shadowRoot.querySelector('.card');
        return {where: card && card.contains(active) ? 'card' : 'replyguard', tag: active && active.tagName,
                className: active && active.className, text: active && active.textContent,
                href: active && active.getAttribute('href')};
    }
    return {where: 'page', tag: active.tagName, id: active.id, label: active.getAttribute('aria-label')};
}"""

# The selection in the focused field, as text offsets: a textarea's own, or a contenteditable's (one paragraph).
CARET = """() => {
    const field = document.activeElement;
    if (field.tagName === 'TEXTAREA') return [field.selectionStart, field.selectionEnd, field.selectionDirection];
    const selection = getSelection();
    const offset = (node, at) => {
        const range = document.createRange();
        range.selectNodeContents(field);
        range.setEnd(node, at);
        return range.toString().length;
    };
    return [offset(selection.anchorNode, selection.anchorOffset), offset(selection.focusNode, selection.focusOffset)];
}"""


@pytest.fixture(scope="module")
def api():
    return create_app({"TESTING": True})


@pytest.fixture(scope="module")
def browser(api, chromium_path):
    with serve_in_thread(api) as api_url, extension_browser(chromium_path, api_url) as browser:
        yield browser


@pytest.fixture
def page(browser):
    with browser.tabs() as open_page:
        yield open_page


def make_complaint_fresh(page):
    """The complaint on the page was posted ten minutes ago, so a reply now is in time (and a clean one clean)."""
    page.evaluate("""() => {
        const recently = new Date(Date.now() - 10 * 60 * 1000);
        for (const time of document.querySelectorAll('time[datetime]')) time.dateTime = recently.toISOString();
    }""")


def findings(api, browser, body):
    return api.test_client().post("/v1/check", json=body, base_url=browser.api_url).get_json()["findings"]


def focused(page):
    return page.evaluate(FOCUSED)


def watch_announcements(page):
    """Records every text the extension's live region is given (window.said), from now on."""
    page.evaluate("""() => {
        window.said = [];
        const live = document.querySelector('replyguard-ui').shadowRoot.querySelector('[aria-live]');
        new MutationObserver(() => window.said.push(live.textContent))
            .observe(live, {childList: true, characterData: true, subtree: true});
    }""")


def test_the_shortcut_opens_the_findings_from_the_trustpilot_box_and_escape_returns_with_the_caret_where_it_was(
        page, api, browser, artifacts_dir):
    reviews = page(TRUSTPILOT_REVIEWS)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    expect(reviews.locator(BADGE)).to_have_class("badge error")
    expected = findings(api, browser, sent_check(reviews, browser, TRUSTPILOT_OFFER))
    textarea.evaluate("(field) => field.setSelectionRange(4, 7, 'backward')")  # "Per", selected from the right

    reviews.keyboard.press(SHORTCUT)
    card = reviews.locator(CARD)
    expect(card).to_be_visible()
    # A labelled region, named like the badge, with the focus on the first finding (read out as its severity,
    # quote and message).
    expect(card).to_have_attribute("role", "region")
    expect(card).to_have_attribute("aria-label", reviews.locator(BADGE).get_attribute("aria-label"))
    assert focused(reviews)["where"] == "card" and focused(reviews)["className"] == "item"
    first = reviews.locator(f"{CARD} .item").first
    name = first.evaluate("(item) => item.getAttribute('aria-labelledby').split(' ')"
                          ".map((id) => item.getRootNode().getElementById(id).textContent).join(' ')")
    assert expected[0]["message"] in name
    reviews.screenshot(path=artifacts_dir / "extension-keyboard-card.png", animations="disabled")

    # ↓ and ↑ move between the findings; Tab goes through a finding's buttons to its playbook link.
    reviews.keyboard.press("ArrowDown")
    assert expected[1]["message"] in focused(reviews)["text"]
    reviews.keyboard.press("ArrowUp")
    assert expected[0]["message"] in focused(reviews)["text"]
    for _ in expected[0]["suggestions"]:
        reviews.keyboard.press("Tab")
        assert focused(reviews)["className"] == "suggestion"
    reviews.keyboard.press("Tab")
    link = focused(reviews)
    assert link["tag"] == "A" and link["href"] == expected[0]["url"]
    with browser.context.expect_page() as opened:
        reviews.keyboard.press("Enter")
    assert opened.value.url == expected[0]["url"]
    opened.value.close()
    reviews.bring_to_front()
    assert focused(reviews)["tag"] == "A"  # still in the card, where the person left it

    # Escape closes the card: back in the box, the same text, the same selection in the same direction.
    reviews.keyboard.press("Escape")
    expect(card).to_have_count(0)
    assert focused(reviews) == {"where": "page", "tag": "TEXTAREA", "id": "reply-6741a0c1", "label": None}
    assert reviews.evaluate(CARET) == [4, 7, "backward"]
    expect(textarea).to_have_value(TRUSTPILOT_OFFER)

    # The shortcut again, and Tab past the card's last button, also lead back to the reply box.
    textarea.evaluate("(field) => field.setSelectionRange(20, 20)")
    reviews.keyboard.press(SHORTCUT)
    expect(card).to_be_visible()
    reviews.keyboard.press(SHORTCUT)
    expect(card).to_have_count(0)
    assert reviews.evaluate(CARET)[:2] == [20, 20]
    reviews.keyboard.press(SHORTCUT)
    expect(card).to_be_visible()
    reviews.keyboard.press("Shift+Tab")  # before the first finding: out of the card, back to the box
    expect(card).to_have_count(0)
    assert focused(reviews)["id"] == "reply-6741a0c1" and reviews.evaluate(CARET)[:2] == [20, 20]
    expect(textarea).to_have_value(TRUSTPILOT_OFFER)


def test_a_suggestion_applied_from_the_keyboard_in_facebooks_lexical_editor_puts_the_caret_back(page, api, browser):
    post = page(FACEBOOK_POST)
    box = open_facebook_reply_box(post)
    post.keyboard.type(FACEBOOK_OFFER)
    for _ in range(5):
        post.keyboard.press("ArrowLeft")  # the caret in "Jonas", after the refund
    caret = len(FACEBOOK_OFFER) - 5
    assert post.evaluate(CARET) == [caret, caret]
    expect(post.locator(BADGE)).to_have_class("badge error")
    expected = findings(api, browser, sent_check(post, browser, FACEBOOK_OFFER))
    offer = next(f for f in expected if f["rule"] == "no-public-compensation")

    # Into the findings and straight back: Lexical's text and caret as they were.
    post.keyboard.press(SHORTCUT)
    expect(post.locator(CARD)).to_be_visible()
    assert focused(post)["where"] == "card"
    post.keyboard.press("Escape")
    expect(post.locator(CARD)).to_have_count(0)
    assert focused(post)["label"] == "Reply to Lone Jensen" and post.evaluate(CARET) == [caret, caret]
    assert box.evaluate("(box) => box.lexicalText()") == FACEBOOK_OFFER

    post.keyboard.press(SHORTCUT)
    expect(post.locator(CARD)).to_be_visible()
    for _ in range(len(expected)):
        if offer["message"] in focused(post)["text"]:
            break
        post.keyboard.press("ArrowDown")
    assert offer["message"] in focused(post)["text"]
    post.keyboard.press("Tab")
    assert focused(post)["className"] == "suggestion"
    post.keyboard.press("Enter")

    fixed = FACEBOOK_OFFER.replace(REFUND, offer["suggestions"][0])
    post.wait_for_function("([box, fixed]) => box.lexicalText() === fixed", arg=[box.element_handle(), fixed])
    expect(post.locator(CARD)).to_have_count(0)
    assert focused(post)["label"] == "Reply to Lone Jensen"
    moved = caret + len(fixed) - len(FACEBOOK_OFFER)
    post.wait_for_function(f"() => ({CARET})()[1] === {moved}")
    assert post.evaluate(CARET) == [moved, moved]
    # Lexical's own selection agrees: typing goes in where the caret was.
    post.keyboard.type("X")
    typed = fixed[:moved] + "X" + fixed[moved:]
    post.wait_for_function("([box, typed]) => box.lexicalText() === typed", arg=[box.element_handle(), typed])


def test_the_browsers_command_is_routed_by_the_service_worker_to_the_tab(page, browser):
    """A shortcut from the manifest's `commands` reaches the service worker; its dispatcher sends it to the active
    tab's content script. Headless Chromium can't press a browser shortcut, so the worker's handler is called."""
    reviews = page(TRUSTPILOT_REVIEWS)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    expect(reviews.locator(BADGE)).to_have_class("badge error")
    textarea.evaluate("(field) => field.setSelectionRange(9, 9)")
    # Tab from the reply box still goes to the page's own button: ReplyGuard takes no key the page needs.
    reviews.keyboard.press("Tab")
    assert focused(reviews) == {"where": "page", "tag": "BUTTON", "id": "", "label": None}

    reviews.bring_to_front()
    answer = browser.worker.evaluate("() => replyGuard.onCommand('open-findings')")
    assert answer == {"kind": "command-done", "handled": True}
    expect(reviews.locator(CARD)).to_be_visible()
    assert focused(reviews)["where"] == "card"
    # Again, while in the card: back to the reply box, the caret where it was.
    tab = browser.worker.evaluate("async () => (await chrome.tabs.query({active: true, lastFocusedWindow: true}))[0]")
    answer = browser.worker.evaluate("(tab) => replyGuard.onCommand('open-findings', tab)", tab)
    assert answer == {"kind": "command-done", "handled": True}
    expect(reviews.locator(CARD)).to_have_count(0)
    assert focused(reviews)["id"] == "reply-6741a0c1" and reviews.evaluate(CARET)[:2] == [9, 9]
    # The keys the browser has for it now, as the badge's tooltip shows them.
    assert browser.worker.evaluate("() => replyGuard.dispatch({kind: 'shortcut'})") == {
        "kind": "shortcut", "shortcut": SHORTCUT}


def test_screen_readers_get_the_count_and_worst_severity_once_per_finished_check(page, api, browser):
    reviews = page(TRUSTPILOT_REVIEWS)
    make_complaint_fresh(reviews)  # so that the clean reply below is clean (not late)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    watch_announcements(reviews)
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    badge = reviews.locator(BADGE)
    expect(badge).to_have_class("badge error")
    count = len(findings(api, browser, sent_check(reviews, browser, TRUSTPILOT_OFFER)))
    name = f"ReplyGuard: {count} things to look at, the worst is an error"
    expect(badge).to_have_accessible_name(name)
    expect(badge).to_have_attribute("title", f"{name}\nOpen with {SHORTCUT}")
    expect(badge).to_have_attribute("aria-keyshortcuts", SHORTCUT)
    live = reviews.locator("replyguard-ui [aria-live=polite]")
    expect(live).to_have_text(name)
    expect(live).to_have_attribute("role", "status")

    # Typing on, with the same findings: checked again, nothing new to say.
    reviews.keyboard.type(" Thanks again.", delay=40)
    sent_check(reviews, browser, TRUSTPILOT_OFFER + " Thanks again.")
    reviews.wait_for_timeout(600)
    assert reviews.evaluate("() => window.said") == [name]

    # A different result: said once, when its check has finished, not while typing.
    reviews.keyboard.press("Control+A")
    reviews.keyboard.type(CLEAN_EN)
    expect(badge).to_have_accessible_name("ReplyGuard: no problems found")
    reviews.wait_for_timeout(600)
    said = reviews.evaluate("() => window.said")
    assert said == [name, "ReplyGuard: no problems found"] or (
        said[:1] == [name] and said[-1] == "ReplyGuard: no problems found" and len(said) <= 3)

    # In the reply's language.
    other = reviews.locator("#reply-6741a0c2")
    other.click()
    reviews.keyboard.type(DANISH_OFFER)
    danish = findings(api, browser, sent_check(reviews, browser, DANISH_OFFER))
    worst = {"error": "en fejl", "warning": "en advarsel", "info": "et tip"}[
        next(s for s in ("error", "warning", "info") if any(f["severity"] == s for f in danish))]
    danish_name = (f"ReplyGuard: {len(danish)} ting at se på, den alvorligste er {worst}" if len(danish) > 1
                   else f"ReplyGuard: 1 ting at se på, {worst}")
    expect(reviews.locator(BADGE).nth(1)).to_have_accessible_name(danish_name)
    expect(reviews.locator(BADGE).nth(1)).to_have_attribute("title", f"{danish_name}\nÅbn med {SHORTCUT}")
    expect(live).to_have_text(danish_name)


def underline_styles(page, field_selector):
    """The underline of each severity in a contenteditable (its ::highlight styles) as [style, thickness, colour]."""
    return page.evaluate("""(selector) => {
        const field = document.querySelector(selector);
        return Object.fromEntries(['error', 'warning', 'info'].map((severity) => {
            const style = getComputedStyle(field, `::highlight(replyguard-${severity})`);
            return [severity, [style.textDecorationStyle, style.textDecorationThickness, style.textDecorationColor,
                               style.textDecorationLine]];
        }));
    }""", field_selector)


def mirror_styles(page):
    """The same for the textarea's mirror, with a span of each severity put in it for the measurement."""
    return page.evaluate("""() => {
        const mirror = document.querySelector('replyguard-ui').shadowRoot.querySelector('.mirror');
        const result = {color: getComputedStyle(mirror).color};
        for (const severity of ['error', 'warning', 'info']) {
            const span = document.createElement('span');
            span.className = severity;
            mirror.append(span);
            const style = getComputedStyle(span);
            result[severity] = [style.textDecorationStyle, style.textDecorationThickness, style.textDecorationColor,
                                style.textDecorationLine];
            span.remove();
        }
        return result;
    }""")


def test_severity_is_not_told_by_colour_alone_and_underlines_survive_forced_colours_and_reduced_motion(page):
    post = page(FACEBOOK_POST)
    box = open_facebook_reply_box(post)
    post.keyboard.type(f"{HOSTILE} {REFUND} Kind regards, Jonas")
    post.wait_for_function("() => CSS.highlights.has('replyguard-error') && CSS.highlights.has('replyguard-warning')")
    field = "[role=textbox][data-lexical-editor]"
    styles = underline_styles(post, field)
    assert {name: value[3] for name, value in styles.items()} == dict.fromkeys(styles, "underline")
    assert len({(value[0], value[1]) for value in styles.values()}) == 3  # three different lines, colour aside

    reviews = page(TRUSTPILOT_REVIEWS)
    reviews.locator("#reply-6741a0c1").click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    expect(reviews.locator("replyguard-ui .mirror span.error")).to_have_text(OFFER_EN)
    mirrored = mirror_styles(reviews)
    assert len({(mirrored[s][0], mirrored[s][1]) for s in ("error", "warning", "info")}) == 3
    assert all(mirrored[s][:2] == styles[s][:2] for s in ("error", "warning", "info"))  # the same lines as Lexical's
    # The badge's shape differs too: an error's is square.
    radius = reviews.locator(BADGE).evaluate("(badge) => parseFloat(getComputedStyle(badge).borderTopLeftRadius)")
    assert radius <= 4

    # Forced colours (Windows high contrast): the lines are drawn in the text's system colour, the textarea's
    # mirror stays see-through (its text would otherwise be drawn over the reply), and every box keeps a border.
    for tab in (post, reviews):
        tab.emulate_media(forced_colors="active")
    forced = underline_styles(post, field)
    text_colour = box.evaluate("(box) => getComputedStyle(box).color")
    for severity in ("error", "warning", "info"):
        assert forced[severity][2] == text_colour and forced[severity][3] == "underline"
        assert forced[severity][:2] == styles[severity][:2] or severity == "error"
    assert len({(value[0], value[1]) for value in forced.values()}) == 3
    mirrored = mirror_styles(reviews)
    assert mirrored["color"] == "rgba(0, 0, 0, 0)"
    textarea_text = reviews.locator("#reply-6741a0c1").evaluate("(field) => getComputedStyle(field).color")
    assert all(mirrored[s][2] == textarea_text for s in ("error", "warning", "info"))
    border = reviews.locator(BADGE).evaluate("(badge) => getComputedStyle(badge).borderTopStyle")
    assert border == "solid"
    # Drawn, not only styled: the box looks different with and without its underlines.
    with_lines = box.screenshot()
    post.evaluate("() => { window.kept = new Map(CSS.highlights); CSS.highlights.clear(); }")
    without_lines = box.screenshot()
    post.evaluate("() => { for (const [name, highlight] of window.kept) CSS.highlights.set(name, highlight); }")
    assert with_lines != without_lines
    mirror = reviews.locator("replyguard-ui .mirror")
    area = reviews.locator("#reply-6741a0c1")
    with_lines = area.screenshot()
    mirror.evaluate("(mirror) => { mirror.style.visibility = 'hidden'; }")
    without_lines = area.screenshot()
    mirror.evaluate("(mirror) => { mirror.style.visibility = ''; }")
    assert with_lines != without_lines
    for tab in (post, reviews):
        tab.emulate_media(forced_colors="none")

    # Motion: the card eases in, unless the person asked for reduced motion.
    reviews.keyboard.press(SHORTCUT)
    card = reviews.locator(CARD)
    expect(card).to_be_visible()
    assert card.evaluate("(card) => getComputedStyle(card).animationName") != "none"
    reviews.emulate_media(reduced_motion="reduce")
    assert card.evaluate("(card) => getComputedStyle(card).animationName") == "none"
    assert card.evaluate("(card) => getComputedStyle(card).transitionDuration") == "0s"


def axe_violations(page):
    """axe-core (WCAG 2.1 A and AA, and best practices) over ReplyGuard's own user interface, in its shadow root."""
    assert AXE.is_file(), "axe-core is missing: run `cd tests/a11y && npm ci` (make test does)"
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const result = await axe.run({include: [['replyguard-ui']]}, {resultTypes: ['violations']});
        return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                              nodes: v.nodes.map((n) => n.target)}));
    }""")


def serious(violations):
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def open_trustpilot(page):
    reviews = page(TRUSTPILOT_REVIEWS)
    reviews.locator("#reply-6741a0c1").click()
    reviews.keyboard.type(f"{TRUSTPILOT_OFFER} Thanks, Mette")
    return reviews


def open_facebook(page):
    post = page(FACEBOOK_POST)
    open_facebook_reply_box(post)
    post.keyboard.type(f"{HOSTILE} {REFUND} Kind regards, Jonas")
    return post


def post_trustpilot(reviews):
    reviews.get_by_role("button", name="Post reply").first.click()


def post_facebook(post):
    post.keyboard.press("Enter")


@pytest.mark.parametrize("open_site, post", [(open_trustpilot, post_trustpilot), (open_facebook, post_facebook)],
                         ids=["trustpilot", "facebook"])
def test_axe_finds_nothing_serious_with_the_card_or_the_post_anyway_question_open(page, open_site, post,
                                                                                   artifacts_dir):
    site = open_site(page)
    expect(site.locator(BADGE)).to_have_class("badge error")
    site.keyboard.press(SHORTCUT)
    expect(site.locator(f"{CARD} .item").first).to_be_visible()
    site.wait_for_timeout(300)  # the card has eased in (axe measures contrast on what is drawn)
    assert serious(axe_violations(site)) == []
    # The badge and its card, on their own (the page's markup is the fixture's).
    site.keyboard.press("Escape")
    expect(site.locator(CARD)).to_have_count(0)

    post(site)
    confirm = site.locator(CONFIRM)
    expect(confirm).to_contain_text("Post anyway?")
    expect(confirm).to_have_accessible_name("Post anyway?")
    assert focused(site)["tag"] == "BUTTON"
    assert serious(axe_violations(site)) == []
    site.screenshot(path=artifacts_dir / f"extension-a11y-confirm-{open_site.__name__}.png", animations="disabled")
    site.keyboard.press("Escape")
    expect(confirm).to_have_count(0)


def test_the_settings_page_shows_the_shortcut(page, browser):
    """(In Danish too: test_extension_locale.py.)"""
    options = page(f"chrome-extension://{browser.extension_id}/options/options.html")
    keyboard = options.get_by_role("region", name="Keyboard")
    expect(keyboard).to_contain_text(f"Open the findings from the reply box: {SHORTCUT}")
    expect(keyboard).to_contain_text("Esc takes you back to your reply")
    expect(keyboard.get_by_role("button", name="Change the shortcut")).to_be_visible()
    assert serious(page_axe(options)) == []


def page_axe(page):
    page.evaluate(AXE.read_text())  # the settings page's CSP allows no script tag that isn't the extension's own
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target)}))""")
