"""The app benchmark script runs end to end at tiny scale (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playbooks.results.heavy import prepared_steps

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_app.py"


def test_bench_app_runs_at_tiny_scale(browser_type_launch_args: dict) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--accounts", "80", "--weeks", "16",
                           "--baseline"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    for page in ("start", "assessment", "advisor", "journey", "signals", "trap", "data",
                 "review"):
        assert page in done.stdout
    assert "filter change" in done.stdout
    steps = len(prepared_steps())
    assert f"results prepared as an import prepares them: {steps} of them computed" in done.stdout
    assert "load average at start" in done.stdout and "load average at end" in done.stdout
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("signals ")]
    assert rows and len(rows[0]) == 7, "a baseline, a first and a warm time for each page"
