"""Apply a recipe to an export: contract-shaped rows, each with the export row it came from.

The export is read in batches (`reader.opened_export`); each batch goes through the recipe as
polars expressions: the recipe's filters, then every event's `where`, columns and constants,
the event ids, and the conversion to the contract's types. There is no Python loop over
rows: hashes are computed once per distinct value, dates by `playbooks.data.datetimes` (one
format per column for the whole file, offsets converted to UTC, times without one read in the
recipe's `timezone`).

Every output row carries `SOURCE_ROW`, the export row it came from (1 is the first row after
the header). A value not in a value map, a value that is not a date, a number or a yes/no
where the contract wants one, is refused with the file, row, column and value named.

Rows name their account either as `account_id` (when the recipe gives it) or by references:
`account_ref` and `account_ref_kind` (`id`, `alt_id`, `domain` or `name`), and, where the
recipe gives fallbacks (`account_refs`), `account_ref_1` / `account_ref_kind_1` and so on,
which the import resolves to an account id through the account crosswalk, the first
reference that matches winning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data.contracts import load_contract
from playbooks.data.datetimes import check_timezone, number_expr, read_datetimes
from playbooks.data.recipes.reader import ROW, opened_export
from playbooks.data.recipes.schema import Bands, Condition, Event, Expression, Recipe
from playbooks.errors import InputError

SOURCE_ROW = "source_row"
REF = "account_ref"
"""The column of a row's account reference; `account_ref_1`, `_2`, ... hold the fallbacks."""
REF_KIND = "account_ref_kind"
"""What the reference is (`id`, `alt_id`, `domain`, `name`); `account_ref_kind_1`, ... too."""
BATCH_ROWS = 500_000
MAX_LISTED = 10
_PROBLEM = "__problem__"
_HASH = "__hash__"
_DATE = "__date__"
_LOW = "__low__"
_SAMPLE = 2_000
_EPOCH = {"epoch-s": (1e8, 1e11, 1e6), "epoch-ms": (1e11, 1e14, 1e3)}
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


@dataclass
class ConversionStats:
    """What a conversion counted: the export's rows (before any filter), the rows the recipe's
    filters left out, and the rows that passed them but met no event's conditions."""

    rows_in: int = 0
    filtered_out: int = 0
    no_event: int = 0


def convert_batches(
    path: Path,
    recipe: Recipe,
    *,
    workdir: Path | None = None,
    batch_rows: int = BATCH_ROWS,
    stats: ConversionStats | None = None,
) -> Iterator[pl.DataFrame]:
    """Yield the export's contract-shaped rows batch by batch, refusing bad values.

    The columns are the contract columns the recipe sets (`account_ref`, `account_ref_kind`
    too when it gives a reference) and `SOURCE_ROW`. Raises InputError naming the file, row,
    column and value of the first problems.
    """
    contract = load_contract(recipe.table)
    types = {f.name: f.physical_type for f in contract.fields}
    zone = check_timezone(recipe.timezone)
    dates = _date_sources(recipe, types)
    hashed = sorted({c for e in recipe.events for x in e.columns.values() for c in _hashes(x)})
    keep = _filter(recipe.filters)
    lowered = _compared(recipe.filters + [w for e in recipe.events for w in e.where])
    formats: dict[str, str] = {}
    rows = 0
    with opened_export(path, recipe, workdir=workdir) as opened:
        batches = opened.frame.collect_batches(chunk_size=batch_rows)
        try:
            for batch in batches:
                first = int(batch.get_column(ROW)[0]) - 1 if batch.height else 0
                rows += batch.height
                if stats is not None:
                    stats.rows_in = rows
                batch = batch.with_columns(
                    pl.col(c).str.to_lowercase().alias(_LOW + c) for c in lowered
                )
                height = batch.height
                batch = batch.filter(keep) if recipe.filters else batch
                if stats is not None:
                    stats.filtered_out += height - batch.height
                if batch.is_empty():
                    continue
                batch = _parse_dates(batch, dates, recipe, zone, formats, path.name, first)
                batch = batch.with_columns(_hash_column(batch.get_column(c)) for c in hashed)
                out = pl.concat(
                    [_event_rows(batch, event, recipe, types) for event in recipe.events],
                    how="diagonal_relaxed",
                )
                if stats is not None:
                    stats.no_event += batch.height - out.get_column(SOURCE_ROW).n_unique()
                yield _checked(out, path.name)
        except pl.exceptions.PolarsError as error:
            raise InputError(f"{path.name}: could not be read: {error}") from None
    if rows == 0:
        raise InputError(f"{path.name}: the export has a header but no data rows.")


