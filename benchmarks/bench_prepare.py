"""Time and measure the memory of preparing a workspace's heavy results (what the app's pages
read: `python -m playbooks.results FOLDER`), step by step, beside the code of an earlier
commit on the same workspace in the same run.

    .venv/bin/python benchmarks/bench_prepare.py --data /tmp/ws50k --baseline a0980d7
    .venv/bin/python benchmarks/bench_prepare.py --data /tmp/ws50k --engine duckdb

Each side runs in a fresh process under `/usr/bin/time -v` (Maximum resident set size) with
its code first on the path: the earlier commit's package (exported with `git archive` into a
temporary folder) and this tree's; the workspace's `.results` folder is emptied before each,
so every step is computed. `--engine NAME` adds this tree's code with PLAYBOOKS_ENGINE=NAME
(the passes on that engine, reading the workspace's files). Each line prints a step's
seconds; the last lines the whole process's time and peak memory, with the load average.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from earlier_code import (  # noqa: E402
    ROOT,
    TIMER,
    demo_size,
    export_code,
    load_average,
    peak_gb,
    ran_code,
)

STEP = re.compile(r"^step (\d+\.\d+) (.+)$", re.MULTILINE)


def child(data: Path) -> None:
    """Prepare the results of `data`, printing when each step starts (the measured process)."""
    import playbooks
    from playbooks.results.prepare import prepare_results

    print(f"code {Path(playbooks.__file__).parent.parent}", flush=True)
    start = time.perf_counter()

    def report(text: str) -> None:
        print(f"step {time.perf_counter() - start:.2f} {text}", flush=True)

    prepare_results(data, report=report)
    report("done")


def measured(code: Path, data: Path, engine: str | None) -> tuple[list[tuple[str, float]],
                                                                   float, float]:
    """Run the child with `code` first on the path: each step's seconds, the process's wall
    seconds and its peak resident memory in GB."""
    shutil.rmtree(data / ".results", ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(code), "PLAYBOOKS_NO_BOOTSTRAP": "1",
           "PLAYBOOKS_PREPARE_RESULTS": "1"}
    env.pop("PLAYBOOKS_ACTIVITY_TABLE", None)
    if engine:
        env["PLAYBOOKS_ENGINE"] = engine
    else:
        env.pop("PLAYBOOKS_ENGINE", None)
    started = time.perf_counter()
    done = subprocess.run([*TIMER, sys.executable, str(Path(__file__).resolve()), "child",
                           "--data", str(data)], capture_output=True, text=True, env=env,
                          cwd=code, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the measured run failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    ran_code(done.stdout, code)
    marks = [(float(at), text) for at, text in STEP.findall(done.stdout)]
    steps = [(re.sub(r"^Preparing the app's results \(\d+ of \d+\): | \.\.\.$", "", text),
              marks[i + 1][0] - at) for i, (at, text) in enumerate(marks[:-1])]
    return steps, wall, peak_gb(done.stderr)


def run(data: Path, accounts: int, baseline: str | None, engine: str | None) -> None:
    """Measure every side and print them beside each other."""
    n, events = demo_size(data, accounts)
    print(f"preparing the app's results: {data}: {n:,} accounts, {events:,} events, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        sides: list[tuple[str, Path, str | None]] = []
        if baseline:
            old = Path(tmp) / "old"
            old.mkdir()
            export_code(baseline, old)
            sides.append((f"the code at {baseline}", old, None))
        sides.append(("this code", ROOT, None))
        if engine:
            sides.append((f"this code, {engine}", ROOT, engine))
        found = []
        for label, code, on in sides:
            steps, wall, peak = measured(code, data, on)
            found.append((label, steps, wall, peak, load_average()))
    width = max(len(s) for _, steps, *_ in found for s, _ in steps)
    print(f"  {'step':<{width}}" + "".join(f"  {label:>24}" for label, *_ in found))
    for i, (step, _) in enumerate(found[-1][1]):
        cells = [f"{f[1][i][1]:22.2f} s" if i < len(f[1]) else f"{'-':>24}" for f in found]
        print(f"  {step:<{width}}" + "".join(f"  {c}" for c in cells))
    print(f"  {'whole process':<{width}}" + "".join(f"  {f[2]:22.2f} s" for f in found))
    print(f"  {'peak memory':<{width}}" + "".join(f"  {f[3]:21.2f} GB" for f in found))
    print(f"  {'load average after':<{width}}" + "".join(f"  {f[4]:>24}" for f in found))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="run", choices=("run", "child"))
    parser.add_argument("--data", type=Path, default=Path("/tmp/playbooks-bench/demo-50000"))
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--baseline", default="a0980d7",
                        help="the commit whose code is measured beside this tree's ('' for "
                        "none)")
    parser.add_argument("--engine", default=None,
                        help="also measure this tree's code with PLAYBOOKS_ENGINE set to it")
    args = parser.parse_args()
    if args.what == "child":
        child(args.data)
    else:
        run(args.data, args.accounts, args.baseline or None, args.engine)


if __name__ == "__main__":
    main()
