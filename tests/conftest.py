import atexit
import hashlib
import os
import shutil
import socket
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from replyguard import create_app
from replyguard.checking.engine import Checker
from replyguard.checking.rules import load_rules
from replyguard.settings import DEFAULT_SETTINGS_TEXT, load_settings

# The team counts of every app a test starts without naming a store go to a folder of this run's own (the default
# store is in $XDG_STATE_HOME), never into the state folder of whoever runs the tests.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="replyguard-test-state-")
atexit.register(shutil.rmtree, os.environ["XDG_STATE_HOME"], ignore_errors=True)

@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def checker(rules):
    return Checker(rules, load_settings())


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def write_settings(path: Path, api_table: str = "", keys: dict[str, str] | None = None) -> str:
    """A settings file: the demo organisation, an [api] table and API keys ({id: key}), stored hashed as in production."""
    entries = "".join(f'\n[[api.keys]]\nid = "{key_id}"\nsha256 = "{hashlib.sha256(key.encode()).hexdigest()}"\n'
                      for key_id, key in (keys or {}).items())
    path.write_text(f"{DEFAULT_SETTINGS_TEXT}\n[api]\n{api_table}\n{entries}", encoding="utf-8")
    return str(path)


def utf16_len(text: str) -> int:
    """Length as JavaScript's String.length counts it, measured independently of the code under test."""
    return len(text.encode("utf-16-le")) // 2


def apply_suggestion(text: str, start, end, insert, suggestion: str) -> str:
    """What a client does when a person clicks a suggestion (offsets in UTF-16 code units)."""
    if start is None:
        if insert == "replace":
            return suggestion
        return f"{suggestion} {text}" if insert == "start" else f"{text}\n\n{suggestion}"
    units = text.encode("utf-16-le")
    return (units[: 2 * start] + suggestion.encode("utf-16-le") + units[2 * end :]).decode("utf-16-le")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; a browser test without it fails (make test installs it), it never skips."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(path).is_file(), "Debian's chromium is not installed: run `make test`, which installs it"
    return path


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve_in_thread(app, host: str = "127.0.0.1"):
    """Runs a Flask app on a random port of a loopback address for browser tests; yields its base URL."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where browser tests keep screenshots for people to look at (test-artifacts/, ignored by git). They are taken with
    animations="disabled": a card caught in its 0.12 s fade-in looks see-through, which is not what staff see."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