def convert_rows(path: Path, recipe: Recipe, *, workdir: Path | None = None) -> pl.DataFrame:
    """Return all of the export's contract-shaped rows (see `convert_batches`)."""
    parts = list(convert_batches(path, recipe, workdir=workdir))
    return pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()


def _date_sources(recipe: Recipe, types: dict[str, str]) -> dict[str, str]:
    """Return the export columns read as dates or timestamps, with the type wanted."""
    found: dict[str, str] = {}
    for event in recipe.events:
        for name, expression in event.columns.items():
            if types.get(name) in ("date", "timestamp") and expression.column:
                found.setdefault(expression.column, types[name])
    return found


def _parse_dates(
    batch: pl.DataFrame,
    dates: dict[str, str],
    recipe: Recipe,
    zone: str,
    formats: dict[str, str],
    source: str,
    first: int,
) -> pl.DataFrame:
    columns = []
    for column in dates:
        text = batch.get_column(column)
        rows = batch.get_column(ROW)
        if column not in formats:  # epoch numbers? (as datetimes reads a sample of them)
            try:
                guess = read_datetimes(
                    text.drop_nulls().head(_SAMPLE),
                    formats=recipe.datetime_formats or None,
                    fallback=True,
                    timezone=zone,
                    column=column,
                    source=source,
                ).format
            except InputError:
                guess = None  # the whole batch is read below, naming the right rows
            if guess in _EPOCH:
                formats[column] = guess
        epoch = _from_epoch(text, formats.get(column, ""))
        if epoch is not None:
            columns.append(epoch.alias(_DATE + column))
            continue
        # the batch may have lost filtered rows: read a contiguous series so rows are named right
        full = pl.Series(column, [None] * (int(rows[-1]) - first), dtype=pl.String)
        full = full.scatter(rows - first - 1, text)
        reading = read_datetimes(
            full,
            formats=recipe.datetime_formats or None,
            fallback=True,
            timezone=zone,
            prefer=formats.get(column),
            column=column,
            source=source,
            row_offset=first,
        )
        formats[column] = reading.format
        columns.append(reading.values.gather(rows - first - 1).alias(_DATE + column))
    return batch.with_columns(columns) if columns else batch


def _from_epoch(text: pl.Series, name: str) -> pl.Series | None:
    """Read epoch seconds or milliseconds in one pass (the ranges `datetimes` tells them by);
    None when the format is another or a value does not read, so `datetimes` says which."""
    if name not in _EPOCH:
        return None
    low, high, scale = _EPOCH[name]
    number = text.cast(pl.Float64, strict=False)
    fits = (number >= low) & (number < high)
    if (text.is_not_null() & ~fits.fill_null(False)).any():
        return None
    micros = (number * scale).round(0).cast(pl.Int64)
    return pl.select(pl.from_epoch(micros, time_unit="us")).to_series()


def _hashes(expression: Expression) -> list[str]:
    found = [expression.hash] if expression.hash else []
    for part in expression.concat or []:
        if isinstance(part, Expression):
            found += _hashes(part)
    return found


def _hash_column(values: pl.Series) -> pl.Series:
    """Return 16 hex digits of the SHA-256 of each trimmed, lower-cased value (once per value)."""
    folded = values.str.to_lowercase()
    distinct = folded.drop_nulls().unique()
    digests = pl.Series(
        [hashlib.sha256(v.encode()).hexdigest()[:16] for v in distinct], dtype=pl.String
    )
    return folded.replace_strict(distinct, digests, default=None, return_dtype=pl.String).alias(
        _HASH + values.name
    )


