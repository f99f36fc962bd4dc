"""The extension's context features as staff meet them on pages served as facebook.com and business.trustpilot.com:
a reminder before a comment is deleted or hidden, approved templates inserted from the badge's card, advice that
follows the comment and the thread the reply answers, in each of Facebook's thread layouts, and a word in the card
when that comment couldn't be read."""

import pytest
from playwright.sync_api import expect

from conftest import serve_in_thread
from extension_browser import (FACEBOOK_POST, FIXTURES, TRUSTPILOT_REVIEWS, extension_browser, open_facebook_reply_box,
                               sent_check)
from replyguard import create_app

REMINDER = "replyguard-ui .confirm"
# Facebook's other thread layouts, served as facebook.com like post.html: the reply box inside the comment's own
# article, and the reply box inside a reply to a reply.
REPLY_INSIDE_COMMENT = "https://www.facebook.com/cykelhuset.demo/posts/2"
REPLY_TO_A_REPLY = "https://www.facebook.com/cykelhuset.demo/posts/3"
LAYOUTS = {REPLY_INSIDE_COMMENT: "reply-inside-comment.html", REPLY_TO_A_REPLY: "reply-to-a-reply.html"}
COMPLAINT_AUTHOR = "Comment by Lone Jensen"
HATEFUL_AUTHOR = "Comment by Kim Sørensen"


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture(scope="module")
def browser(app, chromium_path):
    with serve_in_thread(app) as api_url, extension_browser(chromium_path, api_url) as browser:
        for url, name in LAYOUTS.items():
            browser.context.route(url, serve(FIXTURES / "facebook" / name))
        yield browser


def serve(path):
    """A route handler answering with a fixture page (taking precedence over the browser's own router)."""
    return lambda route: route.fulfill(body=path.read_bytes(), content_type="text/html")


@pytest.fixture
def open_page(browser):
    """Opens tabs for one test; afterwards they close and the extension is reset."""
    with browser.tabs() as open_url:
        yield open_url


def comment(page, label):
    return page.get_by_role("article", name=label, exact=True)


def choose_in_menu(page, label, item):
    """Opens the comment's "…" menu and clicks one of its items, as a person would."""
    comment(page, label).get_by_role("button", name="Edit or delete this").click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def classified(app, page, label):
    text = comment(page, label).locator('[dir="auto"]').first.inner_text()
    return app.test_client().post("/v1/classify", json={"text": text}).get_json()["kind"]


def test_deleting_a_complaint_reminds_that_it_makes_things_worse_and_cancel_keeps_it(open_page, app, artifacts_dir):
    post = open_page(FACEBOOK_POST)
    assert classified(app, post, COMPLAINT_AUTHOR) == "complaint"

    choose_in_menu(post, COMPLAINT_AUTHOR, "Delete")
    reminder = post.locator(REMINDER)
    expect(reminder).to_contain_text("Deleting complaints makes things worse")
    expect(reminder).to_contain_text("does not read as hateful")
    expect(reminder).to_contain_text("Delete this comment?")
    expect(post.get_by_role("dialog", name="Delete comment?")).to_have_count(0)  # the page's own step waits
    post.screenshot(path=artifacts_dir / "extension-delete-reminder-complaint.png", animations="disabled")

    reminder.get_by_role("button", name="Cancel").click()
    expect(reminder).to_have_count(0)
    expect(post.get_by_role("dialog", name="Delete comment?")).to_have_count(0)
    expect(comment(post, COMPLAINT_AUTHOR)).to_be_visible()


def test_delete_anyway_goes_on_to_the_pages_own_confirmation_and_deletes(open_page):
    post = open_page(FACEBOOK_POST)
    choose_in_menu(post, COMPLAINT_AUTHOR, "Delete")
    post.locator(REMINDER).get_by_role("button", name="Delete anyway").click()
    dialog = post.get_by_role("dialog", name="Delete comment?")
    dialog.get_by_role("button", name="Delete").click()
    expect(comment(post, COMPLAINT_AUTHOR)).to_have_count(0)
    expect(comment(post, HATEFUL_AUTHOR)).to_be_visible()


def test_deleting_a_hateful_comment_is_called_acceptable(open_page, app, artifacts_dir):
    post = open_page(FACEBOOK_POST)
    assert classified(app, post, HATEFUL_AUTHOR) == "hateful"

    choose_in_menu(post, HATEFUL_AUTHOR, "Delete")
    reminder = post.locator(REMINDER)
    expect(reminder).to_contain_text("reads as hateful")
    expect(reminder).to_contain_text("deleting or hiding it is acceptable")
    post.screenshot(path=artifacts_dir / "extension-delete-reminder-hateful.png", animations="disabled")
    reminder.get_by_role("button", name="Delete", exact=True).click()
    post.get_by_role("dialog", name="Delete comment?").get_by_role("button", name="Delete").click()
    expect(comment(post, HATEFUL_AUTHOR)).to_have_count(0)
    expect(comment(post, COMPLAINT_AUTHOR)).to_be_visible()


