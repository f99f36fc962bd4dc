"""The organisation's own rules (issue 16): a folder of rule files next to the playbook's, loaded by the same loader,
shown everywhere the playbook's rules are, checked with `replyguard rules check`, refused whole when one is broken."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replyguard import create_app
from replyguard.cli import main
from replyguard.checking.engine import Checker
from replyguard.checking.patterns import runaway
from replyguard.checking.rules import PRINCIPLES, RULE_SCHEMA, RuleError, load_rules
from replyguard.settings import DEFAULT_SETTINGS_TEXT, SettingsError, load_settings, parse_settings
from replyguard.checking.templates import TEMPLATE_SCHEMA, TemplateError, load_templates

ROOT = Path(__file__).resolve().parent.parent
ORGANISATION = Path(__file__).resolve().parent / "fixtures" / "organisation"
SETTINGS = ORGANISATION / "settings.toml"
LIABILITY, TRACKER = "no-liability-admission", "point-to-claim-tracker"
ADMISSION_DA = "Hej Jens. Undskyld ventetiden. Vi erkender det fulde ansvar for vandskaden. Ring til os på 70 10 20 30. Mvh Hanne"
ADMISSION_EN = "Hi Tom. Sorry for the wait. We accept full liability for the water damage. Please call us on 70 10 20 30. Best, Hanne"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "replyguard.cli", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def settings():
    return load_settings(SETTINGS)


@pytest.fixture(scope="module")
def client():
    return create_app({"TESTING": True, "SETTINGS_FILE": str(SETTINGS)}).test_client()


def organisation_folder(tmp_path: Path) -> Path:
    """A copy of the test organisation's rule folder to break."""
    folder = tmp_path / "rules"
    shutil.copytree(ORGANISATION / "rules", folder)
    return folder


def settings_for(tmp_path: Path, rules: Path, extra: str = "") -> Path:
    text = SETTINGS.read_text(encoding="utf-8").replace('rules_dir = "rules"', f'rules_dir = "{rules}"')
    text = text.replace('templates_dir = "templates"', f'templates_dir = "{ORGANISATION / "templates"}"')
    path = tmp_path / "team.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


# --- the settings and the one loader

def test_the_settings_name_the_folders_relative_to_the_settings_file(settings):
    assert settings.rules_dir == ORGANISATION / "rules"
    assert settings.templates_dir == ORGANISATION / "templates"
    assert load_settings().rules_dir is None and load_settings().templates_dir is None


def test_the_embedded_defaults_show_both_folders_commented():
    assert re.search(r'^# rules_dir = "rules"$', DEFAULT_SETTINGS_TEXT, re.M)
    assert re.search(r'^# templates_dir = "templates"$', DEFAULT_SETTINGS_TEXT, re.M)


def test_organisation_rules_load_after_the_playbooks_with_their_origin(settings):
    playbook = load_rules()
    rules = load_rules(None, settings.rules_dir)
    assert rules[:len(playbook)] == playbook
    added = rules[len(playbook):]
    assert [(rule.id, rule.origin, rule.check["kind"]) for rule in added] == [
        (LIABILITY, "organisation", "present"), (TRACKER, "organisation", "absent")]
    assert {rule.origin for rule in playbook} == {"playbook"}


def test_an_empty_organisation_folder_adds_nothing_and_a_missing_one_is_named(tmp_path):
    (tmp_path / "empty").mkdir()
    assert load_rules(None, tmp_path / "empty") == load_rules()
    with pytest.raises(RuleError, match=r"nowhere: the organisation's rule folder doesn't exist"):
        load_rules(None, tmp_path / "nowhere")


def test_disabled_rules_extra_phrases_and_thresholds_work_on_organisation_rules(settings):
    rules = load_rules(None, settings.rules_dir)
    base = SETTINGS.read_text(encoding="utf-8")
    off = parse_settings(base.replace("disabled_rules = []", f'disabled_rules = ["{LIABILITY}"]'), str(SETTINGS))
    assert LIABILITY not in [f.rule for f in Checker(rules, off).check(ADMISSION_DA, "da").findings]
    more = parse_settings(base + f'\n[checker.extra_phrases.{LIABILITY}]\nda = ["vores skyld"]\n', str(SETTINGS))
    text = "Hej Jens. Det er helt vores skyld. Ring til os på 70 10 20 30. Mvh Hanne"
    [finding] = [f for f in Checker(rules, more).check(text, "da").findings if f.rule == LIABILITY]
    assert text[finding.start:finding.end] == "Det er helt vores skyld."
    assert LIABILITY not in [f.rule for f in Checker(rules, settings).check(text, "da").findings]
    wrong = parse_settings(base + f"\n[checker.thresholds.{LIABILITY}]\nwords = 100\n", str(SETTINGS))
    with pytest.raises(SettingsError, match=rf"checker\.thresholds\.{LIABILITY}\.words: that rule has no limit"):
        Checker(rules, wrong)


