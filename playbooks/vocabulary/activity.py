"""Reading the activity table in the vocabulary's terms: typed columns, customer rows, and the
as-of date (events up to the end of that date count).

Shared by every room that reads activity (questions, signals, trap). Library functions take
`as_of` as a `datetime.date` or None (the latest event's date, resolved once by the function
called, with `as_of_date`); text is parsed only at the edges, with `resolve_as_of`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from playbooks.errors import InputError


def require_columns(frame: pl.LazyFrame, columns: tuple[str, ...], table: str) -> dict[str, Any]:
    """Return the frame's schema; raise InputError naming the columns the table lacks."""
    schema = dict(frame.collect_schema())
    missing = [c for c in columns if c not in schema]
    if missing:
        raise InputError(f"The {table} table lacks the column(s) {', '.join(missing)}; "
                         f"it has {', '.join(schema) or 'none'}.")
    return schema


def as_datetime(name: str, dtype: Any) -> pl.Expr:
    """Read column `name` (text, dates or timestamps of type `dtype`) as naive timestamps (us).

    Raises InputError for a column of another type.
    """
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


def window_end(as_of: dt.date) -> dt.datetime:
    """Return the end of the as-of date: events before this moment count."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


def parse_as_of(text: str) -> dt.date:
    """Read an as-of date given as text (YYYY-MM-DD, or a timestamp starting with one).

    Raises InputError naming the text when it is not a date.
    """
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as error:
        raise InputError(f"The as-of date '{text}' is not a date (use YYYY-MM-DD).") \
            from error


def latest_event_date(activity: pl.LazyFrame) -> dt.date:
    """Return the date of the latest event (today for an empty table): one scan of the table."""
    schema = require_columns(activity, ("occurred_at",), "activity")
    latest = activity.select(as_datetime("occurred_at", schema["occurred_at"]).max()) \
        .collect().item()
    return latest.date() if latest is not None else dt.date.today()


def as_of_date(activity: pl.LazyFrame, as_of: dt.date | None) -> dt.date:
    """Return `as_of` as a plain date, or the latest event's date when it is None.

    For library functions: the caller resolves text at the edge (`resolve_as_of`) and a
    top-level function resolves None once, then passes the date down. Raises TypeError for
    text, which only the edges parse.
    """
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    if as_of is None:
        return latest_event_date(activity)
    raise TypeError(f"as_of must be a datetime.date or None, not {type(as_of).__name__}; "
                    "parse text with playbooks.signals.resolve_as_of first.")


def resolve_as_of(activity: pl.LazyFrame, as_of: dt.date | dt.datetime | str | None) -> dt.date:
    """Return the as-of date for an edge (command line, app, review): text is parsed, a date
    is kept, None becomes the date of the latest event.

    Raises InputError for text that is not a date.
    """
    if isinstance(as_of, str):
        return parse_as_of(as_of)
    return as_of_date(activity, as_of)


def is_customer() -> pl.Expr:
    """Rows where the customer acted (not staff, not bots): actor_type "customer", any case.

    An ASCII case-insensitive match; the same rows as `str.to_lowercase() == "customer"` (no
    other character lowercases to one of these letters) without building a lowercase copy.
    """
    return pl.col("actor_type").str.contains(r"(?i-u)^customer$")
