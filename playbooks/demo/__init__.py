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
answered by the AI assistant alone rises over the period; in education it stays flat. The
automation has a cost set by `automation_cost` (`playbooks.demo.cost`): after an account's
personal question (judgment, reassurance, peer experience) meets automation alone, it asks
that much less in that function (relative, at full exposure), so support questions per
account fall as the assistant takes over; with 0 there is no cost and no such fall. Two
things fool naive detectors: a year-end season when every account is quieter (`season`, the
activity factor from 20 December to 3 January), and, when asked (`broken_export_weeks`), the
community platform's export missing for a few weeks. `labels.csv` holds each account's
archetype, `exposure.csv` each account's exposure per function, and `demo.json` the planted
effect. After escalations and incidents, a bot often sends a
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
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data.import_safety import workspace_lock
from playbooks.data.sources import DEMO_MARKER, DEMO_SOURCE, Source, read_sources, write_sources
from playbooks.data.workspace import workspace_status
from playbooks.demo.accounts import plan_accounts
from playbooks.demo.activity import BROKEN_SOURCE, block_frames
from playbooks.demo.cost import EXPOSURE_SCHEMA, WEEKS_AFTER
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

__all__ = ["ACTORS", "ARCHETYPES", "CHANNELS", "DEFAULT_ACCOUNTS", "DEFAULT_AUTOMATION_COST",
           "DEFAULT_SEED",
           "DEFAULT_WEEKS", "FEATURES", "FUNCTIONS", "KINDS", "QUESTION_TEXTS", "SEGMENTS",
           "THEMES", "DemoResult", "default_as_of", "ensure_demo_workspace", "generate_demo"]

_BLOCK = 2_500  # accounts per block; fixed so the output does not depend on memory
DEFAULT_AUTOMATION_COST = 0.3  # the default demo's planted cost: visible, moderate
DEFAULT_SEASON = 0.55  # customer activity in the year-end weeks, against 1 otherwise
BROKEN_EXPORT_ENDS = 16  # weeks before the end when the broken export comes back
_EXTRAS = ("labels.csv", "exposure.csv", DEMO_MARKER)  # swapped in beside the tables


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
    automation_cost: float = 0.0


def generate_demo(out_dir: str | os.PathLike[str], accounts: int = DEFAULT_ACCOUNTS,
                  weeks: int = DEFAULT_WEEKS, seed: int = DEFAULT_SEED,
                  as_of: dt.date | None = None, *,
                  protect_imported: bool = False,
                  automation_cost: float = DEFAULT_AUTOMATION_COST,
                  season: float = DEFAULT_SEASON,
                  broken_export_weeks: int = 0) -> DemoResult:
    """Write a complete demo workspace: accounts, activity, health snapshots, labels, marker.

    `automation_cost` (0 to 1; 0 = none) is the relative extra decline an account suffers at
    full exposure: after its personal question meets automation alone, it asks that much
    less in that function (`playbooks.demo.cost`). `season` is the customer activity factor
    in the year-end weeks (1 = no season); `broken_export_weeks` removes the community
    platform's rows for that many weeks, ending `BROKEN_EXPORT_ENDS` weeks before the end.
    Deterministic per (accounts, weeks, seed, as_of and these three). Every file is written
    under a temporary name first; then the manifest is emptied, the files are swapped in, and
    the manifest listing them as the source `demo` of each table is written last. A reader
    sees the workspace as it was, as holding nothing, or as the complete demo, never tables
    without their marker (which would read as imported data) or a mix of two demos; an
    interrupted run leaves no half-written file. With
    `protect_imported`, a folder holding imported (non-demo) tables is refused instead of
    replaced; the command line sets it unless told `--replace-data`. The workspace is locked
    while the demo is written (an import waits for it, and it for an import).
    """
    with workspace_lock(Path(out_dir)):
        for stale in Path(out_dir).glob(".demo-*"):  # what a killed demo left
            stale.unlink(missing_ok=True)
        return _generate_demo(out_dir, accounts, weeks, seed, as_of, protect_imported,
                              (automation_cost, season, broken_export_weeks))


