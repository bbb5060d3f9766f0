"""Read dates, date-times and numbers as customer tools write them.

The formats understood are declared once, in `DATE_FORMATS` (name, example, what it covers);
the messages and the contracts page are written from that list. A column is read in one
format throughout: the format is detected among the declared ones (or given, by name or as a
strftime pattern such as `%d %b %Y`), each candidate read once over the column's distinct
values. Values with an offset (`+02:00`, `Z`, `UTC`) are converted to UTC; values without one
are read in the given time zone (UTC unless told otherwise). Epoch seconds and milliseconds are
told apart by their size; spreadsheet serial day numbers are read when declared, or without
being declared when every value lies between 1970 and 2100 as a serial. A column whose values
read both month first and day first, giving different dates, is refused with both readings
and how to choose; a value no format reads is refused in one message naming the rows and the
formats understood.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from playbooks.data.date_formats import (
    DATE_FORMATS,
    DateFormat,
    format_names,
    render_formats_markdown,
    resolve_format,
)
from playbooks.data.numbers import number_expr, parse_numbers
from playbooks.errors import InputError

__all__ = ["DATE_FORMATS", "DateFormat", "DateOptions", "DateReading", "check_timezone",
           "current_date_options", "date_options", "date_share", "format_names", "number_expr",
           "parse_dates", "parse_datetimes", "parse_numbers", "read_datetimes",
           "render_formats_markdown", "resolve_format"]

MAX_LISTED = 5
_SERIAL_EPOCH = dt.datetime(1899, 12, 30)
_NUMBER = r"^\d+(?:\.\d+)?$"


@dataclass(frozen=True)
class DateOptions:
    """How to read a file's dates and numbers, as a recipe or the command line says.

    `formats`: a date format (name or strftime pattern) per column; `timezone`: the zone of
    times written without an offset (default UTC); `day_first`: settle `03/05/2024` for every
    column; `decimal_comma`: numbers are written `1.234,5`.
    """

    formats: Mapping[str, str] = field(default_factory=dict)
    timezone: str | None = None
    day_first: bool | None = None
    decimal_comma: bool = False


_OPTIONS: contextvars.ContextVar[DateOptions | None] = contextvars.ContextVar(
    "date_options", default=None)


def current_date_options() -> DateOptions:
    """Return the options set by the innermost `date_options(...)` block (default: none)."""
    return _OPTIONS.get() or DateOptions()


@contextlib.contextmanager
def date_options(options: DateOptions) -> Iterator[DateOptions]:
    """Read every file inside the block with `options` (checked first; InputError if bad)."""
    for column, spec in options.formats.items():
        if not column.strip():
            raise InputError(f"--date-format needs COLUMN=FORMAT, not '={spec}'.")
        resolve_format(spec)
    if options.timezone:
        check_timezone(options.timezone)
    token = _OPTIONS.set(options)
    try:
        yield options
    finally:
        _OPTIONS.reset(token)


@dataclass(frozen=True)
class DateReading:
    """A column read as UTC date-times, and the name of the format it was read in."""

    values: pl.Series
    format: str


def check_timezone(name: str) -> str:
    """Return `name` if it is a time zone (such as Europe/Berlin), else raise InputError."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise InputError(f"Unknown time zone '{name}'; use a name such as UTC, "
                         "Europe/Berlin or America/New_York.") from error
    return name


def parse_datetimes(text: pl.Series, *, formats: Sequence[str] | None = None,
                    timezone: str | None = None, day_first: bool | None = None, column: str,
                    source: str, row_offset: int = 0) -> pl.Series:
    """Read a text column as UTC date-times (polars `Datetime("us")`, no zone attached).

    Args:
        text: the values as written; surrounding spaces are ignored, empty text is null.
        formats: the format names (from `DATE_FORMATS`) or strftime patterns to try, in order
            of preference; default: detect among all declared formats.
        timezone: the zone of times written without an offset (default UTC).
        day_first: settle month-first against day-first (`03/05/2024`) without asking.
        column, source: named in messages (the column and the file).
        row_offset: rows before this series in the file, so messages name the file's rows.

    Raises InputError when the column is ambiguous, mixes formats or has unreadable values.
    """
    return read_datetimes(text, formats=formats, timezone=timezone, day_first=day_first,
                          column=column, source=source, row_offset=row_offset).values


