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
  null when the actor is unknown) and the question's text (questions only); the function,
  channel and kind are categorical (a few distinct words each, held once).
- `daily`: per account and day, the customer's actions of any kind (`n`), for the silence
  judgement (is the account as active as before?); the account is a 64-bit hash of its id
  (`account_key`: ids only group and match there), which keeps the aggregation small.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

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
KIND = pl.Enum(FOLLOWED_KINDS)
ROW_SCHEMA = {"account_id": pl.String, "occurred_at": pl.Datetime("us"), "week": pl.Date,
              "function": pl.Categorical(), "channel": pl.Categorical(), "kind": KIND,
              "automated": pl.Boolean, "customer": pl.Boolean, "question_text": pl.String}
DAILY_SCHEMA = {"account": pl.UInt64, "day": pl.Date, "n": pl.UInt32}


@dataclass(frozen=True)
class Followed:
    """The followed events (`rows`), the customer's actions per account and day (`daily`)
    and the as-of date they were read as of."""

    rows: pl.DataFrame
    daily: pl.DataFrame  # sorted by account, then day
    as_of: dt.date

    def questions(self) -> pl.DataFrame:
        """The customer questions, in the order of the table (without the kind and actor)."""
        return (self.rows.lazy()
                .filter(pl.col("customer") & pl.col("kind").is_in(list(QUESTION_KINDS)))
                .select("account_id", "occurred_at", "week", *as_text("function", "channel"),
                        "automated", "question_text").collect())


def as_text(*columns: str) -> list[pl.Expr]:
    """The rows' categorical columns as plain strings again, for what is handed on."""
    return [pl.col(c).cast(pl.String) for c in columns]


def followed_rows(prepared: pl.LazyFrame) -> pl.LazyFrame:
    """The followed events of activity prepared as `trap.measures.prepare_weekly` does it."""
    question = pl.col("kind").is_in(list(QUESTION_KINDS))
    return prepared.filter(pl.col("kind").is_in(list(FOLLOWED_KINDS))).select(
        "account_id", pl.col("occurred_at").cast(pl.Datetime("us")), "week",
        pl.col("source_function").cast(pl.Categorical).alias("function"),
        pl.col("channel").cast(pl.Categorical), pl.col("kind").cast(KIND), "automated",
        (pl.col("actor_type") == "customer").alias("customer"),
        pl.when(question).then(pl.col("question_text").cast(pl.String)).alias("question_text"))


def account_key(column: str = "account_id") -> pl.Expr:
    """The 64-bit hash that stands in for an account id where ids only group and match."""
    return pl.col(column).cast(pl.String).hash(seed=0)


def daily_actions(prepared: pl.LazyFrame) -> pl.LazyFrame:
    """The customer's actions per account (`account_key`) and day, of prepared activity."""
    return (prepared.filter(pl.col("actor_type") == "customer")
            .group_by(account_key().alias("account"),
                      pl.col("occurred_at").dt.date().alias("day"))
            .agg(pl.len().cast(pl.UInt32).alias("n")))


def followed(activity: pl.LazyFrame | pl.DataFrame, as_of: dt.date | None = None, *,
             daily: bool = True) -> Followed:
    """Read the followed events and the daily actions from the activity, lazily: only the
    columns and rows they need, the daily counts aggregated while the table streams by
    (`daily` False: left empty, for a caller that reads only the questions)."""
    prepared, day = prepare_weekly(activity, as_of)
    per_day = (daily_actions(prepared).collect(engine="streaming").sort("account", "day")
               if daily else pl.DataFrame(schema=DAILY_SCHEMA))  # first: its peak is the larger
    return Followed(followed_rows(prepared).collect(), per_day, day)


