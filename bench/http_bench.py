"""HTTP speed: the real API under a whole team's load, against a bare Flask endpoint served the same way.

Both run under gunicorn on loopback with the same workers and settings (replyguard.cli.run_gunicorn); wrk keeps 32
connections posting realistic replies (real ones from the corpus when it is there, and Danish and English
synthetic ones) for a fixed time. The two are loaded in turns, a few rounds each, so that whatever else the machine
is doing weighs on both alike. The real API runs as in production: a key required, the rate limit on, the access
log written. The bare endpoint only parses the same JSON and answers, so the ratio says how much of the HTTP path's
capacity the checking (and the access control around it) leaves. Targets (issue 5): zero errors, ratio >= 0.8.
Afterwards both apps are timed in this process without sockets, and the checking alone, to show where the time goes.
"""

import argparse
import hashlib
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from engine_bench import CORPUS, DANISH_SENTENCES, ENGLISH_SENTENCES, synthetic

from replyguard.settings import DEFAULT_SETTINGS_TEXT

CONNECTIONS = 32
KEY = "rg_bench-key-0123456789abcdefghijklmnopqrstuvwxyz"
# Prints wrk's figures as one JSON line once the run is over.
REPORT_LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
"""


def bodies(count: int) -> list[str]:
    """Check requests as the extension sends them: the reply, and the complaint when there is one."""
    if CORPUS.is_file():
        pairs = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
        replies = [{"text": p["reply"], "platform": "facebook", "context": {"complaint": p["complaint"]}} for p in pairs]
    else:
        replies = []
    rng = random.Random(5)
    for sentences, seed in ((DANISH_SENTENCES, 1), (ENGLISH_SENTENCES, 2)):
        replies += [{"text": text, "platform": "trustpilot"}
                    for text in synthetic(sentences, rng.choice([200, 400, 800]), count // 4, seed)]
    rng.shuffle(replies)
    return [json.dumps(reply, ensure_ascii=False) for reply in replies[:count]]


def lua_string(text: str) -> str:
    """A Lua string literal holding exactly these UTF-8 bytes."""
    return '"' + "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) == " ") else f"\\{b:03d}"
                         for b in text.encode()) + '"'


def wrk_script(bodies_: list[str], with_key: bool) -> str:
    headers = '{["Content-Type"] = "application/json"' + (f', ["Authorization"] = "Bearer {KEY}"' if with_key else "")
    return (f"local bodies = {{{', '.join(lua_string(body) for body in bodies_)}}}\n"
            f"local headers = {headers}}}\n"
            "local next_body = 0\n"
            "request = function()\n"
            "  next_body = next_body % #bodies + 1\n"
            '  return wrk.format("POST", "/v1/check", headers, bodies[next_body])\n'
            "end\n" + REPORT_LUA)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"server did not start: {server.stderr.read().decode()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    sys.exit("server did not answer /v1/health within a minute")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, for the master and its workers
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def load(port: int, script: Path, seconds: int) -> dict:
    result = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
                             f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["errors"] = sum(figures[kind] for kind in ("connect", "read", "write", "status", "timeout"))
    return figures


def report(name: str, rounds: list[dict]) -> dict:
    requests, seconds = sum(r["requests"] for r in rounds), sum(r["seconds"] for r in rounds)
    total = {"rps": requests / seconds, "errors": sum(r["errors"] for r in rounds),
             "p50_ms": statistics.median(r["p50_us"] for r in rounds) / 1000,
             "p99_ms": max(r["p99_us"] for r in rounds) / 1000}
    print(f"{name:<40}{total['rps']:9.0f} req/s   p50 {total['p50_ms']:6.2f} ms   p99 {total['p99_ms']:6.2f} ms   "
          f"errors {total['errors']}")
    return total


def bare_app():
    """The baseline: Flask parsing the same JSON and answering, with nothing else."""
    from flask import Flask, jsonify, request

    bare = Flask("bare")

    @bare.post("/v1/check")
    def parse_and_answer():
        body = request.get_json()
        return jsonify(received=len(body["text"]))

    @bare.get("/v1/health")
    def health():
        return jsonify(status="ok")

    return bare


def serve_bare(port: int, workers: int) -> None:
    from replyguard.cli import run_gunicorn

    run_gunicorn(bare_app(), f"127.0.0.1:{port}", workers=workers)


def costs_in_process(sample: list[str], settings: Path) -> None:
    """Where a request's time goes, without sockets, server or load generator: both apps called directly as WSGI,
    the real one's checking alone, the rest of its request (the same answers looked up instead of checked), and the
    checking's biggest parts (language, the complaint's classification, each rule). Best of 5 rounds."""
    from werkzeug.test import EnvironBuilder

    from replyguard import create_app
    from replyguard.web import access_log

    real = create_app({"SETTINGS_FILE": str(settings)})
    access_log.send_to(open(os.devnull, "w", encoding="utf-8"))  # written and thrown away, as in the load test
    requests = [(body.encode(), EnvironBuilder(path="/v1/check", method="POST", data=body.encode(), headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}).get_environ()) for body in sample]

    def serve_all(app):
        for body, environ in requests:
            statuses = []
            b"".join(app({**environ, "wsgi.input": io.BytesIO(body)}, lambda status, *_: statuses.append(status)))
            assert statuses[0].startswith("200"), statuses

    checker = real.extensions["replyguard"]
    parsed = [json.loads(body) for body in sample]

    def check_all(_app):
        for body in parsed:
            checker.check(body["text"], body.get("language", "auto"), body.get("context"))

    # The request without the checking: the same answers (findings counted, messages and links written), looked up
    # instead of computed, so what remains is the key, the limit, the access log, validation, counting and the answer.
    around = create_app({"SETTINGS_FILE": str(settings)})
    known = {(body["text"], str(body.get("context"))): checker.check(body["text"], body.get("language", "auto"),
                                                                    body.get("context")) for body in parsed}
    around.extensions["replyguard"].check = lambda text, language="auto", context=None, now=None: known[
        (text, str(context or None))]

    print("per request, in this process (no sockets):")
    for name, run, app in (("bare Flask", serve_all, bare_app()), ("replyguard, whole request", serve_all, real),
                           ("replyguard, checking only", check_all, None),
                           ("replyguard, all but the checking", serve_all, around)):
        run(app)  # warm
        rounds = []
        for _ in range(5):
            started = time.perf_counter()
            run(app)
            rounds.append((time.perf_counter() - started) / len(sample) * 1000)
        print(f"  {name:<38}{min(rounds):6.3f} ms")
    print("  of the checking (best of 5, per request):")
    for part, seconds in checking_parts(checker, parsed).items():
        print(f"    {part:<36}{seconds * 1000:6.3f} ms")


def checking_parts(checker, parsed: list[dict]) -> dict[str, float]:
    """The checking's time by part: telling the language, classifying the complaint, the sentence models (read once
    for every rule that uses them), and each rule's own work."""
    from replyguard.checking.language import detect_language
    from replyguard.checking.text import Utf16Offsets

    best: dict[str, float] = {}
    for _ in range(5):
        spent: Counter = Counter()
        for body in parsed:
            text, context = body["text"], body.get("context") or {}
            started = time.perf_counter()
            language = body.get("language") or detect_language(text)
            spent["telling the language"] += time.perf_counter() - started
            started = time.perf_counter()
            complaint = checker.classifier.classify(context["complaint"], language) if context.get("complaint") else None
            spent["classifying the complaint"] += time.perf_counter() - started
            # read as the checker reads it: the sentence models the answered kind's rules use (Checker.check)
            prepared = checker.prepare(text, language, context, complaint.kind if complaint else None)
            utf16 = Utf16Offsets(text)
            started = time.perf_counter()
            prepared.sentence_probabilities()
            spent["the sentence models (tone, evasion, compensation, writing, arguing)"] += time.perf_counter() - started
            for compiled in checker._compiled[language]:
                started = time.perf_counter()
                if compiled.applies(prepared, complaint.kind if complaint else "complaint"):
                    list(compiled.findings(prepared, utf16))
                spent[f"rule {compiled.rule.id}"] += time.perf_counter() - started
        for part, seconds in spent.items():
            best[part] = min(best.get(part, seconds), seconds)
    return {part: seconds / len(parsed) for part, seconds in sorted(best.items(), key=lambda item: -item[1])[:8]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="load time per round and server (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="turns each server gets (default 3)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers for both servers (default: replyguard serve's, 2 per core + 1)")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        serve_bare(args.bare_server, args.workers)
        return 0

    with tempfile.TemporaryDirectory(prefix="replyguard-bench-") as folder:
        settings = Path(folder, "bench.toml")
        # A limit the load stays under, so the limiter is paid for in every request but never refuses one.
        settings.write_text(f'{DEFAULT_SETTINGS_TEXT}\n[api]\nrate_limit = "100000000 per minute"\n'
                            f'[[api.keys]]\nid = "bench"\nsha256 = "{hashlib.sha256(KEY.encode()).hexdigest()}"\n',
                            encoding="utf-8")
        sample = bodies(400)
        real_script, bare_script = Path(folder, "real.lua"), Path(folder, "bare.lua")
        real_script.write_text(wrk_script(sample, with_key=True), encoding="utf-8")
        bare_script.write_text(wrk_script(sample, with_key=False), encoding="utf-8")

        print(f"{len(sample)} replies (mean {sum(map(len, sample)) / len(sample):.0f} bytes of JSON), "
              f"{CONNECTIONS} connections, {args.rounds} rounds of {args.seconds} s each, "
              f"{args.workers} gunicorn workers, {os.cpu_count()} cores")
        real_port, bare_port = free_port(), free_port()
        servers = [
            start([sys.executable, "-m", "replyguard.cli", "serve", "--port", str(real_port),
                   "--workers", str(args.workers), "--config", str(settings)], real_port),
            start([sys.executable, __file__, "--bare-server", str(bare_port), "--workers", str(args.workers)], bare_port),
        ]
        try:
            for port, script in ((real_port, real_script), (bare_port, bare_script)):
                load(port, script, 2)  # warm-up: connections, caches, the language models' pages in each worker
            real_rounds, bare_rounds = [], []
            for _ in range(args.rounds):
                real_rounds.append(load(real_port, real_script, args.seconds))
                bare_rounds.append(load(bare_port, bare_script, args.seconds))
        finally:
            for server in servers:
                stop(server)
        real = report("replyguard POST /v1/check (key, limit)", real_rounds)
        bare = report("bare Flask: parse the JSON, answer", bare_rounds)
        costs_in_process(sample, settings)

    ratio = real["rps"] / bare["rps"]
    errors = real["errors"] + bare["errors"]
    print(f"ratio {ratio:.2f} (target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'}); "
          f"errors {errors} (target 0: {'met' if errors == 0 else 'MISSED'})")
    return 0 if ratio >= 0.8 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
