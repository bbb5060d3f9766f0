"""The benchmark of what automation alone cost runs at tiny scale, beside the code of the
earlier commit it names and on DuckDB, and finds the effects and the pairs identical (no
timing is asserted)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_cost.py"
BASELINE = "a0980d7"  # the code before the step read only what it needs


def _baseline() -> str:
    """The earlier commit when the clone has it (a shallow one may not), else HEAD."""
    found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{BASELINE}^{{commit}}"],
                           capture_output=True)
    return BASELINE if found.returncode == 0 else "HEAD"


def test_bench_cost_runs_at_tiny_scale_beside_the_earlier_code(tmp_path: Path) -> None:
    from playbooks.demo import generate_demo

    generate_demo(tmp_path, accounts=120, weeks=60, seed=9, as_of=dt.date(2026, 11, 23))
    done = subprocess.run([sys.executable, str(SCRIPT), "--data", str(tmp_path), "--baseline",
                           _baseline(), "--collected", "--duckdb"], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PLAYBOOKS_NO_BOOTSTRAP": "1"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for side in ("earlier code, tables read whole", "earlier code, lazy scan",
                 "this code, on DuckDB", "this code, lazy scan"):
        line = next(line for line in out.splitlines() if line.strip().startswith(side))
        assert " s " in line and " GB " in line and "load" in line, line
    assert out.count("effects and pairs identical to this code's on the lazy scan: yes") == 3
    assert ": NO" not in out, out
    assert "load average at the end" in out
