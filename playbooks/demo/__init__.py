"""Generate a believable demo workspace: a B2B software company and its accounts.

Every account follows an archetype (written with the ground truth to `labels.csv`):

- engaged: steady activity everywhere;
- quietly_working: little contact with anyone, broad and steady product use;
- drifting: over the last 12 to 20 weeks fewer questions, events, courses and advocacy,
  narrower feature use and fewer people engaging, while logins stay stable, tickets stay low,
  check-ins happen and the internal health score stays green;
- noisy_loyal: many tickets and questions, deeply engaged, strong advocates;
- onboarding: signed in the last few months, ramping up;
- at_risk_visible: escalations, falling usage, amber or red health.

Company-wide trends are built in as well: in support, the share of customer questions
answered by the AI assistant alone rises over the period while support questions per account
fall; education has no such trend. After escalations and incidents, a bot often sends a
templated check-in within days (a continuity gap). Question texts come from recurring themes,
some pointing at a product gap (exporting reports to CSV) or an education gap (SSO setup).

Everything is drawn with numpy, one block of accounts at a time, so 50,000 accounts over
104 weeks (about 30 million events) take well under a minute with bounded memory. The same
seed gives the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data.import_safety import workspace_lock
from playbooks.data.sources import DEMO_SOURCE, Source, read_sources, write_sources
from playbooks.data.workspace import workspace_status
from playbooks.demo.accounts import plan_accounts
from playbooks.demo.activity import block_frames
from playbooks.demo.questions import QUESTION_TEXTS, THEMES
from playbooks.demo.world import (
    ARCHETYPES,
    DEFAULT_ACCOUNTS,
    DEFAULT_SEED,
    DEFAULT_WEEKS,
    FEATURES,
    SEGMENTS,
    arrow_schema,
)
from playbooks.errors import InputError
from playbooks.vocabulary import ACTORS, CHANNELS, FUNCTIONS, KINDS

__all__ = ["ACTORS", "ARCHETYPES", "CHANNELS", "DEFAULT_ACCOUNTS", "DEFAULT_SEED",
           "DEFAULT_WEEKS", "FEATURES", "FUNCTIONS", "KINDS", "QUESTION_TEXTS", "SEGMENTS",
           "THEMES", "DemoResult", "default_as_of", "ensure_demo_workspace", "generate_demo"]

_BLOCK = 2_500  # accounts per block; fixed so the output does not depend on memory


def default_as_of(today: dt.date | None = None) -> dt.date:
    """Return the Monday on or before today: the demo's data ends there."""
    today = today or dt.date.today()
    return today - dt.timedelta(days=today.weekday())


@dataclass
class DemoResult:
    """What `generate_demo` wrote."""

    out_dir: Path
    accounts: int
    weeks: int
    events: int
    snapshots: int
    as_of: dt.date
    seed: int


def generate_demo(out_dir: str | os.PathLike[str], accounts: int = DEFAULT_ACCOUNTS,
                  weeks: int = DEFAULT_WEEKS, seed: int = DEFAULT_SEED,
                  as_of: dt.date | None = None, *,
                  protect_imported: bool = False) -> DemoResult:
    """Write a complete demo workspace: accounts, activity, health snapshots, labels, marker.

    Deterministic per (accounts, weeks, seed, as_of). Files are written under temporary names
    and swapped in at the end, so an interrupted run leaves no half-written tables; the
    manifest lists them as the source `demo` of each table. With
    `protect_imported`, a folder holding imported (non-demo) tables is refused instead of
    replaced; the command line sets it unless told `--replace-data`. The workspace is locked
    while the demo is written (an import waits for it, and it for an import).
    """
    with workspace_lock(Path(out_dir)):
        for stale in Path(out_dir).glob(".demo-*.parquet"):  # what a killed demo left
            stale.unlink(missing_ok=True)
        return _generate_demo(out_dir, accounts, weeks, seed, as_of, protect_imported)


def _generate_demo(out_dir: str | os.PathLike[str], accounts: int, weeks: int, seed: int,
                   as_of: dt.date | None, protect_imported: bool) -> DemoResult:
    import pyarrow.parquet as pq

    if accounts < 1 or weeks < 1:
        raise InputError("The demo needs at least one account and one week.")
    as_of = as_of or default_as_of()
    if as_of > dt.date.today():
        raise InputError(f"The demo as-of date {as_of} is in the future; the data would be too.")
    folder = Path(out_dir)
    imported = sorted({s.table for s in read_sources(folder) if s.source != DEMO_SOURCE}
                      if folder.is_dir() else set())
    if protect_imported and imported:
        raise InputError(f"{folder} holds imported data ({', '.join(imported)}); the demo would "
                         "replace it. Choose another folder with --out, or pass --replace-data.")
    folder.mkdir(parents=True, exist_ok=True)
    plan = plan_accounts(accounts, weeks, seed, as_of)
    tag = f".demo-{os.getpid()}"
    temp = {name: folder / f"{tag}-{name}.parquet" for name in
            ("accounts", "activity", "health_snapshots")}
    writers: dict[str, Any] = {}
    events = snapshots = 0
    try:
        for name in ("activity", "health_snapshots"):
            writers[name] = pq.ParquetWriter(temp[name], arrow_schema(name),
                                             compression="zstd")

        def write(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
            for name, frame in zip(("activity", "health_snapshots"), frames, strict=True):
                writers[name].write_table(frame.to_arrow().cast(arrow_schema(name)))

        # Write one block while the next is drawn: the writer releases the GIL.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = None
            for block, start in enumerate(range(0, accounts, _BLOCK)):
                stop = min(start + _BLOCK, accounts)
                frames = block_frames(plan, start, stop, block, events)
                events += frames[0].height
                snapshots += frames[1].height
                if pending is not None:
                    pending.result()
                pending = pool.submit(write, frames)
            if pending is not None:
                pending.result()
        for writer in writers.values():
            writer.close()
        writers = {}
        pq.write_table(plan["accounts"].to_arrow().cast(arrow_schema("accounts")),
                       temp["accounts"], compression="zstd")
        for name, path in temp.items():
            os.replace(path, folder / f"{name}.parquet")
        write_sources(folder, [Source(DEMO_SOURCE, name, f"{name}.parquet", tool="playbooks demo")
                               for name in temp])
        plan["accounts"].select("account_id", pl.Series("archetype", plan["archetype_names"])) \
            .write_csv(folder / "labels.csv")
        marker = {"demo": True,
                  "note": "Generated demo data for CX Playbooks; no real customers.",
                  "seed": seed, "accounts": accounts, "weeks": weeks,
                  "as_of": as_of.isoformat(), "events": events,
                  "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        (folder / "demo.json").write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    finally:
        for writer in writers.values():
            writer.close()
        for path in temp.values():
            path.unlink(missing_ok=True)
    return DemoResult(folder, accounts, weeks, events, snapshots, as_of, seed)


def ensure_demo_workspace(path: str | os.PathLike[str], accounts: int = DEFAULT_ACCOUNTS,
                          seed: int = DEFAULT_SEED, weeks: int = DEFAULT_WEEKS) -> bool:
    """Generate the demo into `path` unless it already holds data; return True if generated."""
    if workspace_status(path).has_data:
        return False
    generate_demo(path, accounts=accounts, weeks=weeks, seed=seed)
    return True
