"""The browser extension as staff meet it: Chromium with the unpacked extension, typing on pages served as
facebook.com (the real Lexical editor) and business.trustpilot.com, checked by the real API."""

import socket

import pytest
from playwright.sync_api import expect

from conftest import serve_in_thread, write_settings
from extension_browser import (FACEBOOK_POST, META_BUSINESS_POST, TRUSTPILOT_PUBLIC_REVIEWS, TRUSTPILOT_REVIEWS,
                               DelayedApi, extension_browser, open_facebook_reply_box, sent_check)
from replyguard import create_app

OFFER_EN = "As a small thank you for your patience, here's a 20% discount on your next order."
TRUSTPILOT_OFFER = f"Hi Per, we're really sorry to hear this. {OFFER_EN} Best, Mette"
CLEAN_EN = ("Hi Per, we're really sorry the gears broke so soon, and that shouldn't happen. Please give us a call on "
            "+45 70 20 30 40 so we can find a solution together. Best, Mette")
REFUND = "We've issued a full refund to your card today."
FACEBOOK_OFFER = f"😡👍🏽 Hi Lone, we're really sorry. {REFUND} Kind regards, Jonas"

BADGE = "replyguard-ui .badge:not([hidden])"
CARD = "replyguard-ui .card:not([hidden])"
CONFIRM = "replyguard-ui .confirm"


@pytest.fixture(scope="module")
def api():
    return DelayedApi(create_app({"TESTING": True}))


@pytest.fixture(scope="module")
def browser(api, chromium_path):
    with serve_in_thread(api) as api_url, extension_browser(chromium_path, api_url) as browser:
        yield browser


@pytest.fixture
def page(browser, api):
    """Opens tabs for one test; afterwards they close, the API is back to full speed and the extension reset."""
    with browser.tabs() as open_page:
        yield open_page
    api.check_delay = 0.0


def api_answer(page, api, browser, text):
    """What the API itself answers to the check the extension sent (same context, same address for the links)."""
    body = sent_check(page, browser, text)
    return api.app.test_client().post("/v1/check", json=body, base_url=browser.api_url).get_json()["findings"]


def make_complaint_fresh(page):
    """The complaint on the page was posted ten minutes ago, so answering it now is answering in time."""
    page.evaluate("""() => {
        const recently = new Date(Date.now() - 10 * 60 * 1000);
        for (const time of document.querySelectorAll('time[datetime]')) time.dateTime = recently.toISOString();
        for (const stamp of document.querySelectorAll('abbr[data-utime]')) {
            stamp.dataset.utime = String(Math.floor(recently.getTime() / 1000));
        }
    }""")


def error_highlights(page):
    """The text under each red underline in a contenteditable (CSS Custom Highlight API)."""
    return page.evaluate("() => [...(CSS.highlights.get('replyguard-error') || [])].map((range) => range.toString())")


def first_rect_center(page, expression):
    rect = page.evaluate(f"() => {{ const r = ({expression}).getClientRects()[0]; return [r.x, r.y, r.width, r.height]; }}")
    return rect[0] + rect[2] / 2, rect[1] + rect[3] / 2


def test_trustpilot_offer_is_underlined_explained_and_fixed_in_one_click(page, api, browser, artifacts_dir):
    reviews = page(TRUSTPILOT_REVIEWS)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)

    expected = api_answer(reviews, api, browser, TRUSTPILOT_OFFER)
    badge = reviews.locator(BADGE)
    expect(badge).to_have_class("badge error")
    expect(badge).to_have_text(str(len(expected)))
    underline = reviews.locator("replyguard-ui .mirror span.error")
    expect(underline).to_have_text(OFFER_EN)
    # The mirror that carries the underline lies exactly over the textarea's text box, in the same font.
    geometry = reviews.evaluate("""() => {
        const field = document.querySelector('#reply-6741a0c1');
        const mirror = document.querySelector('replyguard-ui').shadowRoot.querySelector('.mirror');
        const f = field.getBoundingClientRect(), m = mirror.getBoundingClientRect();
        return {dx: m.left - f.left - field.clientLeft, dy: m.top - f.top - field.clientTop,
                dw: m.width - field.clientWidth, font: getComputedStyle(mirror).font === getComputedStyle(field).font};
    }""")
    assert geometry == {"dx": 0, "dy": 0, "dw": 0, "font": True}

    reviews.mouse.move(*first_rect_center(reviews, "document.querySelector('replyguard-ui').shadowRoot"
                                                   ".querySelector('.mirror span.error')"))
    card = reviews.locator(CARD)
    offer = next(f for f in expected if f["rule"] == "no-public-compensation")
    expect(card.locator(".message")).to_have_text(offer["message"])
    expect(card.locator("a")).to_have_attribute("href", offer["url"])
    assert offer["url"].endswith("/playbook/en/rules/no-public-compensation/")
    reviews.screenshot(path=artifacts_dir / "extension-trustpilot-card.png", animations="disabled")

    card.locator(".suggestion").first.click()
    fixed = TRUSTPILOT_OFFER.replace(OFFER_EN, offer["suggestions"][0])
    expect(textarea).to_have_value(fixed)
    expect(underline).to_have_count(0)
    assert all(f["rule"] != "no-public-compensation" for f in api_answer(reviews, api, browser, fixed))
    expect(badge).not_to_have_class("badge error")


