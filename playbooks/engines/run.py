"""What the commands call: the engine chosen, its activity table opened, the views made.

`chosen_engine` reads `--engine` (else PLAYBOOKS_ENGINE, else polars); `engine_activity`
opens the activity table on it (`--activity-table`, else PLAYBOOKS_ACTIVITY_TABLE, else the
workspace's activity files); `trap_view_on` and `drifting_series_on` make the efficiency
view as `playbooks.trap` does, with the passes on the engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from playbooks import settings
from playbooks.data.sources import load_accounts, read_sources, resolve_workspace
from playbooks.engines.connect import POLARS, Engine, configured_engine, connect, parse_engine
from playbooks.engines.signals import compute_signals_on, latest_day
from playbooks.engines.table import open_activity
from playbooks.engines.weekly import SCHEMA, prepared_weeks, weekly_series_on
from playbooks.errors import InputError
from playbooks.trap import TrapSettings, TrapView, find_traps
from playbooks.trap.effects_gaps import mask_missing_weeks, missing_weeks
from playbooks.trap.measures import drifting_points
from playbooks.vocabulary import QUESTION_KINDS, REPAIR_RETURN_KINDS, REPAIR_TRIGGER_KINDS


def chosen_engine(name: str | None, activity_table: str | None = None) -> Engine:
    """The engine a command runs on: `--engine`, else PLAYBOOKS_ENGINE, else polars.

    Raises InputError for an unknown engine, and for an activity table given to polars
    (polars reads the workspace's files, or `--activity FILE`).
    """
    engine = parse_engine(name) if name else configured_engine()
    if engine.kind == POLARS and activity_table:
        raise InputError("--activity-table is read by an engine: add --engine duckdb, spark "
                         "or a warehouse URL (polars reads --activity FILE or the workspace).")
    return engine


TABLE_CHECK_SECONDS = 300.0  # how often the app asks an engine's table whether it changed
_versions: dict[tuple[str, str], tuple[float, str]] = {}
_versions_lock = threading.Lock()


def engine_version(folder: str | Path) -> tuple[float, ...]:
    """What the app's results depend on beyond the workspace's own files: nothing with polars;
    else the engine and table chosen (PLAYBOOKS_ENGINE, PLAYBOOKS_ACTIVITY_TABLE) and, for a
    table the engine holds, its rows and latest event, asked at most every
    `TABLE_CHECK_SECONDS`, so new events there make new results. One number, for a stamp."""
    name, where = settings.engine(), settings.activity_table() or ""
    engine = configured_engine()
    if engine.kind == POLARS:
        return ()
    version = ""
    if where:
        key = (name, where)
        with _versions_lock:
            checked = _versions.get(key)
            if checked is None or time.monotonic() - checked[0] > TABLE_CHECK_SECONDS:
                table = engine_activity(engine, where, str(folder))
                found = table.aggregate(rows=table.count(),
                                        latest=table.occurred_at.max()).to_polars()
                checked = (time.monotonic(), repr(found.row(0)))
                _versions[key] = checked
            version = checked[1]
    digest = hashlib.sha256(repr((name, where, version)).encode()).hexdigest()
    return (float(int(digest[:12], 16)),)


def workspace_activity_files(workspace: str | None) -> list[Path]:
    """The Parquet files of the workspace's activity sources."""
    folder = resolve_workspace(workspace)
    files = [folder / s.path for s in (read_sources(folder) if folder.is_dir() else [])
             if s.table == "activity"]
    if not files:
        raise InputError(f"the workspace {folder} has no activity table: import one, or give "
                         "the engine's table with --activity-table (or PLAYBOOKS_ACTIVITY_TABLE).")
    return files


def engine_activity(engine: Engine, activity_table: str | None,
                    workspace: str | None) -> Any:
    """Open the activity table on the engine, typed and checked (see `table`)."""
    where = activity_table or settings.activity_table()
    con = connect(engine)
    return open_activity(con, engine, where or workspace_activity_files(workspace))


def trap_view_on(activity: Any, accounts: pl.LazyFrame | None = None, *,
                 as_of: dt.date | None = None, drifting_every_weeks: int | None = None,
                 drifting_weeks: int = 52, settings: TrapSettings | None = None) -> TrapView:
    """`playbooks.trap.trap_view` with the passes on the engine of `activity`."""
    s = settings or TrapSettings()
    s.check()
    day = as_of or latest_day(activity)
    series = weekly_series_on(activity, as_of=day)
    if drifting_every_weeks and accounts is not None:
        drifting = drifting_series_on(accounts, activity, as_of=day,
                                      every_weeks=drifting_every_weeks, weeks=drifting_weeks)
        if not drifting.is_empty():
            series = pl.concat([series, drifting.select(
                [pl.col(c).cast(t) for c, t in SCHEMA.items()])])
    # As polars does: a source whose rows stop for a few weeks is blanked in those weeks.
    series = mask_missing_weeks(series, missing_weeks_on(activity, as_of=day))
    return TrapView(series, find_traps(series, s), s)


def missing_weeks_on(activity: Any, *, as_of: dt.date) -> pl.DataFrame:
    """`playbooks.trap.effects_gaps.missing_source_weeks`, its rows counted on the engine."""
    weeks = prepared_weeks(activity, as_of)
    counts = weeks.group_by("source_function", "week").aggregate(rows=weeks.count())
    return missing_weeks(counts.to_polars().with_columns(pl.col("week").cast(pl.Date),
                                                         pl.col("rows").cast(pl.UInt32)))


def drifting_series_on(accounts: pl.LazyFrame, activity: Any, *, as_of: dt.date,
                       every_weeks: int = 4, weeks: int = 52,
                       history_weeks: int = 24) -> pl.DataFrame:
    """The share of accounts flagged "looks healthy, drifting" every few weeks, as
    `playbooks.trap.drifting_series` gives it: one signals run on the engine per point."""
    if every_weeks < 1 or weeks < 1:
        raise InputError("every_weeks and weeks must be at least 1.")
    before = activity.filter(activity.occurred_at < dt.datetime.combine(
        as_of + dt.timedelta(days=1), dt.time()))
    first = before.aggregate(first=before.occurred_at.min()).to_polars()["first"][0]
    first_week = None if first is None else first.date() - dt.timedelta(days=first.weekday())
    return drifting_points(
        first_week, as_of, lambda point: compute_signals_on(accounts, activity, as_of=point),
        every_weeks=every_weeks, weeks=weeks, history_weeks=history_weeks)


def event_rows(activity: Any, kinds: Sequence[str], *, as_of: dt.date,
               customer_only: bool = False) -> pl.LazyFrame:
    """The events of these kinds before the end of the as-of date, brought back to polars
    for a view that reads few rows (questions and their needs, repair after incidents)."""
    t = activity.filter(activity.kind.isin(list(kinds)),
                        activity.occurred_at < dt.datetime.combine(
                            as_of + dt.timedelta(days=1), dt.time()))
    if customer_only:
        t = t.filter(t.actor_type == "customer")
    return t.to_polars().with_columns(pl.col("occurred_at").cast(pl.Datetime("us"))).lazy()


def account_events(activity: Any, account_ids: Sequence[str]) -> pl.DataFrame:
    """These accounts' own events, brought back to polars (an account's brief, the review's
    drifting accounts); no ids: no rows, with the table's columns."""
    ids = list(account_ids)
    rows = activity.filter(activity.account_id.isin(ids)) if ids else activity.limit(0)
    return rows.to_polars().with_columns(pl.col("occurred_at").cast(pl.Datetime("us")))


def question_rows(activity: Any, *, as_of: dt.date) -> pl.LazyFrame:
    """The customer questions, for `playbooks.trap.classified_questions` and the themes."""
    return event_rows(activity, QUESTION_KINDS, as_of=as_of, customer_only=True)


def repair_rows(activity: Any, *, as_of: dt.date) -> pl.LazyFrame:
    """The escalations, incidents and the contact after them, for
    `playbooks.trap.repair_after_incidents`."""
    return event_rows(activity, (*REPAIR_TRIGGER_KINDS, *REPAIR_RETURN_KINDS), as_of=as_of)


def trap_on_engine(engine: Engine, activity_table: str | None, workspace: str | None, *,
                   as_of: dt.date | None, drifting_every_weeks: int | None,
                   settings: TrapSettings,
                   needs: bool) -> tuple[TrapView, pl.LazyFrame | None, dt.date]:
    """What `playbooks trap` shows, the passes on an engine: the view, the customer
    questions for their needs (when `needs`) and the as-of date."""
    table = engine_activity(engine, activity_table, workspace)
    accounts = None
    if drifting_every_weeks:
        accounts = load_accounts(workspace)
    day = as_of or latest_day(table)
    view = trap_view_on(table, accounts, as_of=day, drifting_every_weeks=drifting_every_weeks,
                        settings=settings)
    return view, question_rows(table, as_of=day) if needs else None, day
