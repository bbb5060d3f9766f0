"""The trap benchmark script runs at tiny scale and finds the weekly series identical to the
earlier code's (no timing is asserted)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
NO_BOOTSTRAP = {**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1"}
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_trap.py"


def test_bench_trap_runs_at_tiny_scale_and_the_series_is_unchanged(tmp_path: Path) -> None:
    from playbooks.demo import generate_demo

    generate_demo(tmp_path, accounts=120, weeks=60, seed=9, as_of=dt.date(2026, 11, 23))
    done = subprocess.run([sys.executable, str(SCRIPT), "--data", str(tmp_path),
                           "--all-steps"], capture_output=True, text=True, timeout=600,
                          env=NO_BOOTSTRAP)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "weekly series identical to the earlier code's: yes" in out
    for step in ("minimal aggregation", "weekly_series", "estimate_effects",
                 "series + estimate", "drifting_series (1 point)", "load average at the end"):
        assert step in out, step
