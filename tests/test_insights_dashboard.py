"""The insight dashboard in Debian's Chromium: the owner gives the key on the page (it never goes into an address),
and the charts show the numbers this test produced through the API: replies checked and posted, the rules most often
found with links to their playbook pages, and the complaints' wait per platform against the response time. An empty
store says so, in the page's language. The page says whose counts it shows, and the owner's key gets a team picker
that works from the keyboard. A screenshot goes to test-artifacts/insights-dashboard.png."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import serve_in_thread, write_settings
from replyguard import create_app
from replyguard.web.dashboard import STRINGS
from test_site import CHROMIUM_ARGS

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
KEY = "rg_dashboard-test-key-0123456789abcdefghij"
OWNER_KEY = "rg_dashboard-owner-key-0123456789abcdefghij"  # [insights] owner_keys: sees every team
OFFER = "Hej Lone. Du får 20 % rabat på din næste ordre. Mvh Mette"
OFFER_AND_THREAT = "Hej Lone. Du får 20 % rabat på din næste ordre. Din anmeldelse er sendt til vores advokat. Mvh Mette"
GOOD = "Hej Lone. Tak, fordi du skriver, og undskyld ventetiden. Ring til mig på 70 20 30 40. Mvh Mette"


def keyed_app(folder, enabled: bool = True):
    settings = write_settings(folder / "team.toml", keys={"support": KEY, "lead": OWNER_KEY})
    with open(settings, "a", encoding="utf-8") as file:
        file.write(f'\n[insights]\nstore = "sqlite:///insights.sqlite3"\nenabled = {str(enabled).lower()}\n'
                   f'owner_keys = ["lead"]\n')
    return create_app({"SETTINGS_FILE": settings})


def posted(platform: str, minutes_ago: int, error: bool) -> dict:
    moment = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")
    findings = [{"rule": "no-public-compensation", "severity": "error"},
                {"rule": "kind-tone", "severity": "error", "kind": "threat"}] if error else []
    return {"type": "reply_posted", "platform": platform, "language": "da", "findings": findings,
            "after_question": error, "complaint_posted_at": moment}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """An API whose store holds today's counts: 5 checks (one with a threat), 4 posted replies (1 despite an error),
    3 waits."""
    app = keyed_app(tmp_path_factory.mktemp("dashboard"))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {KEY}"}
    for text in (OFFER, OFFER, OFFER_AND_THREAT, GOOD, GOOD):
        assert client.post("/v1/check", json={"text": text, "platform": "facebook"}, headers=auth).status_code == 200
    for event in (posted("facebook", 30, True), posted("facebook", 200, False), posted("trustpilot", 50, False),
                  {**posted("trustpilot", 0, False), "complaint_posted_at": None}):
        event = {name: value for name, value in event.items() if value is not None}
        assert client.post("/v1/events", json=event, headers=auth).status_code == 202
    with serve_in_thread(app) as base:
        yield base


@pytest.fixture(scope="module")
def empty_api(tmp_path_factory):
    with serve_in_thread(keyed_app(tmp_path_factory.mktemp("empty"))) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_with_key(browser, url: str, key: str = KEY, locale: str = "da-DK", bypass_csp: bool = False):
    page = browser.new_page(locale=locale, viewport={"width": 1100, "height": 1800}, bypass_csp=bypass_csp)
    sent = []
    page.on("request", lambda request: sent.append(request))
    page.goto(url)
    page.get_by_label(STRINGS["da" if locale.startswith("da") else "en"]["keyLabel"]).fill(key)
    page.keyboard.press("Enter")
    return page, sent


def chart_data(page, canvas_id: str) -> dict:
    return page.evaluate("""(id) => {
        const chart = Chart.getChart(document.getElementById(id));
        return {labels: chart.data.labels, datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data,
                dash: d.borderDash || [], point: d.pointStyle}))};
    }""", canvas_id)


def test_the_charts_show_the_counts_and_link_the_rules_to_the_playbook(browser, api, artifacts_dir):
    page, sent = open_with_key(browser, f"{api}/dashboard/")
    danish = STRINGS["da"]
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator("#team-shown")).to_have_text("Tallene gælder teamet support.")
    expect(page.locator("#team-form")).to_be_hidden()  # a team's key has no other team to pick
    figures = page.locator("#volume-figures")
    expect(figures).to_contain_text(f"{danish['checked']}5")
    expect(figures).to_contain_text(f"{danish['posted']}4")
    expect(page.locator("#volume-share")).to_contain_text("25 % af de sendte svar blev sendt trods en fejl.")

    volume = chart_data(page, "volume-chart")
    assert len(volume["labels"]) == 30  # the last 30 days by default, today last
    assert [(d["label"], d["data"][-1]) for d in volume["datasets"]] == [
        (danish["checked"], 5), (danish["posted"], 4), (danish["postedDespiteError"], 1)]
    # Told apart without colour: each series has its own line style and point shape.
    assert len({(tuple(d["dash"]), d["point"]) for d in volume["datasets"]}) == 3

    rules = chart_data(page, "rules-chart")
    assert rules["labels"][0] == "Tilbyd aldrig kompensation offentligt"
    assert rules["datasets"][0]["data"][0] == 3
    first_rule = page.locator("#rules-list li").first
    expect(first_rule).to_contain_text("3 fund, 1 i sendte svar")
    assert first_rule.get_by_role("link").get_attribute("href") == f"{api}/playbook/rules/no-public-compensation/"
    # Under the rule whose messages name kinds of dig, the kinds found most often: what to coach the team on.
    tone = page.locator("#rules-list li").filter(has_text="Skriv roligt og venligt")
    expect(tone.locator(".kinds")).to_have_text("Oftest: Trusler (1 fund, 1 i sendte svar)")

    # The waits, per platform, against the playbook's response time of two hours.
    expect(page.locator("#wait-intro")).to_contain_text("Svartiden i håndbogen er 2 timer.")
    expect(page.get_by_role("heading", name="Facebook")).to_be_visible()
    expect(page.locator("#waits")).to_contain_text("1 af 2 klager fik svar inden for svartiden.")
    facebook = chart_data(page, "wait-facebook")
    median, p90, target = facebook["datasets"]
    assert target["data"][-1] == 120 and median["data"][-1] is not None and p90["data"][-1] > 120
    trustpilot = chart_data(page, "wait-trustpilot")
    assert trustpilot["datasets"][0]["data"][-1] <= 60

    page.get_by_label(danish["days"].format(days=7)).check()
    expect(page.locator("#volume-table tr")).to_have_count(8)  # a heading row and 7 days
    assert len(chart_data(page, "volume-chart")["labels"]) == 7

    # The page first asks without a key (an API without keys answers its own machine), then sends the key in the
    # Authorization header only, never in an address.
    first, *with_key = [request for request in sent if "/v1/insights" in request.url]
    assert "authorization" not in first.headers
    assert with_key and all(request.headers.get("authorization") == f"Bearer {KEY}" for request in with_key)
    assert all(KEY not in request.url for request in sent) and KEY not in page.url
    page.screenshot(path=str(artifacts_dir / "insights-dashboard.png"), full_page=True, animations="disabled")

    with page.expect_download() as download:
        page.get_by_role("button", name=danish["download"]).click()
    assert download.value.suggested_filename == "replyguard-insights-7d.csv"
    assert open(download.value.path(), encoding="utf-8").readline().startswith("day,key_id,platform,language,event")
    page.close()


def test_the_owner_picks_a_team_with_the_keyboard(browser, api):
    page, _ = open_with_key(browser, f"{api}/dashboard/?lang=en", key=OWNER_KEY, locale="en-GB")
    english = STRINGS["en"]
    expect(page.locator("#team-shown")).to_have_text("These numbers are for all teams: support and lead.")
    picker = page.get_by_label(english["teamLabel"], exact=True)
    expect(picker.locator("option")).to_have_text([english["teamEvery"], "support", "lead"])
    week = page.get_by_label(english["days"].format(days=7))
    picker.focus()
    page.keyboard.press("ArrowDown")  # from All teams to support
    week.check()  # a new period loads new numbers; the team picked stays picked, and the period goes with it
    expect(page.locator("#volume-table tr")).to_have_count(8)  # the week's numbers are in: a heading row and 7 days
    expect(picker).to_have_value("support")
    picker.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=english["teamButton"])).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/?lang=en&team=support&days=7")
    expect(page.locator("#team-shown")).to_have_text("These numbers are for the team support.")
    expect(picker).to_have_value("support")
    expect(week).to_be_checked()
    expect(page.locator("#volume-table tr")).to_have_count(8)  # a heading row and 7 days
    expect(page.locator("#volume-figures")).to_contain_text(f"{english['checked']}5")
    page.close()


def test_the_page_has_no_serious_accessibility_violations(browser, api):
    assert AXE.is_file(), "axe-core is not installed in tests/a11y: run `make test` (or `npm ci` in tests/a11y)"
    # The owner's view, which has the team picker too; axe is injected as an inline script.
    page, _ = open_with_key(browser, f"{api}/dashboard/", key=OWNER_KEY, bypass_csp=True)
    expect(page.locator("#team-form")).to_be_visible()
    expect(page.locator("#rules-list li")).to_have_count(4)  # compensation, apology, phone, tone
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})).violations
        .map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target)}))""")
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []
    page.close()


