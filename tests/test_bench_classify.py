"""The classification benchmark script runs (at tiny scale; no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
# The script runs `python -m playbooks`: in this environment, never through the bootstrap.
NO_BOOTSTRAP = {**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1"}
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_classify.py"


def test_bench_classify_runs_at_tiny_scale() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--rows", "300", "--baseline-sample",
                           "40"], capture_output=True, text=True, timeout=300, env=NO_BOOTSTRAP)
    assert done.returncode == 0, done.stderr
    assert "questions: 300" in done.stdout and "speed-up" in done.stdout
    assert "without word pieces" in done.stdout
    shipped = next(line for line in done.stdout.splitlines()
                   if line.startswith("held-out accuracy, shipped"))
    for need in ("information", "judgment", "reassurance", "proof", "peer_experience"):
        assert f" {need} " in shipped
