"""The extension tells the team's insight what was posted: on Trustpilot after "post anyway?", on Facebook straight
away, with the rules found at that moment and the answered comment's time from the thread, and never a word of the
reply. The API counts it; posting doesn't wait for it."""

import io
import json
import threading
import time

import pytest
from playwright.sync_api import expect

from conftest import serve_in_thread, write_settings
from extension_browser import FACEBOOK_POST, TRUSTPILOT_REVIEWS, extension_browser, open_facebook_reply_box
from replyguard import create_app

OFFER = ("Hi Per, we're really sorry to hear this. Here's a 20% discount on your next order. Our solicitors have a copy "
         "of your review. Best, Mette")
CLEAN = ("Hi Lone, we're really sorry about this, and that shouldn't happen. Please give us a call on "
         "+45 70 20 30 40 so we can find a solution together. Best, Jonas")


class RecordedEvents:
    """The API as a WSGI app that keeps the bodies of the events the extension sent."""

    def __init__(self, app):
        self.app = app
        self.bodies = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/v1/events":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            with self._lock:
                self.bodies.append(body)
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    def wait_for(self, count: int) -> list[dict]:
        deadline = time.monotonic() + 20
        while len(self.bodies) < count:
            assert time.monotonic() < deadline, f"the extension sent {len(self.bodies)} events, not {count}"
            time.sleep(0.05)
        return [json.loads(body) for body in self.bodies]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extension-insights")
    settings = write_settings(folder / "team.toml")
    with open(settings, "a", encoding="utf-8") as file:
        file.write('\n[insights]\nstore = "sqlite:///insights.sqlite3"\n')
    return RecordedEvents(create_app({"SETTINGS_FILE": settings}))


@pytest.fixture(scope="module")
def browser(api, chromium_path):
    with serve_in_thread(api) as api_url, extension_browser(chromium_path, api_url) as browser:
        yield browser


def test_posted_replies_are_counted_with_their_rules_and_the_complaints_wait(browser, api):
    with browser.tabs() as open_page:
        reviews = open_page(TRUSTPILOT_REVIEWS)
        reviews.locator("#reply-6741a0c1").click()
        reviews.keyboard.type(OFFER)
        reviews.get_by_role("button", name="Post reply").first.click()
        reviews.locator("replyguard-ui .confirm").get_by_role("button", name="Post anyway").click()
        expect(reviews.locator(".posted")).to_have_text(OFFER)
        (trustpilot,) = api.wait_for(1)

        post = open_page(FACEBOOK_POST)
        open_facebook_reply_box(post)
        post.keyboard.type(CLEAN)
        expect(post.locator("replyguard-ui .badge:not([hidden])")).to_be_visible()  # checked before it is posted
        post.keyboard.press("Enter")
        expect(post.locator(".posted")).to_have_text(CLEAN)
        _, facebook = api.wait_for(2)

    assert trustpilot == {
        "type": "reply_posted", "platform": "trustpilot", "language": "en",
        "findings": [{"rule": "no-public-compensation", "severity": "error", "kind": None}] + trustpilot["findings"][1:],
        "after_question": True, "complaint_posted_at": "2026-11-20T14:30:00.000Z",  # the review's <time>
    }
    # The kind of dig the check named goes with its finding, so the team sees threats that were posted anyway.
    assert {"rule": "kind-tone", "severity": "error", "kind": "threat"} in trustpilot["findings"]
    assert facebook["platform"] == "facebook" and facebook["after_question"] is False
    assert all(finding["severity"] != "error" for finding in facebook["findings"])
    assert facebook["complaint_posted_at"].startswith("2026-11-22T")  # the answered comment's time in the thread
    for body in api.bodies:  # no word of the replies, the reviews or the names
        for word in (b"discount", b"Per", b"Mette", b"Lone", b"gears", b"call"):
            assert word not in body

    report = api.app.test_client().get("/v1/insights?days=1").get_json()
    assert report["totals"]["posted"] == 2
    tone = next(rule for rule in report["rules"] if rule["rule"] == "kind-tone")
    assert tone["kinds"][0]["kind"] == "threat" and tone["kinds"][0]["found_in_posted"] == 1
    assert report["totals"]["posted_despite_error"] == 1 and report["totals"]["posted_after_question"] == 1
    assert sorted(wait["platform"] for wait in report["waits"]) == ["facebook", "trustpilot"]
