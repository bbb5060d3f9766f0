"""What the follow-ups read from the activity table, and nothing more: the events of the few
kinds they follow, and how many customer actions each account took each day.

What happened after each touch (`trap.next`), the follow-up measures (`trap.pairs`) and the
estimate of what automation cost (`trap.effects`) read only these two tables, so an engine
can compute them where the events live and bring back a small part of the table
(`playbooks.engines.cost`), and polars computes them in one lazy pass over the files without
collecting every customer event.

- `rows`: the questions, the automated outreach and check-ins, the escalations and tickets,
  the participation and reply kinds, the events and courses, each with its account, time,
  week, function, channel, kind, automation flag, whether the customer acted (`customer`,
  null when the actor is unknown) and the question's text (questions only).
- `daily`: per account and day, the customer's actions of any kind (`n`), for the silence
  judgement (is the account as active as before?).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from playbooks.trap.effects_episodes import window_sums
from playbooks.trap.measures import prepare_weekly
from playbooks.vocabulary import (
    AUTOMATED_OUTREACH_KINDS,
    PARTICIPATION_KINDS,
    QUESTION_KINDS,
    REPAIR_RETURN_KINDS,
    kind,
)

ESCALATION = kind("escalation")
TICKET = kind("ticket_opened")
CHECK_IN = kind("check_in")
EVENT = kind("event_attended")
COURSE = kind("course_completed")
FOLLOWED_KINDS = tuple(dict.fromkeys((
    *QUESTION_KINDS, *AUTOMATED_OUTREACH_KINDS, CHECK_IN, ESCALATION, TICKET,
    *PARTICIPATION_KINDS, *REPAIR_RETURN_KINDS, EVENT, COURSE)))
ROW_SCHEMA = {"account_id": pl.String, "occurred_at": pl.Datetime("us"), "week": pl.Date,
              "function": pl.String, "channel": pl.String, "kind": pl.String,
              "automated": pl.Boolean, "customer": pl.Boolean, "question_text": pl.String}
DAILY_SCHEMA = {"account_id": pl.String, "day": pl.Date, "n": pl.UInt32}


@dataclass(frozen=True)
class Followed:
    """The followed events (`rows`), the customer's actions per account and day (`daily`)
    and the as-of date they were read as of."""

    rows: pl.DataFrame
    daily: pl.DataFrame
    as_of: dt.date

    def questions(self) -> pl.DataFrame:
        """The customer questions, in the order of the table."""
        return self.rows.filter(pl.col("customer") & pl.col("kind").is_in(list(QUESTION_KINDS)))


def followed_rows(prepared: pl.LazyFrame) -> pl.LazyFrame:
    """The followed events of activity prepared as `trap.measures.prepare_weekly` does it."""
    question = pl.col("kind").is_in(list(QUESTION_KINDS))
    return prepared.filter(pl.col("kind").is_in(list(FOLLOWED_KINDS))).select(
        "account_id", pl.col("occurred_at").cast(pl.Datetime("us")), "week",
        pl.col("source_function").alias("function"), "channel", "kind", "automated",
        (pl.col("actor_type") == "customer").alias("customer"),
        pl.when(question).then(pl.col("question_text").cast(pl.String)).alias("question_text"))


def daily_actions(prepared: pl.LazyFrame) -> pl.LazyFrame:
    """The customer's actions per account and day, of prepared activity."""
    return (prepared.filter(pl.col("actor_type") == "customer")
            .group_by("account_id", pl.col("occurred_at").dt.date().alias("day"))
            .agg(pl.len().cast(pl.UInt32).alias("n")))


def followed(activity: pl.LazyFrame | pl.DataFrame, as_of: dt.date | None = None, *,
             daily: bool = True) -> Followed:
    """Read the followed events and the daily actions from the activity, lazily: only the
    columns and rows they need, the daily counts aggregated while the table streams by
    (`daily` False: left empty, for a caller that reads only the questions)."""
    prepared, day = prepare_weekly(activity, as_of)
    rows = followed_rows(prepared).collect()
    per_day = (daily_actions(prepared).collect(engine="streaming") if daily
               else pl.DataFrame(schema=DAILY_SCHEMA))
    return Followed(rows, per_day, day)


