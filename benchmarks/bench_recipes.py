"""Measure importing a product-analytics export through its recipe, beside polars alone.

    python benchmarks/bench_recipes.py --rows 10000000

Generates a Mixpanel-style raw event export (JSON lines, `{"event": ..., "properties":
{"time": ..., "distinct_id": ..., "$insert_id": ..., "company_id": ...}}`), then, each in
its own process so each peak memory is its own:

- `polars`: polars alone reads the same file and writes it to Parquet (scan_ndjson ->
  sink_parquet), the cost of the I/O without a recipe;
- `recipe`: `convert_export` with the shipped `mixpanel_events` recipe: reading, filters,
  events, ids, hashed person ids, dates, account ids resolved through the crosswalk against
  2,000 accounts, and the contract-shaped Parquet written;
- `import`: `playbooks import` of the export into a workspace that holds the 2,000 accounts,
  end to end: the conversion above, then the contract checks and the source's data file
  written, the manifest switched and the account crosswalk saved.

Prints one JSON line per step (rows, seconds, rows per second, peak RSS in MB). The target
is at least 1 million rows per second end to end, under 4 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ACCOUNTS = 2_000
USERS = 50_000
EVENTS = [
    "Signed In",
    "Report Built",
    "Dashboard Created",
    "Report Exported",
    "Filter Applied",
    "Invite Sent",
    "$mp_web_page_view",
    "Alert Configured",
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write `rows` Mixpanel-style events as JSON lines, one million at a time."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    start = 1_767_225_600  # 2026-01-01
    with path.open("wb") as handle:
        for offset in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - offset)
            user = rng.integers(0, USERS, n)
            company = user % ACCOUNTS
            no_group = rng.random(n) < 0.02
            frame = pl.DataFrame(
                {
                    "event": np.array(EVENTS)[rng.integers(0, len(EVENTS), n)],
                    "time": start + rng.integers(0, 300 * 86_400, n),
                    "user": user,
                    "company": company,
                    "no_group": no_group,
                    "index": np.arange(offset, offset + n),
                }
            )
            frame = frame.select(
                "event",
                pl.struct(
                    pl.col("time"),
                    pl.format("user{}@company{}.example", "user", "company").alias("distinct_id"),
                    pl.format("ev-{}", "index").alias("$insert_id"),
                    pl.lit("Chrome").alias("$browser"),
                    (pl.col("time") * 1000 + 532).alias("mp_processing_time_ms"),
                    pl.when(~pl.col("no_group"))
                    .then(pl.format("ws_{}", "company"))
                    .alias("company_id"),
                    pl.format("user{}@company{}.example", "user", "company").alias("email"),
                ).alias("properties"),
            )
            frame.write_ndjson(handle)


def accounts_table() -> object:
    import polars as pl

    ids = pl.int_range(0, ACCOUNTS, eager=True)
    return pl.DataFrame(
        {
            "account_id": ("ACC-" + ids.cast(pl.String).str.zfill(5)),
            "name": ("Company " + ids.cast(pl.String)),
            "domain": ("company" + ids.cast(pl.String) + ".example"),
            "alternate_ids": ("ws_" + ids.cast(pl.String)),
        }
    )


def run_step(step: str, export: Path, work: Path) -> dict[str, object]:
    """Run one step in this process and return its figures."""
    import polars as pl

    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    if step == "polars":
        pl.scan_ndjson(export, infer_schema_length=10_000).sink_parquet(work / "polars.parquet")
        rows = pl.scan_parquet(work / "polars.parquet").select(pl.len()).collect().item()
        rows_out = rows
    elif step == "import":
        from playbooks.data.recipes.importing import import_exports

        folder = work / "workspace"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        accounts = folder.parent / "accounts.parquet"
        accounts_table().with_columns(  # type: ignore[attr-defined]
            pl.lit("Company").alias("segment"), pl.lit("Owner").alias("owner"),
            pl.lit(10_000.0).alias("annual_value"), pl.lit(dt.date(2024, 1, 1)).alias(
                "contract_start"), pl.lit(dt.date(2027, 1, 1)).alias("renewal_date"),
            pl.lit("adoption").alias("lifecycle_stage")).write_parquet(accounts)
        import_exports([accounts], folder)
        start = time.perf_counter()  # the accounts are the workspace's already: not timed
        before = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = before.ru_utime + before.ru_stime
        done = import_exports([export], folder)
        rows = done.converted[0].rows_in
        rows_out = sum(c.rows_after for c in done.result.changes)
    else:
        from playbooks.data.recipes.catalogue import shipped_recipes
        from playbooks.data.recipes.convert import convert_export

        recipe = shipped_recipes()["mixpanel_events"]
        done = convert_export(export, recipe, folder=work, accounts=accounts_table())  # type: ignore[arg-type]
        rows, rows_out = done.rows_in, done.rows_out
        done.discard()
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "step": step,
        "rows": rows,
        "rows_out": rows_out,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 2),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--step", choices=["polars", "recipe", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(run_step(args.step, args.export, args.work)))
        return []
    work = Path(tempfile.mkdtemp(prefix="bench-recipes-"))
    results = []
    try:
        export = work / "mixpanel_export.jsonl"
        start = time.perf_counter()
        generate(export, args.rows)
        print(
            json.dumps(
                {
                    "step": "generate",
                    "rows": args.rows,
                    "seconds": round(time.perf_counter() - start, 2),
                    "file_mb": round(export.stat().st_size / 2**20),
                }
            ),
            flush=True,
        )
        for step in ("polars", "recipe", "import"):
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--step",
                    step,
                    "--export",
                    str(export),
                    "--work",
                    str(work),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                sys.exit(f"step {step} failed:\n{done.stderr}")
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(figures)
            print(json.dumps(figures), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