def test_hiding_a_complaint_reminds_in_danish_and_hide_anyway_hides_it(open_page, browser):
    browser.settings(language="da")
    post = open_page(FACEBOOK_POST)
    choose_in_menu(post, COMPLAINT_AUTHOR, "Hide comment")
    reminder = post.locator(REMINDER)
    expect(reminder).to_contain_text("At slette klager gør det værre")
    expect(reminder).to_contain_text("Vil du skjule kommentaren?")
    expect(comment(post, COMPLAINT_AUTHOR)).not_to_contain_text("You hid this comment")

    reminder.get_by_role("button", name="Skjul alligevel").click()
    expect(comment(post, COMPLAINT_AUTHOR)).to_contain_text("You hid this comment")


def test_with_the_api_offline_the_reminder_still_comes_and_never_blocks(open_page, browser):
    browser.settings(apiUrl="http://127.0.0.1:9")  # nothing listens there
    post = open_page(FACEBOOK_POST)
    choose_in_menu(post, HATEFUL_AUTHOR, "Hide comment")
    reminder = post.locator(REMINDER)
    expect(reminder).to_contain_text("could not check this comment")
    reminder.get_by_role("button", name="Hide anyway").click()
    expect(comment(post, HATEFUL_AUTHOR)).to_contain_text("You hid this comment")


BADGE = "replyguard-ui .badge:not([hidden])"
CARD = "replyguard-ui .card:not([hidden])"


def templates(app, language):
    return app.test_client().get(f"/v1/templates?language={language}").get_json()["templates"]


def test_facebook_empty_reply_box_inserts_a_template_through_lexical(open_page, app, artifacts_dir):
    post = open_page(FACEBOOK_POST)
    box = open_facebook_reply_box(post)
    badge = post.locator(BADGE)
    expect(badge).to_have_accessible_name("Insert a template")
    badge.click()
    card = post.locator(CARD)
    published = templates(app, "en")
    expect(card.locator(".suggestion")).to_have_count(len(published))
    post.screenshot(path=artifacts_dir / "extension-template-list.png", animations="disabled")

    chosen = next(t for t in published if t["id"] == "our-mistake")
    choice = card.locator(".suggestion", has_text=chosen["title"])
    expect(choice.locator(".label")).to_have_text("Insert")
    choice.click()
    post.wait_for_function("([box, text]) => box.lexicalText() === text", arg=[box.element_handle(), chosen["text"]])
    post.keyboard.press("Enter")
    posted = post.locator(".posted")
    expect(posted).to_have_count(1)
    assert posted.evaluate("(element) => element.textContent") == chosen["text"]


def test_trustpilot_draft_is_replaced_by_a_template_only_on_a_click_that_says_so(open_page, app):
    reviews = open_page(TRUSTPILOT_REVIEWS)
    textarea = reviews.locator("#reply-6741a0c1")
    textarea.click()
    draft = "Hi Per, we will look into it."
    reviews.keyboard.type(draft)
    badge = reviews.locator(BADGE)
    expect(badge).not_to_have_accessible_name("Insert a template")  # the draft has been checked
    badge.click()
    card = reviews.locator(CARD)
    card.get_by_role("button", name="Insert a template").click()
    chosen = next(t for t in templates(app, "en") if t["id"] == "money-back")
    choice = card.locator(".suggestion", has_text=chosen["title"])
    expect(choice.locator(".label")).to_have_text("Replace your draft with")
    expect(textarea).to_have_value(draft)  # listing the templates changed nothing

    choice.click()
    expect(textarea).to_have_value(chosen["text"])
    reviews.get_by_role("button", name="Post reply").first.click()
    expect(reviews.locator(".posted")).to_have_count(1)
    assert reviews.locator(".posted").evaluate("(element) => element.textContent") == chosen["text"]


DRAFT = "Thanks for writing, but that is simply not true. Best, Mette"
COMMENTS = {
    "wronged customer": "Three weeks and my bike is still not repaired. Nobody answers the phone. Really poor service!",
    "troll": "Lol, a bike shop that cannot fix bikes 😂😂 Go on then, defend yourselves.",
    "hateful": "The mechanic who fixed my bike is a disgusting pig. Someone should give him a beating, and I know where "
               "to find him.",
}