def test_trustpilot_sends_the_review_as_context(page, browser):
    reviews = page(TRUSTPILOT_REVIEWS)
    reviews.locator("#reply-6741a0c2").click()
    reviews.keyboard.type(CLEAN_EN)
    sent = sent_check(reviews, browser, CLEAN_EN)
    assert sent["platform"] == "trustpilot"
    assert sent["context"] == {
        "complaint": "Slow delivery\nMy helmet arrived a week late.",
        "staff_replies_in_thread": 1,
        "complaint_posted_at": "2026-11-18T08:05:00.000Z",
    }


def test_clean_reply_shows_a_quiet_tick(page, api, browser, artifacts_dir):
    reviews = page(TRUSTPILOT_REVIEWS)
    make_complaint_fresh(reviews)
    reviews.locator("#reply-6741a0c1").click()
    reviews.keyboard.type(CLEAN_EN)
    assert api_answer(reviews, api, browser, CLEAN_EN) == [], "the clean example must stay clean under every rule"
    badge = reviews.locator(BADGE)
    expect(badge).to_have_class("badge clean")
    expect(badge).to_have_text("✓")
    expect(reviews.locator("replyguard-ui .mirror span")).to_have_count(0)
    reviews.screenshot(path=artifacts_dir / "extension-clean.png", animations="disabled")


def test_a_reply_signed_on_lines_of_its_own_gets_no_tone_warning(page, api, browser):
    """Staff sign "Mvh" and their name on separate lines; read alone, the tone model once warned on "Mvh" and "Jo"."""
    reply = ("Hej Per. Det er vi virkelig kede af, og tak, fordi du sagde det. Ring til os på 70 20 30 40, så finder vi "
             "en løsning i dag.\nMvh\nJo")
    reviews = page(TRUSTPILOT_REVIEWS)
    make_complaint_fresh(reviews)
    reviews.locator("#reply-6741a0c1").click()
    reviews.keyboard.type(reply)
    assert api_answer(reviews, api, browser, reply) == []
    expect(reviews.locator(BADGE)).to_have_class("badge clean")
    expect(reviews.locator("replyguard-ui .mirror span")).to_have_count(0)
    assert reviews.locator("#reply-6741a0c1").input_value() == reply


@pytest.mark.parametrize("reply", ["Which colour would you like?", "Din pakke er afsendt."])
def test_an_everyday_one_line_reply_gets_no_tone_underline(page, api, browser, reply):
    """Staff often answer in one line; the tone model once read "Which colour would you like?" alone as hostile, from
    its length and full stop (replyguard.checking.model.sentence_features), and "Din pakke er afsendt." ("Your parcel
    has been sent.") before the Danish one-line threshold was held to the written polite replies."""
    reviews = page(TRUSTPILOT_REVIEWS)
    make_complaint_fresh(reviews)
    reviews.locator("#reply-6741a0c1").click()
    reviews.keyboard.type(reply)
    findings = api_answer(reviews, api, browser, reply)
    assert findings and "kind-tone" not in [finding["rule"] for finding in findings]
    expect(reviews.locator(BADGE)).to_be_visible()
    expect(reviews.locator("replyguard-ui .mirror span")).to_have_count(0)
    assert reviews.locator("#reply-6741a0c1").input_value() == reply


