"""Benchmark the passes over the activity table on DuckDB and on a local Spark session
against polars, on synthetic events in Parquet with the activity contract's columns.

    .venv/bin/python benchmarks/bench_engines.py --events 100000000 --accounts 100000 \
        --engines polars duckdb --polars-cap-gb 16
    .venv/bin/python benchmarks/bench_engines.py --events 30000000 --accounts 50000 \
        --engines polars spark
    .venv/bin/python benchmarks/bench_engines.py --after-accounts 500000

The events are written in batches (a million rows each), so making them needs little memory.
Each engine runs in a fresh child process; its wall time and peak memory are measured (the
peak resident set of the child and what it started, polled every 0.2 s, and ru_maxrss), and
a child passing `--cap-gb` is stopped there, so a run that would not fit in memory ends
instead of pushing a shared machine into swapping. The signals tables of the engines are
compared (every column, floating-point tolerance) and the comparison is printed.
`--after-accounts` times the per-account part after the passes (polars, in memory) at that
many accounts, apart from the passes. The load average is printed beside every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 23)
BATCH = 1_000_000
# What the synthetic events are made of: kind, share of the events, customer or staff.
KINDS = (("feature_used", 0.52, "customer"), ("login", 0.25, "customer"),
         ("question_asked", 0.05, "customer"), ("csm_question", 0.01, "customer"),
         ("ticket_opened", 0.03, "customer"), ("ticket_closed", 0.03, "staff"),
         ("event_attended", 0.02, "customer"), ("course_completed", 0.01, "customer"),
         ("community_post", 0.02, "customer"), ("review", 0.005, "customer"),
         ("referral", 0.005, "customer"), ("escalation", 0.005, "customer"),
         ("check_in", 0.02, "staff"), ("automated_check_in", 0.02, "system"),
         ("incident", 0.01, "system"))
FUNCTIONS = ("support", "success", "community", "product")


def load() -> float:
    """The 1-minute load average now."""
    return os.getloadavg()[0]


def make_events(folder: Path, events: int, accounts: int, seed: int = 7) -> Path:
    """Write `events` synthetic events of `accounts` accounts over a year before the as-of
    date to folder/events-N.parquet (once; batch by batch), and the accounts table beside."""
    import numpy as np
    import polars as pl
    import pyarrow.parquet as pq

    path = folder / f"events-{events}-{accounts}.parquet"
    accounts_path = folder / f"accounts-{accounts}.parquet"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    if not accounts_path.exists():
        ids = np.arange(accounts)
        pl.DataFrame({
            "account_id": [f"ACC-{i:07d}" for i in ids],
            "segment": rng.choice(["smb", "mid", "enterprise"], accounts),
            "lifecycle_stage": rng.choice(["onboarding", "adopted", "renewal"], accounts),
            "contract_start": [dt.date(2024, 1, 1) + dt.timedelta(days=int(d))
                               for d in rng.integers(0, 900, accounts)],
            "health_score": rng.uniform(30, 100, accounts).round(0),
        }).write_parquet(accounts_path)
    if path.exists():
        return path
    kinds = [k for k, _, _ in KINDS]
    shares = np.array([s for _, s, _ in KINDS])
    actors = {k: a for k, _, a in KINDS}
    end = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time())
    span_us = 365 * 86_400 * 1_000_000
    temp = path.with_suffix(".partial")
    writer = None
    # Accounts differ in how busy they are, so some have many events and some few.
    weight = rng.pareto(1.5, accounts) + 0.2
    weight /= weight.sum()
    try:
        for start in range(0, events, BATCH):
            n = min(BATCH, events - start)
            account = rng.choice(accounts, n, p=weight)
            kind = rng.choice(len(kinds), n, p=shares / shares.sum())
            offset = rng.integers(1, span_us, n)
            frame = pl.DataFrame({
                "account": account, "kind_code": kind,
                "person": rng.integers(0, 12, n), "feature_code": rng.integers(0, 30, n),
                "occurred_at": pl.Series(np.datetime64(end, "us") - offset.astype("m8[us]")),
                "automated": rng.random(n) < 0.3,
                "function": rng.integers(0, len(FUNCTIONS), n)})
            kind_name = pl.Series(kinds).gather(frame["kind_code"])
            frame = frame.select(
                pl.format("ACC-{}", pl.col("account").cast(pl.String).str.zfill(7))
                .alias("account_id"),
                pl.format("P-{}-{}", pl.col("account"), pl.col("person")).alias("person_id"),
                kind_name.replace_strict(actors).alias("actor_type"),
                "occurred_at", kind_name.alias("kind"),
                pl.when(kind_name == "feature_used")
                .then(pl.format("feature-{}", pl.col("feature_code"))).alias("feature"),
                "automated",
                pl.Series(FUNCTIONS).gather(frame["function"]).alias("source_function"))
            table = frame.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(temp, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    temp.rename(path)
    return path


def measure(engine: str, events: Path, accounts: Path, out: Path, memory_gb: int) -> None:
    """Child process: compute the signals with one engine, write them to `out`, print the
    seconds of the signals (and of the weekly series) as JSON."""
    import polars as pl

    from playbooks.signals import compute_signals
    from playbooks.signals.score_model import prior_model

    acc = pl.scan_parquet(accounts)
    connect_seconds = 0.0
    if engine == "polars":
        started = time.perf_counter()
        result = compute_signals(acc, pl.scan_parquet(events), as_of=AS_OF, model=prior_model())
    else:
        from playbooks.engines.connect import connect, parse_engine
        from playbooks.engines.signals import compute_signals_on
        from playbooks.engines.table import open_activity

        started = time.perf_counter()
        chosen = parse_engine(engine)
        con = connect(chosen, memory_limit=f"{memory_gb}GB")
        table = open_activity(con, chosen, str(events))
        connect_seconds = time.perf_counter() - started
        started = time.perf_counter()
        result = compute_signals_on(acc, table, as_of=AS_OF, model=prior_model())
    seconds = time.perf_counter() - started
    result.write_parquet(out)
    print(json.dumps({"seconds": round(seconds, 2), "connect_seconds": round(connect_seconds, 2),
                      "accounts": result.height}))


def run_child(args: list[str], cap_gb: float | None) -> dict[str, Any]:
    """Run one measurement in a child process; return its JSON, wall time, peak memory (MB)
    and whether it was stopped at the cap."""
    started = time.perf_counter()
    start_load = load()
    child = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    peak, stopped = 0, False
    while child.poll() is None:
        rss = tree_rss(child.pid)
        peak = max(peak, rss)
        if cap_gb is not None and rss > cap_gb * 1024**3:
            child.kill()
            stopped = True
        time.sleep(0.2)
    out, err = child.communicate()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures: dict[str, Any] = {"wall_seconds": round(time.perf_counter() - started, 1),
                               "peak_rss_mb": round(max(peak / 1024**2, 0)),
                               "children_max_rss_mb": round(usage.ru_maxrss / 1024),
                               "load_at_start": round(start_load, 2),
                               "load_at_end": round(load(), 2)}
    if stopped:
        figures["stopped_at_cap_gb"] = cap_gb
        return figures
    if child.returncode != 0:
        figures["failed"] = err.strip().splitlines()[-1] if err.strip() else child.returncode
        return figures
    figures.update(json.loads(out.strip().splitlines()[-1]))
    return figures


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children (a Spark session's Java process too)."""
    total = 0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            with open(f"/proc/{p}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children") as kids:
                pending += [int(k) for k in kids.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def compare(outs: dict[str, Path]) -> dict[str, str]:
    """Each engine's signals table against polars': equal within tolerance, or why not."""
    import polars as pl
    from polars.testing import assert_frame_equal

    if "polars" not in outs or not outs["polars"].exists():
        return {}
    base = pl.read_parquet(outs["polars"])
    verdicts = {}
    for engine, path in outs.items():
        if engine == "polars" or not path.exists():
            continue
        try:
            assert_frame_equal(pl.read_parquet(path), base, check_exact=False, rel_tol=1e-9,
                               abs_tol=1e-9)
            verdicts[engine] = "equal"
        except AssertionError as error:
            verdicts[engine] = f"DIFFERENT: {str(error).splitlines()[0]}"
    return verdicts


def after_passes_seconds(folder: Path, accounts: int, repeat: int) -> dict[str, Any]:
    """Time the per-account part after the passes at `accounts` accounts: the passes run
    once on DuckDB over synthetic events (30 per account), then `after_passes` alone."""
    import polars as pl

    from playbooks.engines.connect import connect, parse_engine
    from playbooks.engines.signals import after_passes, run_passes
    from playbooks.engines.table import open_activity
    from playbooks.signals.engine import prepare_inputs
    from playbooks.signals.score_model import prior_model

    events = make_events(folder, accounts * 30, accounts)
    acc, window = prepare_inputs(pl.scan_parquet(folder / f"accounts-{accounts}.parquet"),
                                 AS_OF)
    chosen = parse_engine("duckdb")
    started = time.perf_counter()
    parts = run_passes(open_activity(connect(chosen), chosen, str(events)), window)
    passes_seconds = time.perf_counter() - started
    acc = acc.collect().lazy()
    times, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        result = after_passes(acc, parts, window, prior_model())
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    # On a shared machine the clock counts the waits for a core too; the processor time
    # (all threads, user and system) is the work itself.
    return {"accounts": result.height, "events": accounts * 30,
            "passes_seconds_duckdb": round(passes_seconds, 2),
            "after_passes_seconds_best": round(min(times), 2),
            "after_passes_seconds_all": [round(t, 2) for t in times],
            "after_passes_cpu_seconds_all": [round(t, 2) for t in cpu], "load": round(load(), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=0)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--engines", nargs="*", default=["polars", "duckdb"])
    parser.add_argument("--polars-cap-gb", type=float, default=None,
                        help="Stop the polars run past this resident memory.")
    parser.add_argument("--cap-gb", type=float, default=22.0,
                        help="Stop any other engine's run past this resident memory.")
    parser.add_argument("--duckdb-memory-gb", type=int, default=8)
    parser.add_argument("--after-accounts", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path("/tmp/playbooks-bench-engines"))
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--accounts-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.file, args.accounts_file, args.out, args.duckdb_memory_gb)
        return
    report: dict[str, Any] = {"cores": os.cpu_count(), "load": round(load(), 2)}
    if args.events:
        started = time.perf_counter()
        events = make_events(args.data, args.events, args.accounts)
        report["events"] = args.events
        report["accounts"] = args.accounts
        report["file_gb"] = round(events.stat().st_size / 1024**3, 2)
        report["generate_seconds"] = round(time.perf_counter() - started, 1)
        outs = {}
        for engine in args.engines:
            outs[engine] = args.data / f"signals-{re.sub(r'[^A-Za-z0-9]+', '_', engine)}.parquet"
            outs[engine].unlink(missing_ok=True)
            cap = args.polars_cap_gb if engine == "polars" else args.cap_gb
            figures = run_child(["--measure", engine, "--file", str(events), "--accounts-file",
                                 str(args.data / f"accounts-{args.accounts}.parquet"),
                                 "--out", str(outs[engine]), "--duckdb-memory-gb",
                                 str(args.duckdb_memory_gb)], cap)
            if "seconds" in figures:
                figures["events_per_second_per_core"] = round(
                    args.events / figures["seconds"] / (os.cpu_count() or 1))
            report[engine] = figures
            print(f"{engine}: {json.dumps(figures)}", file=sys.stderr)
        report["same_answer_as_polars"] = compare(outs)
    if args.after_accounts:
        report["after_passes"] = after_passes_seconds(args.data, args.after_accounts,
                                                      args.repeat)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
