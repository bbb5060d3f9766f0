"""Benchmark every reader of user files on hostile inputs: time and peak memory of each refusal,
beside the same reader on a normal file in the same run.

    .venv/bin/python benchmarks/bench_hostile.py --big-mb 2048 --at-limit

Each case runs `playbooks ...` in a fresh process that reports its exit code and its peak
resident memory (VmHWM from /proc/self/status: ru_maxrss would start from the forking
parent's size); the wall time includes the interpreter's start-up. Cases: the alias bomb
(anchors nested eight deep), 200 KB of nested brackets, a real (not sparse) file of
`--big-mb` megabytes given to each reader, and with `--at-limit` a file just under each
kind's size limit, read whole.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "data" / "hostile"
EXAMPLE = ROOT / "playbooks" / "advice" / "examples" / "journey_b2b_software.csv"
MEASURE = """
import json, resource, sys
from playbooks.cli import main
try:
    main(sys.argv[1:])
    code = 0
except SystemExit as stop:
    code = stop.code
# VmHWM: this process's own peak (ru_maxrss would start from the forking parent's size)
peak = next((int(line.split()[1]) for line in open("/proc/self/status")
             if line.startswith("VmHWM:")), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(json.dumps({"code": code, "max_rss_mb": peak / 1024}))
"""


def measure(args: list[str], env: dict[str, str]) -> dict:
    """Run `playbooks ARGS` in a new process: exit code, wall seconds, peak MB, message size."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=3600)
    seconds = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {"code": done.returncode, "max_rss_mb": -1}
    return {**result, "seconds": seconds, "message_chars": len(done.stderr),
            "traceback": "Traceback" in done.stderr}


def write_big(path: Path, megabytes: int) -> None:
    """Write `megabytes` of real CSV-looking text (no holes), a line at a time."""
    line = (b"How do I change the dashboard for team 7? Where is the export setting,"
            b"information,0.9\n")
    block = line * (1024 * 1024 // len(line))  # whole lines, just under 1 MB
    with open(path, "wb") as handle:
        handle.write(b"question,need,confidence\n")
        while handle.tell() < megabytes * 1024 * 1024:
            handle.write(block)


def at_limit_files(folder: Path) -> dict[str, Path]:
    """A file just under each kind's limit: a 0.95 MB journey map, a 0.95 MB overlay, a 19 MB
    assessment, a 190 MB question file."""
    import yaml

    from playbooks.advice.journey import load_journey_map

    journey = folder / "limit_journey.yaml"
    records = load_journey_map(EXAMPLE).to_records()
    one = len(yaml.safe_dump({"touchpoints": records})) / len(records)
    count = int(0.95 * 1024 * 1024 / one)
    journey.write_text(yaml.safe_dump(  # copies, so the dump has no aliases
        {"touchpoints": [dict(records[i % len(records)]) for i in range(count)]}))
    overlay = folder / "limit_overlay.yaml"
    record = "  - {id: play_%d, title: A play, description: Do the thing, raises: []}\n"
    with open(overlay, "w") as handle:
        handle.write("plays:\n")
        size, n = 0, 0
        while size < 0.95 * 1024 * 1024:
            text = record % n
            handle.write(text)
            size, n = size + len(text), n + 1
    assessment = folder / "limit_assessment.json"
    answer = {"statement_id": "s", "level": 2, "note": "n" * 900, "answered_by": "ana"}
    count = int(19 * 1024 * 1024 / len(json.dumps(answer)))
    assessment.write_text(json.dumps({"format": "cx-playbooks/assessment", "answers":
                                      [answer] * count}))
    questions = folder / "limit_questions.csv"
    write_big(questions, 190)
    return {"journey": journey, "overlay": overlay, "assessment": assessment,
            "questions": questions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=int, default=2048,
                        help="size of the big input given to each reader (MB)")
    parser.add_argument("--at-limit", action="store_true",
                        help="also read a file just under each kind's limit")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as scratch:
        folder = Path(scratch)
        env = {**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1", "PLAYBOOKS_DEBUG": "",
               "PLAYBOOKS_MAX_INPUT_MB": "",
               "PLAYBOOKS_DATABASE_URL": f"sqlite:///{folder / 'store.db'}"}
        accounts = folder / "accounts.csv"
        accounts.write_text("account_id,name\nA1,Acme\n")
        big = folder / "big.csv"
        write_big(big, options.big_mb)
        for suffix in (".yaml", ".json"):
            os.link(big, big.with_suffix(suffix))
        bomb, brackets = HOSTILE / "alias_bomb.yaml", folder / "brackets.yaml"
        brackets.write_text("[" * 200_000)
        (folder / "brackets.json").write_text("[" * 100_000 + "]" * 100_000)
        cases = [
            ("baseline: diagnose the example journey map", ["diagnose", str(EXAMPLE)]),
            ("baseline: knowledge check", ["knowledge", "check"]),
            ("alias bomb: diagnose", ["diagnose", str(bomb)]),
            ("alias bomb: knowledge check --overlay", ["knowledge", "check", "--overlay",
                                                       str(bomb)]),
            ("alias bomb: validate --mapping", ["validate", str(accounts), "--mapping",
                                                str(bomb)]),
            ("200 KB brackets: diagnose", ["diagnose", str(brackets)]),
            ("200 KB brackets: assessment import (JSON)", ["assessment", "import",
                                                           str(folder / "brackets.json")]),
        ]
        size = f"{options.big_mb:,} MB"
        cases += [
            (f"{size}: diagnose (CSV)", ["diagnose", str(big)]),
            (f"{size}: diagnose (YAML)", ["diagnose", str(big.with_suffix(".yaml"))]),
            (f"{size}: knowledge check --overlay", ["knowledge", "check", "--overlay",
                                                    str(big.with_suffix(".yaml"))]),
            (f"{size}: assessment import (JSON)", ["assessment", "import",
                                                   str(big.with_suffix(".json"))]),
            (f"{size}: assessment import (CSV)", ["assessment", "import", str(big)]),
            (f"{size}: classify", ["classify", str(big), "--column", "question", "--out",
                                   str(folder / "out.csv")]),
            (f"{size}: validate --mapping", ["validate", str(accounts), "--mapping",
                                             str(big.with_suffix(".yaml"))]),
            (f"{size}: recipes check", ["recipes", "check", str(big.with_suffix(".yaml"))]),
        ]
        if options.at_limit:
            limit = at_limit_files(folder)
            cases += [
                ("at the limit: diagnose a 0.95 MB journey map", ["diagnose",
                                                                 str(limit["journey"])]),
                ("at the limit: knowledge check --overlay 0.95 MB", [
                    "knowledge", "check", "--overlay", str(limit["overlay"])]),
                ("at the limit: assessment import of 19 MB JSON", [
                    "assessment", "import", str(limit["assessment"])]),
                ("at the limit: classify a 190 MB question file", [
                    "classify", str(limit["questions"]), "--column", "question", "--out",
                    str(folder / "classified.csv")]),
            ]
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        print("| case | exit | wall s | peak MB | message chars |\n|---|---|---|---|---|")
        for label, args in cases:
            result = measure(args, env)
            flag = " (TRACEBACK)" if result["traceback"] else ""
            print(f"| {label} | {result['code']}{flag} | {result['seconds']:.2f} | "
                  f"{result['max_rss_mb']:.0f} | {result['message_chars']:,} |", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
