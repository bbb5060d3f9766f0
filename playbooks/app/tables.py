"""Tables as a leader reads them: the contracts' business names instead of column codes,
dates as dates, numbers rounded, money with its currency, codes as words."""

from __future__ import annotations

from typing import Any

import polars as pl

from playbooks import settings
from playbooks.data.contracts import load_contract

# Columns the engine computes (no contract names them).
COMPUTED_NAMES = {
    "trigger_kind": "What happened", "trigger_at": "When", "outreach_kind": "What was sent",
    "outreach_at": "Sent on", "days_after": "Days after", "disengagement_score":
    "Disengagement score", "internal_view": "Internal view", "first_reason": "Main reason",
    "account_count": "Accounts asking", "question_count": "Questions", "first_seen":
    "First asked", "last_seen": "Last asked", "weeks_active": "Weeks with a question",
    "recurring": "Keeps coming back", "recurrence": "Asked lately", "example":
    "An example question", "label": "Theme",
}

# The demo's segment codes, as people say them; other segments are shown as words.
SEGMENT_NAMES = {"smb": "SMB", "mid_market": "Mid-market", "enterprise": "Enterprise"}


def segment_name(code: str) -> str:
    """A segment code as people say it: `mid_market` -> `Mid-market`."""
    return SEGMENT_NAMES.get(code, code.replace("_", " ").capitalize())


def column_names(table: str = "accounts") -> dict[str, str]:
    """Column code to business name: the contract's for `table`, then the computed columns'."""
    contract = load_contract(table)
    return {f.name: f.business_name for f in contract.fields} | COMPUTED_NAMES


def words(column: str) -> pl.Expr:
    """A code column as words: `automated_check_in` -> `Automated check in`."""
    text = pl.col(column).str.replace_all("_", " ")
    return text.str.slice(0, 1).str.to_uppercase() + text.str.slice(1)


def money_label(title: str) -> str:
    """A column title for money, with the currency when one is set (PLAYBOOKS_CURRENCY)."""
    currency = settings.currency()
    return f"{title} ({currency})" if currency else title


def money(value: float | None) -> str:
    """An amount of money rounded to whole units, with its currency when one is set."""
    if value is None:
        return "n/a"
    currency = settings.currency()
    return f"{value:,.0f} {currency}".strip()


def readable(frame: pl.DataFrame, columns: list[str], *, table: str = "accounts",
             codes: tuple[str, ...] = (), digits: int = 1) -> pl.DataFrame:
    """The `columns` of `frame` for display: business names, timestamps as dates, decimals
    rounded to `digits`, money labelled with its currency, the `codes` columns as words."""
    names = column_names(table)
    out = []
    for column in columns:
        dtype = frame.schema[column]
        expr = words(column) if column in codes else pl.col(column)
        if column == "segment":
            expr = pl.col(column).map_elements(segment_name, return_dtype=pl.String)
        if isinstance(dtype, pl.Datetime):
            expr = expr.dt.date()
        elif dtype.is_float():
            expr = expr.round(0 if column == "annual_value" else digits)
        title = names.get(column, column.replace("_", " ").capitalize())
        if column == "annual_value":
            title = money_label(title)
        out.append(expr.alias(title))
    return frame.select(out)


def show(frame: pl.DataFrame, **options: Any) -> None:
    """Show a table with its dates as dates ("30 Oct 2026", never a midnight timestamp)."""
    import streamlit as st

    dates = {c: st.column_config.DateColumn(c, format="D MMM YYYY")
             for c, dtype in frame.schema.items() if dtype == pl.Date}
    st.dataframe(frame, column_config=dates, **options)


SHOWN_ROWS = 500  # more rows than a leader reads on a page; the rest is one download away


def show_first(frame: pl.DataFrame, what: str, *, key: str, rows: int = SHOWN_ROWS,
               **options: Any) -> None:
    """Show the first `rows` rows of a table (as `show` does); when there are more, say so and
    offer them all as a CSV file (`what` names the rows, e.g. "continuity gaps"), written
    only when the download is asked for."""
    import streamlit as st

    from playbooks.userfiles.writing import csv_text

    show(frame.head(rows), **options)
    if frame.height > rows:
        st.caption(f"The first {rows:,} of {frame.height:,} {what}; the download has them all.")
        st.download_button(f"Download all {frame.height:,} {what} (CSV)",
                           lambda: csv_text(frame.columns, frame.iter_rows()),
                           file_name=f"{what.replace(' ', '-')}.csv", mime="text/csv",
                           key=key, icon=":material/download:")