def _compared(conditions: list[Condition]) -> list[str]:
    """Return the columns conditions compare as text (lower-cased once per batch)."""
    return sorted(
        {
            c.column
            for c in conditions
            if c.equals is not None
            or c.not_equals is not None
            or c.in_ is not None
            or c.not_in is not None
        }
    )


def _condition(condition: Condition) -> pl.Expr:
    text = pl.col(condition.column)
    low = pl.col(_LOW + condition.column)
    tests: list[pl.Expr] = []
    if condition.equals is not None:
        tests.append((low == condition.equals.strip().lower()).fill_null(False))
    if condition.not_equals is not None:
        tests.append((low != condition.not_equals.strip().lower()).fill_null(True))
    if condition.in_ is not None:
        tests.append(low.is_in([v.strip().lower() for v in condition.in_]).fill_null(False))
    if condition.not_in is not None:
        tests.append(~low.is_in([v.strip().lower() for v in condition.not_in]).fill_null(False))
    if condition.not_empty is not None:
        tests.append(text.is_not_null() if condition.not_empty else text.is_null())
    if condition.matches is not None:
        tests.append(text.str.contains("(?i)" + condition.matches).fill_null(False))
    return pl.all_horizontal(tests)


def _filter(conditions: list[Condition]) -> pl.Expr:
    return pl.all_horizontal([_condition(c) for c in conditions]) if conditions else pl.lit(True)


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _expression(expression: Expression, recipe: Recipe, problems: list[pl.Expr]) -> pl.Expr:
    """Build the text expression for one output column; add value-map checks to `problems`."""
    if expression.column is not None:
        out = pl.col(expression.column)
    elif expression.map is not None:
        out = _mapped(expression.map, recipe, problems)
    elif expression.hash is not None:
        out = pl.lit(expression.prefix) + pl.col(_HASH + expression.hash)
    elif expression.domain_of is not None:
        out = pl.col(expression.domain_of).str.to_lowercase().str.extract(r"@([^@\s<>]+)", 1)
    elif expression.bands is not None:
        out = _banded(expression.bands, recipe, problems)
    elif expression.concat is not None:
        parts = [
            _expression(p, recipe, problems) if isinstance(p, Expression) else pl.lit(p)
            for p in expression.concat
        ]
        out = pl.concat_str([p.cast(pl.String) for p in parts], separator=expression.separator)
    else:
        out = pl.lit(_as_text(expression.constant), dtype=pl.String)
    if expression.default is not None:
        out = out.fill_null(pl.lit(_as_text(expression.default)))
    return out


def _banded(bands: Bands, recipe: Recipe, problems: list[pl.Expr]) -> pl.Expr:
    """Label each number by the band it falls in; flag text that is not a number."""
    number = number_expr(pl.col(bands.column), decimal_comma=recipe.read.decimal_comma)
    problems.append(pl.when(pl.col(bands.column).is_not_null() & number.is_null()).then(
        pl.format("column '{}': '{}' is not a number", pl.lit(bands.column), pl.col(bands.column))))
    ordered = sorted(bands.lowest.items(), key=lambda item: item[1], reverse=True)
    out: Any = pl.when(number.is_null()).then(pl.lit(None, pl.String))
    for label, lowest in ordered[:-1]:
        out = out.when(number >= lowest).then(pl.lit(label))
    return out.otherwise(pl.lit(ordered[-1][0]))


