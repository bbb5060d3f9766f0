"""The hostile-inputs benchmark script runs (at tiny scale; no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_hostile.py"


def test_bench_hostile_runs_at_tiny_scale() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--big-mb", "2"], capture_output=True,
                          text=True, timeout=600,
                          env={**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1"})
    assert done.returncode == 0, done.stderr
    rows = [line.split(" | ") for line in done.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| case")]
    assert len(rows) == 15 and "TRACEBACK" not in done.stdout
    for label, code, *_ in rows:
        expected = "0" if "baseline" in label or "2 MB: classify" in label else "2"
        assert code == expected, (label, code)
