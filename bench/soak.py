"""`make soak`: the API as a team runs it, under a steady mixed load for a long while (issue 14).

`replyguard serve` with its default workers, an API key, the team counts in a SQLite store and a metrics token, is
first loaded flat out with checks (wrk, as bench/http_bench.py does) to measure its capacity. Then, for --minutes
(15 by default), requests arrive at half that rate on a fixed schedule, from a pool of client threads with
keep-alive connections: checks (with and without the complaint), classifications, the extension's "reply posted"
events, and a Prometheus scrape of /metrics every few seconds. Afterwards:

- errors: every answer must be 2xx (no timeouts, no refusals);
- memory: no worker's resident memory may grow by more than 10 % between the end of the warm-up (the first fifth of
  the run, at least a minute) and the end;
- latency: the 99th percentile of the last minute must be within 20 % of the first minute's after the warm-up;
- counts: once the server has stopped (gracefully: each worker writes what it counted last), the store's counts of
  checks and posted replies must equal the requests that were answered.

Exits 1 when any of these fails. Reply texts are the benchmark's own (real corpus replies when ../shared is there).
"""

import argparse
import hashlib
import http.client
import itertools
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from http_bench import KEY, bodies, free_port, load, start, stop, wrk_script

from replyguard.insights.store import open_store
from replyguard.settings import DEFAULT_SETTINGS_TEXT

METRICS_TOKEN = "soak-metrics-token-0123456789"
CLIENT_THREADS = 16
SCRAPE_SECONDS = 5
MEMORY_SAMPLE_SECONDS = 10
# The share of each kind in the load (the metrics scrapes come on their own clock).
MIX = (("check", 0.75), ("classify", 0.10), ("event", 0.15))
RULES_POSTED = [[], [{"rule": "no-public-compensation", "severity": "error"}],
                [{"rule": "offer-phone", "severity": "warning"}, {"rule": "sign-with-name", "severity": "warning"}]]


def requests_to_send(sample: list[str], seed: int = 7):
    """An endless, reproducible stream of (kind, path, body) in the proportions of MIX."""
    rng = random.Random(seed)
    kinds, weights = zip(*MIX)
    for number in itertools.count():
        kind = rng.choices(kinds, weights)[0]
        reply = json.loads(sample[number % len(sample)])
        if kind == "check":
            yield kind, "/v1/check", reply
        elif kind == "classify":
            yield kind, "/v1/classify", {"text": reply.get("context", {}).get("complaint") or reply["text"]}
        else:
            posted_at = datetime.now(UTC) - timedelta(minutes=rng.choice([5, 40, 90, 200, 3000]))
            yield kind, "/v1/events", {"type": "reply_posted", "platform": reply["platform"],
                                       "language": rng.choice(["da", "en"]), "findings": rng.choice(RULES_POSTED),
                                       "after_question": rng.random() < 0.2,
                                       "complaint_posted_at": posted_at.isoformat()}


class Schedule:
    """The requests in order, each with the moment it is due: one every 1/rate seconds from the start."""

    def __init__(self, requests, started: float, rate: float):
        self.requests, self.started, self.rate = requests, started, rate
        self.number = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            due = self.started + self.number / self.rate
            self.number += 1
            return due, next(self.requests)