def advice_in_the_extension(open_page, browser, app, comment_text, earlier_staff_replies, draft=DRAFT):
    """Types the draft as a reply to a fresh comment with that text and that many earlier replies from the page;
    returns the playbook links in the badge's card and what the API answers to the context the extension sent."""
    browser.check_bodies.clear()
    post = open_page(FACEBOOK_POST)
    post.evaluate("""([text, staffReplies]) => {
        const lone = document.querySelector('[aria-label="Comment by Lone Jensen"]');
        lone.querySelector('[dir="auto"]').textContent = text;
        lone.querySelector('abbr[data-utime]').dataset.utime = String(Math.floor(Date.now() / 1000) - 600);
        const replies = document.querySelector('.replies');
        const staffReply = replies.querySelector('[aria-label^="Reply by Cykelhuset"]').closest('[role=listitem]');
        for (let n = 1; n < staffReplies; n++) replies.append(staffReply.cloneNode(true));
        if (!staffReplies) staffReply.remove();
    }""", [comment_text, earlier_staff_replies])
    open_facebook_reply_box(post)
    post.keyboard.type(draft)

    sent = sent_check(post, browser, draft)
    assert sent["context"]["complaint"] == comment_text
    assert sent["context"]["staff_replies_in_thread"] == earlier_staff_replies
    findings = app.test_client().post("/v1/check", json=sent, base_url=browser.api_url).get_json()["findings"]

    badge = post.locator(BADGE)
    expect(badge).to_have_text(str(len(findings)))
    badge.click()
    links = post.locator(CARD).locator("a")
    expect(links).to_have_count(len(findings))
    shown = [links.nth(n).get_attribute("href") for n in range(len(findings))]
    assert shown == [finding["url"] for finding in findings]
    return {finding["rule"] for finding in findings}


def test_same_draft_gets_different_advice_for_the_comment_and_the_thread_it_answers(open_page, browser, app):
    advice = {kind: advice_in_the_extension(open_page, browser, app, text, 1) for kind, text in COMMENTS.items()}
    fifth_reply = advice_in_the_extension(open_page, browser, app, COMMENTS["wronged customer"], 4)
    first_reply = advice_in_the_extension(open_page, browser, app, COMMENTS["wronged customer"], 0)

    assert len({frozenset(rules) for rules in advice.values()}) == 3, advice
    # The playbook's reasons, as the API applies them: a troll or a hateful comment isn't argued with; a hateful one
    # gets no apology; by the fifth reply in a thread it is time to stop debating.
    assert "dont-feed-trolls" in advice["troll"] - advice["wronged customer"]
    assert "acknowledge-and-apologise" in advice["wronged customer"] - advice["hateful"]
    assert "no-long-debate" in fifth_reply - first_reply


# The same line under a complaint and under praise: the tone model reads the kind of comment the extension sends
# with the draft, and kind-tone's shouting and people-like-you patterns don't count in answer to praise (not_answering).
@pytest.mark.parametrize("line, complaint, praise", [
    ("Enjoy the new bike shop then 👋",
     "I'm taking my bike to another shop after three failed repairs. Done with you.",
     "Just moved my servicing to you from the shop down the road, best decision ever. Thanks!"),
    ("FOUR MINUTES!!! 🎉 Nobody has fixed a puncture that fast all year.",
     "Your puncture repair took four days and nobody answered the phone. Not good enough!",
     "Got my puncture fixed in four minutes flat while I waited, brilliant service, thank you!"),
    ("Customers like you are why we open the doors every morning.",
     "Your mechanic was rude to me and the repair still isn't done. Never again!",
     "Best bike shop in town, and such lovely people behind the counter. Thanks for today!"),
], ids=["mocking a customer who leaves", "capitals", "people like you"])
def test_a_line_that_is_hostile_to_a_complaint_is_not_hostile_to_praise(open_page, browser, app, line, complaint, praise):
    assert "kind-tone" in advice_in_the_extension(open_page, browser, app, complaint, 0, line)
    assert "kind-tone" not in advice_in_the_extension(open_page, browser, app, praise, 0, line)


