"""Check and time the estimate of what automation cost (`playbooks.trap.effects`).

    .venv/bin/python benchmarks/bench_effects.py coverage --accounts 5000 --seeds 20
    .venv/bin/python benchmarks/bench_effects.py speed --data /tmp/playbooks-bench/demo-50000

`coverage` generates demos with a planted cost (0.3) and with none (0; `--costs` for
others), on seeds 1001 and up, and prints, per cost, how often the 95% interval covers the
planted size: over every effect row, and over the ramping function's judgment row (support),
one per demo.

`speed` times the estimate on one workspace (made with `playbooks demo` beforehand, or
generated into `--data` when it is missing, `--accounts` accounts over 104 weeks): a minimal
polars aggregation of the same rows first (the customer's questions per account, function
and week), then the classified questions, the episodes and the matching alone, then
`estimate_effects` whole (the classifier already loaded, as in the app and the CLI after
their first question), and once more given the classified questions (as the trap view,
which classifies them anyway, can).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

import polars as pl

from playbooks.demo import generate_demo
from playbooks.trap import classified_questions
from playbooks.trap.effects import estimate_effects, exposure_episodes, matched_episodes
from playbooks.vocabulary import QUESTION_KINDS

AS_OF = dt.date(2026, 11, 23)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) \
        if Path("/proc/loadavg").exists() else "n/a"


def coverage(accounts: int, seeds: int, draws: int, first_seed: int,
             costs: tuple[float, ...] = (0.3, 0.0)) -> None:
    """Print how often the interval covers the planted size, for each cost."""
    print(f"coverage: {seeds} demos per cost, {accounts:,} accounts x 104 weeks, "
          f"{draws} bootstrap draws, seeds {first_seed}-{first_seed + seeds - 1}; "
          f"load {_load()}")
    for cost in costs:
        rows: list[bool] = []
        main: list[bool] = []
        sizes: list[float] = []
        start = time.perf_counter()
        for seed in range(first_seed, first_seed + seeds):
            with tempfile.TemporaryDirectory() as folder:
                generate_demo(folder, accounts=accounts, seed=seed, as_of=AS_OF,
                              automation_cost=cost)
                planted = json.loads(Path(folder, "demo.json").read_text())["planted"]
                effects = estimate_effects(pl.scan_parquet(Path(folder, "activity.parquet")),
                                           pl.read_parquet(Path(folder, "accounts.parquet")),
                                           draws=draws, seed=seed)
            size = planted["effect"]["size"]
            rows += [e.low <= size <= e.high for e in effects]
            for e in effects:
                if (e.function, e.need) == ("support", "judgment"):
                    main.append(e.low <= size <= e.high)
                    sizes.append(e.estimate)
        mean = sum(sizes) / len(sizes) if sizes else float("nan")
        print(f"  planted {0.0 - cost:+.2f}: every row {sum(rows)}/{len(rows)} covered "
              f"({sum(rows) / max(len(rows), 1):.0%}); support x judgment "
              f"{sum(main)}/{len(main)} ({sum(main) / max(len(main), 1):.0%}), mean estimate "
              f"{mean:+.3f}; {time.perf_counter() - start:.0f} s")


def _timed(label: str, call):
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    size = result.height if hasattr(result, "height") else len(result)
    print(f"  {label:<42} {seconds:7.2f} s  {size:>11,} rows  (load {_load()})")
    return result


def speed(data: Path, accounts: int, draws: int) -> None:
    """Time the estimate beside a minimal polars aggregation of the same rows."""
    if not (data / "activity.parquet").exists():
        print(f"generating {accounts:,} accounts into {data} ...")
        generate_demo(data, accounts=accounts, seed=7, as_of=AS_OF)
    activity = pl.scan_parquet(data / "activity.parquet")
    accounts_lf = pl.scan_parquet(data / "accounts.parquet")
    events = activity.select(pl.len()).collect().item()
    n = accounts_lf.select(pl.len()).collect().item()
    print(f"speed: {data}: {n:,} accounts, {events:,} events, "
          f"{pl.thread_pool_size()} polars threads, {os.cpu_count()} cores")
    as_of = activity.select(pl.col("occurred_at").max()).collect().item().date()
    _timed("baseline: questions per account, function, week", lambda: (
        activity.filter((pl.col("actor_type") == "customer")
                        & pl.col("kind").is_in(list(QUESTION_KINDS)))
        .group_by("account_id", "source_function",
                  pl.col("occurred_at").dt.truncate("1w").alias("week"))
        .agg(pl.len(), pl.col("automated").sum()).collect()))
    classified_questions(activity.head(1000), as_of=as_of)  # load the classifier once
    questions = _timed("classified_questions", lambda: classified_questions(activity,
                                                                            as_of=as_of))
    episodes = _timed("exposure_episodes", lambda: exposure_episodes(questions, as_of=as_of))
    _timed("matched_episodes", lambda: matched_episodes(episodes, accounts_lf))
    effects = _timed(f"estimate_effects (whole, {draws} draws)",
                     lambda: estimate_effects(activity, accounts_lf, as_of=as_of, draws=draws))
    _timed("estimate_effects (questions given)", lambda: estimate_effects(
        activity, accounts_lf, as_of=as_of, draws=draws, questions=questions))
    for e in effects:
        print(f"    {e.function} x {e.need}: {e.estimate:+.3f} [{e.low:+.3f}, {e.high:+.3f}] "
              f"n = {e.n_exposed:,} / {e.n_comparison:,}")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    cov = sub.add_parser("coverage")
    cov.add_argument("--accounts", type=int, default=5_000)
    cov.add_argument("--seeds", type=int, default=20)
    cov.add_argument("--draws", type=int, default=500)
    cov.add_argument("--first-seed", type=int, default=1001)
    cov.add_argument("--costs", default="0.3,0", help="Planted costs, comma-separated.")
    spd = sub.add_parser("speed")
    spd.add_argument("--data", type=Path, required=True)
    spd.add_argument("--accounts", type=int, default=50_000)
    spd.add_argument("--draws", type=int, default=500)
    args = parser.parse_args()
    if args.what == "coverage":
        coverage(args.accounts, args.seeds, args.draws, args.first_seed,
                 tuple(float(c) for c in args.costs.split(",")))
    else:
        speed(args.data, args.accounts, args.draws)


if __name__ == "__main__":
    main()
