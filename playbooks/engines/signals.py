"""The account signals with the passes over the activity table run on an engine.

`compute_signals_on` runs the passes of `passes` where the activity table lives (DuckDB,
Spark, a SQL warehouse), brings back their small per-account tables, and runs everything
after them in polars, as `playbooks.signals.compute_signals` does: the same table, column
for column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from playbooks.engines import passes
from playbooks.errors import InputError
from playbooks.signals.custom import CUSTOM_SIGNALS
from playbooks.signals.engine import assemble_counted, finish, prepare_inputs
from playbooks.signals.model import SignalSettings, SignalWindow
from playbooks.signals.score_model import ScoreModel, prior_model
from playbooks.signals.stages import presence_in_blocks
from playbooks.vocabulary.activity import window_end

TIME = pl.Datetime("us")
HISTORY_TYPES = {"first_activity": TIME, "last_activity": TIME, "last_contact": TIME,
                 "events_ever": pl.Int64}
GAP_TYPES = {"continuity_gap_count": pl.Int64, "continuity_gaps_recent": pl.Float64,
             "continuity_gaps_baseline": pl.Float64}
STAFF_TYPES = {c: pl.Int64 for c in ("tickets_recent", "tickets_baseline",
                                     "escalations_recent", "check_ins_recent")}
PEOPLE_TYPES = {"people_seen_before": pl.Int64, "people_gone_quiet": pl.Int64,
                "_people_new": pl.Int64}


@dataclass(frozen=True)
class PassTables:
    """What the passes over the activity table return: small tables, already in polars."""

    history: pl.DataFrame
    blocks: pl.DataFrame
    present: pl.DataFrame
    gaps: pl.DataFrame
    staff: pl.DataFrame
    people: pl.DataFrame


def latest_day(activity: Any) -> dt.date:
    """The date of the latest event in the table (one aggregate on the engine)."""
    latest = activity.aggregate(latest=passes.latest_date(activity)).to_polars()["latest"][0]
    if latest is None:
        raise InputError("the activity table has no events, so there is nothing to measure.")
    return latest.date() if isinstance(latest, dt.datetime) else latest


def fetch(expr: Any, types: Mapping[str, Any]) -> pl.DataFrame:
    """Run one expression on its engine and give its columns the polars types named."""
    frame = expr.to_polars()
    return frame.with_columns([pl.col(c).cast(t) for c, t in types.items()])


def run_passes(activity: Any, window: SignalWindow) -> PassTables:
    """Run the passes on the engine: history, block aggregates, sources present, continuity
    gaps and dashboard counts, each a small table brought back to polars."""
    rows = passes.window_rows(activity, window)
    signal_types = {"account_id": pl.String, "block": pl.Int32,
                    **{s.name: pl.Float64 for s in window.settings.signals}}
    blocks = fetch(passes.block_table(rows, window), signal_types)
    history = fetch(passes.history_table(activity, window),
                    {"account_id": pl.String, **HISTORY_TYPES})
    present = presence_in_blocks(blocks.lazy(), window).collect()
    if not all(present.row(0)):
        present = fetch(passes.presence_table(activity, window),
                        {c: pl.Boolean for c in present.columns})
    gaps = fetch(passes.gap_table(rows, window), {"account_id": pl.String, **GAP_TYPES})
    staff = fetch(passes.staff_table(rows, window), {"account_id": pl.String, **STAFF_TYPES})
    people = fetch(passes.people_table(rows, window),
                   {"account_id": pl.String, **PEOPLE_TYPES})
    return PassTables(history, blocks, present, gaps, staff, people)


def compute_signals_on(accounts: pl.LazyFrame | pl.DataFrame, activity: Any, *,
                       as_of: dt.date | None = None, recent_weeks: int = 12,
                       baseline_weeks: int = 12, gap_days: int = 7,
                       health: pl.LazyFrame | pl.DataFrame | None = None,
                       settings: SignalSettings | None = None,
                       model: ScoreModel | None = None) -> pl.DataFrame:
    """Compute one row of signals per account, the passes run on `activity`'s engine.

    `activity` is the typed Ibis table of `table.open_activity`; the accounts and health
    snapshots are polars frames (small tables). `model` None: the shipped starting model.
    Raises InputError when custom signals are registered: they are polars expressions over
    the activity rows, so they run with the polars engine only.
    """
    if CUSTOM_SIGNALS:
        raise InputError("custom signals (" + ", ".join(sorted(CUSTOM_SIGNALS)) + ") are "
                         "measured with the polars engine only; use --engine polars.")
    score = model or prior_model()
    day = as_of or latest_day(activity)
    acc, window = prepare_inputs(accounts.lazy(), day, recent_weeks=recent_weeks,
                                 baseline_weeks=baseline_weeks, gap_days=gap_days,
                                 health=health.lazy() if health is not None else None,
                                 settings=settings)
    parts = run_passes(activity, window)
    return after_passes(acc, parts, window, score)


def after_passes(accounts: pl.LazyFrame, parts: PassTables, window: SignalWindow,
                 model: ScoreModel) -> pl.DataFrame:
    """Everything after the passes, in polars: values, cohorts, scores, flags, reasons."""
    scored = assemble_counted(accounts, parts.history.lazy(), parts.blocks.lazy(),
                              parts.present.lazy(), parts.gaps.lazy(), parts.staff.lazy(),
                              window, model, people=parts.people.lazy()
                              ).collect(engine="streaming")
    # The in-memory engine for the reasons, as compute_signals does (string work).
    return finish(scored.lazy(), window, model).collect(engine="in-memory")


def list_continuity_gaps_on(activity: Any, *, as_of: dt.date | None = None, weeks: int = 24,
                            gap_days: int = 7) -> pl.DataFrame:
    """`playbooks.signals.list_continuity_gaps` with the matching on `activity`'s engine:
    each gap with its dates, which issue, which outreach, how soon after."""
    if gap_days < 1 or weeks < 1:
        raise InputError("gap_days and weeks must be at least 1.")
    end = window_end(as_of or latest_day(activity))
    frame = fetch(passes.gap_list(activity, end=end, start=end - dt.timedelta(weeks=weeks),
                                  gap_days=gap_days),
                  {"account_id": pl.String, "trigger_at": TIME, "trigger_kind": pl.String,
                   "outreach_at": TIME, "outreach_kind": pl.String})
    return (frame.with_columns(((pl.col("outreach_at") - pl.col("trigger_at")).dt.total_hours()
                                / 24).round(1).alias("days_after"))
            .select("account_id", "trigger_at", "trigger_kind", "outreach_at", "outreach_kind",
                    "days_after")
            .sort("account_id", "outreach_at", "trigger_at", "outreach_kind"))
