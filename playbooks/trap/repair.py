"""Repair after incidents: after an escalation or an incident, did the account come back
within a window or go quiet?

A customer who still trusts the company keeps talking to it after something went wrong:
they ask, reply to a check-in, turn up at an event. One that has stopped expecting much
says nothing. Triggers of one account that follow each other within the window form one
episode, judged from its first trigger. Episodes whose window has not ended by the as-of
date are `too_early`, and left out of the shares.

What repair is measured after (`repair_triggers`) and which customer actions count as coming
back (`repair_returns`) are groups of `playbooks.vocabulary`, with their reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from playbooks.errors import InputError
from playbooks.trap.measures import prepare_weekly
from playbooks.vocabulary import REPAIR_RETURN_KINDS, REPAIR_TRIGGER_KINDS
from playbooks.vocabulary.activity import window_end

OUTCOMES = ("came_back", "went_quiet", "too_early")
DEFAULT_WINDOW_DAYS = 30


@dataclass
class RepairResult:
    """Episodes after incidents and the shares that came back, per segment and per quarter."""

    episodes: pl.DataFrame
    by_segment: pl.DataFrame
    by_quarter: pl.DataFrame
    window_days: int
    as_of: dt.date

    def summary(self) -> str:
        """One sentence over all judged episodes."""
        judged = self.episodes.filter(pl.col("outcome") != "too_early")
        if judged.is_empty():
            return "No escalation or incident with a full window to judge yet."
        back = int((judged["outcome"] == "came_back").sum())
        return (f"Of {judged.height:,} escalation or incident episodes, {back:,} "
                f"({back / judged.height:.0%}) saw the account come back within "
                f"{self.window_days} days; after {judged.height - back:,} it went quiet.")


def _shares(episodes: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    judged = episodes.filter(pl.col("outcome") != "too_early")
    return (judged.group_by(keys)
            .agg(pl.len().alias("episodes"),
                 (pl.col("outcome") == "came_back").sum().alias("came_back"),
                 (pl.col("outcome") == "went_quiet").sum().alias("went_quiet"))
            .with_columns((pl.col("came_back") / pl.col("episodes")).alias("share_came_back"),
                          (pl.col("went_quiet") / pl.col("episodes")).alias("share_went_quiet"))
            .sort(keys))


def repair_after_incidents(activity: pl.LazyFrame | pl.DataFrame,
                           accounts: pl.LazyFrame | pl.DataFrame | None = None, *,
                           as_of: dt.date | None = None,
                           window_days: int = DEFAULT_WINDOW_DAYS) -> RepairResult:
    """Judge every escalation or incident episode: came back, went quiet, or too early
    (`as_of` None: the latest event's date)."""
    if window_days < 1:
        raise InputError(f"The repair window must be at least 1 day, not {window_days}.")
    prepared, day = prepare_weekly(activity, as_of)
    window = dt.timedelta(days=window_days)
    end = window_end(day)
    triggers = (prepared.filter(pl.col("kind").is_in(list(REPAIR_TRIGGER_KINDS)))
                .select("account_id", pl.col("occurred_at").alias("trigger_at"),
                        pl.col("kind").alias("trigger_kind"),
                        pl.col("source_function").alias("trigger_function"))
                .sort("account_id", "trigger_at")
                .with_columns(((pl.col("trigger_at") - pl.col("trigger_at").shift(1))
                               .over("account_id") > window).fill_null(True)
                              .cum_sum().over("account_id").alias("episode"))
                .group_by("account_id", "episode")
                .agg(pl.col("trigger_at").first(), pl.col("trigger_kind").first(),
                     pl.col("trigger_function").first(), pl.len().alias("triggers"))
                .drop("episode").sort("trigger_at"))
    returns = (prepared.filter((pl.col("actor_type") == "customer")
                               & pl.col("kind").is_in(list(REPAIR_RETURN_KINDS)))
               .select("account_id", pl.col("occurred_at").alias("returned_at"),
                       pl.col("kind").alias("returned_with"))
               .sort("returned_at"))
    joined = triggers.join_asof(returns, left_on="trigger_at", right_on="returned_at",
                                by="account_id", strategy="forward", tolerance=window,
                                allow_exact_matches=False, check_sortedness=False)
    segments = _segments(accounts)
    episodes = (joined.with_columns(
        pl.when(pl.col("returned_at").is_not_null()).then(pl.lit("came_back"))
        .when(pl.col("trigger_at") + window > end).then(pl.lit("too_early"))
        .otherwise(pl.lit("went_quiet")).alias("outcome"),
        ((pl.col("returned_at") - pl.col("trigger_at")).dt.total_seconds() / 86_400.0)
        .round(1).alias("days_to_return"),
        pl.col("trigger_at").dt.truncate("1q").dt.date().alias("quarter"))
        .join(segments, on="account_id", how="left")
        .with_columns(pl.col("segment").fill_null("unknown"))
        .select("account_id", "name", "segment", "trigger_at", "trigger_kind",
                "trigger_function", "triggers", "outcome", "days_to_return", "returned_with",
                "quarter")
        .sort("trigger_at", "account_id")
        .collect())
    return RepairResult(episodes, _shares(episodes, ["segment"]),
                        _shares(episodes, ["quarter"]), window_days, day)


def _segments(accounts: pl.LazyFrame | pl.DataFrame | None) -> pl.LazyFrame:
    schema = {"account_id": pl.String, "name": pl.String, "segment": pl.String}
    if accounts is None:
        return pl.LazyFrame(schema=schema)
    lazy = accounts.lazy()
    names = lazy.collect_schema().names()
    if "account_id" not in names:
        raise InputError("The accounts table lacks the column account_id.")
    return lazy.select(
        pl.col("account_id").cast(pl.String),
        (pl.col("name").cast(pl.String) if "name" in names else pl.lit(None, pl.String))
        .alias("name"),
        (pl.col("segment").cast(pl.String) if "segment" in names else pl.lit(None, pl.String))
        .alias("segment")).unique("account_id", keep="first")
