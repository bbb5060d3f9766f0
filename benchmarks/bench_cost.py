"""Time and measure the memory of "what automation alone cost" (`trap.cost.relationship_cost`),
beside the same step in the code of an earlier commit, on the same workspace in the same run.

    .venv/bin/python benchmarks/bench_cost.py --data /tmp/ws50k --baseline a0980d7

The weekly series the pairs read is computed first, in a process of its own, and kept in a
file, so neither measured process computes it. Then each side runs in a fresh process under
`/usr/bin/time -v`: the earlier code (exported with `git archive` into a temporary folder) and
this tree's code, each calling `relationship_cost` on `pl.scan_parquet(activity.parquet)`
and the accounts; `--collected` adds the earlier code given tables read whole (as the app's
results handed them), `--duckdb` this code with the activity on DuckDB
(`engines.cost.relationship_cost_on`). Each line prints the call's time, the process's wall
time and its peak resident memory (Maximum resident set size), with the load average; the
last lines say whether the effects and the pairs equal this code's on the files.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from earlier_code import (  # noqa: E402
    ROOT,
    TIMER,
    demo_size,
    export_code,
    load_average,
    peak_gb,
    ran_code,
)


def _series(data: Path, out: Path) -> None:
    """Compute the weekly series without the drifting share and keep it in `out`."""
    import polars as pl

    from playbooks.trap import trap_view

    activity = pl.scan_parquet(data / "activity.parquet")
    trap_view(activity, drifting_every_weeks=None).series.write_parquet(out)


def _child(data: Path, series: Path, out: Path, collected: bool, duckdb: bool) -> None:
    """Call `relationship_cost` once (`relationship_cost_on` on DuckDB with `duckdb`) and
    keep its frames in `out` (the measured process)."""
    import polars as pl

    import playbooks
    from playbooks.trap.cost import relationship_cost
    from playbooks.vocabulary.activity import latest_event_date

    print(f"code {Path(playbooks.__file__).parent.parent}")

    activity: pl.LazyFrame | pl.DataFrame = pl.scan_parquet(data / "activity.parquet")
    accounts: pl.LazyFrame | pl.DataFrame = pl.scan_parquet(data / "accounts.parquet")
    weekly = pl.read_parquet(series)
    day = latest_event_date(activity)  # type: ignore[arg-type]
    if collected:
        activity, accounts = activity.collect(), accounts.collect()  # type: ignore[union-attr]
    start = time.perf_counter()
    if duckdb:
        from playbooks.engines.connect import connect, parse_engine
        from playbooks.engines.cost import relationship_cost_on
        from playbooks.engines.table import open_activity

        engine = parse_engine("duckdb")
        table = open_activity(connect(engine), engine, [data / "activity.parquet"])
        cost = relationship_cost_on(table, accounts, weekly, as_of=day)
    else:
        cost = relationship_cost(activity, accounts, weekly, as_of=day)
    seconds = time.perf_counter() - start
    cost.effects.write_parquet(out / "effects.parquet")
    cost.pairs.write_parquet(out / "pairs.parquet")
    print(f"call {seconds:.2f}")


def _measured(code: Path, data: Path, series: Path, out: Path, mode: str,
              ) -> tuple[float, float, float]:
    """Run the child under /usr/bin/time -v with `code` first on the path: (call s, wall s,
    peak GB)."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(code), "PLAYBOOKS_NO_BOOTSTRAP": "1"}
    command = [sys.executable, str(Path(__file__).resolve()), "child", "--data", str(data),
               "--series", str(series), "--out", str(out)] + ([f"--{mode}"] if mode else [])
    start = time.perf_counter()
    done = subprocess.run(TIMER + command, capture_output=True, text=True, env=env,
                          cwd=code)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the measured run failed:\n{done.stdout}\n{done.stderr}")
    ran_code(done.stdout, code)
    call = float(re.search(r"call ([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    return call, wall, peak_gb(done.stderr)


def _same(a: Path, b: Path) -> bool:
    import polars as pl
    from polars.testing import assert_frame_equal

    try:
        for name in ("effects.parquet", "pairs.parquet"):
            assert_frame_equal(pl.read_parquet(a / name), pl.read_parquet(b / name))
    except AssertionError:
        return False
    return True


def run(data: Path, accounts: int, baseline: str, collected: bool, duckdb: bool) -> None:
    """Measure both sides and print them beside each other."""
    n, events = demo_size(data, accounts)
    print(f"relationship cost: {data}: {n:,} accounts, {events:,} events, {os.cpu_count()} "
          f"cores; baseline: the code at {baseline}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        series = work / "series.parquet"
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "series", "--data",
                        str(data), "--series", str(series)], check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        old = work / "old"
        old.mkdir()
        export_code(baseline, old)
        sides = [("earlier code, lazy scan", old, ""), ("this code, lazy scan", ROOT, "")]
        if collected:
            sides.insert(0, ("earlier code, tables read whole", old, "collected"))
        if duckdb:
            sides.insert(-1, ("this code, on DuckDB", ROOT, "duckdb"))
        for i, (label, code, mode) in enumerate(sides):
            call, wall, peak = _measured(code, data, series, work / f"out{i}", mode)
            print(f"  {label:<34} call {call:7.2f} s  process {wall:7.2f} s  "
                  f"peak {peak:6.2f} GB  (load {load_average()})")
        last = len(sides) - 1
        for i in range(last):
            same = "yes" if _same(work / f"out{i}", work / f"out{last}") else "NO"
            print(f"  {sides[i][0]}: effects and pairs identical to this code's on the "
                  f"lazy scan: {same}")
    print(f"  load average at the end: {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="run", choices=("run", "series", "child"))
    parser.add_argument("--data", type=Path, default=Path("/tmp/playbooks-bench/demo-50000"))
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--baseline", default="a0980d7",
                        help="the commit whose code is measured beside this tree's")
    parser.add_argument("--collected", action="store_true",
                        help="also the earlier code given the tables read whole")
    parser.add_argument("--duckdb", action="store_true",
                        help="also this code with the activity on DuckDB")
    parser.add_argument("--series", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.what == "series":
        _series(args.data, args.series)
    elif args.what == "child":
        _child(args.data, args.series, args.out, args.collected, args.duckdb)
    else:
        run(args.data, args.accounts, args.baseline, args.collected, args.duckdb)


if __name__ == "__main__":
    main()
