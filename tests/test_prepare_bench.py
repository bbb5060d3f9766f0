"""The preparation benchmark runs at tiny scale: every step of the app's results timed, for the
earlier code, this code and this code on DuckDB, with the peak memory (no timing asserted)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_prepare.py"


def test_bench_prepare_runs_at_tiny_scale(tmp_path: Path) -> None:
    from playbooks.demo import generate_demo

    generate_demo(tmp_path, accounts=100, weeks=60, seed=9, as_of=dt.date(2026, 11, 23))
    done = subprocess.run([sys.executable, str(SCRIPT), "--data", str(tmp_path), "--baseline",
                           "HEAD", "--engine", "duckdb"], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.strip().startswith("step"))
    assert "the code at HEAD" in header and "this code, duckdb" in header
    for step in ("account signals", "continuity gaps", "what automation alone cost",
                 "whole process", "peak memory"):
        row = next(line for line in lines if line.strip().startswith(step))
        assert len(row.split("  ")) > 3, row  # a figure per side
    assert list((tmp_path / ".results").glob("signals-*.parquet"))
