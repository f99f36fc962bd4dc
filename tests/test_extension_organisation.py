"""The organisation's own rule in the extension (issue 16): nothing in the extension knows about it, yet a reply that
breaks it is underlined and its card shows the rule's message and the link to its page, as the API answers them."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import serve_in_thread
from extension_browser import TRUSTPILOT_REVIEWS, extension_browser
from replyguard import create_app

SETTINGS = Path(__file__).resolve().parent / "fixtures" / "organisation" / "settings.toml"
ADMISSION = "We accept full liability for the water damage."
REPLY = f"Hi Per, we're really sorry to hear this. {ADMISSION} Please call us on +45 70 10 20 30. Best, Hanne"


@pytest.fixture(scope="module")
def api():
    return create_app({"TESTING": True, "SETTINGS_FILE": str(SETTINGS)})


def test_the_organisations_rule_is_underlined_and_its_card_links_its_page(api, chromium_path, artifacts_dir):
    with serve_in_thread(api) as api_url, extension_browser(chromium_path, api_url) as browser, browser.tabs() as open_page:
        reviews = open_page(TRUSTPILOT_REVIEWS)
        reviews.locator("#reply-6741a0c1").click()
        reviews.keyboard.type(REPLY)
        underline = reviews.locator("replyguard-ui .mirror span.error")
        expect(underline).to_have_text(ADMISSION)
        body = next(body for body in reversed(browser.check_bodies) if body["text"] == REPLY)
        answer = api.test_client().post("/v1/check", json=body, base_url=browser.api_url).get_json()
        [finding] = [f for f in answer["findings"] if f["rule"] == "no-liability-admission"]
        assert finding["url"] == f"{api_url}/playbook/en/rules/no-liability-admission/"

        # The underline lies under the textarea's text: the pointer over those words opens the card, as a person does.
        x, y, width, height = reviews.evaluate("""() => {
            const r = document.querySelector('replyguard-ui').shadowRoot.querySelector('.mirror span.error')
                .getClientRects()[0];
            return [r.x, r.y, r.width, r.height];
        }""")
        reviews.mouse.move(x + width / 2, y + height / 2)
        card = reviews.locator("replyguard-ui .card:not([hidden])")
        expect(card.locator(".message")).to_have_text(finding["message"])
        expect(card.locator("a")).to_have_attribute("href", finding["url"])
        reviews.screenshot(path=artifacts_dir / "extension-organisation-rule.png", animations="disabled")
