"""The team's insight through the API: checks and posted replies are counted by day, key, platform, language, verdict
and rule, read back as JSON or CSV, behind the same keys and errors as the rest, and no word of a reply or complaint
is kept. Each key is one team and reads only its own counts; the owner's keys read every team's. An organisation can
switch the counting off."""

import csv
import io
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from conftest import write_settings
from replyguard import create_app
from replyguard.settings import DEFAULT_SETTINGS_TEXT, SettingsError, parse_settings

KEY = "rg_insights-test-key-0123456789abcdefghij"
AUTH = {"Authorization": f"Bearer {KEY}"}
OFFER = "Hej Lone. Du får 20 % rabat på din næste ordre. Mvh Mette"
COMPLAINT = "Min cykel er stadig ikke leveret, og ingen svarer mig!"


def keyed_app(tmp_path, insights: str = ""):
    settings = write_settings(tmp_path / "team.toml", keys={"support": KEY})
    with open(settings, "a", encoding="utf-8") as file:
        file.write(f'\n[insights]\nstore = "sqlite:///insights.sqlite3"\n{insights}\n')
    return create_app({"SETTINGS_FILE": settings})


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One app for the tests that count nothing (refusals); building an app takes a second or two."""
    return keyed_app(tmp_path_factory.mktemp("shared")).test_client()


@pytest.fixture
def client(tmp_path):
    """An app of its own, with an empty store."""
    return keyed_app(tmp_path).test_client()


def posted(minutes_ago: float | None = 150, **fields) -> dict:
    event = {"type": "reply_posted", "platform": "facebook", "language": "da",
             "findings": [{"rule": "no-public-compensation", "severity": "error"}], "after_question": True}
    if minutes_ago is not None:
        moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        event["complaint_posted_at"] = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    return {**event, **fields}


def test_checks_and_posted_replies_show_up_in_the_insights(client):
    for _ in range(3):
        context = {"complaint": COMPLAINT}
        assert client.post("/v1/check", json={"text": OFFER, "platform": "facebook", "context": context},
                           headers=AUTH).status_code == 200
    assert client.post("/v1/events", json=posted(150), headers=AUTH).status_code == 202
    assert client.post("/v1/events", json=posted(20, findings=[], after_question=False), headers=AUTH).status_code == 202

    answer = client.get("/v1/insights?days=7", headers=AUTH)
    assert answer.status_code == 200
    report = answer.get_json()
    assert report["days"] == 7 and len(report["daily"]) == 7
    assert report["daily"][-1] == {"day": datetime.now(UTC).date().isoformat(), "checked": 3, "posted": 2,
                                   "posted_despite_error": 1}
    assert report["totals"] == {"checked": 3, "posted": 2, "posted_despite_error": 1,
                                "posted_despite_error_share": 0.5, "posted_after_question": 1}
    assert report["verdicts"]["block"] == 3
    compensation = report["rules"][0]
    assert compensation["rule"] == "no-public-compensation"
    assert (compensation["found_in_checks"], compensation["found_in_posted"]) == (3, 1)
    assert compensation["url"].endswith("/playbook/rules/no-public-compensation/")
    assert compensation["title"] == "Tilbyd aldrig kompensation offentligt"
    # The playbook's target is two hours; one answer came after 20 minutes, the other after two and a half hours.
    assert report["target_minutes"] == 120
    (facebook,) = report["waits"]
    assert (facebook["platform"], facebook["answered"], facebook["within_target"]) == ("facebook", 2, 1)
    assert 15 <= facebook["median_minutes"] <= 240 and facebook["p90_minutes"] > 120

    english = client.get("/v1/insights?days=7&language=en", headers=AUTH).get_json()
    assert english["rules"][0]["url"].endswith("/playbook/en/rules/no-public-compensation/")


def test_the_kinds_of_dig_and_dodge_found_are_counted_under_their_rule(client):
    """What to coach the team on: under kind-tone and no-dodging, the kinds their findings named, most often first,
    with their names in the report's language; never the words that were found."""
    threat = "Hej Lone. Din anmeldelse er sendt videre til vores advokat. Mvh Mette"
    dodge = "Hej Lone. Det er fragtfirmaet, du skal kontakte om det. Din anmeldelse er sendt videre til vores advokat."
    for text in (threat, threat, dodge):
        assert client.post("/v1/check", json={"text": text, "language": "da"}, headers=AUTH).status_code == 200
    rules = {rule["rule"]: rule for rule in client.get("/v1/insights?days=7", headers=AUTH).get_json()["rules"]}
    assert rules["kind-tone"]["kinds"] == [{"kind": "threat", "title": "Trusler", "found_in_checks": 3,
                                            "found_in_posted": 0}]
    assert rules["no-dodging"]["kinds"] == [{"kind": "passing-the-buck", "title": "Sagen sendt videre",
                                             "found_in_checks": 1, "found_in_posted": 0}]
    assert rules["acknowledge-and-apologise"]["kinds"] == []
    # A threat that was posted anyway counts under the posted replies too.
    threat_posted = posted(findings=[{"rule": "kind-tone", "severity": "error", "kind": "threat"},
                                     {"rule": "offer-phone", "severity": "warning", "kind": None},
                                     {"rule": "no-dodging", "severity": "warning", "kind": "threat"}])  # not its kind
    assert client.post("/v1/events", json=threat_posted, headers=AUTH).status_code == 202
    rules = {rule["rule"]: rule for rule in client.get("/v1/insights?days=7", headers=AUTH).get_json()["rules"]}
    assert rules["kind-tone"]["kinds"] == [{"kind": "threat", "title": "Trusler", "found_in_checks": 3,
                                            "found_in_posted": 1}]
    assert rules["no-dodging"]["found_in_posted"] == 1
    assert rules["no-dodging"]["kinds"] == [{"kind": "passing-the-buck", "title": "Sagen sendt videre",
                                             "found_in_checks": 1, "found_in_posted": 0}]
    english = client.get("/v1/insights?days=7&language=en", headers=AUTH).get_json()["rules"]
    assert next(rule for rule in english if rule["rule"] == "kind-tone")["kinds"][0]["title"] == "Threats"
    counts = client.get("/v1/insights?days=7&format=csv", headers=AUTH).get_data(as_text=True)
    assert ",finding_kind,kind-tone/threat,error,3" in counts and "advokat" not in counts


