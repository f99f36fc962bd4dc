"""Chromium with the unpacked extension, the fixture pages served as facebook.com and trustpilot.com, and the real API.

Shared by the extension's tests and its benchmark. Every request that isn't to a fixture page or to the API is
aborted and recorded, so a test can prove that nothing leaves the machine.
"""

import hashlib
import json
import os
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from replyguard.cli import is_loopback

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "extension"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EDITOR_BUNDLE = FIXTURES / "facebook" / "dist" / "editor.bundle.js"

FACEBOOK_POST = "https://www.facebook.com/cykelhuset.demo/posts/1"
TRUSTPILOT_REVIEWS = "https://business.trustpilot.com/reviews"
# The other hosts the extension runs on (Meta Business Suite, Trustpilot's public site), with the same fixture pages.
META_BUSINESS_POST = "https://business.facebook.com/cykelhuset.demo/posts/1"
TRUSTPILOT_PUBLIC_REVIEWS = "https://www.trustpilot.com/reviews"
PAGES = {
    FACEBOOK_POST: (FIXTURES / "facebook" / "post.html", "text/html"),
    "https://www.facebook.com/static/editor.bundle.js": (EDITOR_BUNDLE, "text/javascript"),
    META_BUSINESS_POST: (FIXTURES / "facebook" / "post.html", "text/html"),
    "https://business.facebook.com/static/editor.bundle.js": (EDITOR_BUNDLE, "text/javascript"),
    TRUSTPILOT_REVIEWS: (FIXTURES / "trustpilot" / "reviews.html", "text/html"),
    TRUSTPILOT_PUBLIC_REVIEWS: (FIXTURES / "trustpilot" / "reviews.html", "text/html"),
}
FIXTURE_HOSTS = {urlsplit(url).hostname for url in PAGES}
# Where Debian's Chromium reads the policies an administrator makes mandatory (Google Chrome: /etc/opt/chrome/...).
POLICY_DIR = Path("/etc/chromium/policies/managed")


def open_facebook_reply_box(page):
    """Opens the reply box under Lone Jensen's comment as a person does (it appears only then) and puts the cursor in
    it; returns the box."""
    page.get_by_role("button", name="Reply").click()
    box = page.get_by_role("textbox", name="Reply to Lone Jensen")
    box.click()
    return box


class DelayedApi:
    """The API as a WSGI app whose checks can be made slow, like a busy server; it counts checks running at once."""

    def __init__(self, app):
        self.app = app
        self.check_delay = 0.0
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != "/v1/check":
            return self.app(environ, start_response)
        with self._lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            time.sleep(self.check_delay)
            return self.app(environ, start_response)
        finally:
            with self._lock:
                self.running -= 1


class ExtensionBrowser:
    def __init__(self, context, api_url):
        self.context = context
        self.api_url = api_url
        self.left_the_machine = []  # URLs the browser tried to reach that are neither fixture pages nor loopback
        self.check_bodies = []  # what the extension sent to /v1/check, so tests can see the context it read
        context.route("**/*", self._route)
        worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
        self.worker = worker
        self.extension_id = urlsplit(worker.url).hostname
        # Chromium answers the first read of managed storage (policy) only once its policies have loaded, seconds
        # after it starts; a person's browser has long been running when they write a reply, so the tests wait too.
        worker.evaluate("() => chrome.storage.managed.get(null)")

    def _route(self, route):
        request = route.request
        if request.url.startswith("chrome-extension://"):  # the extension's own files (its options page)
            route.continue_()
        elif is_loopback(urlsplit(request.url).hostname or ""):  # the API, running or stopped: loopback stays here
            if request.url.endswith("/v1/check") and request.post_data:
                self.check_bodies.append(request.post_data_json)
            route.continue_()
        elif request.url in PAGES:
            path, content_type = PAGES[request.url]
            route.fulfill(body=path.read_bytes(), content_type=content_type)
        elif urlsplit(request.url).hostname in FIXTURE_HOSTS:
            route.fulfill(status=404, body="")
        else:
            self.left_the_machine.append(request.url)
            route.abort()

    def settings(self, **values):
        """Writes the extension's settings (chrome.storage.local) and forgets any back-off from earlier failures."""
        self.worker.evaluate(
            "async (values) => { await chrome.storage.local.set(values); await chrome.storage.session.clear(); }",
            values,
        )

    def open(self, url):
        page = self.context.new_page()
        page.goto(url)
        return page

    def reset(self):
        """The settings every test starts from: the test API, no key, language detected, every site on."""
        self.settings(apiUrl=self.api_url, apiKey="", language="auto", sites={"facebook": True, "trustpilot": True})

    @contextmanager
    def tabs(self):
        """Yields `open(url)` for one test; afterwards its tabs close and the extension is reset for the next test."""
        opened = []
        self.check_bodies.clear()

        def open_url(url):
            opened.append(self.open(url))
            return opened[-1]

        try:
            yield open_url
        finally:
            for page in opened:
                page.close()
            self.reset()


