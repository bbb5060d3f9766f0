"""Benchmark the account-signals pipeline: polars against a bare scan and a pandas version.

    .venv/bin/python benchmarks/bench_signals.py --accounts 1000 10000 50000 150000 \
        --pandas 50000 --repeat 3
    .venv/bin/python benchmarks/bench_signals.py --themes 100000
    .venv/bin/python benchmarks/bench_signals.py --accounts 50000 --model WORKSPACE/score_model.json

Each measurement runs in a fresh child process so its peak memory (ru_maxrss) is its own;
each reports wall time, CPU time (user + system, all threads) and the 1-minute load average
when it started, since the machine is shared. With --repeat N the polars run is repeated N
times (fresh processes) and the fastest and the median are shown. Demo workspaces are
generated once into --data (default /tmp/playbooks-bench).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

AS_OF = dt.date(2026, 11, 23)
# The activity columns the signals pipeline reads (the bare scan reads exactly these).
COLUMNS = ["account_id", "person_id", "actor_type", "occurred_at", "kind", "feature",
           "automated"]


def _demo(data: Path, accounts: int) -> Path:
    from playbooks.demo import generate_demo

    folder = data / f"demo-{accounts}"
    if not (folder / "activity.parquet").exists():
        generate_demo(folder, accounts=accounts, weeks=104, seed=7, as_of=AS_OF)
    return folder


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure_polars(folder: Path, model_file: Path | None = None) -> dict:
    """One `compute_signals` run with a fitted score applied: the model in `model_file`
    (`playbooks backtest` saves one in the workspace), else the shipped priors (themselves a
    fitted model, the one a workspace with too little history uses)."""
    import polars as pl

    from playbooks.signals import compute_signals
    from playbooks.signals.score_model import prior_model, read_model

    model = read_model(model_file) if model_file else prior_model()
    load, cpu, start = _load(), _cpu(), time.perf_counter()
    out = compute_signals(pl.scan_parquet(folder / "accounts.parquet"),
                          pl.scan_parquet(folder / "activity.parquet"), as_of=AS_OF,
                          model=model)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    out.write_parquet(folder / "polars-signals.parquet")
    return {"seconds": seconds, "cpu": cpu, "load": load, "peak_mb": _peak_mb(),
            "rows": out.height}


def measure_scan(folder: Path) -> dict:
    import polars as pl

    load, cpu, start = _load(), _cpu(), time.perf_counter()
    frame = pl.scan_parquet(folder / "activity.parquet").select(COLUMNS).collect()
    return {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "load": load,
            "peak_mb": _peak_mb(), "rows": frame.height}


def measure_pandas(folder: Path) -> dict:
    """The per-account signal values, written the straightforward pandas way.

    Recent and baseline values, their change, whether each counts against the account (with
    source presence), cohort medians, dashboard counts, continuity gaps and last activity:
    every per-account number the score is made from (not the score, flags and sentences).
    """
    import math

    import numpy as np
    import pandas as pd

    from playbooks.signals import SIGNALS

    load, cpu, start = _load(), _cpu(), time.perf_counter()
    acc = pd.read_parquet(folder / "accounts.parquet",
                          columns=["account_id", "contract_start", "segment",
                                   "lifecycle_stage"])
    act = pd.read_parquet(folder / "activity.parquet",
                          columns=["account_id", "person_id", "actor_type", "occurred_at",
                                   "kind", "feature", "automated"])
    end = pd.Timestamp(AS_OF + dt.timedelta(days=1))
    w_start, r_start = end - pd.Timedelta(days=168), end - pd.Timedelta(days=84)
    everyone = act[(act["occurred_at"] >= w_start - pd.Timedelta(days=7))
                   & (act["occurred_at"] < end)]
    act = act[(act["actor_type"] == "customer") & (act["occurred_at"] < end)]
    history = act.groupby("account_id")["occurred_at"].agg(["min", "max"])
    days = (end - act["occurred_at"]).dt.days
    win = act[days < 24 * 7].copy()
    win["block"] = ((end - win["occurred_at"]).dt.days // 28).astype("int32")
    win["day"] = (end - win["occurred_at"]).dt.days.astype("int32")
    parts = {}
    keys = ["account_id", "block"]
    for sig in SIGNALS:
        if sig.measure == "count":
            parts[sig.name] = win[win["kind"].isin(sig.kinds)].groupby(keys).size()
        elif sig.measure == "people":
            parts[sig.name] = win.dropna(subset=["person_id"]).groupby(keys)["person_id"] \
                .nunique()
        elif sig.measure == "features":
            sub = win[win["kind"].isin(sig.kinds)].dropna(subset=["feature"])
            parts[sig.name] = sub.groupby(keys)["feature"].nunique()
        else:
            parts[sig.name] = win[win["kind"].isin(sig.kinds)].groupby(keys)["day"].nunique()
    blocks = pd.DataFrame(parts).fillna(0.0).astype("float64").reset_index()
    acc = acc.set_index("account_id").join(history)
    start_at = acc["contract_start"].astype("datetime64[us]").fillna(acc["min"])
    start_days = (end - start_at).dt.days
    last_block = ((start_days - 14) // 28).clip(lower=0)
    last_block = last_block.where(start_at.notna(), -1).astype("int64")
    blocks = blocks.join(last_block.rename("last_block"), on="account_id")
    blocks = blocks[blocks["block"] <= blocks["last_block"]]
    weight = 2.0 ** (2 - blocks["block"])
    recent = blocks["block"] < 3
    m = last_block.clip(upper=2)
    recent_weight = pd.Series(np.where(m >= 0, 8.0 - 2.0 ** (2 - m), 0.0), index=acc.index)
    seen = (last_block - 2).clip(lower=0, upper=3)
    result = pd.DataFrame(index=acc.index)
    for sig in SIGNALS:
        rsum = (blocks[sig.name] * weight)[recent].groupby(blocks["account_id"][recent]).sum()
        bsum = blocks[sig.name][~recent].groupby(blocks["account_id"][~recent]).sum()
        r = rsum.reindex(acc.index).fillna(0.0) / recent_weight
        result[f"{sig.name}_recent"] = r.where(recent_weight > 0)
        b = bsum.reindex(acc.index).fillna(0.0) / seen
        result[f"{sig.name}_baseline"] = b.where(seen > 0)
    result["last_activity"] = acc["max"]
    _pandas_rest(result, acc, act, everyone, end, w_start, r_start, seen, SIGNALS, np, pd, math)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    result.sort_index().reset_index().to_parquet(folder / "pandas-signals.parquet")
    return {"seconds": seconds, "cpu": cpu, "load": load, "peak_mb": _peak_mb(),
            "rows": len(result)}


def _pandas_rest(result, acc, act, everyone, end, w_start, r_start, seen, signals, np, pd,
                 math) -> None:
    """Changes, against flags, cohort medians, dashboard counts and continuity gaps."""
    present = {}
    for sig in signals:
        if sig.measure == "people":
            present[sig.name] = act["person_id"].notna().any()
        elif sig.measure == "features":
            present[sig.name] = (act["kind"].isin(sig.kinds) & act["feature"].notna()).any()
        else:
            present[sig.name] = act["kind"].isin(sig.kinds).any()
    full = acc["segment"].fillna("any") + " / " + acc["lifecycle_stage"].fillna("any")
    seg = acc["segment"].fillna("all accounts")
    cohort = pd.Series("all accounts", index=acc.index, dtype=object)
    cohort = cohort.where(seg.map(seg.value_counts()) < 25, seg)
    result["cohort"] = cohort.where(full.map(full.value_counts()) < 25, full)
    active = result["last_activity"].notna()
    for sig in signals:
        r, b = result[f"{sig.name}_recent"], result[f"{sig.name}_baseline"]
        change = pd.Series(np.where(r > 0, 1.0, 0.0), index=r.index).where(b == 0)
        change = (r / b - 1.0).where(b > 0, change)
        result[f"{sig.name}_change"] = change
        trend = -np.log((r + sig.prior) / (b + sig.prior))
        result[f"{sig.name}_against"] = (
            bool(present[sig.name]) & (change <= -sig.drop_threshold).fillna(False)
            & (trend >= -math.log(1 - sig.drop_threshold) * 0.5).fillna(False))
        medians = r[active].groupby(result["cohort"][active]).median()
        result[f"{sig.name}_cohort"] = result["cohort"].map(medians)
    staff = everyone[(everyone["occurred_at"] >= w_start)
                     & everyone["kind"].isin(["ticket_opened", "escalation", "check_in"])]
    recent = staff["occurred_at"] >= r_start
    personal = (staff["kind"] == "check_in") & ~staff["automated"].fillna(False).astype(bool)
    counts = pd.DataFrame({
        "tickets_recent": (staff["kind"] == "ticket_opened") & recent,
        "tickets_baseline": (staff["kind"] == "ticket_opened") & ~recent,
        "escalations_recent": (staff["kind"] == "escalation") & recent,
        "check_ins_recent": personal & recent}).groupby(staff["account_id"]).sum()
    for column in ("tickets_recent", "escalations_recent", "check_ins_recent"):
        result[column] = counts[column].reindex(result.index).fillna(0).astype("int64")
    triggers = everyone[everyone["kind"].isin(["ticket_opened", "escalation", "incident"])]
    outreach = everyone[(everyone["occurred_at"] >= w_start) & (
        (everyone["kind"] == "automated_check_in")
        | ((everyone["kind"] == "check_in") & everyone["automated"].fillna(False)))]
    gaps = pd.merge_asof(outreach[["account_id", "occurred_at"]].sort_values("occurred_at"),
                         triggers[["account_id", "occurred_at"]]
                         .rename(columns={"occurred_at": "trigger_at"})
                         .sort_values("trigger_at"),
                         left_on="occurred_at", right_on="trigger_at", by="account_id",
                         direction="backward", tolerance=pd.Timedelta(days=7))
    gaps = gaps[gaps["trigger_at"].notna()]
    late = gaps["occurred_at"] >= r_start
    per = pd.DataFrame({"n": 1, "recent": late, "baseline": ~late}) \
        .groupby(gaps["account_id"]).sum()
    result["continuity_gap_count"] = per["n"].reindex(result.index).fillna(0).astype("int64")
    result["continuity_gaps_recent"] = per["recent"].reindex(result.index).fillna(0) \
        .astype("float64")
    result["continuity_gaps_baseline"] = per["baseline"].reindex(result.index).fillna(0) \
        .astype("float64")
    gr, gb = result["continuity_gaps_recent"], result["continuity_gaps_baseline"]
    result["continuity_gaps_change"] = (gr / gb - 1.0).where(
        gb > 0, pd.Series(np.where(gr > 0, 1.0, 0.0), index=gr.index))
    result["continuity_gaps_against"] = gr > gb
    result["has_baseline"] = seen > 0
    result["days_since_activity"] = (end - result["last_activity"]).dt.days.astype("Int64")


def measure_themes(folder: Path, texts: int) -> dict:
    import polars as pl

    from playbooks.questions.themes import find_themes

    questions = (pl.scan_parquet(folder / "activity.parquet")
                 .filter(pl.col("question_text").is_not_null()).head(texts).collect())
    # Make the texts distinct as real ones are: a short account-specific tail on each.
    questions = questions.with_columns(
        (pl.col("question_text") + " (" + pl.col("person_id").str.slice(4) + " "
         + pl.col("feature").fill_null(pl.col("channel")) + ")").alias("question_text"))
    load, cpu, start = _load(), _cpu(), time.perf_counter()
    themes = find_themes(questions, as_of=AS_OF)
    return {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "load": load,
            "peak_mb": _peak_mb(),
            "texts": questions.height, "distinct": questions["question_text"].n_unique(),
            "themes": themes.height}


def compare(folder: Path) -> int:
    """Assert the polars and pandas window values are identical; return columns compared."""
    import polars as pl
    from polars.testing import assert_frame_equal

    pandas = pl.read_parquet(folder / "pandas-signals.parquet")
    columns = [c for c in pandas.columns if c != "index"]
    polars = pl.read_parquet(folder / "polars-signals.parquet").select(columns)
    pandas = pandas.select(columns).with_columns(pl.col("last_activity").cast(pl.Datetime("us")),
                                                 pl.col("cohort").cast(pl.String))
    assert_frame_equal(polars, pandas, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
    return len(columns)


def _fmt(run: dict) -> str:
    return (f"{run['seconds']:.2f} s (CPU {run['cpu']:.1f} s, load {run['load']:.1f}) "
            f"{run['peak_mb']:.0f} MB")


def _child(kind: str, folder: Path, texts: int = 0, model: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--folder", str(folder),
               "--texts", str(texts), *(["--model", str(model)] if model else [])]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="*", default=[])
    parser.add_argument("--pandas", type=int, nargs="*", default=[])
    parser.add_argument("--themes", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="polars runs per size")
    parser.add_argument("--data", type=Path, default=Path("/tmp/playbooks-bench"))
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--texts", type=int, default=0)
    parser.add_argument("--model", type=Path, default=None,
                        help="A score model file to apply (default: the shipped priors).")
    args = parser.parse_args()
    if args.child:
        runs = {"scan": measure_scan, "pandas": measure_pandas}
        result = (measure_themes(args.folder, args.texts) if args.child == "themes"
                  else measure_polars(args.folder, args.model) if args.child == "polars"
                  else runs[args.child](args.folder))
        print(json.dumps(result))
        return
    for n in sorted(set(args.accounts) | set(args.pandas)):
        folder = _demo(args.data, n)
        scan = _child("scan", folder)
        runs = sorted((_child("polars", folder, model=args.model)
                       for _ in range(max(args.repeat, 1))),
                      key=lambda r: r["seconds"])
        fast, median = runs[0], runs[len(runs) // 2]
        line = (f"{n:>7} accounts {scan['rows']:>11,} events | scan {_fmt(scan)} | "
                f"polars {_fmt(fast)}")
        if len(runs) > 1:
            line += f" (median of {len(runs)}: {median['seconds']:.2f} s)"
        if n in args.pandas:
            slow = _child("pandas", folder)
            compared = compare(folder)
            line += (f" | pandas {_fmt(slow)} | {slow['seconds'] / fast['seconds']:.1f}x "
                     f"(median {slow['seconds'] / median['seconds']:.1f}x, CPU "
                     f"{slow['cpu'] / fast['cpu']:.1f}x); {compared} columns identical")
        print(line, flush=True)
    if args.themes:
        folder = _demo(args.data, 50_000 if args.themes > 80_000 else 10_000)
        t = _child("themes", folder, args.themes)
        print(f"themes: {t['texts']:,} texts ({t['distinct']:,} distinct) -> {t['themes']} "
              f"themes in {_fmt(t)}", flush=True)


if __name__ == "__main__":
    main()
