"""Held-out check of the disengagement score on real activity logs, and the fit's cost.

    .venv/bin/python benchmarks/bench_backtest.py quality /tmp/real/cdnow \
        --as-of 1997-09-30 1997-12-31
    .venv/bin/python benchmarks/bench_backtest.py fit --accounts 50000

**quality**: for each as-of date, `playbooks signals --accounts A --activity B --as-of DATE`
runs in a fresh process on the whole files (the command reads nothing after the date, and
fits the score on the history before it); then the accounts with any customer activity by
the date are judged on what happened next: no customer activity at all over the next H
weeks (H from the data's pace as the command chooses it, or --horizon-weeks). Printed
side by side, as ROC AUC: the score, days since the last activity alone, and a four-feature
logistic regression on recency (days since the last activity), frequency (customer actions
ever), people (distinct people ever) and breadth (distinct features ever), all as log(1+x):
fitted on earlier cut-offs whose outcome was known by the date (out of time, the fair
comparison), and fitted on the judged rows themselves (in-sample, an optimistic ceiling no
real-time model has).

**fit**: the cost of the separate fitting step (`fit_history`: the backtest at past
cut-offs and the fit) on a demo workspace of N accounts x 104 weeks, beside one signals run
in the same process (the baseline), wall time and peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

STEP_WEEKS = 4
TRAIN_CUTOFFS = 6


def rfm(activity: pl.LazyFrame, cutoff: dt.date) -> pl.DataFrame:
    """Recency, frequency, people and breadth per account from the activity before a date."""
    start = dt.datetime.combine(cutoff, dt.time())
    return (activity.filter(pl.col("occurred_at") < start, pl.col("actor_type") == "customer")
            .group_by("account_id")
            .agg(((pl.lit(start) - pl.col("occurred_at").max()).dt.total_days()
                  .alias("recency")),
                 pl.len().alias("frequency"), pl.col("person_id").n_unique().alias("people"),
                 pl.col("feature").drop_nulls().n_unique().alias("breadth"))
            .collect())


def outcome(activity: pl.LazyFrame, cutoff: dt.date, weeks: int) -> pl.Series:
    """The accounts with customer activity in the `weeks` from the cut-off on."""
    start = dt.datetime.combine(cutoff, dt.time())
    return (activity.filter(pl.col("occurred_at") >= start,
                            pl.col("occurred_at") < start + dt.timedelta(weeks=weeks),
                            pl.col("actor_type") == "customer")
            .select("account_id").unique().collect()["account_id"])


def _xy(activity: pl.LazyFrame, cutoff: dt.date, weeks: int) -> pl.DataFrame:
    frame = rfm(activity, cutoff)
    active = outcome(activity, cutoff, weeks)
    return frame.with_columns((~pl.col("account_id").is_in(active.implode())).alias("quiet"))


def _x(frame: pl.DataFrame) -> np.ndarray:
    return np.log1p(frame.select("recency", "frequency", "people", "breadth")
                    .to_numpy().astype(float))


def run_signals(folder: Path, as_of: dt.date,
                model: Path | None = None) -> tuple[pl.DataFrame, float, str]:
    """`playbooks signals` in a fresh process; the table, the seconds and the score note."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "signals.parquet"
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "playbooks", "signals", "--accounts",
             str(folder / "accounts.parquet"), "--activity", str(folder / "activity.parquet"),
             "--as-of", str(as_of), "--out", str(out), "--top", "0",
             *(["--score-model", str(model)] if model else [])],
            check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        note = next((line for line in done.stdout.splitlines()
                     if line.startswith("The disengagement score is")), "")
        return pl.read_parquet(out), seconds, note


