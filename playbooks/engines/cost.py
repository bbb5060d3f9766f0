"""What automation alone cost, with the activity table on an engine: the engine reads the
events of the kinds the follow-ups follow and counts each account's customer actions per day
(`playbooks.trap.followed`); both come back to polars, where the rest runs with the same code
as for a workspace's files (`playbooks.trap.cost.relationship_cost_of`).

What comes back is a small part of the table: the questions, outreach, check-ins,
escalations, tickets, participation, events and courses (no logins, feature use or article
views), and one row per account and day it acted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from playbooks.trap.cost import RelationshipCost, relationship_cost_of
from playbooks.trap.findings import TrapSettings
from playbooks.trap.followed import DAILY_SCHEMA, FOLLOWED_KINDS, Followed, followed_of
from playbooks.vocabulary import QUESTION_KINDS
from playbooks.vocabulary.activity import window_end

Table = Any  # an ibis Table expression, typed as `engines.table.typed` gives it


def followed_rows_on(activity: Table, *, as_of: dt.date) -> pl.LazyFrame:
    """The followed events before the end of the as-of date, with the columns the follow-ups
    read (the text of questions only), brought back to polars."""
    import ibis

    t = activity.filter(activity.kind.isin(list(FOLLOWED_KINDS)),
                        activity.occurred_at < window_end(as_of))
    question = t.kind.isin(list(QUESTION_KINDS))
    rows = t.select("account_id", "actor_type", "occurred_at", "source_function", "kind",
                    "channel", "automated",
                    question_text=question.ifelse(t.question_text, ibis.null("string")))
    return rows.to_polars().lazy().with_columns(
        pl.col("occurred_at").cast(pl.Datetime("us")),
        pl.lit(None, pl.String).alias("person_id"))


def daily_actions_on(activity: Table, *, as_of: dt.date) -> pl.DataFrame:
    """The customer's actions per account and day before the end of the as-of date (account
    id, day, n), counted on the engine."""
    t = activity.filter(activity.actor_type == "customer",
                        activity.occurred_at < window_end(as_of))
    per_day = t.group_by("account_id", day=t.occurred_at.date()).aggregate(n=t.count())
    return per_day.to_polars()


def followed_on(activity: Table, *, as_of: dt.date, daily: bool = True) -> Followed:
    """The followed tables of the activity on the engine (`daily` False: the daily actions
    left empty, for a caller that reads only the questions)."""
    per_day = (daily_actions_on(activity, as_of=as_of) if daily else
               pl.DataFrame(schema=DAILY_SCHEMA))
    return followed_of(followed_rows_on(activity, as_of=as_of), per_day, as_of)


def relationship_cost_on(activity_table: Table,
                         accounts: pl.LazyFrame | pl.DataFrame | None, series: pl.DataFrame, *,
                         as_of: dt.date, settings: TrapSettings | None = None,
                         effects: bool = True, pairs: bool = True) -> RelationshipCost:
    """`playbooks.trap.cost.relationship_cost` with the activity table on an engine: the
    estimated effects (when asked and the accounts are given) and the paired measures (when
    asked), equal to polars' on the same table."""
    wanted = pairs or (effects and accounts is not None)
    found = followed_on(activity_table, as_of=as_of, daily=pairs) if wanted else None
    return relationship_cost_of(found, accounts, series, settings=settings, effects=effects,
                                pairs=pairs)
