"""The Firefox package an admin signs and installs: built by `make extension` next to the Chrome zip, the same extension
under a manifest Firefox reads, and clean by Mozilla's own linter (web-ext lint, which addons.mozilla.org runs
before it signs)."""

import json
import subprocess
import sys
import zipfile

from extension_browser import ROOT

CHROME_MANIFEST = ROOT / "extension" / "manifest.json"
FIREFOX_ZIP = ROOT / "dist" / "replyguard-extension-firefox.zip"
FIREFOX_FOLDER = ROOT / "dist" / "firefox"
WEB_EXT = ROOT / "tests" / "firefox" / "node_modules" / ".bin" / "web-ext"


def build_with_make() -> dict:
    subprocess.run(["make", "--silent", "extension"], cwd=ROOT, check=True, capture_output=True)
    return json.loads((FIREFOX_FOLDER / "manifest.json").read_text(encoding="utf-8"))


def lint(folder) -> dict:
    assert WEB_EXT.is_file(), "web-ext is not installed: run `make test` (npm ci in tests/firefox)"
    run = subprocess.run([WEB_EXT, "lint", "--source-dir", folder, "--output", "json", "--no-config-discovery"],
                         capture_output=True, text=True)
    return json.loads(run.stdout)


def problems(report: dict) -> list[str]:
    return [f"{kind[:-1]} {message['code']} in {message.get('file')}: {message['message']}"
            for kind in ("errors", "warnings") for message in report[kind]]


def test_make_extension_builds_the_firefox_package_next_to_the_chrome_zip():
    manifest = build_with_make()
    chrome = json.loads(CHROME_MANIFEST.read_text(encoding="utf-8"))
    gecko = manifest["browser_specific_settings"]["gecko"]
    assert gecko["id"] == "replyguard@replyguard.example.dk"
    assert gecko["strict_min_version"] == "153.0"
    # Firefox runs the same module as a background script, and needs no schema for the settings a policy pushes.
    assert manifest["background"] == {"scripts": [chrome["background"]["service_worker"]], "type": "module"}
    assert "storage" not in manifest
    # Otherwise it is the Chrome extension: the same sites, permissions, shortcut, settings page and policy.
    same = {key: value for key, value in manifest.items() if key not in ("background", "browser_specific_settings")}
    assert same == {key: value for key, value in chrome.items() if key not in ("background", "storage")}

    with zipfile.ZipFile(FIREFOX_ZIP) as package:
        names = set(package.namelist())
        assert json.loads(package.read("manifest.json")) == manifest  # at the root, where Firefox looks for it
    unpacked = {path.relative_to(FIREFOX_FOLDER).as_posix() for path in FIREFOX_FOLDER.rglob("*") if path.is_file()}
    assert names == unpacked
    named = {manifest["background"]["scripts"][0], manifest["options_ui"]["page"], *manifest["icons"].values()}
    for script in manifest["content_scripts"]:
        named.update(script["js"] + script["css"])
    assert named <= names
    assert {"settings.js", "_locales/da/messages.json", "_locales/en/messages.json"} <= names


def test_web_ext_lint_finds_no_error_or_warning_in_the_firefox_package():
    build_with_make()
    report = lint(FIREFOX_FOLDER)
    assert problems(report) == []


def test_a_team_builds_its_own_firefox_copy_with_its_id_and_api_address(tmp_path):
    """A team signs its own copy under its own add-on id, and its API is reached through a host permission (Firefox's
    random moz-extension:// origin can't be let in by the API's CORS setting, as Chrome's fixed one is)."""
    subprocess.run([sys.executable, ROOT / "extension" / "build.py", tmp_path, "--firefox-id", "replyguard@example.dk",
                    "--firefox-api", "https://replyguard.example.dk:8443/team/"], check=True)
    manifest = json.loads((tmp_path / "firefox" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["browser_specific_settings"]["gecko"]["id"] == "replyguard@example.dk"
    assert manifest["host_permissions"] == [
        "http://127.0.0.1/*", "http://localhost/*", "https://replyguard.example.dk/*"]  # any port of the host
    assert problems(lint(tmp_path / "firefox")) == []

    refused = subprocess.run([sys.executable, ROOT / "extension" / "build.py", tmp_path, "--firefox-api",
                              "replyguard.example.dk"], capture_output=True, text=True)
    assert refused.returncode != 0 and "--firefox-api must be the API's http(s) address" in refused.stderr
