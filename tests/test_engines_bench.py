"""The engines benchmark script runs at tiny scale (no timing is asserted): the events are
made, polars and DuckDB give the same signals, the part after the passes is timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_engines.py"


def test_bench_engines_runs_at_tiny_scale(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--events", "30000", "--accounts",
                           "300", "--engines", "polars", "duckdb", "--after-accounts", "400",
                           "--repeat", "1", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["same_answer_as_polars"] == {"duckdb": "equal"}
    assert figures["polars"]["accounts"] == figures["duckdb"]["accounts"] == 300
    assert figures["duckdb"]["peak_rss_mb"] > 0 and figures["polars"]["seconds"] > 0
    assert figures["after_passes"]["accounts"] == 400
    written = pl_height(tmp_path / "events-30000-300.parquet")
    assert written == 30000


def test_a_run_past_its_memory_cap_is_stopped_and_said_so(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--events", "20000", "--accounts",
                           "100", "--engines", "polars", "--polars-cap-gb", "0.001",
                           "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["polars"]["stopped_at_cap_gb"] == 0.001 and "seconds" not in figures["polars"]


def pl_height(path: Path) -> int:
    import polars as pl

    return pl.scan_parquet(path).select(pl.len()).collect().item()
