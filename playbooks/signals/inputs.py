"""Inputs of the signals engine: column checks, types, the as-of date, health snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from playbooks.errors import InputError

ACCOUNT_COLUMNS = ("account_id",)
ACTIVITY_COLUMNS = ("account_id", "person_id", "actor_type", "occurred_at", "kind")


def _require(frame: pl.LazyFrame, columns: tuple[str, ...], table: str) -> dict[str, Any]:
    schema = dict(frame.collect_schema())
    missing = [c for c in columns if c not in schema]
    if missing:
        raise InputError(f"The {table} table lacks the column(s) {', '.join(missing)}; "
                         f"it has {', '.join(schema) or 'none'}.")
    return schema


def _as_datetime(name: str, dtype: Any) -> pl.Expr:
    column = pl.col(name)
    if dtype == pl.String:
        return column.str.to_datetime(strict=False, time_unit="us").alias(name)
    if dtype == pl.Date:
        return column.cast(pl.Datetime("us")).alias(name)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None and dtype.time_unit == "us":
            return column.alias(name)  # already what the engine reads: no per-row work
        return column.dt.replace_time_zone(None).cast(pl.Datetime("us")).alias(name)
    raise InputError(f"The column {name} holds {dtype}, not dates or timestamps.")


def _as_string(name: str, dtype: Any) -> pl.Expr:
    return pl.col(name) if dtype == pl.String else pl.col(name).cast(pl.String)


def prepare_activity(activity: pl.LazyFrame) -> pl.LazyFrame:
    """Check the activity columns and give them the types the engine expects."""
    schema = _require(activity, ACTIVITY_COLUMNS, "activity")
    exprs = [_as_datetime("occurred_at", schema["occurred_at"])]
    for name in ("feature", "question_text", "automated"):
        if name not in schema:
            dtype = pl.Boolean if name == "automated" else pl.String
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    for name in ("account_id", "person_id", "actor_type", "kind"):
        exprs.append(_as_string(name, schema[name]))
    if schema.get("automated") == pl.String:
        exprs.append(pl.col("automated").str.strip_chars().str.to_lowercase()
                     .is_in(["true", "1", "yes", "y", "t"]).alias("automated"))
    return activity.with_columns(exprs)


def prepare_accounts(accounts: pl.LazyFrame) -> pl.LazyFrame:
    """Check the accounts columns; fill the optional ones the engine reads with nulls."""
    schema = _require(accounts, ACCOUNT_COLUMNS, "accounts")
    exprs = [pl.col("account_id").cast(pl.String)]
    for name, dtype in (("segment", pl.String), ("lifecycle_stage", pl.String),
                        ("health_score", pl.Float64), ("health_colour", pl.String)):
        exprs.append(pl.col(name).cast(dtype) if name in schema
                     else pl.lit(None, dtype=dtype).alias(name))
    exprs.append(_as_datetime("contract_start", schema["contract_start"]).dt.date()
                 if "contract_start" in schema
                 else pl.lit(None, dtype=pl.Date).alias("contract_start"))
    return accounts.with_columns(exprs).unique("account_id", keep="first", maintain_order=False)


def resolve_as_of(activity: pl.LazyFrame, as_of: dt.date | dt.datetime | str | None) -> dt.date:
    """Return the as-of date: the one given, else the date of the latest event."""
    if isinstance(as_of, str):
        try:
            return dt.date.fromisoformat(as_of[:10])
        except ValueError as error:
            raise InputError(f"The as-of date '{as_of}' is not a date (use YYYY-MM-DD).") \
                from error
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    schema = _require(activity, ("occurred_at",), "activity")
    latest = activity.select(_as_datetime("occurred_at", schema["occurred_at"]).max()) \
        .collect().item()
    return latest.date() if latest is not None else dt.date.today()


def _latest_health(accounts: pl.LazyFrame, health: pl.LazyFrame, end: dt.datetime) -> pl.LazyFrame:
    """Take each account's health score from the latest snapshot on or before the as-of date."""
    schema = _require(health, ("account_id", "week", "health_score"), "health snapshots")
    colour = pl.col("health_colour") if "health_colour" in schema else pl.lit(None, pl.String)
    latest = (health.with_columns(_as_datetime("week", schema["week"]))
              .filter(pl.col("week") < end)
              .group_by("account_id")
              .agg(pl.col("health_score").sort_by("week").last().cast(pl.Float64)
                   .alias("_hs"),
                   colour.sort_by("week").last().cast(pl.String).alias("_hc")))
    return (accounts.join(latest, on="account_id", how="left")
            .with_columns(pl.col("_hs").alias("health_score"), pl.col("_hc").alias("health_colour"))
            .drop("_hs", "_hc"))


# --- row-level expressions --------------------------------------------------------------------


def days_before(end: dt.datetime, column: str = "occurred_at") -> pl.Expr:
    """Whole days between an event and the end of the as-of date (0 = on the as-of date)."""
    return (pl.lit(end) - pl.col(column)).dt.total_days()


def block_index(end: dt.datetime, block_days: int) -> pl.Expr:
    """Which block an event falls in, counted back from the as-of date (0 = latest)."""
    return (days_before(end) // block_days).cast(pl.Int32).alias("block")


def is_customer() -> pl.Expr:
    """Rows where the customer acted (not staff, not bots): actor_type "customer", any case.

    An ASCII case-insensitive match; the same rows as `str.to_lowercase() == "customer"` (no
    other character lowercases to one of these letters) without building a lowercase copy.
    """
    return pl.col("actor_type").str.contains(r"(?i-u)^customer$")
