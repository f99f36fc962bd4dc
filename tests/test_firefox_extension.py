"""The extension in Firefox as staff meet it: Debian's firefox-esr with the Firefox package `make extension` builds,
typing on the same pages served as facebook.com (the real Lexical editor) and business.trustpilot.com as the Chromium
tests, checked by the real API; and as a team's administrator sets it up, force-installed and configured by policy.

Firefox is driven over WebDriver BiDi by puppeteer-core (tests/firefox/reply_boxes.mjs, which acts as a person and
reports what it sees); these tests start the API and a proxy that records whatever the browser tries to reach beyond
the fixture pages and the API, and judge what the script saw against what reached the API."""

import io
import json
import shutil
import socketserver
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import serve_in_thread, write_settings
from extension_browser import FACEBOOK_POST, PAGES, ROOT, TRUSTPILOT_REVIEWS, as_root
from replyguard import create_app

FIREFOX = Path("/usr/bin/firefox-esr")
FIREFOX_TOOLS = ROOT / "tests" / "firefox"
PACKAGE = ROOT / "dist" / "firefox"
# Where Firefox on Linux reads the policies an administrator sets for the whole machine (Debian's firefox-esr too).
FIREFOX_POLICY = Path("/etc/firefox/policies/policies.json")
TEAM_KEY = "rg_firefox-policy-key-0123456789abcdef"
NOWHERE = "http://127.0.0.1:9"  # the person's own API setting: the discard port, where nothing answers

REFUND = "We've issued a full refund to your card today."
FACEBOOK_OFFER = f"👍🏽 Hi Lone, we're really sorry. {REFUND} Kind regards, Jonas"
OFFER_EN = "As a small thank you for your patience, here's a 20% discount on your next order."
TRUSTPILOT_OFFER = f"Hi Per, we're really sorry to hear this. {OFFER_EN} Best, Mette"


class RecordingApi:
    """The API, keeping every check that reaches it: the browser is another process, so only the API itself can tell
    that the extension's request arrived, and what it carried."""

    def __init__(self, app):
        self.app = app
        self.checks = []  # (body, Authorization header)

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/v1/check" and environ["REQUEST_METHOD"] == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            self.checks.append((json.loads(body), environ.get("HTTP_AUTHORIZATION")))
        return self.app(environ, start_response)

    def check_of(self, text: str):
        """The last check of `text` that arrived, waiting for it a while (the extension waits for typing to pause);
        None if it never does."""
        for _ in range(200):
            arrived = [check for check in self.checks if check[0]["text"] == text]
            if arrived:
                return arrived[-1]
            time.sleep(0.05)
        return None


@contextmanager
def recording_proxy():
    """A proxy on loopback that records the first line of every request sent to it (`CONNECT host:443 ...` or
    `GET http://...`) and connects nowhere; yields (port, recorded)."""
    recorded = []

    class Refuse(socketserver.StreamRequestHandler):
        def handle(self):
            recorded.append(self.rfile.readline(2048).decode("latin-1").strip())
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Refuse) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1], recorded
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture(scope="module")
def firefox_path() -> str:
    """Debian's firefox-esr; without it this test fails (make test installs it), it never skips."""
    assert FIREFOX.is_file(), "Debian's firefox-esr is not installed: run `make test`, which installs it"
    return str(FIREFOX)


@contextmanager
def firefox_policy(policies: dict):
    """The machine's Firefox policy file for the browsers started inside. It belongs to root, so it is written as
    root, or through `sudo -n`, and removed afterwards; a policy file the machine already has is left alone."""
    assert not FIREFOX_POLICY.exists(), f"{FIREFOX_POLICY} is this machine's own Firefox policy: not overwriting it"
    what = f"Firefox's policy in {FIREFOX_POLICY.parent}"
    as_root(f"mkdir -p '{FIREFOX_POLICY.parent}' && cat > '{FIREFOX_POLICY}'", json.dumps({"policies": policies}), what)
    try:
        yield
    finally:
        as_root(f"rm -f '{FIREFOX_POLICY}' && rmdir -p --ignore-fail-on-non-empty '{FIREFOX_POLICY.parent}'", what=what)


def write_in_firefox(firefox: str, api: RecordingApi, api_url: str, replies: list[dict], workdir: Path,
                     screenshots: Path, extension: Path = PACKAGE, installed_by_policy: bool = False,
                     own_api_url: str | None = None):
    """Runs reply_boxes.mjs: Firefox with the extension (unpacked in `extension`), its own settings pointing at
    own_api_url (api_url unless given), types each reply. Returns what the script saw, {text: (body, Authorization)}
    for the checks of the replies that reached `api` at api_url, and what went to the proxy."""
    node = shutil.which("node")
    assert node, "Node.js is not installed: run `make test`, which installs it"
    assert (FIREFOX_TOOLS / "node_modules" / "puppeteer-core").is_dir(), \
        "puppeteer-core is not installed: run `make test` (npm ci in tests/firefox)"
    with recording_proxy() as (proxy_port, proxied):
        (workdir / "input.json").write_text(json.dumps({
            "firefox": firefox, "extension": str(extension), "installedByPolicy": installed_by_policy,
            "settings": {"apiUrl": own_api_url or api_url, "apiKey": "", "language": "auto",
                         "sites": {"facebook": True, "trustpilot": True}},
            "proxyPort": proxy_port, "screenshots": str(screenshots), "replies": replies,
            "pages": {url: [str(path), content_type] for url, (path, content_type) in PAGES.items()},
        }))
        with open(workdir / "stderr.txt", "w+") as stderr, subprocess.Popen(
                [node, "reply_boxes.mjs", workdir / "input.json"], cwd=FIREFOX_TOOLS, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr) as script:
            watchdog = threading.Timer(120, script.terminate)  # puppeteer closes Firefox as Node ends
            watchdog.start()
            checks, seen = {}, None
            try:
                for line in script.stdout:
                    said = json.loads(line)
                    if "typed" in said:
                        # The count the badge ends at: what the API answers to the check of the whole reply.
                        checks[said["typed"]] = check = api.check_of(said["typed"])
                        badge = str(len(findings(api, api_url, check))) if check else None
                        script.stdin.write(json.dumps({"badge": badge}) + "\n")
                        script.stdin.flush()
                    else:
                        seen = said["done"]
            finally:
                watchdog.cancel()
            stderr.seek(0)
            assert script.wait() == 0 and seen, f"driving Firefox failed:\n{stderr.read()[-3000:]}"
    return seen, checks, proxied