def unpacked_extension_id(folder: Path) -> str:
    """The ID Chromium gives an extension loaded from a folder: the SHA-256 of the folder's path, its first 32 hex
    digits written with the letters a to p."""
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:32]
    return "".join(chr(ord("a") + int(digit, 16)) for digit in digest)


@contextmanager
def extension_policy(values: dict):
    """Settings for the extension as an administrator pushes them (Chromium's "3rdparty" policy, which the extension
    reads from chrome.storage.managed), for the browsers started inside. Policy files belong to root, so this writes
    one as root, or through `sudo -n`, and removes it afterwards."""
    path = POLICY_DIR / f"replyguard-test-{os.getpid()}.json"
    policy = json.dumps({"3rdparty": {"extensions": {unpacked_extension_id(EXTENSION): values}}})
    as_root(f"mkdir -p '{POLICY_DIR}' && cat > '{path}'", policy, f"Chromium's policy in {POLICY_DIR}")
    try:
        yield
    finally:
        as_root(f"rm -f '{path}'", what=f"Chromium's policy in {POLICY_DIR}")


def as_root(script: str, stdin: str = "", what: str = "") -> None:
    """Runs a shell script as root (or through password-less sudo, as make test's apt-get does): browsers read the
    policies an administrator sets from files only root may write. `what` names them in the failure."""
    command = ["sh", "-c", script] if os.geteuid() == 0 else ["sudo", "-n", "sh", "-c", script]
    result = subprocess.run(command, input=stdin, capture_output=True, text=True)
    assert result.returncode == 0, (f"could not write {what} (needs root or password-less sudo, like make test's "
                                    f"apt-get): {result.stderr.strip()}")


@contextmanager
def extension_browser(chromium_path: str, api_url: str, language: str | None = None):
    """Yields an ExtensionBrowser pointed at the API at api_url, its user interface in `language` if given."""
    assert EDITOR_BUNDLE.is_file(), "the Facebook fixture's Lexical bundle is missing: run `make fixtures` (make test does)"
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium_path,
            headless=True,
            viewport={"width": 900, "height": 700},
            args=[f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}"],
            # On Linux Chromium takes its user-interface language, which chrome.i18n reports, from LANGUAGE.
            env={**os.environ, "LANGUAGE": language} if language else None,
        )
        try:
            browser = ExtensionBrowser(context, api_url)
            browser.reset()
            yield browser
        finally:
            context.close()


def sent_check(page, browser, text):
    """The check the extension sent for this text, once it has been sent."""
    for _ in range(100):
        sent = [body for body in browser.check_bodies if body["text"] == text]
        if sent:
            return sent[-1]
        page.wait_for_timeout(50)
    raise AssertionError(f"the extension never sent {text!r} to the API")
