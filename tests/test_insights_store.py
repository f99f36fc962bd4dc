"""The daily counts' store, the same tests for SQLite (one server) and PostgreSQL (several): counts add up however
many processes write at once, the retention setting deletes older rows, and a store that is down never fails a
check: its counts wait in the process and are written once when it is back.

PostgreSQL is Debian's (make test installs it): a cluster of its own in a temporary folder on a free loopback port,
run as a non-root user, for this test session only; the system's own instance is never touched."""

import glob
import logging
import multiprocessing
import os
import pwd
import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from conftest import free_port, write_settings
from replyguard import create_app
from replyguard.insights import counting
from replyguard.insights.counting import PostedReply, Tally
from replyguard.insights.store import Row, StoreUnavailable, open_store
from replyguard.settings import InsightsSettings

TODAY = datetime.now(UTC).date()
OFFER = "Hej Lone. Du får 20 % rabat på din næste ordre. Mvh Mette"


def row(day: date = TODAY, event: str = "checked", label: str = "block", key_id: str = "support") -> Row:
    return Row(day.isoformat(), key_id, "facebook", "da", event, label, "")


class PostgreSQL:
    """A cluster of Debian's PostgreSQL in a temporary folder, started and stopped with pg_ctl as a non-root user."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        assert found, "Debian's postgresql is not installed: run `make test`, which installs it"
        self.bin = Path(found[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="replyguard-postgresql-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://replyguard@127.0.0.1:{self.port}/postgres"
        # initdb refuses to run as root; the cluster belongs to the postgres user (or nobody) instead.
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres" if _user_exists("postgres") else "nobody"
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "--pgdata", self.data, "--username", "replyguard", "--auth", "trust", "--no-sync")

    def _run(self, program: str, *arguments) -> None:
        command = [str(self.bin / program), *map(str, arguments)]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.folder)

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder} -c fsync=off"
        self._run("pg_ctl", "start", "--pgdata", self.data, "--wait", "--log", self.folder / "log", "-o", options)

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "--pgdata", self.data, "--wait", "--mode", "fast")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="session")
def postgresql():
    server = PostgreSQL()
    server.start()
    yield server
    server.stop()
    server.remove()


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request):
    return request.param


@pytest.fixture
def store_url(kind, tmp_path, request):
    """An empty store of each kind."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'insights.sqlite3'}"
    server = request.getfixturevalue("postgresql")
    with psycopg.connect(server.url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS insight_counts")
    return server.url


def test_counts_add_up_in_daily_rows(store_url):
    store = open_store(store_url)
    store.add({row(): 2, row(event="finding", label="kind-tone"): 1})
    store.add({row(): 3})
    assert sorted(store.rows(TODAY.isoformat())) == [(row(), 5), (row(event="finding", label="kind-tone"), 1)]
    assert store.rows((TODAY + timedelta(days=1)).isoformat()) == []


def test_one_teams_rows_are_picked_in_the_database(store_url):
    store = open_store(store_url)
    store.add({row(): 2, row(key_id="webshop"): 1, row(TODAY - timedelta(days=2), key_id="webshop"): 4})
    assert store.rows(TODAY.isoformat(), "webshop") == [(row(key_id="webshop"), 1)]
    assert store.rows(TODAY.isoformat(), "support") == [(row(), 2)]
    assert store.rows(TODAY.isoformat(), "nobody") == []
    assert len(store.rows((TODAY - timedelta(days=2)).isoformat())) == 3  # every team's


def _write_many(store_url: str, times: int) -> None:
    store = open_store(store_url)
    for _ in range(times):
        store.add({row(): 1, row(key_id="other"): 2})


def test_several_processes_writing_at_once_lose_no_count(store_url):
    open_store(store_url).add({row(): 0})  # the table exists before the writers race
    context = multiprocessing.get_context("fork")  # as gunicorn's workers are forks of one process
    writers = [context.Process(target=_write_many, args=(store_url, 40)) for _ in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    assert dict(open_store(store_url).rows(TODAY.isoformat())) == {row(): 160, row(key_id="other"): 320}


def test_retention_deletes_rows_older_than_the_setting(store_url):
    store = open_store(store_url)
    kept, old = TODAY - timedelta(days=10), TODAY - timedelta(days=31)
    store.add({row(kept): 1, row(old): 1})
    tally = Tally(InsightsSettings(store=store_url, retention_days=30))
    counted_before = datetime.now(UTC).date()
    tally.count_post(PostedReply("facebook", "da", "ok", (), False, 5), "support")
    assert tally.flush()
    counted_after = datetime.now(UTC).date()  # the tally counts on the day it is; a run may pass midnight
    days = {stored.day for stored, _ in store.rows((TODAY - timedelta(days=400)).isoformat())}
    assert days in ({kept.isoformat(), counted_before.isoformat()}, {kept.isoformat(), counted_after.isoformat()})


@pytest.fixture
def outage(kind, tmp_path, request):
    """(store URL, take it down, bring it back) for each kind: PostgreSQL stopped, or a SQLite folder taken away."""
    if kind == "postgresql":
        server = request.getfixturevalue("postgresql")
        with psycopg.connect(server.url, autocommit=True) as connection:
            connection.execute("DROP TABLE IF EXISTS insight_counts")
        yield server.url, server.stop, server.start
        if subprocess.run(["runuser", "-u", server.user or "root", "--", str(server.bin / "pg_ctl"), "status",
                           "--pgdata", str(server.data)], capture_output=True).returncode != 0:
            server.start()
        return
    folder, aside = tmp_path / "store", tmp_path / "aside"
    folder.mkdir()

    def take_down():  # as a disk unmounted: the file can't be opened or made
        folder.rename(aside)
        folder.write_text("not a folder")

    def bring_back():
        folder.unlink()
        aside.rename(folder)

    yield f"sqlite:///{folder / 'insights.sqlite3'}", take_down, bring_back


def test_a_store_that_is_down_fails_no_check_and_gets_its_counts_later(outage, tmp_path, caplog):
    store_url, take_down, bring_back = outage
    settings = write_settings(tmp_path / "team.toml")
    with open(settings, "a", encoding="utf-8") as file:
        file.write(f'\n[insights]\nstore = "{store_url}"\n')
    app = create_app({"SETTINGS_FILE": settings})
    client = app.test_client()
    tally = app.extensions["replyguard.insights"]
    assert client.post("/v1/check", json={"text": OFFER}).status_code == 200
    assert tally.flush()

    take_down()
    with caplog.at_level(logging.WARNING, logger="replyguard.insights.counting"):
        for _ in range(3):
            assert client.post("/v1/check", json={"text": OFFER}).status_code == 200
        assert not tally.flush()
        unreachable = client.get("/v1/insights")
        assert unreachable.status_code == 503
        assert "can't be reached" in unreachable.get_json()["error"]["message"]
    assert "insights store unreachable" in caplog.text
    assert OFFER not in caplog.text

    bring_back()
    assert tally.flush()
    report = client.get("/v1/insights?days=1").get_json()
    assert report["totals"]["checked"] == 4  # every check, each counted once


def test_counts_kept_too_long_are_dropped_with_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(counting, "MAX_PENDING_ROWS", 2)
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    tally = Tally(InsightsSettings(store=f"sqlite:///{blocked / 'insights.sqlite3'}"))
    for language in ("da", "en", "da"):
        tally.count_post(PostedReply("facebook", language, "ok", (), True, None), None)
    with caplog.at_level(logging.WARNING, logger="replyguard.insights.counting"):
        assert not tally.flush()
    assert "dropping 6 counts" in caplog.text  # each post, and each asked first


def test_an_unreachable_postgresql_url_is_a_store_error_not_a_crash():
    store = open_store(f"postgresql://replyguard@127.0.0.1:{free_port()}/postgres")
    with pytest.raises(StoreUnavailable):
        store.rows(TODAY.isoformat())
