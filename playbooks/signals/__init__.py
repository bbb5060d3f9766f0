"""Account signals: quiet disengagement, "looks healthy, drifting", silence, continuity gaps.

Everything here is a pure function over polars LazyFrames. Small named expression builders
are composed into lazy plans and collected at the edge: `build_signals` gives the whole
pipeline as one LazyFrame; `compute_signals` runs the same stages, collecting the two passes
over the activity table first (see `stages`), which is faster and lighter at scale.

Modules: `model` (signals, settings, output columns), `inputs` (column checks, types, as-of
date), `stages` (the passes over activity and the per-account values), `score` (changes,
score, flags, reasons).

How the numbers are made (all per account, customer actions only; staff and bots excluded):

- Time is cut into blocks of `block_weeks` (default 4) counted back from the as-of date.
  The recent window is the latest `recent_weeks`, the baseline the `baseline_weeks` before.
- `<signal>_recent` is a recency-weighted mean per block over the recent window (the latest
  block counts twice the one before it, and so on), so a decline that started a few weeks ago
  is not diluted. `<signal>_baseline` is the plain mean per block of the baseline window.
  Blocks before the account started are left out; a new account has no baseline.
- `<signal>_change` is the relative change, recent against baseline (-0.4 is a 40% fall).
  `<signal>_against` is true when the fall is larger than the signal's threshold.
- The disengagement score (0 to 100) mixes recency (days since the customer last did
  anything, and since they last asked, joined or advocated), quiet risk (the chance of no
  activity over the next weeks given the account's own pace and its current silence), level
  (recent value against the
  median of similar accounts: same segment and lifecycle stage) and trend. Signals whose
  source is absent from the data are dropped and the rest re-weighted (`sources_missing`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from playbooks.errors import InputError
from playbooks.signals.custom import (
    CUSTOM_SIGNALS,
    SignalWindow,
    apply_custom_signals,
    custom_columns,
    register_signal,
    unregister_signal,
)
from playbooks.signals.inputs import (
    ACCOUNT_COLUMNS,
    ACTIVITY_COLUMNS,
    _as_datetime,
    _latest_health,
    _require,
    block_index,
    days_before,
    is_customer,
    prepare_accounts,
    prepare_activity,
    resolve_as_of,
)
from playbooks.signals.model import (
    OUTREACH_KINDS,
    RELATIONSHIP_CONTACT,
    SIGNAL_NAMES,
    SIGNALS,
    TRIGGER_KINDS,
    Signal,
    SignalSettings,
    _checked_plan,
    _Plan,
    _replace,
    _window_end,
    output_columns,
)
from playbooks.signals.score import (
    drift_columns,
    internal_view_columns,
    relative_change,
    score_stages,
    signal_columns,
    with_reasons,
)
from playbooks.signals.stages import (
    account_frame,
    block_frame,
    cohort_baselines,
    continuity_gap_frame,
    gap_counts,
    history_frame,
    history_needs,
    history_of,
    presence_frame,
    presence_in_blocks,
    staff_frame,
    window_frame,
    window_values,
)

__all__ = [
    "ACCOUNT_COLUMNS", "ACTIVITY_COLUMNS", "OUTREACH_KINDS", "RELATIONSHIP_CONTACT",
    "SIGNALS", "SIGNAL_NAMES", "TRIGGER_KINDS", "Signal", "SignalSettings", "_as_datetime",
    "_require", "block_index", "build_signals", "compute_signals", "days_before", "is_customer",
    "list_continuity_gaps", "output_columns", "register_signal", "unregister_signal",
    "custom_columns", "SignalWindow", "prepare_accounts", "prepare_activity",
    "resolve_as_of",
]

# The streaming engine runs the two passes over the activity table in parallel morsels and
# shares the window pass between the stages that read it; the in-memory engine would hold
# every intermediate table at once.
ENGINE: Literal["streaming"] = "streaming"


def build_signals(accounts: pl.LazyFrame, activity: pl.LazyFrame, *, as_of: dt.date,
                  recent_weeks: int = 12, baseline_weeks: int = 12,
                  gap_days: int | None = None, health: pl.LazyFrame | None = None,
                  settings: SignalSettings | None = None) -> pl.LazyFrame:
    """Compose the whole signals pipeline as one LazyFrame (nothing is collected)."""
    acc, plan = _inputs(accounts, as_of, recent_weeks, baseline_weeks, gap_days, health,
                        settings)
    act = prepare_activity(activity)
    # The window is read once; the stages below share its result.
    window = window_frame(act, plan).cache()
    blocks = block_frame(window, plan).cache()
    return finish(assemble(acc, history_frame(act, plan), blocks, presence_frame(act, plan),
                           window, plan), plan)


def compute_signals(accounts: pl.LazyFrame | pl.DataFrame, activity: pl.LazyFrame | pl.DataFrame,
                    *, as_of: dt.date | dt.datetime | str | None = None, recent_weeks: int = 12,
                    baseline_weeks: int = 12, gap_days: int = 7,
                    health: pl.LazyFrame | pl.DataFrame | None = None,
                    settings: SignalSettings | None = None) -> pl.DataFrame:
    """Compute one row of signals per account as of a date (default: the latest event's date).

    The same stages as `build_signals`, collected step by step: the history pass and the
    window pass over the activity table, the block aggregates, then the per-account values
    and scores (streaming engine), then the reasons (in-memory engine: string work on one row
    per account). Which sources exist is read from the block aggregates when every signal
    shows up in the window; only otherwise is the history read a third time for it.
    """
    acc, act = accounts.lazy(), activity.lazy()
    day = resolve_as_of(act, as_of)
    acc, plan = _inputs(acc, day, recent_weeks, baseline_weeks, gap_days,
                        health.lazy() if health is not None else None, settings)
    act = prepare_activity(act)
    window = window_frame(act, plan).collect(engine=ENGINE)
    history = _history(acc, act, window, plan)
    blocks = block_frame(window.lazy(), plan).collect(engine=ENGINE)
    present = presence_in_blocks(blocks.lazy(), plan).collect()
    if not all(present.row(0)):
        present = presence_frame(act, plan).collect(engine=ENGINE)
    scored = assemble(acc, history.lazy(), blocks.lazy(), present.lazy(), window.lazy(),
                      plan).collect(engine=ENGINE)
    # The in-memory engine here: the streaming one intermittently panicked in a string
    # kernel on this step (polars 2.1, "binview ... i < self.len()").
    result = finish(scored.lazy(), plan).collect(engine="in-memory")
    if CUSTOM_SIGNALS:
        result = _with_custom(result, act, plan)
    return result


def _with_custom(result: pl.DataFrame, activity: pl.LazyFrame, plan: _Plan) -> pl.DataFrame:
    """Add the registered custom signals, then restate the status from the updated score."""
    s = plan.settings
    window = SignalWindow(plan.start, plan.recent_start, plan.end, plan.block_days,
                          plan.recent_blocks, plan.baseline_blocks)
    out = apply_custom_signals(result, activity, window)
    return out.with_columns(status_expr(pl.col("status") == "no_data", s))


def status_expr(no_data: pl.Expr, s: SignalSettings) -> pl.Expr:
    """The status read from the disengagement score: no_data, disengaging, watch or ok."""
    return (pl.when(no_data).then(pl.lit("no_data"))
            .when(pl.col("disengagement_score") >= s.disengaging_score)
            .then(pl.lit("disengaging"))
            .when(pl.col("disengagement_score") >= s.watch_score).then(pl.lit("watch"))
            .otherwise(pl.lit("ok")).alias("status"))


def _history(accounts: pl.LazyFrame, activity: pl.LazyFrame, window: pl.DataFrame,
             plan: _Plan) -> pl.DataFrame:
    """`history_frame`, reading the full history only for the accounts that need it."""
    in_window = history_of(window.lazy().filter(pl.col("_customer")), plan)
    settled = history_needs(accounts, in_window).collect(engine=ENGINE)
    need = settled.filter("_need")["account_id"]
    if need.len() > settled.height // 2:
        return history_frame(activity, plan).collect(engine=ENGINE)
    full = (history_frame(activity.filter(pl.col("account_id").is_in(need.implode())), plan)
            .collect(engine=ENGINE) if need.len() else None)
    settled = settled.filter(~pl.col("_need")).drop("_need")
    return settled if full is None else pl.concat([settled, full.select(settled.columns)])


def _inputs(accounts: pl.LazyFrame, as_of: dt.date, recent_weeks: int, baseline_weeks: int,
            gap_days: int | None, health: pl.LazyFrame | None,
            settings: SignalSettings | None) -> tuple[pl.LazyFrame, _Plan]:
    s = settings or SignalSettings()
    if gap_days is not None:
        s = _replace(s, gap_days=gap_days)
    plan = _checked_plan(as_of, recent_weeks, baseline_weeks, s)
    acc = prepare_accounts(accounts)
    if health is not None:
        acc = _latest_health(acc, health, plan.end)
    return acc, plan


def assemble(accounts: pl.LazyFrame, history: pl.LazyFrame, blocks: pl.LazyFrame,
             present: pl.LazyFrame, window: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """Everything after the passes up to the reasons: values, cohorts, gaps, scores, flags."""
    s = plan.settings
    frame = account_frame(accounts, history, plan).cache()
    values = window_values(blocks, frame, plan)
    values = values.join(cohort_baselines(values, plan), on="cohort", how="left")
    out = (values.join(present, how="cross")
           .join(gap_counts(window, plan), on="account_id", how="left")
           .join(staff_frame(window, plan), on="account_id", how="left")
           .with_columns(pl.col("continuity_gap_count").fill_null(0),
                         pl.col("^continuity_gaps_.*$").fill_null(0.0),
                         pl.col("tickets_recent", "tickets_baseline", "escalations_recent",
                                "check_ins_recent").fill_null(0).cast(pl.Int64)))
    out = out.with_columns([e for x in s.signals for e in signal_columns(x, plan)])
    out = out.with_columns(
        relative_change(pl.col("continuity_gaps_recent"), pl.col("continuity_gaps_baseline"))
        .alias("continuity_gaps_change"),
        (pl.col("continuity_gaps_recent") > pl.col("continuity_gaps_baseline"))
        .alias("continuity_gaps_against"),
        *internal_view_columns(plan))
    for stage in score_stages(plan):
        out = out.with_columns(stage)
    out = out.with_columns(drift_columns(plan))
    no_data = pl.col("last_activity").is_null()
    out = out.with_columns(
        pl.when(no_data).then(None).otherwise(pl.col("disengagement_score"))
        .alias("disengagement_score"),
        pl.when(no_data).then(False).otherwise(pl.col("looks_healthy_drifting"))
        .alias("looks_healthy_drifting"),
        pl.when(no_data).then(None).otherwise(pl.col("silence")).alias("silence"),
        status_expr(no_data, s),
        (pl.col("baseline_blocks_seen") > 0).alias("has_baseline"),
        pl.lit([x.name for x in s.signals], dtype=pl.List(pl.String))
        .list.gather(pl.concat_list([pl.when(~pl.col(f"{x.name}_present")).then(pl.lit(i))
                                     for i, x in enumerate(s.signals)]).list.drop_nulls())
        .alias("sources_missing"),
        days_before(plan.end, "last_activity").alias("days_since_activity"),
    )
    return out


def finish(scored: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """The reasons, the output columns in order, one row per account sorted by id."""
    return with_reasons(scored, plan).select(output_columns(plan.settings)).sort("account_id")


def list_continuity_gaps(activity: pl.LazyFrame | pl.DataFrame, *,
                         as_of: dt.date | str | None = None, weeks: int = 24,
                         gap_days: int = 7) -> pl.DataFrame:
    """List each continuity gap with its dates: which issue, which outreach, how soon after."""
    if gap_days < 1 or weeks < 1:
        raise InputError("gap_days and weeks must be at least 1.")
    activity = activity.lazy()
    prepared = prepare_activity(activity)
    day = resolve_as_of(activity, as_of)
    end = _window_end(day)
    return (continuity_gap_frame(prepared, end=end, start=end - dt.timedelta(weeks=weeks),
                                 gap_days=gap_days)
            .select("account_id", "trigger_at", "trigger_kind", "outreach_at", "outreach_kind",
                    "days_after")
            .sort("account_id", "outreach_at", "trigger_at", "outreach_kind")
            .collect(engine=ENGINE))