def test_trustpilot_confirms_before_posting_an_offer_and_still_posts(page, artifacts_dir):
    reviews = page(TRUSTPILOT_REVIEWS)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    submit = reviews.get_by_role("button", name="Post reply").first
    submit.click()
    confirm = reviews.locator(CONFIRM)
    expect(confirm).to_contain_text("compensation in public")
    expect(confirm).to_contain_text("Post anyway?")
    reviews.screenshot(path=artifacts_dir / "extension-confirm.png", animations="disabled")

    confirm.get_by_role("button", name="Keep editing").click()
    expect(confirm).to_have_count(0)
    expect(textarea).to_have_value(TRUSTPILOT_OFFER)
    expect(reviews.locator(".posted")).to_have_count(0)

    submit.click()
    confirm.get_by_role("button", name="Post anyway").click()
    expect(reviews.locator(".posted")).to_have_text(TRUSTPILOT_OFFER)
    # The page empties the form without an input event; the warnings for the posted text go with it.
    expect(reviews.locator("replyguard-ui .badge")).to_be_hidden()
    expect(reviews.locator("replyguard-ui .mirror span")).to_have_count(0)


def test_fields_that_are_read_only_disabled_or_opted_out_are_left_alone(page):
    reviews = page(TRUSTPILOT_REVIEWS)
    reviews.locator("#reply-6741a0c1").evaluate(
        "(field) => field.form.insertAdjacentHTML('beforeend', '<textarea id=opted-out data-enable-grammarly=false>')")
    for selector in ("#opted-out", "textarea[readonly]"):
        reviews.locator(selector).click()
        reviews.keyboard.type(TRUSTPILOT_OFFER)
    reviews.locator("input[type=password]").click()
    reviews.keyboard.type("20% discount")
    reviews.wait_for_timeout(800)  # well past the debounce: a check would have been drawn by now
    expect(reviews.locator("replyguard-ui .badge")).to_have_count(0)


def test_facebook_lexical_reply_box_underline_card_and_suggestion(page, api, browser, artifacts_dir):
    post = page(FACEBOOK_POST)
    box = open_facebook_reply_box(post)
    post.keyboard.type(FACEBOOK_OFFER)

    expected = api_answer(post, api, browser, FACEBOOK_OFFER)
    badge = post.locator(BADGE)
    expect(badge).to_have_class("badge error")
    expect(badge).to_have_text(str(len(expected)))
    # Exact despite the emoji before it (four of them are surrogate pairs, one a skin-tone modifier).
    assert error_highlights(post) == [REFUND]
    assert box.evaluate("(box) => box.querySelectorAll('[class*=replyguard], mark').length") == 0

    post.mouse.move(*first_rect_center(post, "[...CSS.highlights.get('replyguard-error')][0]"))
    card = post.locator(CARD)
    offer = next(f for f in expected if f["rule"] == "no-public-compensation")
    expect(card.locator(".message")).to_have_text(offer["message"])
    expect(card.locator("a")).to_have_attribute("href", offer["url"])
    post.screenshot(path=artifacts_dir / "extension-facebook-card.png", animations="disabled")

    card.locator(".suggestion").first.click()
    fixed = FACEBOOK_OFFER.replace(REFUND, offer["suggestions"][0])
    # Lexical's own state has the new text, not just the DOM.
    post.wait_for_function("([box, fixed]) => box.lexicalText() === fixed", arg=[box.element_handle(), fixed])
    post.wait_for_function("() => !CSS.highlights.has('replyguard-error')")
    expect(badge).not_to_have_class("badge error")


