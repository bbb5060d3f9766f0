"""What the benchmarks that run a step beside an earlier commit's code share: the demo they
measure on, that code exported without touching the working tree, the load average beside
each figure, and the peak memory `/usr/bin/time -v` reports for a measured process."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 23)
TIMER = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
"""The prefix that makes a command report its peak memory (none where the tool is missing)."""


def load_average() -> str:
    """The load average now (1, 5 and 15 minutes), or n/a."""
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "n/a"


def export_code(ref: str, folder: Path) -> None:
    """Write the package as it was at `ref` into `folder`, without touching the working tree
    or the index."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "playbooks",
                              "data_contracts", "pyproject.toml"],
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)


def peak_gb(stderr: str) -> float:
    """The peak resident memory, in GB, in what `/usr/bin/time -v` wrote (nan: none)."""
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return int(found.group(1)) / 1024 ** 2 if found else float("nan")


def ran_code(stdout: str, code: Path) -> None:
    """Refuse a measured run whose first line `code PATH` names another tree than `code`."""
    ran = re.search(r"code (.+)", stdout)
    if ran is None or Path(ran.group(1)).resolve() != code.resolve():
        raise SystemExit(f"the measured run imported the wrong code: {stdout}")


def demo_size(data: Path, accounts: int) -> tuple[int, int]:
    """Generate a demo of `accounts` accounts into `data` unless it holds one; return its
    accounts and events."""
    import polars as pl

    if not (data / "activity.parquet").exists():
        from playbooks.demo import generate_demo

        print(f"generating {accounts:,} accounts into {data} ...")
        generate_demo(data, accounts=accounts, seed=7, as_of=AS_OF)
    events = pl.scan_parquet(data / "activity.parquet").select(pl.len()).collect().item()
    n = pl.scan_parquet(data / "accounts.parquet").select(pl.len()).collect().item()
    return n, events
