"""The extension in the language of the person's browser: Danish staff get its settings page in Danish."""

import re

from playwright.sync_api import expect

from conftest import serve_in_thread
from extension_browser import extension_browser
from replyguard import create_app


def test_options_page_speaks_the_browsers_language(chromium_path, artifacts_dir):
    """Chrome's own _locales: the page's labels, buttons and the connection test's answer, all in Danish."""
    app = create_app({"TESTING": True})
    health = app.test_client().get("/v1/health").get_json()
    with serve_in_thread(app) as api_url, extension_browser(chromium_path, api_url, language="da") as danish:
        ui_language = danish.worker.evaluate("() => chrome.i18n.getUILanguage()")
        assert ui_language.startswith("da"), f"Chromium's UI is in {ui_language}: Debian's chromium-l10n is missing"
        options = danish.open(f"chrome-extension://{danish.extension_id}/options/options.html")
        expect(options.locator("h1")).to_have_text("ReplyGuards indstillinger")
        expect(options.locator("html")).to_have_attribute("lang", re.compile(r"^da"))
        expect(options.get_by_label("API-adresse")).to_have_value(api_url)
        options.get_by_role("button", name="Test forbindelsen").click()
        expect(options.get_by_role("status")).to_have_text(
            f"Forbundet: API'et svarer ok, version {health['version']}, med {health['rules']} regler.")
        # The keyboard shortcut that opens the findings from a reply box (issue 15), explained in Danish.
        expect(options.get_by_role("region", name="Tastatur")).to_contain_text("Åbn fundene fra svarfeltet: Alt+Shift+G")
        options.screenshot(path=artifacts_dir / "extension-options-da.png", animations="disabled")