def test_a_sentence_the_tone_model_reads_as_hostile_is_underlined_and_its_card_names_the_words(page, api, browser):
    """No pattern knows "we are sure it was fine until you got your hands on it"; the trained tone model does, and the
    card says why."""
    reply = "Hi Lone, we are sure the sofa was fine until you got your hands on it. Kind regards, Jonas"
    post = page(FACEBOOK_POST)
    open_facebook_reply_box(post)
    post.keyboard.type(reply)

    tone = next(f for f in api_answer(post, api, browser, reply) if f["rule"] == "kind-tone")
    sentence = "Hi Lone, we are sure the sofa was fine until you got your hands on it."
    assert (tone["start"], tone["end"]) == (0, len(sentence)) and tone["severity"] == "warning"
    cue = tone["message"].split('"')[1]
    assert tone["message"].startswith("This can read as hostile or condescending") and cue in sentence
    post.wait_for_function("() => CSS.highlights.has('replyguard-warning')")
    assert post.evaluate("() => [...CSS.highlights.get('replyguard-warning')].map((r) => r.toString())") == [sentence]

    post.mouse.move(*first_rect_center(post, "[...CSS.highlights.get('replyguard-warning')][0]"))
    expect(post.locator(CARD).locator(".message").filter(has_text=f'"{cue}"')).to_have_text(tone["message"])


def test_whole_reply_finding_is_listed_in_the_badge_card_and_added_in_one_click(page, api, browser, artifacts_dir):
    unsigned = "Hej Per, det er vi kede af. Ring til os på 70 20 30 40, så finder vi en løsning sammen."
    post = page(FACEBOOK_POST)
    box = open_facebook_reply_box(post)
    post.keyboard.type(unsigned)
    answer = api_answer(post, api, browser, unsigned)
    whole = next(f for f in answer if f["start"] is None and f["insert"] == "end")
    expect(post.locator(BADGE)).to_have_text(str(len(answer)))
    post.locator(BADGE).click()
    card = post.locator(CARD)
    expect(card).to_contain_text("Hele svaret")  # the card speaks the reply's language
    expect(card.locator(".message").filter(has_text=whole["message"])).to_be_visible()
    card.evaluate("(card) => Promise.all(card.getAnimations().map((animation) => animation.finished))")
    post.screenshot(path=artifacts_dir / "extension-card-da.png", animations="disabled")  # the Danish strings, as staff read them
    card.get_by_role("button", name=f"Tilføj {whole['suggestions'][0]}").click()
    signed = f"{unsigned} {whole['suggestions'][0]}"
    post.wait_for_function("([box, signed]) => box.lexicalText() === signed", arg=[box.element_handle(), signed])
    remaining = api_answer(post, api, browser, signed)
    assert all(f["rule"] != whole["rule"] for f in remaining)
    expect(post.locator(BADGE)).to_have_text(str(len(remaining)) if remaining else "✓")


def test_textarea_underline_follows_scrolling_and_resizing(page):
    reviews = page(TRUSTPILOT_REVIEWS)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    reviews.keyboard.insert_text("\n" * 12 + "Best, Mette")  # long enough to scroll, the caret at the bottom
    underline = reviews.locator("replyguard-ui .mirror span.error")
    expect(underline).to_have_text(OFFER_EN)
    where = """() => {
        const field = document.querySelector('#reply-6741a0c1');
        const span = document.querySelector('replyguard-ui').shadowRoot.querySelector('.mirror span.error');
        return {scroll: field.scrollTop, top: span.getClientRects()[0].top - field.getBoundingClientRect().top,
                width: span.parentElement.getBoundingClientRect().width, fieldWidth: field.clientWidth};
    }"""
    textarea.evaluate("(field) => { field.scrollTop = 0; }")
    reviews.wait_for_timeout(100)
    at_top = reviews.evaluate(where)
    textarea.evaluate("(field) => { field.scrollTop = 40; }")
    reviews.wait_for_timeout(100)
    scrolled = reviews.evaluate(where)
    assert scrolled["scroll"] == 40 and scrolled["top"] == pytest.approx(at_top["top"] - 40, abs=0.5)

    textarea.evaluate("(field) => { field.style.width = '320px'; }")
    reviews.wait_for_timeout(100)
    narrow = reviews.evaluate(where)
    assert narrow["width"] == narrow["fieldWidth"] < at_top["width"]
    expect(underline).to_have_text(OFFER_EN)


def test_facebook_reads_the_comment_thread_as_context(page, browser):
    post = page(FACEBOOK_POST)
    open_facebook_reply_box(post)
    post.keyboard.type(CLEAN_EN)
    sent = sent_check(post, browser, CLEAN_EN)
    assert sent["platform"] == "facebook"
    assert sent["context"] == {
        "complaint": "Three weeks and my bike is still not repaired. Nobody answers the phone. Really poor service!",
        "staff_replies_in_thread": 1,
        "complaint_posted_at": "2026-11-22T09:00:00.000Z",
    }


