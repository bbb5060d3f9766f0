"""Weekly efficiency and relationship measures, for the whole company and per function.

The output is long: one row per (week, function, measure) with the measure's kind
(`efficiency` or `relationship`) and its value. `function` is the activity's
`source_function`, plus `all` for the company as one.

Denominators are the accounts active that week: accounts with at least one customer action
anywhere in the company. Counting per active account keeps a growing or shrinking customer
base from reading as a change in behaviour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from playbooks.errors import InputError
from playbooks.signals import compute_signals, prepare_activity
from playbooks.vocabulary import (
    ADVOCACY_KINDS,
    FEATURE_USE_KINDS,
    PARTICIPATION_KINDS,
    PEER_ANSWER_KINDS,
    QUESTION_KINDS,
)
from playbooks.vocabulary.activity import as_of_date, window_end

ALL = "all"
SERIES_COLUMNS = ("week", "function", "measure", "kind", "value")
_SERIES_SCHEMA = {"week": pl.Date, "function": pl.String, "measure": pl.String,
                  "kind": pl.String, "value": pl.Float64}
CLOSE_WITHIN_DAYS = 60  # a ticket closed later than this is treated as never matched


@dataclass(frozen=True)
class Measure:
    """One weekly measure: what it counts, which way is better, how a change is read."""

    name: str
    label: str
    kind: str  # "efficiency" or "relationship"
    better: str  # "up" or "down"
    unit: str  # "share" (compared in points), "rate" or "hours" (compared relatively)
    drives_trap: bool = True  # False: shown beside the others, never a trap on its own
    note: str = ""


MEASURES: tuple[Measure, ...] = (
    Measure("automation_share", "Questions handled by automation alone", "efficiency", "up",
            "share", note="Customer questions whose row is marked automated, over all customer "
            "questions (tickets, questions to staff, to the assistant, to the CSM)."),
    Measure("staffed_contacts_per_account", "Questions staff handled per active account",
            "efficiency", "down", "rate", drives_trap=False,
            note="Fewer can mean a faster team or a quieter customer, so it never makes a "
            "trap finding by itself."),
    Measure("hours_to_close", "Hours from ticket opened to closed (median)", "efficiency",
            "down", "hours", note="Each opened ticket is paired with the account's next "
            f"closure within {CLOSE_WITHIN_DAYS} days."),
    Measure("questions_per_account", "Questions per active account", "relationship", "up",
            "rate"),
    Measure("participation_per_account", "Events, courses, programmes and posts per active "
            "account", "relationship", "up", "rate"),
    Measure("advocacy_per_account", "Reviews, references and referrals per active account",
            "relationship", "up", "rate"),
    Measure("peer_answers_per_account", "Answers customers gave each other, per active "
            "account", "relationship", "up", "rate"),
    Measure("breadth_of_use", "Distinct features used per active account", "relationship",
            "up", "rate"),
    Measure("people_engaged", "People taking part per active account", "relationship", "up",
            "rate"),
    Measure("drifting_share", "Accounts that look healthy while drifting", "relationship",
            "down", "share", note="From the account signals, computed every few weeks."),
)
MEASURE_BY_NAME = {m.name: m for m in MEASURES}


def _kind_in(kinds: tuple[str, ...]) -> pl.Expr:
    return pl.col("kind").is_in(list(kinds))


def prepare_weekly(activity: pl.LazyFrame | pl.DataFrame,
                   as_of: dt.date | None = None) -> tuple[pl.LazyFrame, dt.date]:
    """Check and type the activity table, keep events up to the as-of date, add `week`.

    Returns the prepared rows and the as-of date (None: the latest event's date, one scan).
    """
    lazy = activity.lazy()
    day = as_of_date(lazy, as_of)
    prepared = prepare_activity(lazy)
    schema = prepared.collect_schema()
    extra = [pl.lit("unknown", pl.String).alias(name) for name in ("source_function", "channel")
             if name not in schema]
    end = window_end(day)
    prepared = (prepared.with_columns(extra)
                .with_columns(pl.col("source_function").cast(pl.String).fill_null("unknown"),
                              pl.col("channel").cast(pl.String).fill_null("unknown"),
                              pl.col("automated").fill_null(False))
                .filter(pl.col("occurred_at") < end)
                .with_columns(pl.col("occurred_at").dt.truncate("1w").dt.date().alias("week")))
    return prepared, day


def _customer_flags(prepared: pl.LazyFrame) -> pl.LazyFrame:
    """Customer events as plain columns: hashed ids and one flag per kind group.

    Ids only group and count here, so 64-bit hashes stand in for the strings, and each kind
    test runs once per row instead of once per group and aggregation (about 1.6x faster).
    """
    questions = _kind_in(QUESTION_KINDS)
    return prepared.filter(pl.col("actor_type") == "customer").select(
        "week", "source_function",
        pl.col("account_id").hash(seed=0), pl.col("person_id").hash(seed=0),
        questions.alias("questions"),
        (questions & pl.col("automated")).alias("automated"),
        _kind_in(PARTICIPATION_KINDS).alias("participation"),
        _kind_in(ADVOCACY_KINDS).alias("advocacy"),
        _kind_in(PEER_ANSWER_KINDS).alias("peer_answers"),
        # A hash of a missing value is a value: a feature use without a feature is none.
        pl.when(_kind_in(FEATURE_USE_KINDS) & pl.col("feature").is_not_null())
        .then(pl.col("feature").hash(seed=0)).alias("feature"))


ADDITIVE = ("questions", "automated", "participation", "advocacy", "peer_answers")


def _features() -> list[pl.Expr]:
    """The distinct (account, feature) pairs of a group, and whether it has any."""
    return [pl.col("account_id").xor(pl.col("feature")).drop_nulls().n_unique().alias("features"),
            pl.col("feature").is_not_null().any().alias("has_features")]


def _people() -> pl.Expr:
    """The distinct (account, person) pairs of a group: the same as distinct people per
    account, summed over the accounts, without grouping by account first (about twice as
    fast). Pairs are the XOR of the two 64-bit hashes (as for features)."""
    return pl.col("account_id").xor(pl.col("person_id")).n_unique().alias("people")


def _week_sums(flags: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Sum the flags and count the distinct pairs per week and function, and count the
    distinct people and the active accounts per week for the company.

    The company's sums are the sum of its functions' (`_company_sums`), so the rows are
    summed once; only what is distinct needs the company-wide pass, which also counts the
    active accounts (one pass instead of two). The company's distinct features come from
    there too when a single function has feature use (the usual case: the product's own
    events), and from a pass of their own otherwise.
    """
    per_function = flags.group_by("week", "source_function").agg(
        pl.col(list(ADDITIVE)).sum(), *_features(), _people())
    company = flags.group_by("week").agg(
        _people(), pl.col("account_id").n_unique().alias("active_accounts"))
    return per_function, company


def _company_sums(per_function: pl.DataFrame, company: pl.DataFrame,
                  flags: pl.LazyFrame) -> pl.DataFrame:
    """The company's rows in the functions' columns: its functions' sums, its distinct
    people, and its distinct features (one function's when only one has any)."""
    sums = per_function.group_by("week").agg(
        [pl.col(c).sum().cast(per_function.schema[c]) for c in ADDITIVE])
    using = per_function.filter(pl.col("has_features"))["source_function"].unique()
    if using.len() <= 1:
        features = per_function.filter(pl.col("source_function").is_in(using.implode())) \
            .select("week", "features", "has_features")
    else:
        features = flags.group_by("week").agg(*_features()).collect()
    return (company.join(sums, on="week")
            .join(features, on="week", how="left")
            .with_columns(pl.col("features").fill_null(0).cast(per_function.schema["features"]),
                          pl.col("has_features").fill_null(False),
                          pl.lit(ALL).alias("source_function"))
            .select(per_function.columns))


def _ticket_hours(prepared: pl.LazyFrame) -> pl.LazyFrame:
    opened = (prepared.filter(pl.col("kind") == "ticket_opened")
              .select("account_id", "occurred_at", "week", "source_function").sort("occurred_at"))
    closed = (prepared.filter(pl.col("kind") == "ticket_closed")
              .select("account_id", pl.col("occurred_at").alias("closed_at")).sort("closed_at"))
    paired = opened.join_asof(closed, left_on="occurred_at", right_on="closed_at",
                              by="account_id", strategy="forward",
                              tolerance=dt.timedelta(days=CLOSE_WITHIN_DAYS),
                              check_sortedness=False)
    hours = ((pl.col("closed_at") - pl.col("occurred_at")).dt.total_seconds() / 3600.0)
    paired = paired.with_columns(hours=hours).filter(pl.col("hours").is_not_null())
    by_function = paired.group_by("week", "source_function").agg(
        pl.col("hours").median().alias("hours_to_close"))
    overall = paired.group_by("week").agg(pl.col("hours").median().alias("hours_to_close")) \
        .with_columns(pl.lit(ALL).alias("source_function"))
    return pl.concat([by_function, overall.select(by_function.collect_schema().names())])


def series_from_sums(sums_df: pl.DataFrame, active_df: pl.DataFrame,
                     hours_df: pl.DataFrame) -> pl.DataFrame:
    """The long weekly series from the passes' small tables (the sums per week and function,
    the active accounts per week, the median hours to close): every week from the first to
    the last active one, each function's measures where its source events exist. The polars
    pass and every engine's (`playbooks.engines.weekly`) finish here."""
    if active_df.is_empty():
        return pl.DataFrame(schema=_SERIES_SCHEMA)
    first: dt.date = active_df["week"].min()  # type: ignore[assignment]
    last: dt.date = active_df["week"].max()  # type: ignore[assignment]
    weeks = pl.DataFrame({"week": pl.date_range(first, last, "1w", eager=True)})
    functions = pl.DataFrame({"source_function": sorted(sums_df["source_function"].unique())})
    grid = (weeks.join(functions, how="cross")
            .join(active_df, on="week", how="left")
            .join(sums_df, on=["week", "source_function"], how="left")
            .join(hours_df, on=["week", "source_function"], how="left"))
    present = sums_df.group_by("source_function").agg(
        pl.col("questions", "participation", "advocacy", "peer_answers").sum(),
        pl.col("has_features").any())
    n = pl.col("active_accounts").cast(pl.Float64)
    counted = pl.col("active_accounts").fill_null(0) > 0
    wide = grid.with_columns(pl.col("questions", "automated", "participation", "advocacy",
                                    "peer_answers", "features", "people").fill_null(0))
    wide = wide.select(
        "week", pl.col("source_function").alias("function"),
        automation_share=pl.when(pl.col("questions") > 0)
        .then(pl.col("automated") / pl.col("questions")),
        staffed_contacts_per_account=pl.when(counted)
        .then((pl.col("questions") - pl.col("automated")) / n),
        hours_to_close=pl.col("hours_to_close"),
        questions_per_account=pl.when(counted).then(pl.col("questions") / n),
        participation_per_account=pl.when(counted).then(pl.col("participation") / n),
        advocacy_per_account=pl.when(counted).then(pl.col("advocacy") / n),
        peer_answers_per_account=pl.when(counted).then(pl.col("peer_answers") / n),
        breadth_of_use=pl.when(counted).then(pl.col("features") / n),
        people_engaged=pl.when(counted).then(pl.col("people") / n),
    )
    source = {"automation_share": "questions", "staffed_contacts_per_account": "questions",
              "questions_per_account": "questions", "participation_per_account": "participation",
              "advocacy_per_account": "advocacy", "peer_answers_per_account": "peer_answers",
              "breadth_of_use": "has_features"}
    long = wide.unpivot(index=["week", "function"], variable_name="measure",
                        value_name="value")
    keep = present.unpivot(index="source_function", variable_name="source",
                           value_name="total").with_columns(
        pl.col("total").cast(pl.Float64) > 0).filter(pl.col("total"))
    pairs = pl.DataFrame({"measure": list(source), "source": list(source.values())}) \
        .join(keep, on="source").select("measure", pl.col("source_function").alias("function"))
    hour_pairs = hours_df.select(pl.col("source_function").alias("function")).unique() \
        .with_columns(pl.lit("hours_to_close").alias("measure"))
    people_pairs = functions.select(pl.col("source_function").alias("function")) \
        .with_columns(pl.lit("people_engaged").alias("measure"))
    allowed = pl.concat([pairs, hour_pairs.select("measure", "function"),
                         people_pairs.select("measure", "function")])
    long = long.join(allowed, on=["measure", "function"], how="semi")
    kinds = pl.DataFrame({"measure": [m.name for m in MEASURES],
                          "kind": [m.kind for m in MEASURES],
                          "order": list(range(len(MEASURES)))})
    return (long.join(kinds, on="measure")
           .with_columns(pl.col("value").cast(pl.Float64))
           .sort("function", "order", "week").select(SERIES_COLUMNS))


def weekly_series(activity: pl.LazyFrame | pl.DataFrame, *, as_of: dt.date | None = None,
                  drifting: pl.DataFrame | None = None) -> pl.DataFrame:
    """Return the weekly measures per function and for `all`, in long format.

    A function gets a measure only when its source events exist somewhere in the data (no
    courses, no participation series for that function). `drifting` is an optional frame from
    `drifting_series`, appended as it is.
    """
    prepared, _ = prepare_weekly(activity, as_of)
    flags = _customer_flags(prepared)
    per_function, company = _week_sums(flags)
    per_df, company_df, hours_df = pl.collect_all([per_function, company,
                                                   _ticket_hours(prepared)])
    sums_df = pl.concat([per_df, _company_sums(per_df, company_df, flags)])
    active_df = company_df.select("week", "active_accounts")
    out = series_from_sums(sums_df, active_df, hours_df)
    if active_df.is_empty():
        return out
    if drifting is not None and not drifting.is_empty():
        out = pl.concat([out, drifting.select(
            [pl.col(c).cast(t) for c, t in _SERIES_SCHEMA.items()])])
    return out


def drifting_series(accounts: pl.LazyFrame | pl.DataFrame,
                    activity: pl.LazyFrame | pl.DataFrame, *, as_of: dt.date | None = None,
                    every_weeks: int = 4, weeks: int = 52, history_weeks: int = 24,
                    health: pl.LazyFrame | pl.DataFrame | None = None) -> pl.DataFrame:
    """Share of accounts flagged "looks healthy, drifting", every few weeks (company level).

    Each point runs the account signals as of the end of that week, so this costs one signals
    run per point; the first point needs `history_weeks` of data before it.
    """
    if every_weeks < 1 or weeks < 1:
        raise InputError("every_weeks and weeks must be at least 1.")
    prepared, day = prepare_weekly(activity, as_of)
    first = prepared.select(pl.col("week").min()).collect().item()
    return drifting_points(
        first, day, lambda point: compute_signals(accounts, activity, as_of=point, health=health),
        every_weeks=every_weeks, weeks=weeks, history_weeks=history_weeks)


def drifting_points(first_week: dt.date | None, day: dt.date,
                    signals_at: Callable[[dt.date], pl.DataFrame], *, every_weeks: int,
                    weeks: int, history_weeks: int) -> pl.DataFrame:
    """The drifting share at every `every_weeks`-th week back from `day`'s week, from the
    signals `signals_at` computes as of each point (the polars pass and every engine's)."""
    rows = []
    if first_week is not None:
        last_week = day - dt.timedelta(days=day.weekday())
        earliest = max(first_week + dt.timedelta(weeks=history_weeks),
                       last_week - dt.timedelta(weeks=weeks - 1))
        week = last_week
        while week >= earliest:
            flags = signals_at(min(week + dt.timedelta(days=6), day))
            counted = flags.filter(pl.col("status") != "no_data")
            if counted.height:
                rows.append({"week": week, "function": ALL, "measure": "drifting_share",
                             "kind": "relationship",
                             "value": counted["looks_healthy_drifting"].sum() / counted.height})
            week -= dt.timedelta(weeks=every_weeks)
    return pl.DataFrame(rows, schema=_SERIES_SCHEMA).sort("week")