# --- everywhere the playbook's rules are

def test_api_check_finds_the_organisation_rule_with_its_link(client):
    body = client.post("/v1/check", json={"text": ADMISSION_EN, "language": "en"}).get_json()
    [finding] = [f for f in body["findings"] if f["rule"] == LIABILITY]
    assert ADMISSION_EN[finding["start"]:finding["end"]] == "We accept full liability for the water damage."
    assert finding["severity"] == "error" and body["verdict"] == "block"
    assert finding["url"] == f"http://localhost/playbook/en/rules/{LIABILITY}/"
    assert finding["suggestions"] == ["We'd like to look at your claim. Please call us on +45 70 10 20 30 so we can go "
                                      "through it together."]
    [tracker] = [f for f in body["findings"] if f["rule"] == TRACKER]
    assert tracker["start"] is None and tracker["insert"] == "end"
    # the organisation's own template, offered as the suggestion its rule names
    assert tracker["suggestions"][-1].startswith("Hi, sorry for the wait. You can follow your claim at tryghed-demo.dk")


@pytest.mark.parametrize("language", ["da", "en"])
def test_api_rules_and_templates_list_the_organisations_own(client, language):
    rules = client.get(f"/v1/rules?language={language}").get_json()["rules"]
    ours = {rule["id"]: rule for rule in rules if rule["origin"] == "organisation"}
    assert set(ours) == {LIABILITY, TRACKER}
    assert {rule["origin"] for rule in rules if rule["id"] not in ours} == {"playbook"}
    assert ours[LIABILITY]["title"] == {"da": "Indrøm ikke erstatningsansvar offentligt",
                                        "en": "Never admit liability in public"}[language]
    assert ours[LIABILITY]["url"].endswith(f"/playbook/{'en/' if language == 'en' else ''}rules/{LIABILITY}/")
    templates = client.get(f"/v1/templates?language={language}").get_json()["templates"]
    assert templates[-1]["id"] == "follow-your-claim" and "+45 70 10 20 30" in templates[-1]["text"]
    assert client.get("/v1/health").get_json()["rules"] == len(rules)


def test_languagetool_v2_reports_the_organisation_rule(client):
    response = client.post("/v2/check", data={"text": ADMISSION_DA, "language": "da-DK"}).get_json()
    [match] = [m for m in response["matches"] if m["rule"]["id"] == LIABILITY]
    assert ADMISSION_DA[match["offset"]:match["offset"] + match["length"]] == "Vi erkender det fulde ansvar for vandskaden."
    only = client.post("/v2/check", data={"text": ADMISSION_DA, "language": "da", "enabledRules": LIABILITY,
                                          "enabledOnly": "true"}).get_json()
    assert [m["rule"]["id"] for m in only["matches"]] == [LIABILITY]


