"""The weekly series of the efficiency view with its passes run on an engine.

`weekly_series_on` gives the table `playbooks.trap.weekly_series` gives (one row per week,
function and measure), its passes over the activity table run where the table lives: the
sums per week and function, the active accounts per week and the hours to close a ticket.
The grid of weeks and functions after them is `trap.measures.series_from_sums`, the
same polars code the polars pass finishes with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import polars as pl

from playbooks.trap.measures import ALL, CLOSE_WITHIN_DAYS, series_from_sums
from playbooks.vocabulary import (
    ADVOCACY_KINDS,
    FEATURE_USE_KINDS,
    PARTICIPATION_KINDS,
    PEER_ANSWER_KINDS,
    QUESTION_KINDS,
)
from playbooks.vocabulary.activity import window_end

SCHEMA = {"week": pl.Date, "function": pl.String, "measure": pl.String, "kind": pl.String,
          "value": pl.Float64}
FLAGS = ("questions", "automated", "participation", "advocacy", "peer_answers")
SEP = "\x1f"  # joins two ids into one key of a pair
NO_PERSON = "\x1e"  # stands for a missing person in a pair (a person of its own)


def prepared_weeks(t: Any, as_of: dt.date) -> Any:
    """Events before the end of the as-of date, with their week (Monday) and function."""
    rows = t.filter(t.occurred_at < window_end(as_of))
    return rows.mutate(week=rows.occurred_at.truncate("W").date(),
                       source_function=rows.source_function.fill_null("unknown"),
                       automated=rows.automated.fill_null(False))


def week_sums(prepared: Any, by_function: bool) -> Any:
    """Per week (and function): the flag sums, distinct (account, feature) and (account,
    person) pairs, whether any feature was recorded."""
    c = prepared.filter(prepared.actor_type == "customer")
    questions = c.kind.isin(list(QUESTION_KINDS)).fill_null(False)

    def count(flag: Any) -> Any:
        return flag.ifelse(1, 0).sum().cast("int64")

    feature = c.kind.isin(list(FEATURE_USE_KINDS)).fill_null(False).ifelse(
        c.feature, ibis.null("string"))
    keys = ["week", "source_function"] if by_function else ["week"]
    sums = c.group_by(keys).aggregate(
        questions=count(questions), automated=count(questions & c.automated),
        participation=count(c.kind.isin(list(PARTICIPATION_KINDS)).fill_null(False)),
        advocacy=count(c.kind.isin(list(ADVOCACY_KINDS)).fill_null(False)),
        peer_answers=count(c.kind.isin(list(PEER_ANSWER_KINDS)).fill_null(False)),
        features=(c.account_id + SEP + feature).nunique().cast("int64"),
        has_features=feature.notnull().ifelse(1, 0).max() > 0,
        people=(c.account_id + SEP + c.person_id.fill_null(NO_PERSON)).nunique().cast("int64"))
    return sums if by_function else sums.mutate(source_function=ibis.literal(ALL))


def active_accounts(prepared: Any) -> Any:
    """Per week: the accounts with at least one customer action."""
    c = prepared.filter(prepared.actor_type == "customer")
    return c.group_by("week").aggregate(active_accounts=c.account_id.nunique().cast("int64"))


def whole_seconds(start: Any, end: Any) -> Any:
    """Whole seconds from `start` to a later `end`, the fraction dropped, as polars'
    `total_seconds` counts them. Built from the calendar parts of each time, since engines
    disagree on whether an epoch keeps the fraction of a second."""

    def floor_epoch(ts: Any) -> Any:
        return (ts.truncate("D").epoch_seconds().cast("int64") + ts.hour().cast("int64") * 3600
                + ts.minute().cast("int64") * 60 + ts.second().cast("int64"))

    borrow = ((end - end.truncate("s")) < (start - start.truncate("s"))).ifelse(1, 0)
    return floor_epoch(end) - floor_epoch(start) - borrow


def ticket_hours(prepared: Any) -> tuple[Any, Any]:
    """Median hours from a ticket opened to the account's next closure within the limit,
    per week and function and per week; each opening takes the next closure at or after it
    (a forward as-of match, made with a running minimum over one time line per account)."""
    p = prepared
    opened = p.filter(p.kind == "ticket_opened").select(
        "account_id", "week", "source_function", at=p.occurred_at, closing=ibis.literal(0),
        closed_at=ibis.null(p.occurred_at.type()))
    closed = p.filter(p.kind == "ticket_closed").select(
        "account_id", week=ibis.null("date"), source_function=ibis.null("string"),
        at=p.occurred_at, closing=ibis.literal(1), closed_at=p.occurred_at)
    line = opened.union(closed, distinct=False)
    ahead = ibis.window(group_by=line.account_id, order_by=[line.at, line.closing],
                        preceding=0, following=None)
    matched = line.mutate(next_close=line.closed_at.min().over(ahead))
    paired = matched.filter(matched.closing == 0, matched.next_close.notnull(),
                            matched.next_close <= matched.at
                            + ibis.interval(days=CLOSE_WITHIN_DAYS))
    paired = paired.mutate(hours=whole_seconds(paired.at, paired.next_close)
                           .cast("float64") / 3600.0)
    by_function = paired.group_by("week", "source_function").aggregate(
        hours_to_close=paired.hours.median())
    overall = paired.group_by("week").aggregate(hours_to_close=paired.hours.median())
    return by_function, overall.mutate(source_function=ibis.literal(ALL))


def weekly_series_on(activity: Any, *, as_of: dt.date) -> pl.DataFrame:
    """Return the weekly measures per function and for `all`, in long format, the passes
    run on `activity`'s engine (the typed Ibis table of `table.open_activity`)."""
    prepared = prepared_weeks(activity, as_of)
    sum_types = {"week": pl.Date, "source_function": pl.String,
                 **{c: pl.Int64 for c in (*FLAGS, "features", "people")},
                 "has_features": pl.Boolean}
    order = list(sum_types)
    sums = pl.concat([_fetch(week_sums(prepared, by), sum_types).select(order)
                      for by in (True, False)])
    active = _fetch(active_accounts(prepared), {"week": pl.Date, "active_accounts": pl.Int64})
    hours_types = {"week": pl.Date, "source_function": pl.String, "hours_to_close": pl.Float64}
    hours = pl.concat([_fetch(e, hours_types).select(list(hours_types))
                       for e in ticket_hours(prepared)])
    return series_from_sums(sums, active, hours)


def _fetch(expr: Any, types: dict[str, Any]) -> pl.DataFrame:
    frame = expr.to_polars()
    return frame.with_columns([pl.col(c).cast(t) for c, t in types.items()])