def test_a_discount_is_compensation_under_a_complaint_and_an_answer_under_a_question(open_page, browser, app):
    """no-public-compensation runs for every kind of comment but a question (its `when`): "10 % off" offered to an
    angry customer is compensation in public, and the same words answering "do you give a discount?" are the answer."""
    line = "Buy two bikes together and you get 10% off both."  # unsigned, so sign-with-name warns under both
    complaint = "Two bikes bought here last month and both have broken chains already. Not good enough!"
    question = "Do you give a discount if we buy two bikes? We both need new ones 🚲"
    assert "no-public-compensation" in advice_in_the_extension(open_page, browser, app, complaint, 0, line)
    assert "no-public-compensation" not in advice_in_the_extension(open_page, browser, app, question, 0, line)


@pytest.mark.parametrize("rule, line, complaint, names, says", [
    ("no-dodging", "Deliveries are handled by our courier partner, so they are the ones to speak to.",
     "My parcel has been 'out for delivery' for four days now. Where is it?",
     "This can read as passing the case on to someone else", "Take it on yourself, even when a partner caused it"),
    ("kind-tone", "If the review stays up, we will pass your details to our solicitors.",
     "Your mechanic was rude to me and the repair still isn't done. Never again!",
     'This can read as a threat: "our solicitors"', "Keep lawyers, bans and debt collectors out of a public reply"),
], ids=["dodge", "dig"])
def test_the_card_names_the_kind_of_dodge_or_dig_and_what_to_do_instead(open_page, browser, app, rule, line,
                                                                          complaint, names, says):
    """no-dodging's and kind-tone's warnings say which kind of dodge or dig the sentence reads as (where their kind
    model is sure enough), in the card staff read while typing."""
    assert rule in advice_in_the_extension(open_page, browser, app, complaint, 0, line)
    card = browser.context.pages[-1].locator(CARD)
    expect(card).to_contain_text(names)
    expect(card).to_contain_text(says)


def test_deep_in_a_thread_the_move_to_phone_suggestion_replaces_the_draft(open_page, browser, app):
    """no-long-debate's suggestion is a whole reply (insert: replace): one click swaps the draft for it."""
    advice_in_the_extension(open_page, browser, app, COMMENTS["wronged customer"], 4)
    post = browser.context.pages[-1]
    sent = sent_check(post, browser, DRAFT)
    debate = next(f for f in app.test_client().post("/v1/check", json=sent).get_json()["findings"]
                  if f["rule"] == "no-long-debate")
    assert debate["insert"] == "replace"
    choice = post.locator(CARD).locator(".suggestion", has_text=debate["suggestions"][0])
    expect(choice.locator(".label")).to_have_text("Replace your draft with")
    choice.click()
    box = post.get_by_role("textbox", name="Reply to Lone Jensen")
    post.wait_for_function("([box, text]) => box.lexicalText() === text",
                           arg=[box.element_handle(), debate["suggestions"][0]])


LONE = "Three weeks and my bike is still not repaired. Nobody answers the phone. Really poor service!"
LONE_POSTED_AT = "2026-11-22T09:00:00.000Z"
LONE_REPLY_OF_A_REPLY = "Reply by Lone Jensen to Cykelhuset Demo ApS's reply"
NOTICE = "replyguard-ui .card:not([hidden]) .notice"
NOTICE_EN = "Couldn't read the comment you're answering, so this check doesn't take it into account."
NOTICE_DA = "Kunne ikke læse den kommentar, du svarer på, så tjekket tager ikke højde for den."
DRAFT_DA = "Tak for din besked, men det er simpelthen ikke rigtigt. Mvh Mette"


def reply_to(page, label):
    """Clicks "Reply" on the comment or reply with that label, as a person does, and puts the cursor in the reply box
    that opens (wherever the page puts it); returns the box."""
    comment(page, label).get_by_role("button", name="Reply", exact=True).click()
    box = page.get_by_role("textbox", name="Reply to Lone Jensen")
    box.click()
    return box


def checked(page, browser, app, draft):
    """Waits until the extension has checked `draft` and its badge shows the answer; returns what it sent the API."""
    sent = sent_check(page, browser, draft)
    findings = app.test_client().post("/v1/check", json=sent).get_json()["findings"]
    expect(page.locator(BADGE)).to_have_text(str(len(findings)) if findings else "\u2713")
    return sent


def open_card(page):
    page.locator(BADGE).click()
    expect(page.locator(CARD).locator(".action")).to_be_visible()  # the card of a check (its templates button)


