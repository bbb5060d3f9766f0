"""Read numbers as tools write them: a leading `+`, and decimal commas (`1.234,5`) when told."""

from __future__ import annotations

import polars as pl

__all__ = ["number_expr", "parse_numbers"]


def parse_numbers(text: pl.Series, *, decimal_comma: bool | None = False) -> pl.Series:
    """Read text as numbers (`Float64`); a value that is not a number becomes null.

    A leading `+` is allowed. With `decimal_comma=True`, `1.234,5` and `1 234,5` are 1234.5;
    with `None`, decimal commas are used when every value reads so and at least one value
    shows it plainly (`12,5`: a comma not followed by exactly three digits) and none is
    written with a decimal point.
    """
    clean = _clean(text)
    if decimal_comma is None:
        values = clean.drop_nulls()
        comma = values.str.contains(r"^-?[\d.\s\u00a0]*\d,\d+$")
        plain = values.str.contains(r"^-?[\d.\s\u00a0]*\d,(?:\d{1,2}|\d{4,})$")
        grouped = values.str.contains(r"^-?\d{1,3}(\.\d{3})+$")
        dotted = values.str.contains(r"^-?\d+\.\d+$") & ~grouped
        decimal_comma = bool(plain.any() and (comma | ~values.str.contains(",")).all()
                             and not dotted.any())
    return pl.select(number_expr(pl.lit(clean), decimal_comma=decimal_comma)).to_series()


def number_expr(text: pl.Expr, *, decimal_comma: bool = False) -> pl.Expr:
    """Return an expression reading trimmed text as `Float64` (`1.234,5` with a decimal comma)."""
    text = text.str.replace(r"^\+", "")
    if decimal_comma:
        text = text.str.replace_all(r"[.\s\u00a0]", "").str.replace(",", ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def _clean(text: pl.Series) -> pl.Series:
    stripped = text.cast(pl.String).str.strip_chars()
    return pl.select(pl.when(stripped.str.len_bytes() == 0).then(None)
                     .otherwise(stripped).alias(text.name)).to_series()
