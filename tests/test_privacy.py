"""Customers' words and staff drafts are never logged or stored: a unique marker goes through every endpoint of a real
`replyguard serve`, in bodies, query strings and headers, on good and bad requests, and is then looked for in
everything the server wrote: its output, its access log and the files on disk."""

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import free_port, serve_in_thread, write_settings
from replyguard import create_app
from replyguard.web.openapi import load_document

ROOT = Path(__file__).resolve().parent.parent
KEY = "rg_privacy-test-key-0123456789abcdefghijklmnop"
MARKER = f"privacymarker{uuid.uuid4().hex}"  # ASCII, so no escaping (JSON's \u00f8) could hide it from the search
REPLY = f"Hej Lone {MARKER}. Det er vi kede af. Du får et gavekort {MARKER}. Ring på 70 20 30 40. Mvh Mette"
COMPLAINT = f"Min cykel {MARKER} var ikke klar, og ingen svarede."
ACCESS_FIELDS = {"time", "method", "path", "status", "duration_ms", "key"}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # one request, one access-log line: /playbook's 301 is an answer of its own


OPENER = urllib.request.build_opener(_NoRedirects)


def send(base: str, method: str, path: str, *, query: dict | None = None, body: bytes | None = None,
         content_type: str | None = None, key: str | None = KEY) -> tuple[int, str]:
    url = base + path + ("?" + urllib.parse.urlencode(query) if query else "")
    request = urllib.request.Request(url, data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def requests_carrying_the_marker() -> list[dict]:
    """Every documented operation, with the marker in each place a client could put text; and bad requests too."""
    json_body = json.dumps({"text": REPLY, "language": "da", "context": {"complaint": COMPLAINT}}).encode()
    form_body = urllib.parse.urlencode({"text": REPLY, "language": "da"}).encode()
    annotated = json.dumps({"annotation": [{"text": REPLY}, {"markup": f"<b>{MARKER}</b>"}]})
    sent = []
    for path, operations in load_document()["paths"].items():
        path = path.replace("{path}", "index.html")  # a page of the site; paths carry no customer text
        for method in operations:
            sent += [
                {"method": method.upper(), "path": path, "query": {"text": REPLY, "language": "da", "q": MARKER}},
                {"method": method.upper(), "path": path, "query": {"data": annotated, "language": "auto"}},
                {"method": method.upper(), "path": path, "body": json_body, "content_type": "application/json"},
                {"method": method.upper(), "path": path, "body": form_body,
                 "content_type": "application/x-www-form-urlencoded"},
                {"method": method.upper(), "path": path, "body": json_body, "content_type": "application/json",
                 "key": MARKER},  # a key that is the marker: refused, and not logged either
            ]
    too_long = json.dumps({"text": f"{MARKER} " * 2000}).encode()
    too_big = json.dumps({"text": "Hej", "context": {"complaint": f"{MARKER} " * 5000}}).encode()
    sent += [
        {"method": "POST", "path": "/v1/check", "body": too_long, "content_type": "application/json"},
        {"method": "POST", "path": "/v1/check", "body": too_big, "content_type": "application/json"},
        {"method": "POST", "path": "/v1/check", "body": f'{{"text": "{MARKER}"'.encode(),
         "content_type": "application/json"},
        {"method": "POST", "path": "/v1/check", "body": json.dumps({"text": REPLY, "language": MARKER}).encode(),
         "content_type": "application/json"},
        {"method": "POST", "path": "/v1/check", "body": REPLY.encode(), "content_type": "text/plain"},
        {"method": "GET", "path": "/v1/no-such-route", "query": {"text": REPLY}},
        {"method": "GET", "path": "/v1/check", "query": {"text": REPLY}},
    ]
    return sent


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A real server whose home, temporary folder and working folder are one fresh folder we can search afterwards."""
    folder = tmp_path_factory.mktemp("privacy")
    settings_file = write_settings(folder / "team.toml", keys={"team": KEY})
    port = free_port()
    env = {**os.environ, "HOME": str(folder), "TMPDIR": str(folder), "XDG_RUNTIME_DIR": str(folder)}
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "replyguard.cli", "serve", "--port", str(port), "--workers", "2",
         "--config", settings_file], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _up(base):
            assert process.poll() is None and time.monotonic() < deadline, "replyguard serve did not start"
            time.sleep(0.2)
        yield {"base": base, "process": process, "folder": folder, "started": started}
    finally:
        if process.poll() is None:  # the test failed before stopping it: stop the server and its workers
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def _up(base: str) -> bool:
    try:
        urllib.request.urlopen(f"{base}/v1/health", timeout=2).close()
        return True
    except OSError:
        return False


def files_changed_since(folder: Path, since: float, skip: tuple[str, ...] = ()):
    for path in folder.rglob("*"):
        if any(part in skip for part in path.relative_to(folder).parts):
            continue
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime >= since:
            yield path


def test_marker_sent_everywhere_appears_in_no_log_and_no_file(served):
    sent = requests_carrying_the_marker()
    answers = [send(served["base"], r["method"], r["path"], query=r.get("query"), body=r.get("body"),
                    content_type=r.get("content_type"), key=r.get("key", KEY)) for r in sent]
    statuses = {status for status, _ in answers}
    assert 200 in statuses and {400, 401, 404, 405, 413, 415} <= statuses, statuses
    assert all(status < 500 for status in statuses)
    assert any(MARKER in body for _, body in answers), "the marker should have reached the engine"

    process = served["process"]
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=40)
    assert process.returncode == 0, err

    assert MARKER not in out and MARKER not in err
    access = [json.loads(line) for line in out.splitlines()]
    assert len(access) == len(sent) + 1  # and the health check that waited for the start
    for line in access:
        assert set(line) == ACCESS_FIELDS
        assert line["key"] in ("team", None)
    assert [line["status"] for line in access[1:]] == [status for status, _ in answers]

    written = list(files_changed_since(served["folder"], 0)) + list(
        files_changed_since(ROOT, served["started"], skip=(".git", "node_modules")))
    holding = [path for path in written if MARKER.encode() in path.read_bytes()]
    assert holding == [], f"the marker was written to {holding}"


def test_an_unexpected_error_is_logged_without_its_message(caplog):
    app = create_app()

    def broken():
        raise ValueError(f"could not handle {REPLY}")

    app.add_url_rule("/v1/broken", "broken", broken)
    caplog.set_level(logging.DEBUG)
    response = app.test_client().get("/v1/broken")
    assert response.status_code == 500 and response.get_json()["error"]["code"] == 500
    assert MARKER not in response.get_data(as_text=True)
    assert "unexpected ValueError" in caplog.text and MARKER not in caplog.text


def test_development_server_logs_no_query_strings(capfd, caplog):
    caplog.set_level(logging.DEBUG)
    with serve_in_thread(create_app()) as base:
        assert send(base, "GET", "/v2/check", query={"text": REPLY, "language": "da"}, key=None)[0] == 200
    out, err = capfd.readouterr()
    assert MARKER not in out + err + caplog.text
