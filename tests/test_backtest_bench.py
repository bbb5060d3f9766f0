"""The backtest benchmark scripts run (at tiny scale; no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_backtest import activity_log

pytestmark = pytest.mark.slow
NO_BOOTSTRAP = {**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1"}
BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_held_out_check_compares_the_score_with_both_baselines(tmp_path: Path) -> None:
    accounts, activity = activity_log(300, 60, seed=12)
    folder = tmp_path / "set"
    folder.mkdir()
    accounts.write_parquet(folder / "accounts.parquet")
    activity.write_parquet(folder / "activity.parquet")
    done = subprocess.run([sys.executable, str(BENCH / "bench_backtest.py"), "quality",
                           str(folder), "--as-of", "2024-10-01", "--horizon-weeks", "8"],
                          capture_output=True, text=True, timeout=600, env=NO_BOOTSTRAP)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["set"] == "set" and row["horizon_weeks"] == 8 and row["accounts"] > 100
    for key in ("score", "days_since", "lr4_out_of_time", "lr4_in_sample"):
        assert 0.5 < row[key] <= 1.0, key


def test_the_fit_cost_is_measured_beside_one_signals_run(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCH / "bench_backtest.py"), "fit",
                           "--accounts", "60", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=600, env=NO_BOOTSTRAP)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["accounts"] == 60 and figures["cutoffs"] >= 2
    assert figures["fit_seconds"] > 0 and figures["signals_run_seconds"] > 0


def test_the_real_log_builder_writes_files_the_contracts_accept(tmp_path: Path) -> None:
    source = tmp_path / "CDNOW_master.txt"
    source.write_text("00001 19970101 1 11.77\n00001 19970118 2 29.33\n"
                      "00002 19970112 7 77.00\n")
    done = subprocess.run([sys.executable, str(BENCH / "real_logs.py"), "cdnow", str(source),
                           "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600, env=NO_BOOTSTRAP)
    assert done.returncode == 0, done.stderr
    assert "2 accounts, 3 events" in done.stdout
    from playbooks.data.workspace import validate_file

    for table in ("accounts", "activity"):
        report = validate_file(tmp_path / "out" / f"{table}.parquet", contract=table, gx="off")
        assert report.valid, report.to_text()