def parse_dates(text: pl.Series, *, formats: Sequence[str] | None = None,
                day_first: bool | None = None, column: str, source: str,
                row_offset: int = 0) -> pl.Series:
    """Read a text column as calendar dates (`Date`), as written; see `parse_datetimes`."""
    return read_datetimes(text, formats=formats, day_first=day_first, column=column,
                          source=source, row_offset=row_offset).values.dt.date()


def read_datetimes(text: pl.Series, *, formats: Sequence[str] | None = None,
                   timezone: str | None = None, day_first: bool | None = None,
                   prefer: str | None = None, column: str, source: str,
                   row_offset: int = 0, fallback: bool = False) -> DateReading:
    """Read a text column as UTC date-times and say which format it was in.

    As `parse_datetimes`; `prefer` names a format to keep when it reads every value (the one
    earlier chunks of the same file were read in), before any other is considered. With
    `fallback` (a recipe's expected formats, not the user's own), a column none of `formats`
    reads is read in the one known format that reads it all (an ambiguous one is refused).
    """
    zone = check_timezone(timezone) if timezone else "UTC"
    clean = _clean(text)
    present = clean.drop_nulls()
    # Read each distinct value once, unless (judged on the first rows) most values differ.
    probe = present.head(10_000)
    dedup = 2 * probe.n_unique() <= len(probe)
    distinct = present.unique() if dedup else present
    if distinct.is_empty():
        return DateReading(pl.repeat(None, len(text), dtype=pl.Datetime("us"), eager=True)
                           .alias(text.name), prefer or DATE_FORMATS[0].name)
    local, offsets = _split_offset(distinct)
    declared = [resolve_format(f) for f in formats] if formats else None
    candidates = declared or _candidates(day_first)
    if prefer and (not declared or prefer in [c.name for c in declared]):
        first = resolve_format(prefer)
        candidates = [first, *[c for c in candidates if c.name != first.name]]
    read: dict[str, pl.Series] = {}
    chosen: DateFormat | None = None
    for item in candidates:
        if item.numeric == "serial" and not declared and not _plainly_serial(local):
            continue
        read[item.name] = _read(local, item, bool(declared))
        if read[item.name].null_count() == 0 and (declared or item is candidates[0]):
            chosen = item  # the first choice reads everything: no need to look further
            break
    if chosen is None:
        full = [c for c in candidates if c.name in read and read[c.name].null_count() == 0]
        if not full and declared and fallback:  # not as the recipe said: a known one that fits
            detected = {c.name: _read(local, c, False) for c in _candidates(day_first)
                        if c.numeric != "serial" or _plainly_serial(local)}
            full = [resolve_format(n) for n, v in detected.items() if v.null_count() == 0]
            if full:
                read |= detected
                _refuse_ambiguous(distinct, read, full, column, source)
        if not full:
            _refuse_unread(clean, distinct, read, column, source, row_offset)
        chosen = full[0]
        if not declared:
            _refuse_ambiguous(distinct, read, full, column, source)
    values = read[chosen.name]
    if not chosen.numeric or chosen.numeric == "serial":
        values = _to_utc(values, offsets, zone)
        gap = values.is_null() & read[chosen.name].is_not_null()
        if gap.any():
            skipped = str(distinct.filter(gap)[0])
            row = int(clean.eq_missing(skipped).arg_true()[0]) + row_offset + 1
            raise InputError(f"{source}: column '{column}', row {row}: '{skipped}' is a time that "
                             f"does not exist in {zone} (the clocks went forward then). Check "
                             "the export's time zone (--timezone).")
    if not dedup:
        empty = pl.repeat(None, len(text), dtype=pl.Datetime("us"), eager=True)
        return DateReading(empty.scatter(clean.is_not_null().arg_true(), values)
                           .alias(text.name), chosen.name)
    lookup = pl.DataFrame({"v": distinct, "out": values})
    out = pl.DataFrame({"v": clean}).join(lookup, on="v", how="left", maintain_order="left")
    return DateReading(out.get_column("out").alias(text.name), chosen.name)


