"""Time the efficiency-beside-relationship view on a demo workspace, beside a minimal polars
aggregation over the same file in the same run.

    .venv/bin/python benchmarks/bench_trap.py --data /tmp/playbooks-bench/demo-50000

Reads the workspace's Parquet files lazily (as the CLI does) and prints one line per step:
seconds and the rows it produced. First a minimal aggregation (events per week and function:
one scan and one group-by, the floor any weekly measure pays), then the weekly series and the
estimate of what automation alone cost (`trap.effects.estimate_effects`), and their sum (the
need classifier is trained first, once per process, and timed on its own line); the
series is checked to equal, row for row, the one computed before the company totals were taken
from the per-function pass (`trap_series_before.py`, also timed unless `--no-before`). The
drifting share costs one signals run per point, so only one point is timed; the other steps
run with `--all-steps`. The load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import polars as pl

from playbooks.questions.classify import default_classifier
from playbooks.trap import (
    automation_alone,
    classified_questions,
    drifting_series,
    find_traps,
    need_mix,
    repair_after_incidents,
    weekly_series,
)
from playbooks.trap.effects import estimate_effects

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trap_series_before import weekly_series as weekly_series_before  # noqa: E402


def _rows(result) -> int:  # noqa: ANN001 - a frame, a list or a repair result
    if hasattr(result, "height"):
        return result.height
    if isinstance(result, list):
        return len(result)
    return result.episodes.height


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _timed(label: str, call):  # noqa: ANN001, ANN202
    """Run `call`; print its wall-clock seconds, the processor seconds of every thread (a
    steadier figure on a shared machine) and the rows it produced."""
    start, cpu = time.perf_counter(), _cpu()
    result = call()
    seconds = time.perf_counter() - start
    print(f"{label:<36} {seconds:7.2f} s  (cpu {_cpu() - cpu:6.2f} s)  {_rows(result):>9,} rows",
          flush=True)
    return result, seconds


def _load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="A demo workspace folder.")
    parser.add_argument("--no-before", action="store_true",
                        help="Check the series against the earlier code without timing it.")
    parser.add_argument("--all-steps", action="store_true",
                        help="Also time find_traps, the questions, repair and one drifting point.")
    args = parser.parse_args()
    activity = pl.scan_parquet(args.data / "activity.parquet")
    accounts = pl.scan_parquet(args.data / "accounts.parquet")
    events = activity.select(pl.len()).collect().item()
    print(f"{args.data}: {events:,} events, {pl.thread_pool_size()} threads, "
          f"load average {_load()}")
    _timed("need classifier trained (once)", lambda: [default_classifier()])
    _, minimal = _timed("minimal aggregation", lambda: activity.group_by(
        pl.col("occurred_at").dt.truncate("1w"), "source_function").agg(pl.len()).collect())
    series, seconds = _timed("weekly_series", lambda: weekly_series(activity))
    effects, estimate = _timed("estimate_effects", lambda: estimate_effects(activity, accounts))
    total = seconds + estimate
    print(f"{'series + estimate':<36} {total:7.2f} s  ({total / minimal:.1f} x the minimal "
          "aggregation)")
    if args.no_before:
        before = weekly_series_before(activity)
    else:
        before, earlier = _timed("weekly_series, earlier code", lambda: weekly_series_before(
            activity))
        print(f"{'speed-up of the series':<36} {earlier / seconds:7.2f} x")
    assert series.equals(before), "the weekly series differs from the earlier code's"
    print("weekly series identical to the earlier code's: yes")
    for effect in effects:
        print(f"  {effect.function} / {effect.need}: {effect.estimate:+.2f} "
              f"[{effect.low:+.2f}, {effect.high:+.2f}]")
    if args.all_steps:
        _timed("find_traps", lambda: find_traps(series))
        questions, _ = _timed("classified_questions", lambda: classified_questions(activity))
        _timed("need_mix", lambda: need_mix(questions))
        _timed("automation_alone", lambda: automation_alone(questions))
        _timed("repair_after_incidents", lambda: repair_after_incidents(activity, accounts))
        _timed("drifting_series (1 point)",
               lambda: drifting_series(accounts, activity, every_weeks=1, weeks=1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak:,.0f} MB; load average at the end {_load()}")


if __name__ == "__main__":
    main()
