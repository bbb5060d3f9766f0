"""Measure contract validation of the activity table: throughput and peak memory.

    python benchmarks/bench_validate.py --rows 1000000 10000000 30000000 [--source DIR]

DIR is a demo workspace with at least as many activity rows as the largest size (see
bench_demo.py --out); without --source the script generates one (about 600 activity rows per
account) in a temporary folder and removes it afterwards. Each size is written as its own
Parquet file and validated in a fresh process, so peak memory is per run. Modes:

- chunked: `validate_file` as `playbooks validate` runs it (polars rules on every row in
  chunks, the compiled great-expectations suite on a 10,000-row sample, in a thread);
- chunked-warm: the same in a process that has already validated once (great-expectations
  imported), as in the app or a notebook; only the second validation is timed;
- chunked-no-gx: the same without the great-expectations sample (no 4-5 s import);
- gx-full-frame (baseline): plain great-expectations, the compiled suite on the whole file as
  one pandas frame.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _worker(mode: str, file: Path, accounts: Path) -> dict[str, float]:
    start = time.perf_counter()
    import polars as pl

    if mode == "chunked-warm":
        from playbooks.data.workspace import validate_file

        small = pl.read_parquet(file, n_rows=1_000)
        warm = file.with_name("warm-" + file.name)
        small.write_parquet(warm)
        validate_file(warm, "activity", gx="sample")
        warm.unlink()
        start = time.perf_counter()

    related = {"accounts": pl.read_parquet(accounts, columns=["account_id"])}
    if mode == "gx-full-frame":
        from playbooks.data.contracts import load_contract
        from playbooks.data.gx import run_gx
        from playbooks.data.validation import related_keys

        contract = load_contract("activity")
        frame = pl.read_parquet(file)
        results = run_gx(frame, contract, keys=related_keys(related, contract))
        rows = frame.height
        valid = all(r["success"] for r in results.values())
    else:
        from playbooks.data.workspace import validate_file

        report = validate_file(file, "activity", related=related,
                               gx="off" if mode == "chunked-no-gx" else "sample")
        if mode != "chunked-no-gx":
            assert report.gx_rows_checked > 0
        rows, valid = report.rows, report.valid
        assert not report.engine_mismatches, report.engine_mismatches
    seconds = time.perf_counter() - start
    return {"mode": mode, "rows": rows, "valid": valid, "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _generate_source(folder: Path, rows: int) -> Path:
    """Generate a demo workspace with at least `rows` activity rows (seed 7, 104 weeks)."""
    from playbooks.demo import generate_demo

    accounts = max(50, rows // 500 + 1)  # about 600-650 rows per account: a margin
    result = generate_demo(folder, accounts=accounts, weeks=104, seed=7)
    if result.events < rows:
        raise SystemExit(f"the generated demo has {result.events:,} activity rows, fewer than "
                         f"{rows:,}; pass --source")
    print(json.dumps({"generated_source": str(folder), "accounts": accounts,
                      "events": result.events}), flush=True)
    return folder


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--source", type=Path, default=None,
                        help="demo workspace folder (default: generate one)")
    parser.add_argument("--modes", nargs="+",
                        default=["chunked", "chunked-warm", "chunked-no-gx",
                                 "gx-full-frame"])
    parser.add_argument("--baseline-max-rows", type=int, default=10_000_000,
                        help="skip the whole-frame baseline above this size (memory)")
    parser.add_argument("--worker", nargs=3, metavar=("MODE", "FILE", "ACCOUNTS"))
    args = parser.parse_args(argv)
    if args.worker:
        figures = _worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]))
        print(json.dumps(figures))
        return [figures]

    import polars as pl

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as temp:
        if args.source is None:
            args.source = _generate_source(Path(temp) / "demo", max(args.rows))
        for rows in args.rows:
            file = Path(temp) / f"activity-{rows}.parquet"
            pl.scan_parquet(args.source / "activity.parquet").head(rows).sink_parquet(file)
            for mode in args.modes:
                if mode == "gx-full-frame" and rows > args.baseline_max_rows:
                    continue
                done = subprocess.run(
                    [sys.executable, __file__, "--source", str(args.source), "--worker", mode,
                     str(file), str(args.source / "accounts.parquet")],
                    capture_output=True, text=True, cwd=ROOT)
                if done.returncode != 0:
                    raise SystemExit(done.stderr)
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                print(json.dumps(figures), flush=True)
                results.append(figures)
            file.unlink()
    return results


if __name__ == "__main__":
    main()