def followed_of(rows: pl.LazyFrame | pl.DataFrame, daily: pl.LazyFrame | pl.DataFrame,
                as_of: dt.date) -> Followed:
    """The followed tables from rows an engine brought back: `rows` with the activity's
    columns (as `playbooks.engines.run.event_rows` gives them) and `daily` (account_id, day,
    n), prepared as polars prepares the whole table."""
    prepared, day = prepare_weekly(rows, as_of)
    return Followed(followed_rows(prepared).collect(),
                    daily.lazy().select(account_key().alias("account"),
                                        pl.col("day").cast(pl.Date),
                                        pl.col("n").cast(pl.UInt32))
                    .sort("account", "day").collect(), day)


def action_counts(daily: pl.DataFrame, accounts: pl.Series, days: pl.Series,
                  spans: dict[str, tuple[int, int]]) -> tuple[pl.DataFrame, dt.date | None]:
    """Count the actions of `daily` (`Followed.daily`: sorted by account, then day) over
    spans of days around each query (an account id and a date): for each span
    `name: (first, last)`, from `first` to `last` days after the query's date (both
    included), the account's actions (`name`) and every account's
    (`every_name`), as Int64; `first_day`: the account's first day with an action (null:
    none). Also returns the first day any account acted (None: none did).

    One sorted array of (account, day) and binary searches: no join over the days.
    """
    key, n = daily["account"].to_numpy(), daily["n"].to_numpy()
    d, q_d = daily["day"].to_physical().to_numpy(), _day_numbers(days)
    q_key = accounts.cast(pl.String).hash(seed=0).to_numpy()
    reach = max((abs(v) for span in spans.values() for v in span), default=0)
    ends = [int(f(a)) for a in (d, q_d) if a.size for f in (np.min, np.max)]
    low = min(ends) - reach - 1 if ends else 0
    size = max(ends) - low + reach + 2 if ends else 1
    d = d - np.int32(low)  # days in the array's frame (int32: half the memory)
    q_d -= low
    new = np.ones(key.size, dtype=bool)
    new[1:] = key[1:] != key[:-1]
    uniq = key[new]
    full = np.cumsum(new, dtype=np.int64)  # (account number, day): sorted as daily is
    full -= 1
    full *= size
    full += d
    total = np.concatenate([[0], np.cumsum(n, dtype=np.int64)])
    del new, key
    q_code = np.minimum(np.searchsorted(uniq, q_key), max(uniq.size - 1, 0))
    known = uniq[q_code] == q_key if uniq.size else np.zeros(q_key.size, dtype=bool)
    q_full = q_code.astype(np.int64) * size + q_d
    q_order = np.argsort(q_full, kind="stable")  # needles in order: the arrays read in order
    q_sorted = q_full[q_order]
    every = np.concatenate([[0], np.cumsum(np.bincount(d, weights=n, minlength=size)
                                           .astype(np.int64))])
    columns: list[pl.Series] = []
    for name, (first, last) in spans.items():
        found = np.zeros(q_full.size, dtype=np.int64)
        found[q_order] = (total[np.searchsorted(full, q_sorted + last, side="right")]
                          - total[np.searchsorted(full, q_sorted + first - 1, side="right")])
        found[~known] = 0
        columns += [pl.Series(name, found), pl.Series(f"every_{name}",
                                                      every[q_d + last + 1] - every[q_d + first])]
        del found
    starts = np.searchsorted(full, np.arange(uniq.size, dtype=np.int64) * size)
    first_d = full[starts] - np.arange(uniq.size, dtype=np.int64) * size + low
    first_day = pl.Series("first_day", np.where(known, first_d[q_code] if uniq.size else 0, 0),
                          pl.Int32).scatter(np.flatnonzero(~known), None).cast(pl.Date)
    out = pl.DataFrame(columns).with_columns(first_day)
    start = None if d.size == 0 else dt.date(1970, 1, 1) + dt.timedelta(
        days=int(d.min()) + low)
    return out, start


def _day_numbers(days: pl.Series) -> np.ndarray:
    """Dates as days since 1970-01-01."""
    return days.cast(pl.Date).to_physical().to_numpy().astype(np.int64)
