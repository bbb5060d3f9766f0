"""Convert raw columns (text from CSV, or any Parquet types) to the types a contract declares.

Text is trimmed and empty text becomes null. A value that cannot be converted becomes null
and is flagged in a hidden `__typefail__<column>` column, which the contract's type rules
count. Dates must keep one format per column across the whole file; a column mixing
formats, or using day/month dates that could be read either way, is refused with the column,
rows and values named, because guessing would silently corrupt the data.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from playbooks.data.contract_model import Contract, Field
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

# Date formats, grouped into families; a column must use one family throughout.
_DATE_FAMILIES: dict[str, tuple[str, ...]] = {
    "YYYY-MM-DD": ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"),
    "YYYY/MM/DD": ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"),
    "DD/MM/YYYY": ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
    "MM/DD/YYYY": ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y"),
    "DD.MM.YYYY": ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"),
    "DD-MM-YYYY": ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y"),
}


class ConformState:
    """What earlier chunks decided (date format per column), so later chunks must agree."""

    def __init__(self, source: str = "the data") -> None:
        self.source = source
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
            number = text.str.replace(r"^\+", "").cast(pl.Float64, strict=False)
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
            out = text.str.replace_all(r"^\+", "").cast(pl.Float64, strict=False)
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
    """Parse text dates, insisting on one format family per column across all chunks."""
    # A trailing Z or UTC offset (+02:00) is turned into UTC; everything is stored as UTC.
    zone = text.str.extract_groups(r"(?:\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)([+-])(\d\d):?(\d\d)$")
    offset_minutes = pl.select(
        pl.when(zone.struct.field("1") == "-").then(-1).otherwise(1)
        * (zone.struct.field("2").cast(pl.Int64) * 60 + zone.struct.field("3").cast(pl.Int64))
    ).to_series().fill_null(0)
    clean = text.str.replace(r"(?i)z$", "")
    clean = clean.str.replace(r"(\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)[+-]\d\d:?\d\d$", "$1")
    clean = clean.str.replace("T", " ", literal=True)
    def parse(family: str) -> pl.Series:
        # Try the formats one after another, each only on the values still unread.
        formats = _DATE_FAMILIES[family]
        out = clean.str.to_datetime(formats[0], strict=False, time_unit="us")
        for fmt in formats[1:]:
            unread = out.is_null() & clean.is_not_null()
            if not unread.any():
                break
            later = clean.filter(unread).str.to_datetime(fmt, strict=False, time_unit="us")
            out = out.scatter(unread.arg_true(), later)
        return out

    present = clean.is_not_null()
    chosen = state.date_family.get(item.name)
    # Fast path: the family already in use (ISO by default) reads every value.
    first = parse(chosen[0] if chosen else "YYYY-MM-DD")
    if (first.is_not_null() | ~present).all():
        parsed = {chosen[0] if chosen else "YYYY-MM-DD": first}
    else:
        parsed = {family: parse(family) for family in _DATE_FAMILIES}
    full = [f for f, s in parsed.items() if (s.is_not_null() | ~present).all()]
    if chosen and chosen[0] in full:
        family = chosen[0]
    elif full:
        family = full[0]
        if {"DD/MM/YYYY", "MM/DD/YYYY"} <= set(full) and not chosen:
            example = clean.drop_nulls().head(1).to_list()
            raise InputError(
                f"{state.source}: column '{item.name}' has dates like "
                f"'{example[0] if example else ''}' that could be day/month or month/day. "
                "Export the dates as YYYY-MM-DD and try again.")
    else:
        # Which family reads the most rows; anything else is either another format or junk.
        counts = {f: int(s.is_not_null().sum()) for f, s in parsed.items()}
        family = max(counts, key=lambda f: counts[f])
        others = [f for f in counts if f != family and counts[f] > 0
                  and (parsed[f].is_not_null() & parsed[family].is_null()).any()]
        if counts[family] and others:
            _raise_mixed(clean, parsed, family, others[0], item, state, row_offset)
    if chosen and chosen[0] != family and int(parsed[family].is_not_null().sum()) > 0:
        mask = parsed[family].is_not_null()
        row = int(mask.arg_true()[0]) + row_offset + 1
        value = clean.filter(mask)[0]
        raise InputError(
            f"{state.source}: column '{item.name}' mixes date formats: row {chosen[1]} has "
            f"'{chosen[2]}' ({chosen[0]}) but row {row} has '{value}' ({family}). "
            "Export every date in one format, preferably YYYY-MM-DD.")
    out = parsed[family]
    if (offset_minutes != 0).any():
        out = out - (offset_minutes * 60_000_000).cast(pl.Duration("us"))
    if chosen is None and out.is_not_null().any():
        mask = out.is_not_null()
        state.date_family[item.name] = (family, int(mask.arg_true()[0]) + row_offset + 1,
                                        str(clean.filter(mask)[0]))
    if item.physical_type == "date":
        return out.dt.date()
    return out


def _raise_mixed(clean: pl.Series, parsed: dict[str, pl.Series], family: str, other: str,
                 item: Field, state: ConformState, row_offset: int) -> None:
    first = int(parsed[family].is_not_null().arg_true()[0])
    second_mask = parsed[other].is_not_null() & parsed[family].is_null()
    second = int(second_mask.arg_true()[0])
    raise InputError(
        f"{state.source}: column '{item.name}' mixes date formats: row "
        f"{first + row_offset + 1} has '{clean[first]}' ({family}) but row "
        f"{second + row_offset + 1} has '{clean[second]}' ({other}). "
        "Export every date in one format, preferably YYYY-MM-DD.")
