"""The backtest: every account's features at past cut-offs, and what happened after each.

At each cut-off date the engine runs on the data before it only (the activity and health
snapshots are cut there first, and the engine itself reads nothing on or after its as-of
date), so a feature never sees the future. The outcome is read after the cut-off: no
customer activity over the next `horizon_weeks`, or, where the accounts table has the
optional `churned_on` / `downgraded_on` dates, a churn or downgrade within them. Accounts
with no activity before a cut-off, or already churned by then, are left out of it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from playbooks.errors import InputError
from playbooks.signals.engine import score_frame
from playbooks.signals.features import FEATURE_NAMES
from playbooks.signals.score_model import ScoreModel
from playbooks.vocabulary.activity import is_customer

OUTCOME_COLUMNS = ("churned_on", "downgraded_on")
STEP_WEEKS = 4
MIN_HISTORY_WEEKS = 12
MAX_CUTOFFS = 12
MAX_ACCOUNTS = 20_000


@dataclass(frozen=True)
class BacktestPlan:
    """Which cut-offs to test and how far ahead to look."""

    cutoffs: tuple[dt.date, ...]
    horizon_weeks: int
    end: dt.date  # the day after the as-of date: nothing on or after it is read


def _dates(activity: pl.LazyFrame, end: dt.datetime) -> tuple[dt.datetime | None, float | None]:
    """The first customer event before `end`, and the median days between an account's
    active days (accounts with at least two)."""
    customer = activity.filter(pl.col("occurred_at") < end, is_customer())
    per = (customer.group_by("account_id")
           .agg(pl.col("occurred_at").min().alias("first"), pl.col("occurred_at").max()
                .alias("last"), pl.col("occurred_at").dt.date().n_unique().alias("days"))
           .collect())
    if per.height == 0:
        return None, None
    gaps = per.filter(pl.col("days") > 1).select(
        ((pl.col("last") - pl.col("first")).dt.total_days() / (pl.col("days") - 1)).median())
    first = per["first"].min()
    assert isinstance(first, dt.datetime)
    gap = gaps.item()
    return first, float(gap) if gap is not None else None


def default_horizon(median_gap_days: float | None) -> int:
    """12 weeks for accounts active at least every two weeks or so, else 26."""
    return 12 if median_gap_days is not None and median_gap_days <= 14 else 26


def plan_backtest(activity: pl.LazyFrame | pl.DataFrame, *, as_of: dt.date,
                  horizon_weeks: int | None = None,
                  max_cutoffs: int = MAX_CUTOFFS) -> BacktestPlan:
    """Cut-offs back from the as-of date, from the latest one whose horizon has fully passed
    by then to the earliest with at least twelve weeks of history before it: every four
    weeks, or further apart (a multiple of four weeks) to spread `max_cutoffs` over a long
    history."""
    if horizon_weeks is not None and horizon_weeks < 1:
        raise InputError("the horizon must be at least one week")
    end = as_of + dt.timedelta(days=1)
    first, gap = _dates(activity.lazy(), dt.datetime.combine(end, dt.time()))
    horizon = horizon_weeks or default_horizon(gap)
    cutoffs: list[dt.date] = []
    if first is not None:
        earliest = first.date() + dt.timedelta(weeks=MIN_HISTORY_WEEKS)
        cut = end - dt.timedelta(weeks=horizon)
        span = (cut - earliest).days // 7
        step = STEP_WEEKS * max(1, math.ceil(span / STEP_WEEKS / max(1, max_cutoffs - 1)))
        while cut >= earliest and len(cutoffs) < max_cutoffs:
            cutoffs.append(cut)
            cut -= dt.timedelta(weeks=step)
    return BacktestPlan(tuple(sorted(cutoffs)), horizon, end)


def _sample(accounts: pl.DataFrame, most: int) -> pl.DataFrame:
    """Every k-th account by id, so at most `most` are kept (the same ones at every cut-off)."""
    if accounts.height <= most:
        return accounts
    step = -(-accounts.height // most)
    return accounts.sort("account_id").gather_every(step)


def backtest_rows(accounts: pl.LazyFrame | pl.DataFrame, activity: pl.LazyFrame | pl.DataFrame,
                  plan: BacktestPlan, *, health: pl.LazyFrame | pl.DataFrame | None = None,
                  model: ScoreModel | None = None,
                  max_accounts: int = MAX_ACCOUNTS) -> pl.DataFrame:
    """One row per account and cut-off: the features, days since the last activity, the
    internal health score (from snapshots before the cut-off) and the outcome `went_quiet`.

    `model` scores the rows too (`score`, for the card); None: the shipped priors.
    """
    acc = accounts.lazy().collect()
    # Today's health score in the accounts table would be a look into the future at a past
    # cut-off: only dated health snapshots are used.
    acc = _sample(acc.drop([c for c in ("health_score", "health_colour") if c in acc.columns]),
                  max_accounts)
    act = activity.lazy().with_columns(pl.col("occurred_at").cast(pl.Datetime("us")))
    act = act.filter(pl.col("account_id").cast(pl.String).is_in(acc["account_id"].cast(pl.String)
                                                                .implode()))
    frames = [_rows_at(acc, act, cut, plan.horizon_weeks, health, model)
              for cut in plan.cutoffs]
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else _empty()


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"cutoff": pl.Date, "account_id": pl.String,
                                **{f: pl.Float64 for f in FEATURE_NAMES},
                                "days_since_activity": pl.Float64, "health_score": pl.Float64,
                                "score": pl.Float64, "went_quiet": pl.Boolean})


def _rows_at(accounts: pl.DataFrame, activity: pl.LazyFrame, cutoff: dt.date, horizon: int,
             health: pl.LazyFrame | pl.DataFrame | None,
             model: ScoreModel | None) -> pl.DataFrame:
    start = dt.datetime.combine(cutoff, dt.time())
    stop = start + dt.timedelta(weeks=horizon)
    before = activity.filter(pl.col("occurred_at") < start)
    snapshots = None
    if health is not None:
        h = health.lazy()
        snapshots = h.filter(pl.col("week").cast(pl.Datetime("us")) < start)
    scored = score_frame(accounts, before, as_of=cutoff - dt.timedelta(days=1),
                         health=snapshots, model=model).frame
    active = (activity.filter(pl.col("occurred_at") >= start, pl.col("occurred_at") < stop,
                              is_customer())
              .select(pl.col("account_id").cast(pl.String)).unique().collect())
    went = ~pl.col("account_id").is_in(active["account_id"].implode())
    gone = pl.lit(False)
    keep = pl.col("last_activity").is_not_null()
    for column in OUTCOME_COLUMNS:
        if column in accounts.columns:
            day = pl.col(column).cast(pl.Date)
            gone = gone | (day.is_between(cutoff, stop.date(), closed="left")).fill_null(False)
            keep = keep & ~(day < cutoff).fill_null(False)
    extra = [c for c in OUTCOME_COLUMNS if c in accounts.columns]
    if extra:
        scored = scored.join(accounts.select("account_id", *extra)
                             .with_columns(pl.col("account_id").cast(pl.String)),
                             on="account_id", how="left")
    return scored.filter(keep).sort("account_id").select(
        pl.lit(cutoff).alias("cutoff"), "account_id",
        *[pl.col(f"_f_{f}").alias(f) for f in FEATURE_NAMES],
        pl.col("days_since_activity").cast(pl.Float64),
        pl.col("health_score").cast(pl.Float64),
        pl.col("disengagement_score").cast(pl.Float64).alias("score"),
        (went | gone).alias("went_quiet"))