def test_a_wrong_key_is_refused_on_the_page(browser, api):
    page, _ = open_with_key(browser, f"{api}/dashboard/", key="rg_not-the-key")
    expect(page.locator("#status")).to_have_text(STRINGS["da"]["keyRefused"])
    expect(page.locator("#report")).to_be_hidden()
    page.close()


def test_an_empty_store_says_there_is_no_data_yet_in_english(browser, empty_api):
    page, _ = open_with_key(browser, f"{empty_api}/dashboard/", locale="en-GB")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#no-data")).to_have_text(STRINGS["en"]["noData"])
    expect(page.locator("#charts")).to_be_hidden()
    page.close()


def test_counting_switched_off_is_said_in_the_pages_language(browser, tmp_path):
    with serve_in_thread(keyed_app(tmp_path, enabled=False)) as base:
        page, _ = open_with_key(browser, f"{base}/dashboard/?lang=en", locale="en-GB")
        expect(page.locator("#status")).to_have_text(STRINGS["en"]["countingOff"])
        expect(page.locator("#report")).to_be_hidden()
        page.close()


def test_the_shipped_chart_library_is_the_pinned_version_with_its_licences(tmp_path):
    root = Path(__file__).resolve().parent.parent
    lock = json.loads((root / "vendor" / "chartjs" / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/chart.js"]["version"]
    manifest = json.loads((root / "vendor" / "chartjs" / "package.json").read_text(encoding="utf-8"))
    assert manifest["dependencies"]["chart.js"] == pinned  # an exact pin, not a range
    client = create_app({"TESTING": True}).test_client()
    shipped = client.get("/dashboard/chart.umd.min.js")
    assert shipped.status_code == 200
    assert shipped.data.startswith(f"/*!\n * Chart.js v{pinned}\n".encode()), "run `make chartjs` after changing the pin"
    for licence in ("chart.js-LICENSE.md", "kurkle-color-LICENSE.md"):
        assert b"MIT License" in client.get(f"/dashboard/{licence}").data