def findings(api: RecordingApi, api_url: str, check) -> list[dict]:
    """What the API answers to a check the extension sent (same body, same key, same address for the links)."""
    body, authorization = check
    headers = {"Authorization": authorization} if authorization else {}
    return api.app.test_client().post("/v1/check", json=body, headers=headers, base_url=api_url).get_json()["findings"]


def utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start: 2 * end].decode("utf-16-le")


def test_firefox_underlines_and_counts_findings_on_facebook_and_trustpilot(firefox_path, artifacts_dir, tmp_path):
    subprocess.run(["make", "--silent", "extension"], cwd=ROOT, check=True, capture_output=True)
    api = RecordingApi(create_app({"TESTING": True}))
    replies = [{"site": "facebook", "url": FACEBOOK_POST, "text": FACEBOOK_OFFER},
               {"site": "trustpilot", "url": TRUSTPILOT_REVIEWS, "text": TRUSTPILOT_OFFER}]
    with serve_in_thread(api) as api_url:
        seen, checks, proxied = write_in_firefox(firefox_path, api, api_url, replies, tmp_path, artifacts_dir)

    assert seen["leftTheMachine"] == [] and proxied == [], f"tried to leave: {seen['leftTheMachine']}, {proxied}"
    for reply, shown in zip(replies, seen["replies"], strict=True):
        check = checks[reply["text"]]
        assert check, f"the API never received a check of {reply['text']!r}"
        assert check[0]["platform"] == reply["site"]
        expected = findings(api, api_url, check)
        assert shown["badge"]["className"] == "badge error"
        assert shown["badge"]["text"] == str(len(expected))
        offer = next(finding for finding in expected if finding["rule"] == "no-public-compensation")
        assert shown["underlined"]["replyguard-error"] == [utf16_slice(reply["text"], offer["start"], offer["end"])]
    assert seen["replies"][0]["underlined"]["replyguard-error"] == [REFUND]  # exact despite the emoji before it
    assert seen["replies"][1]["underlined"]["replyguard-error"] == [OFFER_EN]
    assert seen["locked"] == []  # no policy: every setting is the person's own
    assert seen["shortcutsPage"] == "about:addons"  # the settings page's "Change the shortcut", in Firefox's terms


def test_firefox_installed_by_policy_checks_with_the_api_and_key_the_policy_sets(firefox_path, tmp_path):
    """A team's set-up as the playbook's admin page describes it: its own Firefox package, built with the team's API
    address, force-installed by the machine's policy (ExtensionSettings), which also pushes the API address and key
    (3rdparty, read through storage.managed: the keys of Chrome's policy). The person's own setting points nowhere,
    so a warning can only come from the API the policy names. That API is on 127.0.0.2, an address the extension
    has no permission for out of the box, like a server on the network, and it needs the key."""
    team_api = RecordingApi(create_app({"TESTING": True, "SETTINGS_FILE": write_settings(
        tmp_path / "settings.toml", keys={"team": TEAM_KEY})}))
    with serve_in_thread(team_api, host="127.0.0.2") as team_url:
        subprocess.run([sys.executable, ROOT / "extension" / "build.py", tmp_path / "team", "--firefox-api", team_url],
                       check=True)
        addon_id = json.loads((tmp_path / "team" / "firefox" / "manifest.json").read_text())[
            "browser_specific_settings"]["gecko"]["id"]
        package = tmp_path / "team" / "replyguard-extension-firefox.zip"
        policies = {
            "ExtensionSettings": {addon_id: {"installation_mode": "force_installed", "install_url": package.as_uri()}},
            "3rdparty": {"Extensions": {addon_id: {"apiUrl": f"{team_url}/", "apiKey": TEAM_KEY}}},
        }
        with firefox_policy(policies):
            seen, checks, proxied = write_in_firefox(
                firefox_path, team_api, team_url, [{"site": "facebook", "url": FACEBOOK_POST, "text": FACEBOOK_OFFER}],
                tmp_path, tmp_path, extension=tmp_path / "team" / "firefox", installed_by_policy=True,
                own_api_url=NOWHERE)

    assert seen["leftTheMachine"] == [] and proxied == [], f"tried to leave: {seen['leftTheMachine']}, {proxied}"
    check = checks[FACEBOOK_OFFER]
    assert check, "the team's API never received the check"
    assert check[1] == f"Bearer {TEAM_KEY}"
    [shown] = seen["replies"]
    assert shown["badge"]["className"] == "badge error"
    assert shown["badge"]["text"] == str(len(findings(team_api, team_url, check)))
    assert shown["underlined"]["replyguard-error"] == [REFUND]
    assert seen["locked"] == ["apiUrl", "apiKey"]  # the settings page shows what the policy sets, locked
