"""Convert raw columns (text from CSV, or any Parquet types) to the types a contract declares.

Text is trimmed and empty text becomes null. A value that cannot be converted becomes null
and is flagged in a hidden `__typefail__<column>` column, which the contract's type rules
count. Dates and date-times are read by `playbooks.data.datetimes` in the formats it declares,
one format per column across the whole file: a column mixing formats, one whose dates read
both month first and day first, or a value no format reads is refused with the column, rows
and values named (and the formats understood), because guessing would silently corrupt the
data. The file's date formats, time zone and decimal commas come from the `DateOptions` in
force (`datetimes.date_options`, set by a recipe or the command line).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from playbooks.data.contract_model import Contract, Field
from playbooks.data.datetimes import DateOptions, current_date_options, read_datetimes
from playbooks.data.numbers import number_expr
from playbooks.errors import InputError

TYPEFAIL = "__typefail__"

DTYPES: dict[str, Any] = {
    "string": pl.String,
    "double": pl.Float64,
    "integer": pl.Int64,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "timestamp": pl.Datetime("us"),
}
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}

class ConformState:
    """What earlier chunks decided (date format per column), so later chunks must agree.

    `dates` says how to read the file's dates and numbers (default: the `DateOptions` in force).
    """

    def __init__(self, source: str = "the data", dates: DateOptions | None = None) -> None:
        self.source = source
        self.dates = dates or current_date_options()
        self.date_family: dict[str, tuple[str, int, str]] = {}


def conform(frame: pl.DataFrame, contract: Contract, *, state: ConformState | None = None,
            row_offset: int = 0) -> pl.DataFrame:
    """Cast the contract's columns to their contract types.

    Text is trimmed and empty text becomes null. Values that cannot be converted become null
    and are flagged in a hidden `__typefail__<column>` column that the type rules count.
    Raises InputError when a date column mixes formats (naming column, rows and values).
    """
    state = state or ConformState()
    names = {f.name for f in contract.fields}
    # Text columns are cleaned and converted as expressions, all in one parallel pass.
    exprs: list[pl.Expr] = []
    dates: list[Field] = []
    others: list[Field] = []
    for name in frame.columns:
        if name not in names:
            continue
        item = contract.field(name)
        dtype, target = frame.schema[name], DTYPES[item.physical_type]
        if dtype == target:
            continue
        if not _is_text(dtype):
            others.append(item)
            continue
        text = _clean_text(name)
        if target == pl.String:
            exprs.append(text.alias(name))
            continue
        if target in (pl.Date, pl.Datetime("us")):
            exprs.append(text.alias(name))
            dates.append(item)
            continue
        if target == pl.Boolean:
            low = text.str.to_lowercase()
            out = (pl.when(low.is_in(list(_TRUE))).then(True)
                   .when(low.is_in(list(_FALSE))).then(False).otherwise(None))
        else:
            number = number_expr(text, decimal_comma=state.dates.decimal_comma)
            out = number
            if target == pl.Int64:
                out = pl.when(number == number.round(0)).then(number).otherwise(None) \
                    .cast(pl.Int64)
        exprs += [out.alias(name), (text.is_not_null() & out.is_null()).alias(TYPEFAIL + name)]
    if exprs:
        frame = frame.with_columns(exprs)
    columns: list[pl.Series] = []
    for item in dates:
        raw = frame.get_column(item.name)
        parsed = _parse_dates(raw, item, state, row_offset)
        columns += [parsed.alias(item.name),
                    (raw.is_not_null() & parsed.is_null()).alias(TYPEFAIL + item.name)]
    for item in others:
        column, failed = _conform_column(frame.get_column(item.name), item, state, row_offset)
        columns.append(column.alias(item.name))
        if failed is not None:
            columns.append(failed.alias(TYPEFAIL + item.name))
    return frame.with_columns(columns) if columns else frame


def _is_text(dtype: Any) -> bool:
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)


def _clean_text(name: str) -> pl.Expr:
    text = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)


def _conform_column(series: pl.Series, item: Field, state: ConformState,
                    row_offset: int) -> tuple[pl.Series, pl.Series | None]:
    target = DTYPES[item.physical_type]
    if series.dtype == target:
        return series, None
    if series.dtype == pl.Null:
        return series.cast(target), None
    if series.dtype in (pl.String, pl.Categorical) or isinstance(series.dtype, pl.Enum):
        text = series.cast(pl.String).str.strip_chars()
        text = pl.select(pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)).to_series()
        if target == pl.String:
            return text, None
        if target == pl.Boolean:
            low = text.str.to_lowercase()
            out = pl.select(pl.when(low.is_in(list(_TRUE))).then(True)
                            .when(low.is_in(list(_FALSE))).then(False)
                            .otherwise(None)).to_series()
        elif target in (pl.Float64, pl.Int64):
            out = pl.select(number_expr(pl.lit(text), decimal_comma=state.dates.decimal_comma)
                            ).to_series()
            if target == pl.Int64:
                whole = out.is_not_null() & (out == out.round(0))
                out = pl.select(pl.when(whole).then(out).otherwise(None)).to_series()
                out = out.cast(pl.Int64)
        else:
            out = _parse_dates(text, item, state, row_offset)
        return out, text.is_not_null() & out.is_null()
    # A non-text column of another type.
    if target == pl.String:
        return series.cast(pl.String), None
    if series.dtype.is_numeric() and target in (pl.Date, pl.Datetime("us")):
        # Numbers in a date column: epoch seconds or milliseconds, or spreadsheet serials.
        out = _parse_dates(series.cast(pl.String), item, state, row_offset)
        return out, series.is_not_null() & out.is_null()
    ok_numeric = series.dtype.is_numeric() and target in (pl.Float64, pl.Int64)
    ok_temporal = series.dtype.is_temporal() and target in (pl.Date, pl.Datetime("us"))
    ok_bool = series.dtype.is_integer() and target == pl.Boolean
    if ok_numeric or ok_temporal:
        if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone:
            series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        out = series.cast(target, strict=False)
        return out, series.is_not_null() & out.is_null()
    if ok_bool:
        out = pl.select(pl.when(series == 1).then(True).when(series == 0).then(False)
                        .otherwise(None)).to_series()
        return out, series.is_not_null() & out.is_null()
    return pl.Series(series.name, [None] * len(series), dtype=target), series.is_not_null()


def _parse_dates(text: pl.Series, item: Field, state: ConformState,
                 row_offset: int) -> pl.Series:
    """Read text dates in one format per column across all chunks (`datetimes.read_datetimes`)."""
    options = state.dates
    declared = options.formats.get(item.name)
    chosen = state.date_family.get(item.name)
    reading = read_datetimes(
        text, formats=[declared] if declared else None,
        timezone=options.timezone if item.physical_type == "timestamp" else None,
        day_first=options.day_first, prefer=chosen[0] if chosen else None,
        column=item.name, source=state.source, row_offset=row_offset)
    out = reading.values
    read = out.is_not_null()
    if read.any():
        row = int(read.arg_true()[0])
        if chosen and chosen[0] != reading.format:
            raise InputError(
                f"{state.source}: column '{item.name}' mixes date formats: row {chosen[1]} has "
                f"'{chosen[2]}' ({chosen[0]}) but row {row + row_offset + 1} has "
                f"'{str(text[row]).strip()}' ({reading.format}). Export every date in one "
                "format, preferably YYYY-MM-DD.")
        if chosen is None:
            state.date_family[item.name] = (reading.format, row + row_offset + 1,
                                            str(text[row]).strip())
    if item.physical_type == "date":
        return out.dt.date()
    return out