def followed_of(rows: pl.LazyFrame | pl.DataFrame, daily: pl.LazyFrame | pl.DataFrame,
                as_of: dt.date) -> Followed:
    """The followed tables from rows an engine brought back: `rows` with the activity's
    columns (as `playbooks.engines.run.event_rows` gives them) and `daily` (account_id, day,
    n), prepared as polars prepares the whole table."""
    prepared, day = prepare_weekly(rows, as_of)
    return Followed(followed_rows(prepared).collect(),
                    daily.lazy().select(pl.col("account_id").cast(pl.String),
                                        pl.col("day").cast(pl.Date),
                                        pl.col("n").cast(pl.UInt32)).collect(), day)


def action_counts(daily: pl.DataFrame, accounts: pl.Series, days: pl.Series,
                  spans: dict[str, tuple[int, int]]) -> tuple[pl.DataFrame, dt.date | None]:
    """Count the actions of `daily` over spans of days around each query (an account and a
    date): for each span `name: (first, last)`, from `first` to `last` days after the
    query's date (both included), the account's actions (`name`) and every account's
    (`every_name`), as Int64; `first_day`: the account's first day with an action (null:
    none). Also returns the first day any account acted (None: none did).

    One sorted array of (account, day) and binary searches: no join over the days.
    """
    reach = max((abs(v) for span in spans.values() for v in span), default=0)
    origin = _min_date(daily["day"], days) - dt.timedelta(days=reach + 1)
    codes = daily.select(pl.col("account_id").unique().sort()).with_row_index("code")
    per = (daily.join(codes, on="account_id").select(
        pl.col("code").cast(pl.Int64), _offset("day", origin).alias("d"),
        pl.col("n").cast(pl.Int64)).sort("code", "d"))
    group, day, n = (per[c].to_numpy() for c in ("code", "d", "n"))
    every = per.group_by("d").agg(pl.col("n").sum()).sort("d")
    every_day, every_n = every["d"].to_numpy(), every["n"].to_numpy()
    first = per.group_by("code").agg(pl.col("d").min().alias("first"))
    query = (pl.DataFrame({"account_id": accounts, "day": days.cast(pl.Date)})
             .join(codes.join(first, on="code"), on="account_id", how="left",
                   maintain_order="left"))
    q_group = query["code"].cast(pl.Int64).fill_null(-1).to_numpy()
    q_day = query.select(_offset("day", origin))["day"].to_numpy()
    zeros = np.zeros(q_day.size, dtype=np.int64)
    order = np.lexsort((q_day, q_group))  # searched in order, the arrays are read in order
    s_group, s_day = q_group[order], q_day[order]
    columns = {}
    for name, (lo, hi) in spans.items():
        found = np.empty(q_day.size, dtype=np.int64)
        found[order] = window_sums(group, day, n, s_group, s_day + lo, s_day + hi)
        columns[name] = found
        columns[f"every_{name}"] = window_sums(np.zeros(every_day.size, dtype=np.int64),
                                               every_day, every_n, zeros, q_day + lo,
                                               q_day + hi)
    out = pl.DataFrame({k: pl.Series(k, v, pl.Int64) for k, v in columns.items()},
                       height=q_day.size).with_columns(
        query.select((pl.lit(origin) + pl.duration(days=pl.col("first"))).cast(pl.Date)
                     .alias("first_day")).to_series())
    start = None if every_day.size == 0 else origin + dt.timedelta(days=int(every_day[0]))
    return out, start


def _offset(column: str, origin: dt.date) -> pl.Expr:
    return (pl.col(column) - pl.lit(origin)).dt.total_days().cast(pl.Int64)


def _min_date(*columns: pl.Series) -> dt.date:
    found = [c.min() for c in columns if c.len() and c.null_count() < c.len()]
    return min(found) if found else dt.date(2000, 1, 1)  # type: ignore[type-var, return-value]