def open_trustpilot_reply_box(page):
    page.locator("#reply-6741a0c1").click()


@pytest.mark.parametrize("url, platform, open_reply_box", [
    (META_BUSINESS_POST, "facebook", open_facebook_reply_box),
    (TRUSTPILOT_PUBLIC_REVIEWS, "trustpilot", open_trustpilot_reply_box),
], ids=["meta-business-suite", "trustpilot-public-site"])
def test_the_other_hosts_of_each_platform_are_checked_with_its_adapter(page, browser, url, platform, open_reply_box):
    site = page(url)
    open_reply_box(site)
    site.keyboard.type(TRUSTPILOT_OFFER)
    expect(site.locator(BADGE)).to_have_class("badge error")
    sent = sent_check(site, browser, TRUSTPILOT_OFFER)
    assert sent["platform"] == platform and sent["context"]["complaint"]  # the platform's adapter read the thread


def test_facebook_enter_asks_before_posting_an_offer_and_posting_still_works(page):
    post = page(FACEBOOK_POST)
    make_complaint_fresh(post)
    box = open_facebook_reply_box(post)
    post.keyboard.type(FACEBOOK_OFFER)
    post.keyboard.press("Enter")  # straight after typing: the draft is checked before it may go out
    confirm = post.locator(CONFIRM)
    expect(confirm).to_contain_text("Post anyway?")
    assert box.evaluate("(box) => box.lexicalText()") == FACEBOOK_OFFER

    confirm.get_by_role("button", name="Post anyway").click()
    posted = post.locator(".posted")
    expect(posted).to_have_text(FACEBOOK_OFFER)
    post.wait_for_function("(box) => box.lexicalText() === ''", arg=box.element_handle())

    box.click()
    post.keyboard.type(CLEAN_EN)
    post.keyboard.press("Enter")
    expect(posted).to_have_count(2)
    expect(posted.nth(1)).to_have_text(CLEAN_EN)
    expect(confirm).to_have_count(0)


def test_api_down_shows_offline_badge_and_typing_goes_on(page, browser, artifacts_dir):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        stopped = f"http://127.0.0.1:{probe.getsockname()[1]}"
    browser.settings(apiUrl=stopped)
    reviews = page(TRUSTPILOT_REVIEWS)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    badge = reviews.locator(BADGE)
    expect(badge).to_have_class("badge offline")
    expect(badge).to_have_accessible_name("Checker offline")
    reviews.keyboard.type(" More text.")
    expect(textarea).to_have_value(TRUSTPILOT_OFFER + " More text.")
    badge.click()
    expect(reviews.locator(CARD)).to_contain_text("can't reach the checker")
    reviews.screenshot(path=artifacts_dir / "extension-offline.png", animations="disabled")

    browser.settings(apiUrl=browser.api_url)  # the API is back: "Try again now" checks at once
    reviews.locator(CARD).get_by_role("button", name="Try again now").click()
    expect(badge).to_have_class("badge error")


def test_slow_api_never_draws_an_answer_over_newer_text(page, api):
    api.check_delay = 1.0
    reviews = page(TRUSTPILOT_REVIEWS)
    make_complaint_fresh(reviews)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    reviews.wait_for_timeout(500)  # the check of the offer is now on its way
    reviews.evaluate("""() => {
        const field = document.querySelector('#reply-6741a0c1');
        const shadow = document.querySelector('replyguard-ui').shadowRoot;
        window.staleDrawn = false;
        new MutationObserver(() => {
            if (field.value.includes('discount')) return;
            if (shadow.querySelector('.mirror span, .badge.error')) window.staleDrawn = true;
        }).observe(shadow, {subtree: true, childList: true, attributes: true, characterData: true});
    }""")
    reviews.keyboard.press("Control+A")
    reviews.keyboard.type(CLEAN_EN)
    expect(reviews.locator(BADGE)).to_have_class("badge clean", timeout=10_000)
    assert reviews.evaluate("() => window.staleDrawn") is False
    assert api.most_running == 1


