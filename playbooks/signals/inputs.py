"""Inputs of the signals engine: column checks, types, the as-of date, health snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from playbooks.vocabulary.activity import as_datetime, require_columns

ACCOUNT_COLUMNS = ("account_id",)
ACTIVITY_COLUMNS = ("account_id", "person_id", "actor_type", "occurred_at", "kind")


def _as_string(name: str, dtype: Any) -> pl.Expr:
    return pl.col(name) if dtype == pl.String else pl.col(name).cast(pl.String)


def prepare_activity(activity: pl.LazyFrame) -> pl.LazyFrame:
    """Check the activity columns and give them the types the engine expects."""
    schema = require_columns(activity, ACTIVITY_COLUMNS, "activity")
    exprs = [as_datetime("occurred_at", schema["occurred_at"])]
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
    schema = require_columns(accounts, ACCOUNT_COLUMNS, "accounts")
    exprs = [pl.col("account_id").cast(pl.String)]
    for name, dtype in (("segment", pl.String), ("lifecycle_stage", pl.String),
                        ("health_score", pl.Float64), ("health_colour", pl.String)):
        exprs.append(pl.col(name).cast(dtype) if name in schema
                     else pl.lit(None, dtype=dtype).alias(name))
    exprs.append(as_datetime("contract_start", schema["contract_start"]).dt.date()
                 if "contract_start" in schema
                 else pl.lit(None, dtype=pl.Date).alias("contract_start"))
    return accounts.with_columns(exprs).unique("account_id", keep="first", maintain_order=False)


def latest_health(accounts: pl.LazyFrame, health: pl.LazyFrame, end: dt.datetime) -> pl.LazyFrame:
    """Take each account's health score from the latest snapshot on or before the as-of date."""
    schema = require_columns(health, ("account_id", "week", "health_score"), "health snapshots")
    if "health_colour" not in schema:  # a score without a colour: the colour stays empty
        health = health.with_columns(pl.lit(None, pl.String).alias("health_colour"))
    colour = pl.col("health_colour")
    latest = (health.with_columns(as_datetime("week", schema["week"]))
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
