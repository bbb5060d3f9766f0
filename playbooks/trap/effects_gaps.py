"""Weeks a source is missing: an export that broke reads as silence, and silence is not a trend.

When a function's rows stop for a few weeks (the community platform's export failed, a help
desk was migrated), every measure of that function drops to nothing and the company's totals
dip with it; a detector that compares windows then reports a relationship that weakened.
`missing_source_weeks` names those weeks from the data alone: a function that usually
reports has almost no rows in them. `mask_missing_weeks` blanks the weekly measures of the
function, and of the company as a whole, in those weeks, so the rolling comparisons read the
weeks around them instead.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from playbooks.trap.measures import ALL, prepare_weekly

MIN_SHARE = 0.1  # a week with fewer rows than this share of the function's usual week
MIN_USUAL = 20  # only functions with at least this many rows in their usual week count


def missing_source_weeks(activity: pl.LazyFrame | pl.DataFrame, *, as_of: dt.date | None = None,
                         min_share: float = MIN_SHARE, min_usual: int = MIN_USUAL
                         ) -> pl.DataFrame:
    """Return (function, week, rows, usual) for each week a function's rows are missing.

    A function's usual week is the median of its weekly row counts between its first and
    last week with rows; a week inside that span with fewer than `min_share` of it is
    missing. Quiet seasons (half the usual activity) are not; small functions (a usual week
    under `min_usual` rows) are never judged.
    """
    prepared, _ = prepare_weekly(activity, as_of)
    counts = (prepared.group_by("source_function", "week").agg(pl.len().alias("rows"))
              .collect())
    return missing_weeks(counts, min_share=min_share, min_usual=min_usual)


def missing_weeks(counts: pl.DataFrame, *, min_share: float = MIN_SHARE,
                  min_usual: int = MIN_USUAL) -> pl.DataFrame:
    """`missing_source_weeks` from the rows per function and week (`source_function`,
    `week`, `rows`), as the polars pass or an engine counts them."""
    schema = {"function": pl.String, "week": pl.Date, "rows": pl.UInt32, "usual": pl.Float64}
    if counts.is_empty():
        return pl.DataFrame(schema=schema)
    first: dt.date = counts["week"].min()  # type: ignore[assignment]
    last: dt.date = counts["week"].max()  # type: ignore[assignment]
    weeks = pl.DataFrame({"week": pl.date_range(first, last, "1w", eager=True)})
    span = counts.group_by("source_function").agg(pl.col("week").min().alias("from"),
                                                  pl.col("week").max().alias("to"))
    grid = (span.join(weeks, how="cross")
            .filter(pl.col("week").is_between(pl.col("from"), pl.col("to")))
            .join(counts, on=["source_function", "week"], how="left")
            .with_columns(pl.col("rows").fill_null(0).cast(pl.UInt32)))
    return (grid.with_columns(pl.col("rows").median().over("source_function").alias("usual"))
            .filter((pl.col("usual") >= min_usual)
                    & (pl.col("rows") < min_share * pl.col("usual")))
            .select(pl.col("source_function").alias("function"), "week", "rows", "usual")
            .sort("function", "week"))


def mask_missing_weeks(series: pl.DataFrame, missing: pl.DataFrame) -> pl.DataFrame:
    """Blank (null) the series values of a function in its missing weeks, and of `all` in
    every week some function is missing; rows stay, so the weekly grid is unchanged."""
    if missing.is_empty() or series.is_empty():
        return series
    gaps = pl.concat([missing.select("function", "week"),
                      missing.select(pl.lit(ALL).alias("function"), "week")]).unique()
    return (series.join(gaps.with_columns(pl.lit(True).alias("_gap")),
                        on=["function", "week"], how="left")
            .with_columns(pl.when(pl.col("_gap").is_null()).then(pl.col("value"))
                          .alias("value"))
            .drop("_gap"))
