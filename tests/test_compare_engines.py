"""The engine comparison script runs at tiny scale: every app result on DuckDB equals
polars' on a demo whose community export breaks for some weeks (no timing asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "compare_engines.py"


def test_compare_engines_finds_every_result_equal_on_duckdb(tmp_path: Path) -> None:
    from playbooks.demo import generate_demo

    generate_demo(tmp_path / "ws", accounts=80, weeks=40, seed=3, broken_export_weeks=3)
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "ws"), "--engine",
                           "duckdb"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every result equals polars'" in done.stdout
    for name in ("account signals", "efficiency series", "paired measures"):
        assert any(line.strip().startswith(name) and line.endswith("equal")
                   for line in done.stdout.splitlines()), name
    assert not (tmp_path / "ws" / ".results").exists()  # computed in a copy, not kept there
