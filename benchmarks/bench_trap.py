"""Time each step of the efficiency-beside-relationship view on a demo workspace.

    .venv/bin/python benchmarks/bench_trap.py --data /tmp/playbooks-bench/demo-50000

Reads the workspace's Parquet files lazily (as the CLI does) and prints one line per step:
seconds and the rows it produced. The drifting share costs one signals run per point, so
only one point is timed.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import polars as pl

from playbooks.trap import (
    automation_alone,
    classified_questions,
    drifting_series,
    find_traps,
    need_mix,
    repair_after_incidents,
    weekly_series,
)


def _timed(label: str, call):
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    rows = result.height if hasattr(result, "height") else result.episodes.height
    print(f"{label:<28} {seconds:7.2f} s  {rows:>9,} rows")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="A demo workspace folder.")
    args = parser.parse_args()
    activity = pl.scan_parquet(args.data / "activity.parquet")
    accounts = pl.scan_parquet(args.data / "accounts.parquet")
    events = activity.select(pl.len()).collect().item()
    print(f"{args.data}: {events:,} events, {pl.polars.thread_pool_size()} threads")
    series = _timed("weekly_series", lambda: weekly_series(activity))
    _timed("find_traps", lambda: find_traps(series))
    questions = _timed("classified_questions", lambda: classified_questions(activity))
    _timed("need_mix", lambda: need_mix(questions))
    _timed("automation_alone", lambda: automation_alone(questions))
    _timed("repair_after_incidents", lambda: repair_after_incidents(activity, accounts))
    _timed("drifting_series (1 point)",
           lambda: drifting_series(accounts, activity, every_weeks=1, weeks=1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
