"""Benchmark the account-signals pipeline: polars against a bare scan and a pandas version.

    .venv/bin/python benchmarks/bench_signals.py --accounts 1000 10000 50000 --pandas 50000
    .venv/bin/python benchmarks/bench_signals.py --themes 100000

Each measurement runs in a fresh child process so its peak memory (ru_maxrss) is its own.
Demo workspaces are generated once into --data (default /tmp/playbooks-bench).
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
COLUMNS = ["account_id", "person_id", "actor_type", "occurred_at", "kind", "feature",
           "automated", "event_id"]


def _demo(data: Path, accounts: int) -> Path:
    from playbooks.demo import generate_demo

    folder = data / f"demo-{accounts}"
    if not (folder / "activity.parquet").exists():
        generate_demo(folder, accounts=accounts, weeks=104, seed=7, as_of=AS_OF)
    return folder


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_polars(folder: Path) -> dict:
    import polars as pl

    from playbooks.signals import compute_signals

    start = time.perf_counter()
    out = compute_signals(pl.scan_parquet(folder / "accounts.parquet"),
                          pl.scan_parquet(folder / "activity.parquet"), as_of=AS_OF)
    seconds = time.perf_counter() - start
    out.write_parquet(folder / "polars-signals.parquet")
    return {"seconds": seconds, "peak_mb": _peak_mb(), "rows": out.height}


def measure_scan(folder: Path) -> dict:
    import polars as pl

    start = time.perf_counter()
    frame = pl.scan_parquet(folder / "activity.parquet").select(COLUMNS).collect()
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "rows": frame.height}


def measure_pandas(folder: Path) -> dict:
    """The per-account window values, written the straightforward pandas way."""
    import numpy as np
    import pandas as pd

    from playbooks.signals import SIGNALS

    start = time.perf_counter()
    acc = pd.read_parquet(folder / "accounts.parquet",
                          columns=["account_id", "contract_start"])
    act = pd.read_parquet(folder / "activity.parquet",
                          columns=["account_id", "person_id", "actor_type", "occurred_at",
                                   "kind", "feature"])
    end = pd.Timestamp(AS_OF + dt.timedelta(days=1))
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
    seconds = time.perf_counter() - start
    result.sort_index().reset_index().to_parquet(folder / "pandas-signals.parquet")
    return {"seconds": seconds, "peak_mb": _peak_mb(), "rows": len(result)}


def measure_themes(folder: Path, texts: int) -> dict:
    import polars as pl

    from playbooks.themes import find_themes

    questions = (pl.scan_parquet(folder / "activity.parquet")
                 .filter(pl.col("question_text").is_not_null()).head(texts).collect())
    # Make the texts distinct as real ones are: a short account-specific tail on each.
    questions = questions.with_columns(
        (pl.col("question_text") + " (" + pl.col("person_id").str.slice(4) + " "
         + pl.col("feature").fill_null(pl.col("channel")) + ")").alias("question_text"))
    start = time.perf_counter()
    themes = find_themes(questions, as_of=AS_OF)
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(),
            "texts": questions.height, "distinct": questions["question_text"].n_unique(),
            "themes": themes.height}


def compare(folder: Path) -> int:
    """Assert the polars and pandas window values are identical; return columns compared."""
    import polars as pl
    from polars.testing import assert_frame_equal

    pandas = pl.read_parquet(folder / "pandas-signals.parquet")
    columns = [c for c in pandas.columns if c != "index"]
    polars = pl.read_parquet(folder / "polars-signals.parquet").select(columns)
    pandas = pandas.select(columns).with_columns(pl.col("last_activity").cast(pl.Datetime("us")))
    assert_frame_equal(polars, pandas, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
    return len(columns)


def _child(kind: str, folder: Path, texts: int = 0) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--folder", str(folder),
               "--texts", str(texts)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="*", default=[])
    parser.add_argument("--pandas", type=int, nargs="*", default=[])
    parser.add_argument("--themes", type=int, default=0)
    parser.add_argument("--data", type=Path, default=Path("/tmp/playbooks-bench"))
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--texts", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        runs = {"polars": measure_polars, "scan": measure_scan, "pandas": measure_pandas}
        result = (measure_themes(args.folder, args.texts) if args.child == "themes"
                  else runs[args.child](args.folder))
        print(json.dumps(result))
        return
    for n in sorted(set(args.accounts) | set(args.pandas)):
        folder = _demo(args.data, n)
        scan = _child("scan", folder)
        fast = _child("polars", folder)
        line = (f"{n:>7} accounts {scan['rows']:>11,} events | scan {scan['seconds']:.2f} s "
                f"{scan['peak_mb']:.0f} MB | polars {fast['seconds']:.2f} s "
                f"{fast['peak_mb']:.0f} MB")
        if n in args.pandas:
            slow = _child("pandas", folder)
            compared = compare(folder)
            line += (f" | pandas {slow['seconds']:.2f} s {slow['peak_mb']:.0f} MB | "
                     f"{slow['seconds'] / fast['seconds']:.1f}x; {compared} columns identical")
        print(line, flush=True)
    if args.themes:
        folder = _demo(args.data, 50_000 if args.themes > 80_000 else 10_000)
        t = _child("themes", folder, args.themes)
        print(f"themes: {t['texts']:,} texts ({t['distinct']:,} distinct) -> {t['themes']} "
              f"themes in {t['seconds']:.2f} s, {t['peak_mb']:.0f} MB peak", flush=True)


if __name__ == "__main__":
    main()