def _generate_demo(out_dir: str | os.PathLike[str], accounts: int, weeks: int, seed: int,
                   as_of: dt.date | None, protect_imported: bool,
                   options: tuple[float, float, int]) -> DemoResult:
    import pyarrow.parquet as pq

    cost, season, broken = options
    if accounts < 1 or weeks < 1:
        raise InputError("The demo needs at least one account and one week.")
    if not 0 <= cost <= 1:
        raise InputError(f"The automation cost must be between 0 and 1, not {cost}.")
    if not 0 < season <= 1:
        raise InputError(f"The year-end season factor must be above 0 and at most 1, not "
                         f"{season}.")
    if broken < 0 or (broken and broken + BROKEN_EXPORT_ENDS > weeks):
        raise InputError(f"The broken export's {broken} weeks must fit in the demo's "
                         f"{weeks} weeks before the last {BROKEN_EXPORT_ENDS}.")
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
    broken_first = weeks - BROKEN_EXPORT_ENDS - broken
    plan.update(automation_cost=cost, season=season, broken_export=(broken_first, broken))
    tag = f".demo-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temp = {name: folder / f"{tag}-{name}.parquet" for name in
            ("accounts", "activity", "health_snapshots")}
    extras = {name: folder / f"{tag}-{name}" for name in _EXTRAS}
    writers: dict[str, Any] = {}
    events = snapshots = 0
    try:
        for name in ("activity", "health_snapshots"):
            writers[name] = pq.ParquetWriter(temp[name], arrow_schema(name),
                                             compression="zstd")

        exposure: list[pl.DataFrame] = []

        def write(frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
            exposure.append(frames[2])
            for name, frame in zip(("activity", "health_snapshots"), frames[:2], strict=True):
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
        plan["accounts"].select("account_id", pl.Series("archetype", plan["archetype_names"])) \
            .write_csv(extras["labels.csv"])
        (pl.concat(exposure) if exposure else pl.DataFrame(schema=EXPOSURE_SCHEMA)) \
            .write_csv(extras["exposure.csv"], float_precision=4)
        window_start = as_of - dt.timedelta(weeks=weeks)
        marker = {"demo": True,
                  "note": "Generated demo data for CX Playbooks; no real customers.",
                  "seed": seed, "accounts": accounts, "weeks": weeks,
                  "as_of": as_of.isoformat(), "events": events,
                  "planted": _planted(cost, season, broken, window_start, broken_first),
                  "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        extras[DEMO_MARKER].write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        write_sources(folder, [])  # nothing listed while the files are swapped in
        for name, path in temp.items():
            os.replace(path, folder / f"{name}.parquet")
        for name, path in extras.items():
            os.replace(path, folder / name)
        write_sources(folder, [Source(DEMO_SOURCE, name, f"{name}.parquet", tool="playbooks demo")
                               for name in temp])
    finally:
        for writer in writers.values():
            writer.close()
        for path in [*temp.values(), *extras.values()]:
            path.unlink(missing_ok=True)
    return DemoResult(folder, accounts, weeks, events, snapshots, as_of, seed, cost)


def _planted(cost: float, season: float, broken: int, window_start: dt.date,
             broken_first: int) -> dict[str, Any]:
    """What the demo planted, in the units the estimate reports (for checks and docs)."""
    first = window_start + dt.timedelta(weeks=broken_first)
    return {
        "automation_cost": cost,
        "effect": {"size": -cost, "measure": "questions", "weeks_after": WEEKS_AFTER,
                   "meaning": "relative difference in the customer's questions in the "
                   f"function over the {WEEKS_AFTER} weeks after a personal question met "
                   "automation alone, against comparable accounts whose personal question "
                   "reached a person or a peer (each against its own prior "
                   f"{WEEKS_AFTER} weeks)",
                   "needs": ["judgment", "reassurance", "peer_experience"]},
        "ramping_function": "support", "flat_function": "education",
        "season": {"factor": season, "from": "12-20", "to": "01-03"},
        "broken_export": ({"source_function": BROKEN_SOURCE, "weeks": broken,
                           "first_week": first.isoformat(),
                           "last_week": (first + dt.timedelta(weeks=broken - 1)).isoformat()}
                          if broken else None),
    }


def ensure_demo_workspace(path: str | os.PathLike[str], accounts: int = DEFAULT_ACCOUNTS,
                          seed: int = DEFAULT_SEED, weeks: int = DEFAULT_WEEKS) -> bool:
    """Generate the demo into `path` unless it already holds data; return True if generated.

    Two first visits at once (two sessions of the app, or two processes) generate it once:
    the second waits on the workspace's lock while the first writes, then finds the demo
    there. The lock is the operating system's, so one left by a killed process never holds.
    """
    if workspace_status(path).has_data:
        return False
    with workspace_lock(Path(path)):
        if workspace_status(path).has_data:  # written by the caller this one waited for
            return False
        generate_demo(path, accounts=accounts, weeks=weeks, seed=seed)
    return True
