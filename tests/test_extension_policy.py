"""A team's administrator sets the extension up for everyone by policy (chrome.storage.managed): the API address, the
key, the language and the sites. What the policy sets is used whatever a person set themselves, and the settings page
shows it locked. The policy is a real Chromium policy file; the person's own settings point at an address where
nothing answers, so a warning can only come from the API the policy names.

The team's API is on 127.0.0.2, an address the extension has no host permission for, like a server on the network:
the extension reaches it only because the API lets the extension's origin in (its extension_origins setting), which
is how a policy-set address works without anyone granting a permission."""

import pytest
from playwright.sync_api import expect

from conftest import serve_in_thread, write_settings
from extension_browser import (EXTENSION, FACEBOOK_POST, TRUSTPILOT_REVIEWS, extension_browser, extension_policy,
                               open_facebook_reply_box, unpacked_extension_id)
from replyguard import create_app

KEY = "rg_policy-test-key-0123456789abcdef"
NOWHERE = "http://127.0.0.1:9"  # the person's own API setting: the discard port, where nothing answers
OFFER = "We're sorry, Lone. We've issued a full refund to your card today. Kind regards, Jonas"
BADGE = "replyguard-ui .badge:not([hidden])"


def team_settings(folder, extension_origins: list[str]) -> str:
    origins = ", ".join(f'"{origin}"' for origin in extension_origins)
    return write_settings(folder / "settings.toml", f"extension_origins = [{origins}]", keys={"team": KEY})


@pytest.fixture(scope="module")
def team_api(tmp_path_factory):
    extension = f"chrome-extension://{unpacked_extension_id(EXTENSION)}"
    settings = team_settings(tmp_path_factory.mktemp("policy"), [extension])
    with serve_in_thread(create_app({"TESTING": True, "SETTINGS_FILE": settings}), host="127.0.0.2") as url:
        yield url


@pytest.fixture(scope="module")
def browser(team_api, chromium_path):
    policy = {"apiUrl": team_api + "/", "apiKey": KEY, "sites": {"trustpilot": False}}
    with extension_policy(policy), extension_browser(chromium_path, NOWHERE) as browser:
        yield browser


@pytest.fixture
def page(browser):
    with browser.tabs() as open_page:
        yield open_page


def test_the_policys_api_and_key_check_the_reply_whatever_the_person_set(page, browser):
    post = page(FACEBOOK_POST)
    open_facebook_reply_box(post)
    post.keyboard.type(OFFER)
    # Only the policy's API answers, and only with the policy's key: anything else would show the grey offline badge.
    expect(post.locator(BADGE)).to_have_class("badge error")
    assert browser.check_bodies and browser.check_bodies[-1]["text"] == OFFER
    assert browser.left_the_machine == []


def test_a_site_switched_off_by_policy_stays_off_though_the_person_switched_it_on(page, browser):
    assert browser.worker.evaluate("() => chrome.storage.local.get('sites')")["sites"]["trustpilot"] is True
    reviews = page(TRUSTPILOT_REVIEWS)
    reviews.locator("#reply-6741a0c1").click()
    reviews.keyboard.type(OFFER)
    reviews.wait_for_timeout(800)  # well past the debounce: a check would have been sent and drawn by now
    expect(reviews.locator("replyguard-ui .badge")).to_have_count(0)
    assert browser.check_bodies == []


def test_the_settings_page_shows_the_policys_settings_locked_and_saves_only_the_persons(page, browser, team_api,
                                                                                       artifacts_dir):
    options = page(f"chrome-extension://{browser.extension_id}/options/options.html")
    expect(options.get_by_text("Some settings are set by your organisation's administrator")).to_be_visible()
    for label, value in (("API URL", team_api), ("API key", KEY)):
        expect(options.get_by_label(label)).to_have_value(value)
        expect(options.get_by_label(label)).to_be_disabled()
    expect(options.get_by_label("Trustpilot")).not_to_be_checked()
    expect(options.get_by_label("Trustpilot")).to_be_disabled()
    expect(options.get_by_label("Facebook and Meta Business Suite")).to_be_enabled()
    options.screenshot(path=artifacts_dir / "extension-options-policy.png", animations="disabled")

    options.get_by_role("button", name="Test connection").click()
    expect(options.get_by_role("status")).to_contain_text("Connected")

    options.get_by_label("Language of replies").select_option("da")
    options.get_by_role("button", name="Save").click()
    expect(options.get_by_role("status")).to_have_text("Saved.")
    stored = browser.worker.evaluate("() => chrome.storage.local.get(null)")
    # The person's language is saved; their own address, key and Trustpilot switch are left as they were.
    assert stored["language"] == "da"
    assert stored["apiUrl"] == NOWHERE and stored["apiKey"] == ""
    assert stored["sites"] == {"facebook": True, "trustpilot": True}
