"""Count what a source holds: rows, date range, rows per event kind, rows matching no account.

The import records these counts in the workspace manifest (`playbooks.data.sources`), so
`playbooks sources` answers without reading the data; a workspace without them (made before
sources existed, or the demo) is counted from its files when asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

__all__ = ["DATE_COLUMNS", "UNMATCHED_NO_ACCOUNT", "source_stats"]

UNMATCHED_NO_ACCOUNT = "no such account"
DATE_COLUMNS = {"activity": "occurred_at", "health_snapshots": "week"}
"""Per table, the column whose range is a source's first and last date."""


def source_stats(frame: pl.LazyFrame, table: str,
                 account_ids: pl.Series | None) -> dict[str, Any]:
    """Count a source's rows, date range, rows per kind and rows matching no account."""
    date = DATE_COLUMNS.get(table)
    columns = frame.collect_schema().names()
    parts: list[pl.Expr] = [pl.len().alias("rows")]
    if date and date in columns:
        parts += [pl.col(date).min().alias("first"), pl.col(date).max().alias("last")]
    summary = frame.select(parts).collect().row(0, named=True)
    stats: dict[str, Any] = {"rows": summary["rows"], "first": _day(summary.get("first")),
                             "last": _day(summary.get("last")), "kinds": None,
                             "unmatched": 0, "unmatched_reasons": {}}
    if table == "activity" and "kind" in columns:
        counts = frame.group_by("kind").len().sort("kind").collect()
        stats["kinds"] = {k: n for k, n in counts.iter_rows() if k is not None}
    if table != "accounts" and account_ids is not None and "account_id" in columns:
        missing = frame.filter(~pl.col("account_id").is_in(account_ids.implode())) \
            .select(pl.len()).collect().item()
        stats["unmatched"] = missing
        stats["unmatched_reasons"] = {UNMATCHED_NO_ACCOUNT: missing} if missing else {}
    return stats


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)
