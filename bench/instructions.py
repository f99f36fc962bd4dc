"""The engine's cost per check in CPU instructions, counted by valgrind, against a baseline counted the same way.

Time per check on a shared machine swings by a third between runs (engine_bench.py judges the targets on each
reply's best round for that reason), which hides a change of a few percent. Instructions don't wait for a core: the
same code on the same replies counts the same to a few hundredths of a percent, so a change's cost can be told from noise.
`--against REV` counts a git revision's engine too (its api/, playbook/ and corpus/, in a temporary copy) and prints
the change. The baseline is one pass of a word regex over the same texts, as in engine_bench.py.

The workloads run in one process under valgrind's callgrind, with instrumentation off while the rules load and the
checker warms up; the parent turns it on for each measured part only (callgrind_control) and reads its count from
the dump that follows. Hash randomisation is off, so that sets and dicts iterate alike in every run.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
WORD = re.compile(r"\w+")
# Workloads: the texts and language engine_bench.py times, and how many rounds are counted (enough that the
# handshake with the parent is lost in the count).
WORKLOADS = {"real replies (en)": 2, "synthetic Danish, 1,000 chars": 1, "synthetic English, 1,000 chars": 1}
BASELINE_ROUNDS = 50


def texts_of(workload: str) -> tuple[list[str], str]:
    from engine_bench import CORPUS, DANISH_SENTENCES, ENGLISH_SENTENCES, synthetic
    if workload.startswith("real"):
        return [json.loads(line)["reply"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()], "en"
    if "Danish" in workload:
        return synthetic(DANISH_SENTENCES, 1000, 30, seed=1), "da"
    return synthetic(ENGLISH_SENTENCES, 1000, 30, seed=2), "en"


def child() -> None:
    """Runs under valgrind: loads the checker once, then for each part (each workload's checks, and its baseline)
    waits for the parent to turn counting on, runs it, and waits while the parent dumps the count."""
    from replyguard.checking.engine import Checker
    from replyguard.checking.rules import load_rules
    from replyguard.settings import load_settings

    checker = Checker(load_rules(), load_settings())
    for workload, rounds in WORKLOADS.items():
        texts, language = texts_of(workload)
        for text in texts:
            checker.check(text, language)
        for repeat, function in [(rounds, lambda text: checker.check(text, language)), (BASELINE_ROUNDS, WORD.findall)]:
            print("ready", flush=True)
            sys.stdin.readline()
            for _ in range(repeat):
                for text in texts:
                    function(text)
            print("done", flush=True)
            sys.stdin.readline()
    os._exit(0)  # no interpreter shutdown: nothing after the last dump counts anyway


def count(api_dir: Path) -> dict[str, tuple[float, float]]:
    """For each workload, instructions per check and per baseline pass, for the engine found in api_dir."""
    with tempfile.TemporaryDirectory() as dumps:
        out = Path(dumps) / "callgrind.out"
        process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             sys.executable, __file__, "--child"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": str(api_dir), "PYTHONHASHSEED": "0"}, cwd=ROOT)
        totals = []
        for part in range(1, 2 * len(WORKLOADS) + 1):
            if process.stdout.readline().strip() != "ready":
                raise SystemExit(f"bench/instructions.py: the engine under valgrind stopped (api at {api_dir})")
            _control("-i", "on", process.pid)
            process.stdin.write("\n")
            process.stdin.flush()
            process.stdout.readline()
            _control("-i", "off", process.pid)
            _control("-d", process.pid)
            process.stdin.write("\n")
            process.stdin.flush()
            totals.append(_total(Path(f"{out}.{part}")))  # callgrind numbers its dumps
        process.wait()
    counts = {}
    for (workload, rounds), check, baseline in zip(WORKLOADS.items(), totals[::2], totals[1::2]):
        size = len(texts_of(workload)[0])
        counts[workload] = check / (rounds * size), baseline / (BASELINE_ROUNDS * size)
    return counts


def _control(*arguments) -> None:
    subprocess.run(["callgrind_control", *map(str, arguments)], check=True, capture_output=True)


def _total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit(f"bench/instructions.py: no total in {dump}")


def revision_tree(revision: str, directory: Path) -> Path:
    """The revision's api/, playbook/ and corpus/ (rule files and models live there), unpacked into directory."""
    archive = subprocess.run(["git", "archive", revision, "api", "playbook", "corpus"], cwd=ROOT, capture_output=True)
    if archive.returncode:
        raise SystemExit(f"bench/instructions.py: can't read revision {revision!r}: "
                         f"{archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return directory / "api"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", metavar="REV", help="also count this git revision's engine and print the change")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
    if subprocess.run(["sh", "-c", "command -v valgrind callgrind_control"], capture_output=True).returncode:
        print("bench/instructions.py: valgrind is not installed (make bench installs it)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as directory:
        other = count(revision_tree(args.against, Path(directory))) if args.against else None
        ours = count(ROOT / "api")
    print("instructions per check, counted by valgrind (×base: over one \\w+ regex pass over the same text)")
    print(f"{'':<34}{'this tree':>12}{'×base':>8}" + (f"{args.against[:12]:>14}{'×base':>8}{'change':>9}" if other else ""))
    for workload, (check, base) in ours.items():
        line = f"{workload:<34}{check / 1e6:>10.2f} M{check / base:>8.0f}"
        if other:
            their_check, their_base = other[workload]
            line += f"{their_check / 1e6:>12.2f} M{their_check / their_base:>8.0f}{check / their_check - 1:>+9.1%}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