def test_options_page_saves_and_tests_the_connection(page, browser, api, artifacts_dir):
    options = page(f"chrome-extension://{browser.extension_id}/options/options.html")
    expect(options.get_by_label("API URL")).to_have_value(browser.api_url)
    options.get_by_role("button", name="Test connection").click()
    health = api.app.test_client().get("/v1/health").get_json()
    expect(options.get_by_role("status")).to_have_text(
        f"Connected: the API is ok, version {health['version']}, with {health['rules']} rules.")
    options.screenshot(path=artifacts_dir / "extension-options.png", animations="disabled")

    options.get_by_label("API URL").fill("ftp://example.com")
    options.get_by_role("button", name="Save").click()
    expect(options.get_by_role("status")).to_have_text("The API URL must start with http:// or https://")

    options.get_by_label("API URL").fill(browser.api_url + "/")
    options.get_by_label("Language of replies").select_option("da")
    options.get_by_label("Trustpilot").uncheck()
    options.get_by_role("button", name="Save").click()
    expect(options.get_by_role("status")).to_have_text("Saved.")
    stored = browser.worker.evaluate("() => chrome.storage.local.get(null)")
    assert stored["apiUrl"] == browser.api_url and stored["language"] == "da"
    assert stored["sites"] == {"facebook": True, "trustpilot": False}

    sent_before = len(browser.check_bodies)
    reviews = page(TRUSTPILOT_REVIEWS)  # switched off for Trustpilot: nothing is checked or sent
    reviews.locator("#reply-6741a0c1").click()
    reviews.keyboard.type(TRUSTPILOT_OFFER)
    reviews.wait_for_timeout(800)
    expect(reviews.locator("replyguard-ui .badge")).to_have_count(0)
    assert len(browser.check_bodies) == sent_before


def test_api_key_from_the_options_is_sent_and_a_wrong_one_is_explained(page, browser, tmp_path):
    key = "rg_test-key-for-the-extension"
    settings = write_settings(tmp_path / "settings.toml", keys={"team": key})
    with serve_in_thread(create_app({"TESTING": True, "SETTINGS_FILE": settings})) as keyed_api:
        options = page(f"chrome-extension://{browser.extension_id}/options/options.html")
        expect(options.get_by_label("API URL")).to_have_value(browser.api_url)  # the saved settings are shown
        options.get_by_label("API URL").fill(keyed_api)
        options.get_by_label("API key").fill("rg_wrong")
        options.get_by_role("button", name="Test connection").click()
        expect(options.get_by_role("status")).to_contain_text(f"The API at {keyed_api} answered:")
        options.get_by_label("API key").fill(key)
        options.get_by_role("button", name="Test connection").click()
        expect(options.get_by_role("status")).to_contain_text("Connected")
        options.get_by_role("button", name="Save").click()
        expect(options.get_by_role("status")).to_have_text("Saved.")

        reviews = page(TRUSTPILOT_REVIEWS)
        reviews.locator("#reply-6741a0c1").click()
        reviews.keyboard.type(TRUSTPILOT_OFFER)
        expect(reviews.locator(BADGE)).to_have_class("badge error")

        browser.settings(apiKey="rg_wrong")
        reviews.keyboard.type(" Again.")
        badge = reviews.locator(BADGE)
        expect(badge).to_have_class("badge offline")
        expect(badge).to_have_accessible_name("ReplyGuard could not check this reply")
        badge.click()
        refusal = create_app({"TESTING": True, "SETTINGS_FILE": settings}).test_client().post(
            "/v1/check", json={"text": "x"}, headers={"Authorization": "Bearer rg_wrong"}).get_json()
        expect(reviews.locator(CARD)).to_contain_text(refusal["error"]["message"])


def test_no_request_left_the_machine(browser):
    assert browser.left_the_machine == []


def overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_the_badges_card_never_covers_the_reply_being_written(page):
    """Mid-page, with more findings than fit above or below, the card opens beside the reply box and scrolls."""
    post = page(FACEBOOK_POST)
    box = open_facebook_reply_box(post)
    post.keyboard.type(FACEBOOK_OFFER)
    badge = post.locator(BADGE)
    expect(badge).to_have_class("badge error")
    badge.click()
    card = post.locator(CARD)
    expect(card).to_be_visible()
    assert not overlap(card.bounding_box(), box.bounding_box())
    assert not overlap(card.bounding_box(), badge.bounding_box())
    assert card.evaluate("(card) => card.scrollHeight > card.clientHeight")  # the rest is a scroll away, not cut off
