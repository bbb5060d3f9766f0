"""Every result the app prepares, on polars and on other engines, for one workspace: whether
each equals polars' and how long each engine took, side by side in one run.

    .venv/bin/python benchmarks/compare_engines.py WORKSPACE --engine duckdb "local[2]"

Meant for data the product did not generate (an imported real activity log, a company's own
export): the engines must give polars' answer on it, not only on the demo. Each engine reads
the workspace's own files (`PLAYBOOKS_ENGINE` set, no `PLAYBOOKS_ACTIVITY_TABLE`); results are
computed afresh (kept in a temporary copy of the workspace, never in the workspace itself).
Rows are compared in any order, floats within 1e-9.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

sys.path.insert(0, str(Path(__file__).resolve().parent))
from earlier_code import load_average  # noqa: E402

from playbooks.results import heavy  # noqa: E402
from playbooks.results.store import workspace_stamp  # noqa: E402

RESULTS: dict[str, Callable[[heavy.Inputs], pl.DataFrame]] = {
    "account signals": heavy.account_signals,
    "continuity gaps": heavy.continuity_gaps,
    "efficiency series": lambda i: heavy.efficiency_view(i).series,
    "trap periods": lambda i: heavy.efficiency_view(i).findings,
    "question themes": heavy.question_themes,
    "question needs": heavy.question_needs,
    "repair episodes": lambda i: heavy.repair(i).episodes,
    "automation effects": lambda i: heavy.relationship_cost(i).effects,
    "paired measures": lambda i: heavy.relationship_cost(i).pairs,
}


def results_on(folder: Path, engine: str) -> tuple[dict[str, pl.DataFrame], float]:
    """Every result of the workspace with PLAYBOOKS_ENGINE=engine, and the seconds taken."""
    os.environ["PLAYBOOKS_ENGINE"] = engine
    os.environ.pop("PLAYBOOKS_ACTIVITY_TABLE", None)
    start = time.perf_counter()
    inputs = heavy.Inputs(workspace_stamp(folder))
    found = {name: result(inputs) for name, result in RESULTS.items()}
    return found, time.perf_counter() - start


def same(a: pl.DataFrame, b: pl.DataFrame) -> str:
    """'equal', or what differs, in a few words."""
    keys = [c for c, t in a.schema.items() if not isinstance(t, pl.List | pl.Struct)]
    try:
        assert_frame_equal(a.sort(keys, nulls_last=True), b.sort(keys, nulls_last=True),
                           check_exact=False, rel_tol=1e-9, abs_tol=1e-9,
                           check_column_order=False)
    except AssertionError as error:
        return "DIFFERS: " + " ".join(str(error).split())[:160]
    return "equal"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--engine", nargs="+", default=["duckdb"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ws"
        shutil.copytree(args.workspace, folder, ignore=shutil.ignore_patterns(".results"))
        expected, seconds = results_on(folder, "polars")
        n = expected["account signals"].height
        print(f"{args.workspace}: {n:,} accounts; polars {seconds:.2f} s "
              f"(load {load_average()})")
        differs = 0
        for engine in args.engine:
            found, seconds = results_on(folder, engine)
            print(f"{engine}: {seconds:.2f} s (load {load_average()})")
            for name, frame in expected.items():
                verdict = same(frame, found[name])
                differs += verdict != "equal"
                print(f"  {name:<20} {frame.height:>8,} rows  {verdict}")
    print("every result equals polars'" if not differs else f"{differs} results differ")
    sys.exit(1 if differs else 0)


if __name__ == "__main__":
    main()
