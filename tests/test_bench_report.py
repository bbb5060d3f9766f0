"""The review pack benchmark script runs (at tiny scale; no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
# The script runs `python -m playbooks`: in this environment, never through the bootstrap.
NO_BOOTSTRAP = {**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1"}
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_report.py"


def test_bench_report_runs_at_tiny_scale() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--accounts", "60", "--weeks", "26"],
                          capture_output=True, text=True, timeout=600, env=NO_BOOTSTRAP)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["accounts"] == 60 and figures["cli_cold_seconds"] > 0
    assert figures["html_kb"] > figures["html_without_charts_kb"]
    assert "baseline_html_without_charts_seconds" in figures


def test_bench_report_takes_a_workspace_made_beforehand(tmp_path: Path) -> None:
    from playbooks.demo import generate_demo

    generate_demo(tmp_path / "ws", accounts=70, weeks=26, seed=3)
    done = subprocess.run([sys.executable, str(SCRIPT), "--workspace", str(tmp_path / "ws")],
                          capture_output=True, text=True, timeout=600, env=NO_BOOTSTRAP)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["accounts"] == 70 and figures["cli_peak_rss_mb"] > 0
    assert (tmp_path / "ws" / "accounts.parquet").exists()  # left as it was