class Results:
    """What the clients saw, by minute of the run: latencies, answers, failures."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)  # minute -> seconds
        self.answered = Counter()  # kind -> 2xx answers
        self.failures = Counter()  # "kind: status or error" -> count

    def record(self, minute: int, kind: str, seconds: float, status: int | None, error: str | None = None):
        with self.lock:
            if status is not None and 200 <= status < 300:
                self.answered[kind] += 1
                self.latencies[minute].append(seconds)
            else:
                self.failures[f"{kind}: {error or status}"] += 1


def client(port: int, schedule, started: float, stop_at: float, results: Results):
    """Sends the scheduled requests on one keep-alive connection, each at its time (late ones at once)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
    while True:
        at, (kind, path, body) = schedule.next()
        if at >= stop_at:
            break
        time.sleep(max(0.0, at - time.monotonic()))
        sent = time.monotonic()
        try:
            connection.request("POST", path, json.dumps(body, ensure_ascii=False).encode(), headers)
            response = connection.getresponse()
            response.read()
            results.record(int((sent - started) // 60), kind, time.monotonic() - sent, response.status)
        except (OSError, http.client.HTTPException) as error:
            results.record(int((sent - started) // 60), kind, time.monotonic() - sent, None, type(error).__name__)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.close()


def scraper(port: int, stop_at: float, results: Results, started: float):
    while time.monotonic() < stop_at:
        sent = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            response = connection.getresponse()
            response.read()
            results.record(int((sent - started) // 60), "metrics", time.monotonic() - sent, response.status)
        except (OSError, http.client.HTTPException) as error:
            results.record(int((sent - started) // 60), "metrics", 0.0, None, type(error).__name__)
        finally:
            connection.close()
        time.sleep(SCRAPE_SECONDS)


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def resident_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def memory_watch(master: int, stop_at: float, samples: dict):
    """Every worker's resident memory every few seconds: {pid: [(seconds into the run, KiB)]}."""
    started = time.monotonic()
    while time.monotonic() < stop_at:
        for pid in workers_of(master):
            kib = resident_kib(pid)
            if kib:
                samples.setdefault(pid, []).append((time.monotonic() - started, kib))
        time.sleep(MEMORY_SAMPLE_SECONDS)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else (values[0] if values else 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=15, help="how long the steady load runs (default 15)")
    parser.add_argument("--share", type=float, default=0.5, help="the load as a share of the capacity (default 0.5)")
    args = parser.parse_args()
    if args.minutes < 3:
        sys.exit("--minutes: at least 3, so that the first minute after the warm-up and the last one differ")

    with tempfile.TemporaryDirectory(prefix="replyguard-soak-") as folder:
        store_file = Path(folder, "insights.sqlite3")
        settings = Path(folder, "soak.toml")
        settings.write_text(f'{DEFAULT_SETTINGS_TEXT}\n[api]\nrate_limit = "100000000 per minute"\n'
                            f'[[api.keys]]\nid = "soak"\nsha256 = "{hashlib.sha256(KEY.encode()).hexdigest()}"\n'
                            f'[insights]\nstore = "sqlite:///{store_file}"\nmetrics_token = "{METRICS_TOKEN}"\n',
                            encoding="utf-8")
        sample = bodies(400)
        port = free_port()
        server = start([sys.executable, "-m", "replyguard.cli", "serve", "--port", str(port), "--config",
                        str(settings)], port)
        try:
            script = Path(folder, "checks.lua")
            script.write_text(wrk_script(sample, with_key=True), encoding="utf-8")
            load(port, script, 3)  # warm-up
            capacity = load(port, script, 10)["rps"]
            rate = capacity * args.share
            workers = workers_of(server.pid)
            print(f"capacity {capacity:.0f} checks/s with {len(workers)} workers; soaking at {rate:.0f} requests/s "
                  f"for {args.minutes:g} minutes", flush=True)
            # The wrk runs counted too; the store's counts are compared with what the soak adds to them.
            time.sleep(6)  # the workers write their counts every 5 s
            before = stored_counts(store_file)

            results, memory = Results(), {}
            started = time.monotonic()
            stop_at = started + args.minutes * 60
            shared = Schedule(requests_to_send(sample), started, rate)
            threads = [threading.Thread(target=client, args=(port, shared, started, stop_at, results))
                       for _ in range(CLIENT_THREADS)]
            threads.append(threading.Thread(target=scraper, args=(port, stop_at, results, started)))
            threads.append(threading.Thread(target=memory_watch, args=(server.pid, stop_at, memory)))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            stop(server)
        after = stored_counts(store_file)

    return judge(results, memory, before, after, args.minutes)


def stored_counts(store_file: Path) -> Counter:
    """The store's counts of checks and of posted replies, all days."""
    if not store_file.exists():
        return Counter()
    counts = Counter()
    for row, count in open_store(f"sqlite:///{store_file}").rows("0000-01-01"):
        if row.event in ("checked", "posted"):
            counts[row.event] += count
    return counts


def judge(results: Results, memory: dict, before: Counter, after: Counter, minutes: float) -> int:
    ok = True
    total = sum(results.answered.values())
    failed = sum(results.failures.values())
    print(f"answered {total} requests ({', '.join(f'{n} {kind}' for kind, n in sorted(results.answered.items()))})")
    print(f"errors: {failed} (target 0: {'met' if not failed else 'MISSED'})"
          + "".join(f"\n  {what}: {n}" for what, n in results.failures.most_common()))
    ok &= not failed

    warm = max(60.0, minutes * 60 / 5)
    minutes_seen = sorted(results.latencies)
    first, last = next(m for m in minutes_seen if m * 60 >= warm), minutes_seen[-1]
    if last == int(minutes) and len(results.latencies[last]) < len(results.latencies[first]) / 2:
        last -= 1  # a last, partial minute says little
    first_p99, last_p99 = p99(results.latencies[first]), p99(results.latencies[last])
    by_minute = ", ".join(f"{m}: {p99(results.latencies[m]) * 1000:.1f}" for m in minutes_seen)
    print(f"p99 latency by minute (ms): {by_minute}")
    within = last_p99 <= first_p99 * 1.2
    print(f"p99 in the last minute {last_p99 * 1000:.1f} ms, in the first after the warm-up "
          f"{first_p99 * 1000:.1f} ms (target: within 20 %: {'met' if within else 'MISSED'})")
    ok &= within

    for pid, samples in sorted(memory.items()):
        settled = [kib for seconds, kib in samples if seconds >= warm]
        if len(settled) < 2:
            print(f"worker {pid}: too few memory samples after the warm-up (was it restarted?)")
            ok = False
            continue
        growth = settled[-1] / settled[0] - 1
        print(f"worker {pid}: {settled[0] / 1024:.1f} MiB after warm-up, {settled[-1] / 1024:.1f} MiB at the end "
              f"({growth:+.1%}; target <= +10 %: {'met' if growth <= 0.10 else 'MISSED'})")
        ok &= growth <= 0.10

    for event, kind in (("checked", "check"), ("posted", "event")):
        stored = after[event] - before[event]
        same = stored == results.answered[kind]
        print(f"stored {event}: {stored}, answered {kind} requests: {results.answered[kind]} "
              f"({'equal' if same else 'MISSED: not equal'})")
        ok &= same
    print("soak: all targets met" if ok else "soak: targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