def test_the_counts_download_as_csv_rows_with_the_key_id(client):
    client.post("/v1/check", json={"text": OFFER, "platform": "trustpilot"}, headers=AUTH)
    answer = client.get("/v1/insights?days=30&format=csv", headers=AUTH)
    assert answer.status_code == 200
    assert answer.content_type == "text/csv; charset=utf-8"
    assert 'filename="replyguard-insights-30d.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    checked = next(row for row in rows if row["event"] == "checked")
    assert checked == {"day": datetime.now(UTC).date().isoformat(), "key_id": "support", "platform": "trustpilot",
                       "language": "da", "event": "checked", "label": "block", "severity": "", "count": "1"}


def test_a_languagetool_clients_checks_are_counted_too(client):
    assert client.post("/v2/check", data={"text": OFFER, "language": "da-DK"}, headers=AUTH).status_code == 200
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/insights?format=csv", headers=AUTH).get_data(as_text=True))))
    checked = next(row for row in rows if row["event"] == "checked")
    assert (checked["platform"], checked["key_id"], checked["label"], checked["count"]) == (
        "other", "support", "block", "1")


def test_no_word_of_a_reply_or_complaint_is_kept(tmp_path):
    client = keyed_app(tmp_path).test_client()
    client.post("/v1/check", json={"text": OFFER, "context": {"complaint": COMPLAINT}}, headers=AUTH)
    client.post("/v1/events", json=posted(), headers=AUTH)
    client.get("/v1/insights", headers=AUTH)  # writes this process's counts
    kept = b"".join(path.read_bytes() for path in tmp_path.glob("insights.sqlite3*"))
    assert b"support" in kept  # the key's id, so the file is the one written
    for word in ("Lone", "rabat", "Mette", "cykel", "leveret"):
        assert word.encode() not in kept
    columns = [row[1] for row in sqlite3.connect(tmp_path / "insights.sqlite3").execute(
        "PRAGMA table_info(insight_counts)")]
    assert columns == ["day", "key_id", "platform", "language", "event", "label", "severity", "count"]