def quality(folder: Path, as_of: dt.date, horizon: int | None,
            model: Path | None = None) -> dict:
    """The held-out figures for one set and date."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from playbooks.signals.backtest import plan_backtest

    activity = pl.scan_parquet(folder / "activity.parquet").with_columns(
        pl.col("occurred_at").cast(pl.Datetime("us")))
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    weeks = horizon or plan_backtest(activity.filter(pl.col("occurred_at") < end),
                                     as_of=as_of).horizon_weeks
    signals, seconds, note = run_signals(folder, as_of, model)
    cutoff = as_of + dt.timedelta(days=1)
    judged = _xy(activity, cutoff, weeks).join(
        signals.select("account_id", "disengagement_score", "days_since_activity"),
        on="account_id", how="inner").sort("account_id")
    y = judged["quiet"].to_numpy()
    train = pl.concat([_xy(activity, cutoff - dt.timedelta(weeks=weeks + STEP_WEEKS * k), weeks)
                       for k in range(TRAIN_CUTOFFS)])
    lr = LogisticRegression(max_iter=1000).fit(_x(train), train["quiet"].to_numpy())
    in_sample = LogisticRegression(max_iter=1000).fit(_x(judged), y)
    return {"set": folder.name, "as_of": str(as_of), "horizon_weeks": weeks,
            "accounts": judged.height, "went_quiet": int(y.sum()),
            "score": roc_auc_score(y, judged["disengagement_score"].to_numpy()),
            "days_since": roc_auc_score(y, judged["days_since_activity"].to_numpy()),
            "lr4_out_of_time": roc_auc_score(y, lr.decision_function(_x(judged))),
            "lr4_in_sample": roc_auc_score(y, in_sample.decision_function(_x(judged))),
            "signals_seconds": round(seconds, 1), "score_note": note}


def fit_cost(accounts: int, data: Path) -> dict:
    """Time the fit and one signals run on a demo of `accounts` x 104 weeks."""
    from playbooks.demo import generate_demo
    from playbooks.signals import compute_signals
    from playbooks.signals.learn import fit_history

    folder = data / f"demo-{accounts}"
    as_of = dt.date(2026, 11, 23)
    if not (folder / "activity.parquet").exists():
        generate_demo(folder, accounts=accounts, weeks=104, seed=7, as_of=as_of)
    acc, act = (pl.scan_parquet(folder / "accounts.parquet"),
                pl.scan_parquet(folder / "activity.parquet"))
    health = pl.scan_parquet(folder / "health_snapshots.parquet") \
        if (folder / "health_snapshots.parquet").exists() else None
    start = time.perf_counter()
    compute_signals(acc, act, as_of=as_of)
    one_run = time.perf_counter() - start
    start = time.perf_counter()
    history = fit_history(acc, act, as_of=as_of, health=health)
    fit_seconds = time.perf_counter() - start
    return {"accounts": accounts, "signals_run_seconds": round(one_run, 2),
            "fit_seconds": round(fit_seconds, 2), "cutoffs": len(history.plan.cutoffs),
            "rows": history.rows.height, "source": history.model.source,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "load": Path("/proc/loadavg").read_text().split()[0]}


def main() -> None:
    """Run one of the two measurements from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    q = sub.add_parser("quality")
    q.add_argument("folders", type=Path, nargs="+")
    q.add_argument("--as-of", nargs="+", type=dt.date.fromisoformat, required=True)
    q.add_argument("--horizon-weeks", type=int, default=None)
    q.add_argument("--score-model", type=Path, default=None,
                   help="Pass this model file to `playbooks signals` (no fit).")
    f = sub.add_parser("fit")
    f.add_argument("--accounts", type=int, default=50_000)
    f.add_argument("--data", type=Path, default=Path("/tmp/playbooks-bench"))
    args = parser.parse_args()
    if args.what == "fit":
        print(json.dumps(fit_cost(args.accounts, args.data)))
        return
    print(f"{'set':<10}{'as of':<12}{'H':>4}{'accounts':>9}{'quiet':>7}{'score':>8}"
          f"{'days':>8}{'LR-4':>8}{'LR-4 in':>9}")
    for folder in args.folders:
        for day in args.as_of:
            r = quality(folder, day, args.horizon_weeks, args.score_model)
            print(f"{r['set']:<10}{r['as_of']:<12}{r['horizon_weeks']:>4}{r['accounts']:>9}"
                  f"{r['went_quiet']:>7}{r['score']:>8.3f}{r['days_since']:>8.3f}"
                  f"{r['lr4_out_of_time']:>8.3f}{r['lr4_in_sample']:>9.3f}", flush=True)
            print("    " + json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
