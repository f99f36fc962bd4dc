"""GET /metrics in Prometheus' format: a real Debian `prometheus` (make test installs it) scrapes `replyguard serve`
with two gunicorn workers, and a PromQL query through Prometheus' HTTP API returns the counts this test produced, so
every worker's counts are in the scrape (multiprocess mode). /metrics answers this machine or the metrics token."""

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, write_settings
from replyguard import create_app

KEY = "rg_metrics-test-key-0123456789abcdefghij"
TOKEN = "metrics-token-0123456789abcdef"
OFFER = "Hej Lone. Du får 20 % rabat på din næste ordre. Mvh Mette"
CHECKS = 6
REPLYGUARD = Path(sys.executable).parent / "replyguard"


def settings_file(folder: Path, token: str = "") -> str:
    path = write_settings(folder / "team.toml", 'rate_limit = "1000 per minute"', keys={"support": KEY})
    with open(path, "a", encoding="utf-8") as file:
        file.write(f'\n[insights]\nstore = "sqlite:///insights.sqlite3"\nmetrics_token = "{token}"\n')
    return path


def wait_for(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, f"{what} stopped: {process.stderr.read() if process.stderr else ''}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        assert time.monotonic() < deadline, f"{what} did not answer within 60 s"
        time.sleep(0.1)


def request(url: str, body: dict | None = None, key: str | None = KEY) -> int:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


class Served:
    """`replyguard serve` with two workers on a free port."""

    def __init__(self, folder: Path):
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.store = folder / "insights.sqlite3"
        self.process = subprocess.Popen([REPLYGUARD, "serve", "--port", str(port), "--workers", "2",
                                         "--config", settings_file(folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=folder)
        wait_for(f"{self.base}/v1/health", self.process, "replyguard serve")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def api(served):
    return served.base


@pytest.fixture
def prometheus(tmp_path, api):
    """Debian's prometheus scraping the API every second; yields a function that runs a PromQL query."""
    binary = shutil.which("prometheus")
    assert binary, "Debian's prometheus is not installed: run `make test`, which installs it"
    port = free_port()
    target = urllib.parse.urlsplit(api).netloc
    config = tmp_path / "prometheus.yml"
    config.write_text(f"global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: replyguard\n"
                      f"    static_configs:\n      - targets: ['{target}']\n", encoding="utf-8")
    process = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                f"--web.listen-address=127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/-/ready", process, "prometheus")

    def query(promql: str) -> float | None:
        url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            result = json.load(answer)["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    yield query
    process.terminate()
    process.wait(timeout=30)


def test_prometheus_scrapes_the_counts_of_every_worker(api, prometheus, served):
    for _ in range(CHECKS):
        assert request(f"{api}/v1/check", {"text": OFFER, "platform": "trustpilot"}) == 200
    posted = {"type": "reply_posted", "platform": "trustpilot", "language": "da", "after_question": True,
              "findings": [{"rule": "no-public-compensation", "severity": "error"}],
              "complaint_posted_at": "2026-01-01T08:00:00Z"}
    assert request(f"{api}/v1/events", posted) == 202
    assert request(f"{api}/v1/check", {"text": OFFER}, key="rg_wrong") == 401

    expected = {
        'sum(replyguard_checks_total{verdict="block", platform="trustpilot", key="support"})': CHECKS,
        'sum(replyguard_findings_total{rule="no-public-compensation", severity="error"})': CHECKS,
        'sum(replyguard_replies_posted_total{verdict="block"})': 1,
        'sum(replyguard_replies_posted_despite_error_total{platform="trustpilot"})': 1,
        # posted long ago: only the open bucket above a week holds it
        'sum(replyguard_answered_complaint_age_seconds_bucket{le="604800.0"})': 0,
        'sum(replyguard_answered_complaint_age_seconds_count{platform="trustpilot"})': 1,
        'sum(replyguard_rejected_requests_total{endpoint="check_api.check", status="401"})': 1,
        'sum(replyguard_request_duration_seconds_count{endpoint="check_api.check"})': CHECKS + 1,
    }
    deadline = time.monotonic() + 60
    while True:
        found = {promql: prometheus(promql) for promql in expected}
        if found == expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert found == expected

    # Stopped, every worker has written its counts to the store: as many as were sent.
    served.stop()
    stored = dict(sqlite3.connect(served.store).execute(
        "SELECT event, SUM(count) FROM insight_counts WHERE label IN ('block', 'no-public-compensation') GROUP BY event"))
    assert stored == {"checked": CHECKS, "finding": CHECKS, "posted": 1, "posted_finding": 1, "posted_after_question": 1}


def test_metrics_answer_this_machine_or_the_token_only(tmp_path):
    client = create_app({"SETTINGS_FILE": settings_file(tmp_path, TOKEN)}).test_client()
    assert client.get("/metrics").status_code == 200  # a Prometheus beside the API
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
    refused = client.get("/metrics", environ_base=elsewhere)
    assert refused.status_code == 401 and "metrics_token" in refused.get_json()["error"]["message"]
    assert client.get("/metrics", environ_base=elsewhere, headers={"Authorization": f"Bearer {KEY}"}).status_code == 401
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"})
    assert proxied.status_code == 401
    scraped = client.get("/metrics", environ_base=elsewhere, headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert scraped.content_type.startswith("text/plain; version=")  # Prometheus' text format
    assert b"# TYPE replyguard_checks_total counter" in scraped.data