def test_counting_switched_off_keeps_nothing(tmp_path):
    client = keyed_app(tmp_path, "enabled = false").test_client()
    assert client.post("/v1/check", json={"text": OFFER}, headers=AUTH).status_code == 200
    event = client.post("/v1/events", json=posted(), headers=AUTH)
    assert event.status_code == 202 and event.get_json() == {"counted": False}
    refused = client.get("/v1/insights", headers=AUTH)
    assert refused.status_code == 404
    assert "switched off" in refused.get_json()["error"]["message"]
    assert not list(tmp_path.glob("insights.sqlite3*"))


def test_events_and_insights_need_the_key(shared):
    assert shared.post("/v1/events", json=posted()).status_code == 401
    assert shared.get("/v1/insights").status_code == 401
    assert shared.get("/v1/insights", headers={"Authorization": "Bearer rg_wrong"}).status_code == 401


@pytest.mark.parametrize("change, says", [
    ({"type": "reply_deleted"}, "'type' must be one of reply_posted"),
    ({"language": "sv"}, "'language' must be one of da, en"),
    ({"platform": "tiktok"}, "'platform' must be one of"),
    ({"findings": [{"rule": "no-such-rule", "severity": "error"}]}, "id of one of the API's rules"),
    ({"findings": [{"rule": "kind-tone", "severity": "fatal"}]}, "'severity' must be one of error, warning, info"),
    ({"findings": [{"rule": "kind-tone", "severity": "error", "text": "Du er dum"}]},
     "'rule' and 'severity' (and may have 'kind')"),
    ({"findings": [{"rule": "kind-tone", "severity": "error", "kind": "sarcasm"}]}, "'kind' must be null or one of"),
    ({"findings": [{"rule": "offer-phone", "severity": "warning", "kind": 3}]}, "'kind' must be null or one of"),
    ({"after_question": "yes"}, "'after_question' must be true or false"),
    ({"complaint_posted_at": "2026-12-01T10:00:00"}, "needs a time zone"),
    ({"text": "Hej Lone"}, "unknown field(s): text"),
])
def test_a_bad_event_gets_a_400_that_says_what_is_wrong(shared, change, says):
    answer = shared.post("/v1/events", json=posted(**change) if "text" not in change else {**posted(), **change},
                         headers=AUTH)
    assert answer.status_code == 400
    assert says in answer.get_json()["error"]["message"]


def test_a_complaint_time_in_the_future_counts_the_post_but_no_wait(client):
    assert client.post("/v1/events", json=posted(-24 * 60), headers=AUTH).status_code == 202
    report = client.get("/v1/insights?days=1", headers=AUTH).get_json()
    assert report["totals"]["posted"] == 1 and report["waits"] == []


@pytest.mark.parametrize("query", ["days=0", "days=401", "days=abc", "format=xml", "language=sv"])
def test_bad_insight_queries_get_a_400(shared, query):
    answer = shared.get(f"/v1/insights?{query}", headers=AUTH)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == 400


@pytest.mark.parametrize("table, says", [
    ('store = "mysql://db/replyguard"', "insights.store must be sqlite:///PATH"),
    ("enabled = 1", "insights.enabled must be true or false"),
    ("retention_days = 0", "insights.retention_days must be a whole number above 0"),
    ('metrics_token = "short"', "insights.metrics_token must be at least 16 characters"),
    ("keep_texts = true", "unknown setting(s) in [insights]: keep_texts"),
])
def test_bad_insight_settings_stop_the_start_with_a_message_naming_the_field(table, says):
    with pytest.raises(SettingsError, match=re.escape(says)):
        parse_settings(f"{DEFAULT_SETTINGS_TEXT}\n[insights]\n{table}\n", "team.toml")