def _mapped(column: str, recipe: Recipe, problems: list[pl.Expr]) -> pl.Expr:
    value_map = recipe.value_maps[column]
    keys = {k.strip().lower(): _as_text(v) for k, v in value_map.values.items()}
    low = pl.col(column).str.to_lowercase()
    if value_map.other == "keep":
        default: pl.Expr = pl.col(column)
    else:
        default = pl.lit(value_map.other, dtype=pl.String)
    if value_map.other is None:
        unknown = pl.col(column).is_not_null() & ~low.is_in(list(keys))
        problems.append(
            pl.when(unknown).then(
                pl.format(
                    "column '{}': '{}' is not in the recipe's value map",
                    pl.lit(column),
                    pl.col(column),
                )
            )
        )
    return low.replace_strict(keys, default=default, return_dtype=pl.String)


def _typed(
    name: str, text: pl.Expr, kind: str, recipe: Recipe, problems: list[pl.Expr], source: str
) -> pl.Expr:
    """Convert a text output column to its contract type, flagging values that do not convert."""
    out: pl.Expr
    if kind == "boolean":
        low = text.str.to_lowercase()
        out = pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False)
        wanted = "yes or no"
    elif kind in ("double", "integer"):
        out = number_expr(text, decimal_comma=recipe.read.decimal_comma)
        if kind == "integer":
            out = pl.when(out == out.round(0)).then(out).cast(pl.Int64)
        wanted = "a number"
    else:
        return text
    problems.append(
        pl.when(text.is_not_null() & out.is_null()).then(
            pl.format("column '{}': '{}' is not " + wanted, pl.lit(source), text)
        )
    )
    return out


def _event_rows(
    batch: pl.DataFrame, event: Event, recipe: Recipe, types: dict[str, str]
) -> pl.DataFrame:
    problems: list[pl.Expr] = []
    columns: list[pl.Expr] = []
    for name, expression in event.columns.items():
        if name == "account_ref":
            continue  # with the other references, below
        kind = types.get(name, "string")
        if kind in ("date", "timestamp") and expression.column:
            out = pl.col(_DATE + expression.column)
            columns.append((out.dt.date() if kind == "date" else out).alias(name))
            continue
        text = _expression(expression, recipe, problems)
        label = expression.column or expression.map or name
        columns.append(_typed(name, text, kind, recipe, problems, label).alias(name))
    for name, value in event.constants.items():
        text = pl.lit(_as_text(value), dtype=pl.String)
        columns.append(
            _typed(name, text, types.get(name, "string"), recipe, problems, name).alias(name)
        )
    if event.kind:
        columns.append(pl.lit(event.kind).alias("kind"))
    if event.id_from:
        parts = [pl.lit(recipe.source), *[pl.col(c) for c in event.id_from], pl.lit(event.kind)]
        columns.append(pl.concat_str(parts, separator="-").alias("event_id"))
    for index, ref in enumerate(recipe.refs_of(event)):
        suffix = f"_{index}" if index else ""
        columns.append(_expression(ref, recipe, problems).alias(REF + suffix))
        columns.append(pl.lit(ref.kind).alias(REF_KIND + suffix))
    columns.append(pl.col(ROW).alias(SOURCE_ROW))
    columns += [p.alias(f"{_PROBLEM}{i}") for i, p in enumerate(problems)]
    chosen = batch.filter(_filter(event.where)) if event.where else batch
    return chosen.select(columns)


def _checked(out: pl.DataFrame, source: str) -> pl.DataFrame:
    """Raise InputError listing the first problems of a batch; else drop the problem columns."""
    flags = [c for c in out.columns if c.startswith(_PROBLEM)]
    if not flags:
        return out
    found = out.select(pl.col(SOURCE_ROW), pl.coalesce(flags).alias("problem")).filter(
        pl.col("problem").is_not_null()
    )
    if found.height:
        found = found.unique(maintain_order=True).sort(SOURCE_ROW)
        listed = [f"row {r}, {p}" for r, p in found.head(MAX_LISTED).iter_rows()]
        more = f" (the first {MAX_LISTED} listed)" if found.height > MAX_LISTED else ""
        raise InputError(
            f"{source}: {found.height} value(s) the recipe cannot read{more}; nothing was "
            "imported. Add them to the recipe's value map (or `other:`), or correct the export.",
            problems=listed,
        )
    return out.drop(flags)
