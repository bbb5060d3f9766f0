"""Measure demo generation: wall time and peak memory, with a bare-write baseline.

    python benchmarks/bench_demo.py --accounts 50000 --weeks 104

The baseline reads the generated activity table back and writes it again, with the same
compression: the cost of the I/O alone, which generation cannot beat.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="keep the output here")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)

    import polars as pl

    from playbooks.demo import generate_demo

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-demo-"))
    try:
        start = time.perf_counter()
        result = generate_demo(out, accounts=args.accounts, weeks=args.weeks, seed=args.seed)
        seconds = time.perf_counter() - start
        figures = {"accounts": args.accounts, "weeks": args.weeks, "events": result.events,
                   "snapshots": result.snapshots, "seconds": round(seconds, 2),
                   "events_per_second": round(result.events / seconds),
                   "peak_rss_mb": round(peak_rss_mb()),
                   "activity_mb": round((out / "activity.parquet").stat().st_size / 2**20, 1)}
        if not args.no_baseline:
            start = time.perf_counter()
            frame = pl.read_parquet(out / "activity.parquet")
            frame.write_parquet(out / "rewrite.parquet", compression="zstd")
            figures["baseline_read_and_rewrite_seconds"] = round(time.perf_counter() - start, 2)
            del frame
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
        else:
            (out / "rewrite.parquet").unlink(missing_ok=True)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