def test_a_relative_sqlite_store_counts_from_the_settings_files_folder():
    settings = parse_settings(f'{DEFAULT_SETTINGS_TEXT}\n[insights]\nstore = "sqlite:///insights.sqlite3"\n',
                              "/etc/replyguard/team.toml")
    assert settings.insights.store == "sqlite:////etc/replyguard/insights.sqlite3"
    assert parse_settings(DEFAULT_SETTINGS_TEXT, "team.toml").insights.enabled is True


# Each API key is one team: a team's key reads only its own counts; the owner's key (settings: [insights] owner_keys)
# reads every team's, or one team's with ?team=.
SUPPORT, WEBSHOP, LEAD = (f"rg_{team}-team-key-0123456789abcdefghij" for team in ("support", "webshop", "lead"))


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def teams(tmp_path_factory):
    """Two teams' counts in one store, and an owner key that counted nothing itself: support checked 3 replies and
    posted 1 (on Facebook), webshop checked 1 and posted 2 (on Trustpilot)."""
    folder = tmp_path_factory.mktemp("teams")
    settings = write_settings(folder / "team.toml", keys={"support": SUPPORT, "webshop": WEBSHOP, "lead": LEAD})
    with open(settings, "a", encoding="utf-8") as file:
        file.write('\n[insights]\nstore = "sqlite:///insights.sqlite3"\nowner_keys = ["lead"]\n')
    client = create_app({"SETTINGS_FILE": settings}).test_client()
    for key, checks, posts, platform in ((SUPPORT, 3, 1, "facebook"), (WEBSHOP, 1, 2, "trustpilot")):
        for _ in range(checks):
            assert client.post("/v1/check", json={"text": OFFER, "platform": platform},
                               headers=bearer(key)).status_code == 200
        for _ in range(posts):
            assert client.post("/v1/events", json=posted(platform=platform), headers=bearer(key)).status_code == 202
    return client


def csv_rows(answer) -> list[dict]:
    assert answer.status_code == 200
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


@pytest.mark.parametrize("key, team, checked, posted_count, platform", [
    (SUPPORT, "support", 3, 1, "facebook"),
    (WEBSHOP, "webshop", 1, 2, "trustpilot"),
])
def test_a_teams_key_sees_only_its_own_teams_counts(teams, key, team, checked, posted_count, platform):
    report = teams.get("/v1/insights?days=7", headers=bearer(key)).get_json()
    assert (report["totals"]["checked"], report["totals"]["posted"]) == (checked, posted_count)
    assert [wait["platform"] for wait in report["waits"]] == [platform]
    assert report["rules"][0]["found_in_checks"] == checked
    assert (report["teams"], report["team_choices"]) == ([team], [team])
    # Asking for its own team by name is the same answer.
    assert teams.get(f"/v1/insights?days=7&team={team}", headers=bearer(key)).get_json()["totals"] == report["totals"]

    rows = csv_rows(teams.get("/v1/insights?format=csv", headers=bearer(key)))
    assert rows and {row["key_id"] for row in rows} == {team}
    assert sum(int(row["count"]) for row in rows if row["event"] == "checked") == checked


def test_the_owners_key_sees_every_team_and_can_pick_one(teams):
    report = teams.get("/v1/insights?days=7", headers=bearer(LEAD)).get_json()
    assert (report["totals"]["checked"], report["totals"]["posted"]) == (4, 3)
    assert [wait["platform"] for wait in report["waits"]] == ["facebook", "trustpilot"]
    assert report["teams"] == report["team_choices"] == ["support", "webshop", "lead"]
    rows = csv_rows(teams.get("/v1/insights?format=csv", headers=bearer(LEAD)))
    assert {row["key_id"] for row in rows} == {"support", "webshop"}

    webshop = teams.get("/v1/insights?days=7&team=webshop", headers=bearer(LEAD)).get_json()
    assert (webshop["totals"]["checked"], webshop["totals"]["posted"]) == (1, 2)
    assert (webshop["teams"], webshop["team_choices"]) == (["webshop"], ["support", "webshop", "lead"])
    rows = csv_rows(teams.get("/v1/insights?format=csv&team=support", headers=bearer(LEAD)))
    assert {row["key_id"] for row in rows} == {"support"}