@pytest.mark.parametrize("url, label, context", [
    # Facebook's layout today (post.html): the box after the comment's article, in the thread's container; the
    # page's reply is counted, Lone's own "Still nothing." is not.
    (FACEBOOK_POST, COMPLAINT_AUTHOR,
     {"complaint": LONE, "staff_replies_in_thread": 1, "complaint_posted_at": LONE_POSTED_AT}),
    # The comment's article holds its replies and the box: still Lone's comment, and only its thread's page reply,
    # not the one in Mads Holm's thread before it.
    (REPLY_INSIDE_COMMENT, COMPLAINT_AUTHOR,
     {"complaint": LONE, "staff_replies_in_thread": 1, "complaint_posted_at": LONE_POSTED_AT}),
    # The box in Lone's reply to the page's reply: that reply is what is answered; the thread is Lone's whole
    # comment, with the page's two replies in it (one at each level), not Mads Holm's.
    (REPLY_TO_A_REPLY, LONE_REPLY_OF_A_REPLY,
     {"complaint": "You said that last week too. When will it be ready?", "staff_replies_in_thread": 2,
      "complaint_posted_at": "2026-11-22T11:00:00.000Z"}),
], ids=["box-after-the-comment", "box-inside-the-comment", "box-inside-a-reply-of-a-reply"])
def test_facebook_reply_is_checked_against_the_comment_it_answers_wherever_the_box_sits(
        open_page, browser, app, url, label, context):
    post = open_page(url)
    reply_to(post, label)
    post.keyboard.type(DRAFT)
    assert checked(post, browser, app, DRAFT)["context"] == context
    open_card(post)
    expect(post.locator(NOTICE)).to_have_count(0)


def make_sticker(page, label):
    """The comment says it with a sticker: no text at all."""
    comment(page, label).locator('[dir="auto"]').first.evaluate(
        "(text) => text.replaceWith(Object.assign(document.createElement('img'), {alt: '', width: 64, height: 64}))")


def hide_text_markup(page, label):
    """The comment's text in markup the adapter doesn't know (no dir="auto"), as a Facebook redesign might draw it."""
    comment(page, label).locator('[dir="auto"]').first.evaluate("(text) => text.removeAttribute('dir')")


def move_box_out_of_the_thread(page):
    """A layout the adapter doesn't know: the reply box, still called a reply box, docked at the foot of the post."""
    page.get_by_role("textbox", name="Reply to Lone Jensen").evaluate(
        "(box) => box.closest('[role=article][aria-posinset]').append(box.parentElement)")


@pytest.mark.parametrize("url, label, before, after, draft, context, notice", [
    (REPLY_TO_A_REPLY, LONE_REPLY_OF_A_REPLY, make_sticker, None, DRAFT,
     {"staff_replies_in_thread": 2, "complaint_posted_at": "2026-11-22T11:00:00.000Z"}, NOTICE_EN),
    (REPLY_INSIDE_COMMENT, COMPLAINT_AUTHOR, hide_text_markup, None, DRAFT_DA,
     {"staff_replies_in_thread": 1, "complaint_posted_at": LONE_POSTED_AT}, NOTICE_DA),
    (REPLY_INSIDE_COMMENT, COMPLAINT_AUTHOR, None, move_box_out_of_the_thread, DRAFT, {}, NOTICE_EN),
], ids=["sticker", "text-in-unknown-markup-danish", "box-outside-the-thread"])
def test_facebook_card_says_when_the_comment_answered_could_not_be_read(
        open_page, browser, app, artifacts_dir, url, label, before, after, draft, context, notice):
    """The reply is still checked, with what could be read and without a complaint, and the card says why the advice
    may not fit: in the language of the reply, as the rest of the card."""
    post = open_page(url)
    if before:
        before(post, label)
    box = reply_to(post, label)
    if after:
        after(post)
        box.click()
    post.keyboard.type(draft)
    assert checked(post, browser, app, draft)["context"] == context
    open_card(post)
    expect(post.locator(NOTICE)).to_have_text(notice)
    expect(post.locator(CARD).locator(":scope > *").first).to_have_class("notice")  # said first, before the advice
    post.screenshot(path=artifacts_dir / f"extension-thread-unread-{before.__name__ if before else after.__name__}.png", animations="disabled")


@pytest.mark.parametrize("url", [REPLY_INSIDE_COMMENT, REPLY_TO_A_REPLY], ids=["inside-comment", "reply-of-a-reply"])
def test_facebook_comment_on_the_post_itself_has_no_thread_to_read_and_no_notice(open_page, browser, app, url):
    """The post's own comment box answers no comment: nothing is sent as context, and nothing is missing either."""
    post = open_page(url)
    post.get_by_role("textbox", name="Write a comment…").click()
    draft = "Come and try the new city bikes this weekend! Best, Mette"
    post.keyboard.type(draft)
    assert checked(post, browser, app, draft)["context"] == {}
    open_card(post)
    expect(post.locator(NOTICE)).to_have_count(0)
