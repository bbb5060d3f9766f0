"""The signals engine: the whole pipeline as one lazy plan, or collected pass by pass.

`build_signals` gives the pipeline as one LazyFrame; `compute_signals` runs the same stages,
collecting the two passes over the activity table first (see `stages`), which is faster and
lighter at scale. Both add the registered custom signals, so they give the same table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

import polars as pl

from playbooks.errors import InputError
from playbooks.signals.custom import with_custom_signals
from playbooks.signals.inputs import (
    days_before,
    latest_health,
    prepare_accounts,
    prepare_activity,
)
from playbooks.signals.model import SignalSettings, SignalWindow, output_columns, signal_window
from playbooks.signals.score import (
    drift_columns,
    internal_view_columns,
    relative_change,
    score_points,
    score_stages,
    signal_columns,
    status_expr,
    with_reasons,
)
from playbooks.signals.score_model import ScoreModel, prior_model
from playbooks.signals.stages import (
    account_frame,
    actions_frame,
    block_frame,
    cohort_baselines,
    continuity_gap_frame,
    gap_counts,
    history_frame,
    history_needs,
    history_of,
    people_frame,
    presence_frame,
    presence_in_blocks,
    staff_frame,
    window_frame,
    window_values,
)
from playbooks.vocabulary.activity import as_of_date, window_end

# The streaming engine runs the two passes over the activity table in parallel morsels and
# shares the window pass between the stages that read it; the in-memory engine would hold
# every intermediate table at once.
ENGINE: Literal["streaming"] = "streaming"


def build_signals(accounts: pl.LazyFrame, activity: pl.LazyFrame, *, as_of: dt.date,
                  recent_weeks: int = 12, baseline_weeks: int = 12,
                  gap_days: int | None = None, health: pl.LazyFrame | None = None,
                  settings: SignalSettings | None = None,
                  model: ScoreModel | None = None) -> pl.LazyFrame:
    """Compose the whole signals pipeline, custom signals included, as one LazyFrame
    (nothing is collected). `model` None: the shipped priors."""
    acc, window = prepare_inputs(accounts, as_of, recent_weeks=recent_weeks,
                                 baseline_weeks=baseline_weeks, gap_days=gap_days,
                                 health=health, settings=settings)
    act = prepare_activity(activity)
    # The window is read once; the stages below share its result.
    rows = window_frame(act, window).cache()
    blocks = block_frame(rows, window).cache()
    score = model or prior_model()
    table = finish(assemble(acc, history_frame(act, window), blocks,
                            presence_frame(act, window), rows, window, score), window, score)
    return with_custom_signals(table, act, window)


def compute_signals(accounts: pl.LazyFrame | pl.DataFrame, activity: pl.LazyFrame | pl.DataFrame,
                    *, as_of: dt.date | None = None, recent_weeks: int = 12,
                    baseline_weeks: int = 12, gap_days: int = 7,
                    health: pl.LazyFrame | pl.DataFrame | None = None,
                    settings: SignalSettings | None = None,
                    model: ScoreModel | None = None) -> pl.DataFrame:
    """Compute one row of signals per account as of a date (None: the latest event's date).

    The disengagement score is `model`'s (None: the shipped priors; see `score_model`).

    The same stages as `build_signals`, collected step by step: the history pass (first and
    last activity, last contact, actions ever) and the window pass over the activity table,
    the block aggregates, then the per-account values and scores (streaming engine), then
    the reasons (in-memory engine: string work on one row per account), then the registered
    custom signals. Which sources exist is read from the
    block aggregates when every signal shows up in the window; only otherwise is the history
    read a third time for it.
    """
    scored = score_frame(accounts, activity, as_of=as_of, recent_weeks=recent_weeks,
                         baseline_weeks=baseline_weeks, gap_days=gap_days, health=health,
                         settings=settings, model=model)
    score, window, act = scored.model, scored.window, scored.activity
    # The in-memory engine here: the streaming one intermittently panicked in a string
    # kernel on this step (polars 2.1, "binview ... i < self.len()").
    return with_custom_signals(finish(scored.frame.lazy(), window, score), act, window) \
        .collect(engine="in-memory")


@dataclass(frozen=True)
class Scored:
    """The per-account values, features and score before the reasons, with what made them."""

    frame: pl.DataFrame
    window: SignalWindow
    model: ScoreModel
    activity: pl.LazyFrame


def score_frame(accounts: pl.LazyFrame | pl.DataFrame, activity: pl.LazyFrame | pl.DataFrame,
                *, as_of: dt.date | None = None, recent_weeks: int = 12,
                baseline_weeks: int = 12, gap_days: int = 7,
                health: pl.LazyFrame | pl.DataFrame | None = None,
                settings: SignalSettings | None = None,
                model: ScoreModel | None = None) -> Scored:
    """Run `compute_signals`'s passes and scoring, stopping before the reasons: every
    per-account value, the `_f_` features and the score (what the backtest reads)."""
    acc, act = accounts.lazy(), activity.lazy()
    score = model or prior_model()
    day = as_of_date(act, as_of)
    acc, window = prepare_inputs(acc, day, recent_weeks=recent_weeks,
                                 baseline_weeks=baseline_weeks, gap_days=gap_days,
                                 health=health.lazy() if health is not None else None,
                                 settings=settings)
    act = prepare_activity(act)
    rows = window_frame(act, window).collect(engine=ENGINE)
    history = _history(acc, act, rows, window)
    blocks = block_frame(rows.lazy(), window).collect(engine=ENGINE)
    present = presence_in_blocks(blocks.lazy(), window).collect()
    if not all(present.row(0)):
        present = presence_frame(act, window).collect(engine=ENGINE)
    scored = assemble(acc, history.lazy(), blocks.lazy(), present.lazy(), rows.lazy(),
                      window, score).collect(engine=ENGINE)
    return Scored(scored, window, score, act)


def _history(accounts: pl.LazyFrame, activity: pl.LazyFrame, rows: pl.DataFrame,
             window: SignalWindow) -> pl.DataFrame:
    """`history_frame`, reading the full history only for the accounts that need it and
    counting everyone's actions in a lighter pass."""
    in_window = history_of(rows.lazy().filter(pl.col("_customer")), window).drop("events_ever")
    settled = history_needs(accounts, in_window).collect(engine=ENGINE)
    need = settled.filter("_need")["account_id"]
    if need.len() > settled.height // 2:
        return history_frame(activity, window).collect(engine=ENGINE)
    full = (history_frame(activity.filter(pl.col("account_id").is_in(need.implode())), window)
            .drop("events_ever").collect(engine=ENGINE) if need.len() else None)
    settled = settled.filter(~pl.col("_need")).drop("_need")
    known = settled if full is None else pl.concat([settled, full.select(settled.columns)])
    return known.join(actions_frame(activity, window).collect(engine=ENGINE), on="account_id",
                      how="left")


def prepare_inputs(accounts: pl.LazyFrame, as_of: dt.date, *, recent_weeks: int = 12,
                   baseline_weeks: int = 12, gap_days: int | None = None,
                   health: pl.LazyFrame | None = None,
                   settings: SignalSettings | None = None) -> tuple[pl.LazyFrame, SignalWindow]:
    """Check and type the accounts (with their latest health snapshot) and make the window.

    `gap_days`, when given, overrides the settings' value.
    """
    s = settings or SignalSettings()
    if gap_days is not None:
        s = replace(s, gap_days=gap_days)
    window = signal_window(as_of, recent_weeks, baseline_weeks, s)
    acc = prepare_accounts(accounts)
    if health is not None:
        acc = latest_health(acc, health, window.end)
    return acc, window


def assemble(accounts: pl.LazyFrame, history: pl.LazyFrame, blocks: pl.LazyFrame,
             present: pl.LazyFrame, rows: pl.LazyFrame, window: SignalWindow,
             model: ScoreModel) -> pl.LazyFrame:
    """Everything after the passes up to the reasons: values, cohorts, gaps, scores, flags."""
    return assemble_counted(accounts, history, blocks, present, gap_counts(rows, window),
                            staff_frame(rows, window), window, model,
                            people=people_frame(rows, window))


def assemble_counted(accounts: pl.LazyFrame, history: pl.LazyFrame, blocks: pl.LazyFrame,
                     present: pl.LazyFrame, gaps: pl.LazyFrame, staff: pl.LazyFrame,
                     window: SignalWindow, model: ScoreModel, *,
                     people: pl.LazyFrame) -> pl.LazyFrame:
    """`assemble` from the per-account tables of the passes (the continuity gaps, the
    dashboard counts and the people who went quiet, `people_frame`, already counted), as an
    engine other than polars returns them."""
    s = window.settings
    frame = account_frame(accounts, history, window).cache()
    values = window_values(blocks, frame, window)
    values = values.join(cohort_baselines(values, window), on="cohort", how="left")
    out = (values.join(present, how="cross")
           .join(gaps, on="account_id", how="left")
           .join(staff, on="account_id", how="left")
           .join(people, on="account_id", how="left")
           .with_columns(pl.col("continuity_gap_count").fill_null(0),
                         pl.col("people_seen_before", "people_gone_quiet", "_people_new")
                         .fill_null(0),
                         pl.col("^continuity_gaps_.*$").fill_null(0.0),
                         pl.col("tickets_recent", "tickets_baseline", "escalations_recent",
                                "check_ins_recent").fill_null(0).cast(pl.Int64)))
    out = out.with_columns([e for x in s.signals for e in signal_columns(x, window)])
    out = out.with_columns(
        relative_change(pl.col("continuity_gaps_recent"), pl.col("continuity_gaps_baseline"))
        .alias("continuity_gaps_change"),
        (pl.col("continuity_gaps_recent") > pl.col("continuity_gaps_baseline"))
        .alias("continuity_gaps_against"),
        *internal_view_columns(window))
    for stage in score_stages(window, model):
        out = out.with_columns(stage)
    out = out.with_columns(drift_columns(window))
    no_data = pl.col("last_activity").is_null()
    out = out.with_columns(
        pl.when(no_data).then(None).otherwise(pl.col("disengagement_score"))
        .alias("disengagement_score"),
        pl.when(no_data).then(None).otherwise(pl.col("quiet_chance").round(4))
        .alias("quiet_chance"),
        pl.when(no_data).then(None).otherwise(score_points(model)).alias("score_points"),
        pl.when(no_data).then(False).otherwise(pl.col("looks_healthy_drifting"))
        .alias("looks_healthy_drifting"),
        pl.when(no_data).then(None).otherwise(pl.col("silence")).alias("silence"),
        status_expr(no_data, s),
        (pl.col("baseline_blocks_seen") > 0).alias("has_baseline"),
        pl.lit([x.name for x in s.signals], dtype=pl.List(pl.String))
        .list.gather(pl.concat_list([pl.when(~pl.col(f"{x.name}_present")).then(pl.lit(i))
                                     for i, x in enumerate(s.signals)]).list.drop_nulls())
        .alias("sources_missing"),
        days_before(window.end, "last_activity").alias("days_since_activity"),
    )
    return out


def finish(scored: pl.LazyFrame, window: SignalWindow, model: ScoreModel) -> pl.LazyFrame:
    """The reasons, the output columns in order, one row per account sorted by id."""
    return (with_reasons(scored, window, model).select(output_columns(window.settings))
            .sort("account_id"))


def list_continuity_gaps(activity: pl.LazyFrame | pl.DataFrame, *,
                         as_of: dt.date | None = None, weeks: int = 24,
                         gap_days: int = 7) -> pl.DataFrame:
    """List each continuity gap with its dates: which issue, which outreach, how soon after
    (`as_of` None: the latest event's date)."""
    if gap_days < 1 or weeks < 1:
        raise InputError("gap_days and weeks must be at least 1.")
    activity = activity.lazy()
    prepared = prepare_activity(activity)
    end = window_end(as_of_date(activity, as_of))
    return (continuity_gap_frame(prepared, end=end, start=end - dt.timedelta(weeks=weeks),
                                 gap_days=gap_days)
            .select("account_id", "trigger_at", "trigger_kind", "outreach_at", "outreach_kind",
                    "days_after")
            .sort("account_id", "outreach_at", "trigger_at", "outreach_kind")
            .collect(engine=ENGINE))