@pytest.mark.parametrize("team", ["webshop", "lead", "no-such-team", ""])
def test_a_teams_key_asking_for_another_team_gets_a_403(teams, team):
    # The same answer whether the team exists or not, so a key can't find out the other teams' ids.
    for output in ("json", "csv"):
        answer = teams.get(f"/v1/insights?team={team}&format={output}", headers=bearer(SUPPORT))
        assert answer.status_code == 403
        error = answer.get_json()["error"]
        assert error["code"] == 403 and "only its own team's counts" in error["message"]


@pytest.mark.parametrize("team", ["no-such-team", "", "Support"])
def test_the_owner_asking_for_an_unknown_team_gets_a_400(teams, team):
    answer = teams.get(f"/v1/insights?team={team}", headers=bearer(LEAD))
    assert answer.status_code == 400
    assert "query parameter 'team' must be the id of one of the API keys" in answer.get_json()["error"]["message"]


def test_without_keys_the_api_shows_every_count_on_its_own_machine(tmp_path):
    settings = write_settings(tmp_path / "team.toml")
    with open(settings, "a", encoding="utf-8") as file:
        file.write('\n[insights]\nstore = "sqlite:///insights.sqlite3"\n')
    client = create_app({"SETTINGS_FILE": settings}).test_client()  # the test client asks from 127.0.0.1
    assert client.post("/v1/check", json={"text": OFFER}).status_code == 200
    assert client.post("/v1/events", json=posted()).status_code == 202
    report = client.get("/v1/insights?days=1").get_json()
    assert (report["totals"]["checked"], report["totals"]["posted"]) == (1, 1)
    assert (report["teams"], report["team_choices"]) == ([], [])
    refused = client.get("/v1/insights?team=support")
    assert refused.status_code == 400 and "this API has no keys" in refused.get_json()["error"]["message"]


SUPPORT_KEY_ENTRY = f'\n[[api.keys]]\nid = "support"\nsha256 = "{"0" * 64}"\n'


def test_owner_keys_are_read_from_the_settings():
    keys = SUPPORT_KEY_ENTRY + f'\n[[api.keys]]\nid = "lead"\nsha256 = "{"1" * 64}"\n'
    settings = parse_settings(f'{DEFAULT_SETTINGS_TEXT}\n[insights]\nowner_keys = ["lead"]\n{keys}', "team.toml")
    assert settings.insights.owner_keys == ("lead",)
    assert parse_settings(DEFAULT_SETTINGS_TEXT, "team.toml").insights.owner_keys == ()


@pytest.mark.parametrize("owner_keys, keys, says", [
    ('["boss"]', SUPPORT_KEY_ENTRY, "insights.owner_keys must be ids of this file's [[api.keys]]; 'boss' is not one"),
    ('["lead"]', "", "insights.owner_keys must be ids of this file's [[api.keys]]; 'lead' is not one"),  # no keys
    ('"support"', SUPPORT_KEY_ENTRY, "insights.owner_keys must be a list of strings"),
    ("[1]", SUPPORT_KEY_ENTRY, "insights.owner_keys must be a list of strings"),
])
def test_owner_keys_that_are_not_api_keys_stop_the_start(owner_keys, keys, says):
    with pytest.raises(SettingsError, match=re.escape(says)):
        parse_settings(f"{DEFAULT_SETTINGS_TEXT}\n[insights]\nowner_keys = {owner_keys}\n{keys}", "team.toml")