def test_cli_check_and_rules_use_the_organisations_folder(capsys):
    assert main(["check", "--config", str(SETTINGS), ADMISSION_DA]) == 1
    out = capsys.readouterr().out
    assert f"error   {LIABILITY}" in out and "«Vi erkender det fulde ansvar for vandskaden.»" in out
    assert f"http://127.0.0.1:8000/playbook/rules/{LIABILITY}/" in out
    assert main(["rules", "--config", str(SETTINGS), "--language", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [f"{LIABILITY:<28}{'error':<9}Never admit liability in public (organisation)",
                          f"{TRACKER:<28}{'warning':<9}Point to the claim tracker (organisation)"]


# --- replyguard rules check

def test_rules_check_passes_the_test_organisation():
    result = run_cli("rules", "check", str(ORGANISATION / "rules"), "--config", str(SETTINGS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "" and "2 rule file(s)" in result.stderr


def test_rules_check_prints_one_line_per_problem_and_exits_1(tmp_path):
    folder = organisation_folder(tmp_path)
    liability = folder / f"{LIABILITY}.yml"
    text = liability.read_text(encoding="utf-8")
    # a bad example the patterns miss, and a good one they flag
    text = text.replace("<marker>Vi erkender det fulde ansvar for vandskaden.</marker>",
                        "<marker>Skaden er helt og aldeles vores.</marker>")
    text = text.replace("Skadeafdelingen ser på sagen i dag.", "Vi erkender ansvaret.")
    liability.write_text(text, encoding="utf-8")
    (folder / "broken.yml").write_text("id: broken\nseverity: [unclosed\n", encoding="utf-8")
    result = run_cli("rules", "check", str(folder), "--config", str(SETTINGS))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith(f"{folder / 'broken.yml'}: not valid YAML")
    assert lines[1] == (f"{liability}: examples.da.bad[0]: the rule doesn't flag this example (it should flag "
                        f"«Skaden er helt og aldeles vores.»)")
    assert lines[2] == f"{liability}: examples.da.good[1]: a good example, but the rule flags «Vi erkender ansvaret.»"
    assert "3 problem(s)" in result.stderr and "Traceback" not in result.stderr


# --- broken files: each its own clear message, and the server refuses to start

BROKEN = {
    "bad YAML": (lambda text: text.replace("severity: error", "severity: [error"), r"not valid YAML"),
    "missing field": (lambda text: re.sub(r"^flags:\n(  .*\n)+", "", text, flags=re.M),
                      r"flags: must give a text for both da and en"),
    "unknown check kind": (lambda text: text.replace("kind: present", "kind: forbidden"),
                           r"check\.kind: must be one of present, absent, metric"),
    "a key given twice": (lambda text: text.replace("severity: error\n", "severity: error\nseverity: warning\n"),
                          r"not valid YAML \(line \d+, column 1: found duplicate key 'severity'\)"),
    "unknown field": (lambda text: text.replace("suggestions:", "sugestions:"),
                      r"sugestions: unknown field \(allowed here: check, examples, .*suggestions"),
    "runaway pattern": (lambda text: text.replace("'det er (?:helt )?vores ansvar'", r"'(\w+\s?)+ ansvar'"),
                        r"check\.patterns\.da\[1\]: '\(\\w\+\\s\?\)\+ ansvar' could hang the checker: an unbounded "
                        r"repeat .* inside another repeat"),
    "model in an organisation rule": (
        lambda text: text.replace("  span: sentence\n", "  span: sentence\n  model: {name: kind-tone, threshold: {da: 0.5, en: 0.5}, message: {da: '{cue}', en: '{cue}'}}\n"),
        r"check\.model: is for the playbook's own rules"),
    "kind on an organisation's pattern": (
        lambda text: text.replace("'det er (?:helt )?vores ansvar'", "{pattern: 'det er (?:helt )?vores ansvar', kind: threat}"),
        r"check\.patterns\.da\[1\]\.kind: only the patterns of a rule whose model tells kinds may name one"),
    "unknown placeholder": (lambda text: text.replace("'det er (?:helt )?vores ansvar'", "'det er {fully} vores ansvar'"),
                            r"check\.patterns\.da\[1\]: unknown placeholder \{fully\} \(the settings fill in staff, "
                            r"organisation, organisation_words, names_like_nouns; a part several patterns share can be "
                            r"named in check\.define, above its use\)"),
    "a defined part named like a setting": (
        lambda text: text.replace("  span: sentence\n", "  span: sentence\n  define: {staff: '(?:vi|jeg)'}\n"),
        r"check\.define\.staff: must be a name of small letters and _, and not one the settings fill in"),
    "unknown principle": (lambda text: text.replace("principle: take-it-offline", "principle: be-nice"),
                          r"principle: must name one of the playbook's principles: admit-and-apologise"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_file_is_named_with_its_field_and_nothing_is_loaded(tmp_path, case):
    folder = organisation_folder(tmp_path)
    path = folder / f"{LIABILITY}.yml"
    change, message = BROKEN[case]
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    expected = rf"{re.escape(str(path))}: {message}"
    with pytest.raises(RuleError, match=expected):
        load_rules(None, folder)  # all or nothing: the good file next to it isn't returned either
    with pytest.raises(RuleError, match=expected):
        create_app({"TESTING": True, "SETTINGS_FILE": str(settings_for(tmp_path, folder))})
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 1 and re.match(expected, result.stdout.splitlines()[0]), result.stdout


def test_a_part_defined_once_is_written_out_in_each_pattern_that_names_it(tmp_path, settings):
    folder = organisation_folder(tmp_path)
    path = folder / f"{LIABILITY}.yml"
    text = path.read_text(encoding="utf-8").replace("  span: sentence\n", "  span: sentence\n  define:\n    we: '(?:vi|jeg)'\n")
    path.write_text(text.replace("'(?:vi|jeg) (?:erkender", "'{we} (?:erkender"), encoding="utf-8")
    rule = next(rule for rule in load_rules(None, folder) if rule.id == LIABILITY)
    assert "define" not in rule.check and rule.check["patterns"]["da"][0].startswith("(?:(?:vi|jeg)) (?:erkender")
    found = Checker([rule], settings).check("Hej Lone. Vi erkender det fulde ansvar for skaden. Mvh Jonas", "da")
    assert [f.rule for f in found.findings] == [LIABILITY]


def test_an_id_that_clashes_with_the_playbooks_names_both_files(tmp_path):
    folder = organisation_folder(tmp_path)
    clash = folder / "offer-phone.yml"
    clash.write_text((folder / f"{LIABILITY}.yml").read_text(encoding="utf-8").replace(
        f"id: {LIABILITY}", "id: offer-phone"), encoding="utf-8")
    playbook_file = next(rule.source for rule in load_rules() if rule.id == "offer-phone")
    expected = rf"{re.escape(str(clash))}: id: 'offer-phone' is already the id of {re.escape(playbook_file)}"
    with pytest.raises(RuleError, match=expected):
        load_rules(None, folder)
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 1 and re.match(expected, result.stdout), result.stdout


def test_an_organisation_template_that_clashes_or_is_broken_is_named(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "move-to-phone.yml").write_text((ORGANISATION / "templates" / "follow-your-claim.yml").read_text(
        encoding="utf-8").replace("id: follow-your-claim", "id: move-to-phone"), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"move-to-phone\.yml: id: 'move-to-phone' is already the id of .*"
                                            r"move-to-phone\.yml"):
        load_templates(None, folder)
    (folder / "move-to-phone.yml").unlink()
    (folder / "typo.yml").write_text((ORGANISATION / "templates" / "follow-your-claim.yml").read_text(
        encoding="utf-8").replace("id: follow-your-claim", "id: typo").replace("situation:", "situaton:"),
        encoding="utf-8")
    with pytest.raises(TemplateError, match=r"typo\.yml: situaton: unknown field \(known: id, title, situation"):
        load_templates(None, folder)


def test_serve_refuses_to_start_with_a_broken_rule_file_naming_file_field_and_problem(tmp_path):
    folder = organisation_folder(tmp_path)
    path = folder / f"{LIABILITY}.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: present", "kind: forbidden"), encoding="utf-8")
    result = run_cli("serve", "--config", str(settings_for(tmp_path, folder)), "--port", "0")
    assert result.returncode == 2
    assert f"replyguard: {path}: check.kind: must be one of present, absent, metric" in result.stderr
    assert "Traceback" not in result.stderr and "Listening" not in result.stderr


# --- runaway patterns

@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w+\s?)+$", r"(.*a){20}", r"^(a*)*$", r"(x+x+)+y",
                                     r"(?:[a-z]+[a-z]?)+!"])
def test_runaway_patterns_are_found(pattern):
    assert "inside another repeat" in runaway(pattern)


@pytest.mark.parametrize("pattern", [r"(?:\w+ )+", r"(?:\w+ ){0,3}", r"a+b+", r"(?: \S+){0,4}? tilbage",
                                     r"(?:[^.!?]*[.!?] ?)*", r"(?:https?://\S+(?:[ \t]+https?://\S+)*[ \t]*)?$"])
def test_patterns_that_match_in_one_way_are_allowed(pattern):
    assert runaway(pattern) is None


def test_no_playbook_pattern_runs_away_and_a_refused_one_really_would():
    load_rules()  # the loader refuses runaway patterns, the playbook's too
    start = time.perf_counter()
    re.search(r"(\w+\s?)+$", "a" * 24 + "!")  # grows about twofold per character
    assert time.perf_counter() - start > 0.05


def test_runaway_extra_phrases_in_the_settings_are_refused(rules):
    settings = parse_settings(DEFAULT_SETTINGS_TEXT + '\n[checker.extra_phrases.no-public-compensation]\n'
                                                      'da = ["(a+)+ rabat"]\n', "team.toml")
    with pytest.raises(SettingsError, match=r"team\.toml: checker\.extra_phrases\.no-public-compensation\.da: "
                                            r"'\(a\+\)\+ rabat' could hang the checker"):
        Checker(rules, settings)


# --- the JSON Schema

def test_the_schema_accepts_every_playbook_and_test_organisation_file():
    import jsonschema_rs
    import yaml

    for schema, folders in ((RULE_SCHEMA, [ROOT / "playbook" / "rules", ORGANISATION / "rules"]),
                            (TEMPLATE_SCHEMA, [ROOT / "playbook" / "templates", ORGANISATION / "templates"])):
        validator = jsonschema_rs.validator_for(schema)
        for path in (path for folder in folders for path in sorted(folder.glob("*.yml"))):
            assert [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))] == [], path