def date_share(text: pl.Series) -> float:
    """Return the largest share of the distinct values one declared format reads (0 to 1)."""
    distinct = _clean(text).drop_nulls().unique()
    if distinct.is_empty():
        return 0.0
    local, _offsets = _split_offset(distinct)
    shares = [1 - _read(local, item, False).null_count() / len(local)
              for item in DATE_FORMATS
              if item.numeric != "serial" or _plainly_serial(local)]
    return max(shares)


def _clean(text: pl.Series) -> pl.Series:
    stripped = text.cast(pl.String).str.strip_chars()
    return pl.select(pl.when(stripped.str.len_bytes() == 0).then(None)
                     .otherwise(stripped).alias(text.name)).to_series()


def _candidates(day_first: bool | None) -> list[DateFormat]:
    skip = {True: "month", False: "day", None: None}[day_first]
    return [f for f in DATE_FORMATS if f.order != skip or not f.order]


def _split_offset(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Split `…12:18:53+02:00`, `…Z`, `… UTC` into local text and offset minutes (null: none)."""
    timed = r"(\d:\d\d(?::\d\d(?:[.,]\d+)?)?)"
    local = values.str.replace(r"^(\d{4}-\d\d-\d\d)T", "$1 ")
    if local.str.contains(",", literal=True).any():
        local = local.str.replace(r"(\d:\d\d),", "$1.")
    zoned = local.str.contains(r"(?i)(?:\d:\d\d(?::\d\d(?:\.\d+)?)?\s?[+-]\d\d(?::?\d\d)?"
                               r"|\d\s?z|\s(?:utc|gmt))$")
    if not zoned.any():
        return local, pl.repeat(None, len(values), dtype=pl.Int64, eager=True)
    parts = local.str.extract_groups(timed + r"\s?([+-])(\d\d):?(\d\d)?$")
    sign = pl.when(parts.struct.field("2") == "-").then(-1).otherwise(1)
    hours = parts.struct.field("3").cast(pl.Int64)
    minutes = parts.struct.field("4").cast(pl.Int64).fill_null(0)
    offset = pl.select(sign * (hours * 60 + minutes)).to_series()
    utc = local.str.contains(r"(?i)\d(?:\s?z|\s(?:utc|gmt))$")
    offset = pl.select(pl.when(utc).then(0).otherwise(offset)).to_series()
    local = local.str.replace(r"(?i)(\d)(?:\s?z|\s(?:utc|gmt))$", "$1")
    local = local.str.replace(timed + r"\s?[+-]\d\d(?::?\d\d)?$", "$1")
    return local, offset


def _read(local: pl.Series, item: DateFormat, declared: bool) -> pl.Series:
    """Read the distinct values in one format; null where it does not read."""
    if item.numeric:
        number = pl.select(pl.when(local.str.contains(_NUMBER)).then(local)
                           .otherwise(None)).to_series().cast(pl.Float64, strict=False)
        low, high, scale = {"s": (1e8, 1e11, 1e6), "ms": (1e11, 1e14, 1e3),
                            "serial": (1.0 if declared else 25569.0, 2958466.0, 86_400e6)
                            }[item.numeric]
        fits = (number >= low) & (number < high)
        micros = pl.select(pl.when(fits).then(number * scale).otherwise(None)).to_series()
        start = _SERIAL_EPOCH if item.numeric == "serial" else dt.datetime(1970, 1, 1)
        offset = micros.round(0).cast(pl.Int64).cast(pl.Duration("us"))
        return pl.select(pl.lit(start, dtype=pl.Datetime("us")) + offset).to_series()
    out = local.str.to_datetime(item.patterns[0], strict=False, time_unit="us")
    for pattern in item.patterns[1:]:
        unread = out.is_null()
        if not unread.any():
            break
        later = local.filter(unread).str.to_datetime(pattern, strict=False, time_unit="us")
        out = out.scatter(unread.arg_true(), later)
    return out


def _plainly_serial(local: pl.Series) -> bool:
    number = local.cast(pl.Float64, strict=False)
    return bool(local.str.contains(_NUMBER).all() and number.min() >= 25569  # type: ignore[operator]
                and number.max() < 73051)  # type: ignore[operator]


def _to_utc(values: pl.Series, offsets: pl.Series, zone: str) -> pl.Series:
    naive = values
    if zone != "UTC":
        naive = (values.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
                 .dt.convert_time_zone("UTC").dt.replace_time_zone(None))
    shifted = values - (offsets.fill_null(0) * 60_000_000).cast(pl.Duration("us"))
    return pl.select(pl.when(offsets.is_null()).then(naive).otherwise(shifted)).to_series()


def _show(value: dt.datetime | None) -> str:
    if value is None:
        return "?"
    return value.strftime("%d %B %Y" if value.time() == dt.time() else "%d %B %Y %H:%M")


def _refuse_ambiguous(distinct: pl.Series, read: dict[str, pl.Series],
                      full: list[DateFormat], column: str, source: str) -> None:
    month = next((f for f in full if f.order == "month"), None)
    day = next((f for f in full if f.order == "day"), None)
    if month is None or day is None:
        return
    differs = read[month.name] != read[day.name]
    if not differs.any():
        return
    picks = distinct.filter(differs).unique().sort().head(3).to_list()
    pairs = dict(zip(distinct.to_list(), zip(read[month.name].to_list(),
                                              read[day.name].to_list(), strict=True),
                     strict=True))
    readings = [f"'{v}' is {_show(pairs[v][0])} as {month.name} or {_show(pairs[v][1])} as "
                f"{day.name}" for v in picks]
    raise InputError(
        f"{source}: column '{column}' has dates that read both month first and day first, "
        f"giving different dates ({'; '.join(readings)}). Say which it is: "
        f"--date-format {column}={month.name} or --date-format {column}={day.name} (in a "
        "recipe, the column's date format).")


def _refuse_unread(clean: pl.Series, distinct: pl.Series, read: dict[str, pl.Series],
                   column: str, source: str, row_offset: int) -> None:
    counts = {name: len(s) - s.null_count() for name, s in read.items()}
    best = max(counts, key=lambda n: counts[n]) if counts else None
    if best is not None and counts[best]:
        for other, values in read.items():
            extra = values.is_not_null() & read[best].is_null()
            if other != best and extra.any():
                first = distinct.filter(read[best].is_not_null()).to_list()
                second = distinct.filter(extra).to_list()
                row_a, value_a = _first_row(clean, first)
                row_b, value_b = _first_row(clean, second)
                if row_b < row_a:
                    row_a, value_a, row_b, value_b, best, other = (
                        row_b, value_b, row_a, value_a, other, best)
                raise InputError(
                    f"{source}: column '{column}' mixes date formats: row "
                    f"{row_a + row_offset + 1} has '{value_a}' ({best}) but row "
                    f"{row_b + row_offset + 1} has '{value_b}' ({other}). Export every date "
                    "in one format, preferably YYYY-MM-DD.")
    readable = read[best].is_not_null() if best is not None else pl.repeat(
        False, len(distinct), eager=True)
    bad = clean.is_in(distinct.filter(~readable).implode())
    rows = bad.arg_true()
    listed = [f"row {int(i) + row_offset + 1}: '{clean[int(i)]}'" for i in rows[:MAX_LISTED]]
    more = f" (the first {MAX_LISTED} of {len(rows)} listed)" if len(rows) > MAX_LISTED else ""
    raise InputError(
        f"{source}: column '{column}' has {len(rows)} "
        f"{'value' if len(rows) == 1 else 'values'} that cannot be read as a date{more}. "
        f"Dates are understood in these formats: {format_names()}. To read another format, "
        f"name it: --date-format {column}='%d %b %Y' (a strftime pattern).",
        problems=listed)


def _first_row(clean: pl.Series, values: list[str]) -> tuple[int, str]:
    index = int(clean.is_in(pl.Series(values, dtype=pl.String).implode()).arg_true()[0])
    return index, str(clean[index])
