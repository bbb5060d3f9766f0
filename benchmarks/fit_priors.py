"""Fit the shipped starting score (`playbooks/signals/priors.json`) on representative logs.

    .venv/bin/python benchmarks/fit_priors.py /tmp/real/cdnow /tmp/real/nova /tmp/real/neutron

Each folder holds accounts.parquet and activity.parquet (see `benchmarks/real_logs.py`). The
backtest rows of every set (12-week horizon, cut-offs up to each set's last event) are pooled
and the score is fitted to them the way a workspace's own is (`playbooks.signals.fit`). For
the time-ordered cross-validation the sets' cut-offs are laid on one calendar, each set's
latest cut-off on the same day, so "earlier" means earlier within every set. Each set
contributes at most --rows rows (every k-th account), so a large set cannot drown the rest
entirely (it still weighs more than a small one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

import polars as pl

from playbooks.signals.backtest import backtest_rows, plan_backtest
from playbooks.signals.features import FEATURE_NAMES
from playbooks.signals.fit import fit_score
from playbooks.signals.score_model import PRIORS_FILE

HORIZON = 12
COMMON_END = dt.date(2000, 1, 1)


def set_rows(folder: Path, most: int) -> pl.DataFrame:
    """One set's backtest rows, its cut-offs moved so the latest falls on COMMON_END."""
    accounts = pl.scan_parquet(folder / "accounts.parquet")
    activity = pl.scan_parquet(folder / "activity.parquet")
    last = activity.select(pl.col("occurred_at").max()).collect().item().date()
    plan = plan_backtest(activity, as_of=last, horizon_weeks=HORIZON)
    n_cut = max(1, len(plan.cutoffs))
    rows = backtest_rows(accounts, activity, plan, max_accounts=max(50, most // n_cut))
    shift = COMMON_END - max(plan.cutoffs)
    return rows.with_columns((pl.col("cutoff") + shift).alias("cutoff"),
                             pl.format("{}:{}", pl.lit(folder.name), "account_id")
                             .alias("account_id"))


def main() -> None:
    """Fit and write the priors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--rows", type=int, default=60_000, help="Most rows per set.")
    parser.add_argument("--out", type=Path, default=PRIORS_FILE)
    args = parser.parse_args()
    start = time.perf_counter()
    parts = []
    for folder in args.folders:
        rows = set_rows(folder, args.rows)
        print(f"{folder.name}: {rows.height:,} rows, {int(rows['went_quiet'].sum()):,} went quiet")
        parts.append(rows)
    pooled = pl.concat(parts)
    names = ", ".join(f.name for f in args.folders)
    fitted = fit_score(pooled, horizon_weeks=HORIZON, names=FEATURE_NAMES,
                       note=f"Starting model fitted on public activity logs ({names}).")
    if fitted is None:
        raise SystemExit("too few outcomes to fit")
    model = replace(fitted.model, source="priors")
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s: "
          f"{dict(zip(model.features, [round(w, 3) for w in model.weights], strict=True))}")


if __name__ == "__main__":
    main()