def test_the_schemas_lists_agree_with_the_playbook_and_the_engine():
    from replyguard.checking.classify import KINDS
    from replyguard.checking.entities import ENTITIES
    from replyguard.checking.rules import CONTEXT_METRICS
    from replyguard.checking.text import METRICS

    pages = {page.name.removesuffix(".md") for page in (ROOT / "playbook" / "principles").glob("*.md")
             if not page.name.endswith(".en.md")}
    assert set(PRINCIPLES) == pages
    definitions = RULE_SCHEMA["$defs"]
    assert set(definitions["limit"]["properties"]["metric"]["enum"]) == {*METRICS, *CONTEXT_METRICS}
    assert set(definitions["matchers"]["properties"]["entities"]["items"]["enum"]) == set(ENTITIES)
    assert set(RULE_SCHEMA["properties"]["when"]["properties"]["complaint"]["items"]["enum"]) == set(KINDS)


def test_the_test_organisations_files_carry_the_editor_schema_line():
    for path in (*(ORGANISATION / "rules").glob("*.yml"), *(ORGANISATION / "templates").glob("*.yml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        schema = first.removeprefix("# yaml-language-server: $schema=")
        assert first != schema and (path.parent / schema).resolve().is_file(), path


# --- the admin pages

@pytest.mark.parametrize("page", ["write-your-own-rule.md", "write-your-own-rule.en.md"])
def test_the_write_your_own_rule_page_walks_through_a_rule_that_passes_its_own_check(tmp_path, page):
    text = (ROOT / "playbook" / "admin" / page).read_text(encoding="utf-8")
    [example] = re.findall(r"```yaml\n(.*?)```", text, re.S)
    for kind in ("`present`", "`absent`", "`metric`", "`model:`", "replyguard rules check", "REPLYGUARD_RULES_DIR",
                 "yaml-language-server", "rule.schema.json"):
        assert kind in text, kind
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "no-liability-admission.yml").write_text(example, encoding="utf-8")
    result = run_cli("rules", "check", str(folder), "--config", str(SETTINGS))
    assert result.returncode == 0, result.stdout + result.stderr
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "      - admin/write-your-own-rule.md\n" in nav


def test_the_settings_pages_describe_both_folders():
    for page in ("settings.md", "settings.en.md"):
        text = (ROOT / "playbook" / "admin" / page).read_text(encoding="utf-8")
        assert "- `rules_dir`" in text and "- `templates_dir`" in text and "write-your-own-rule.md" in text


# --- the playbook site built with the organisation's folders

@pytest.fixture(scope="module")
def organisation_site(tmp_path_factory):
    site_dir = tmp_path_factory.mktemp("organisation-site") / "site"
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REPLYGUARD_RULES_DIR": str(ORGANISATION / "rules"),
                   "REPLYGUARD_TEMPLATES_DIR": str(ORGANISATION / "templates")}
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
                           cwd=ROOT, env=environment, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    return site_dir


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_site_has_a_page_and_an_index_entry_per_organisation_rule(organisation_site, settings, language):
    rules_dir = organisation_site / ("en" if language == "en" else "") / "rules"
    index = (rules_dir / "index.html").read_text(encoding="utf-8")
    note = {"da": "Jeres egen regel", "en": "Your own rule"}[language]
    for rule in load_rules(None, settings.rules_dir)[-2:]:
        assert f'href="{rule.id}/"' in index
        page = (rules_dir / rule.id / "index.html").read_text(encoding="utf-8")
        assert rule.title[language] in page and note in page
        assert f'href="../../principles/{rule.principle}/"' in page
    templates = (organisation_site / ("en" if language == "en" else "") / "templates" / "index.html").read_text()
    assert 'id="follow-your-claim"' in templates
    playbook_page = (rules_dir / "offer-phone" / "index.html").read_text(encoding="utf-8")
    assert note not in playbook_page


def test_the_site_publishes_the_schemas_the_loader_uses(organisation_site):
    for name, schema in (("rule.schema.json", RULE_SCHEMA), ("template.schema.json", TEMPLATE_SCHEMA)):
        assert json.loads((organisation_site / "admin" / name).read_text(encoding="utf-8")) == schema
    assert (organisation_site / "admin" / "write-your-own-rule" / "index.html").is_file()
    assert (organisation_site / "en" / "admin" / "write-your-own-rule" / "index.html").is_file()
