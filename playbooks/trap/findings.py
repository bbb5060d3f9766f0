"""Where the trap shows: weeks and functions in which efficiency improves while the
relationship declines, each stated in a plain sentence with the size of every move.

Weekly values are noisy and seasonal, so each measure is first smoothed into a rolling mean
over `window_weeks`, and that mean is compared with the same window `lag_weeks` earlier
(a year by default, so the holidays are compared with the holidays). A move counts when it
passes a threshold: percentage points for shares, a relative change for rates and hours. A
function is in the trap in a week when at least one efficiency measure that may drive a
finding improves and at least one relationship measure declines, both beyond their
thresholds; consecutive weeks of that form one period (short gaps are bridged), kept when it
lasts `min_weeks`. Besides the fixed thresholds, a move must stand out from the measure's own
week-to-week noise (`noise_z` standard errors of the two windows' means), so a small function
with few questions does not produce findings from chance alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from playbooks.errors import InputError
from playbooks.trap.measures import ALL, MEASURE_BY_NAME, MEASURES

FINDING_COLUMNS = ("function", "start_week", "end_week", "weeks", "sentence", "moves")


@dataclass(frozen=True)
class TrapSettings:
    """How the comparison is made, as plain values."""

    window_weeks: int = 12
    lag_weeks: int = 52
    share_points: float = 0.04  # a share must move at least 4 percentage points
    relative: float = 0.08  # a rate or a duration must move at least 8%
    min_weeks: int = 4  # shortest run of weeks reported as a period
    merge_gap_weeks: int = 4  # runs separated by at most this many quiet weeks are one period
    noise_z: float = 2.5  # a move must also exceed this many standard errors of week-to-week noise

    def check(self) -> None:
        """Refuse settings that cannot produce a comparison."""
        if self.window_weeks < 1 or self.lag_weeks < 1 or self.min_weeks < 1:
            raise InputError("window_weeks, lag_weeks and min_weeks must be at least 1.")
        if self.share_points <= 0 or self.relative <= 0:
            raise InputError("share_points and relative must be above 0.")
        if self.merge_gap_weeks < 0 or self.noise_z < 0:
            raise InputError("merge_gap_weeks and noise_z cannot be negative.")


def function_label(function: str) -> str:
    """A function id as words: `customer_success` -> `Customer success`."""
    if function == ALL:
        return "The company as a whole"
    return function.replace("_", " ").capitalize()


def _measures_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "measure": [m.name for m in MEASURES], "label": [m.label for m in MEASURES],
        "better": [1.0 if m.better == "up" else -1.0 for m in MEASURES],
        "is_share": [m.unit == "share" for m in MEASURES],
        "drives_trap": [m.drives_trap for m in MEASURES],
        "order": list(range(len(MEASURES)))})


def compare_windows(series: pl.DataFrame, settings: TrapSettings | None = None) -> pl.DataFrame:
    """Add the smoothed value, the value a lag earlier, the change and whether it counts.

    One row per (function, measure, week) on a full weekly grid. `improvement` is the change
    signed so that positive is better (points for shares, a ratio for the rest), and
    `counts` says whether it passes its threshold.
    """
    s = settings or TrapSettings()
    s.check()
    if series.is_empty():
        return series.with_columns(
            [pl.lit(None, pl.Float64).alias(c) for c in ("recent", "earlier", "change",
                                                         "improvement")]
            + [pl.lit(None, pl.Boolean).alias("counts")])
    first: dt.date = series["week"].min()  # type: ignore[assignment]
    last: dt.date = series["week"].max()  # type: ignore[assignment]
    weeks = pl.date_range(first, last, "1w", eager=True)
    grid = (series.select("function", "measure", "kind").unique()
            .join(pl.DataFrame({"week": weeks}), how="cross")
            .join(series.select("function", "measure", "week", "value"),
                  on=["function", "measure", "week"], how="left")
            .join(_measures_frame(), on="measure", how="left")
            .sort("function", "order", "week"))
    keys = ["function", "measure"]
    least = max(1, s.window_weeks // 4)
    value = pl.col("value")
    smoothed = grid.with_columns(
        value.rolling_mean(s.window_weeks, min_samples=least).over(keys).alias("recent"),
        (value.rolling_std(s.window_weeks, min_samples=max(2, least))
         / value.is_not_null().cast(pl.Float64).rolling_sum(s.window_weeks, min_samples=1)
         .sqrt()).over(keys).fill_null(0.0).alias("_se"))
    smoothed = smoothed.with_columns(
        pl.col("recent").shift(s.lag_weeks).over(keys).alias("earlier"),
        pl.col("_se").shift(s.lag_weeks).over(keys).alias("_se_earlier"))
    noise = (pl.col("_se") ** 2 + pl.col("_se_earlier") ** 2).sqrt() * s.noise_z
    change = (pl.when(pl.col("is_share")).then(pl.col("recent") - pl.col("earlier"))
              .when(pl.col("earlier") > 0).then(pl.col("recent") / pl.col("earlier") - 1.0))
    noise = pl.when(pl.col("is_share")).then(noise) \
        .when(pl.col("earlier") > 0).then(noise / pl.col("earlier"))
    threshold = pl.max_horizontal(
        pl.when(pl.col("is_share")).then(pl.lit(s.share_points)).otherwise(pl.lit(s.relative)),
        noise.fill_null(0.0))
    return smoothed.with_columns(change.alias("change")).with_columns(
        (pl.col("change") * pl.col("better")).alias("improvement"),
        threshold.alias("threshold")).with_columns(
        (pl.col("improvement").abs() >= pl.col("threshold")).fill_null(False).alias("counts")
    ).drop("_se", "_se_earlier")


def find_traps(series: pl.DataFrame, settings: TrapSettings | None = None) -> pl.DataFrame:
    """Return the trap periods, one row per (function, period), latest first within a function.

    `moves` lists every measure that counted in the period's last week (efficiency first),
    with its value then and now and the change; `sentence` says it in words.
    """
    s = settings or TrapSettings()
    compared = compare_windows(series, s)
    empty = pl.DataFrame(schema={"function": pl.String, "start_week": pl.Date,
                                 "end_week": pl.Date, "weeks": pl.Int64, "sentence": pl.String,
                                 "moves": pl.List(pl.Struct({
                                     "measure": pl.String, "label": pl.String,
                                     "kind": pl.String, "earlier": pl.Float64,
                                     "recent": pl.Float64, "change": pl.Float64,
                                     "unit": pl.String}))})
    if compared.is_empty():
        return empty
    up = pl.col("counts") & (pl.col("improvement") > 0) & (pl.col("kind") == "efficiency") \
        & pl.col("drives_trap")
    down = pl.col("counts") & (pl.col("improvement") < 0) & (pl.col("kind") == "relationship")
    weekly = (compared.group_by("function", "week")
              .agg(up.any().alias("efficiency_up"), down.any().alias("relationship_down"))
              .with_columns((pl.col("efficiency_up") & pl.col("relationship_down")).alias("trap"))
              .sort("function", "week"))
    gap = dt.timedelta(weeks=s.merge_gap_weeks + 1)
    runs = (weekly.filter(pl.col("trap"))
            .with_columns(((pl.col("week") - pl.col("week").shift(1)).over("function") > gap)
                          .fill_null(True).cum_sum().over("function").alias("run"))
            .group_by("function", "run")
            .agg(pl.col("week").min().alias("start_week"), pl.col("week").max().alias("end_week"))
            .with_columns(((pl.col("end_week") - pl.col("start_week")).dt.total_days() // 7 + 1)
                          .cast(pl.Int64).alias("weeks"))
            .filter(pl.col("weeks") >= s.min_weeks))
    if runs.is_empty():
        return empty
    rows = []
    for run in runs.sort("function", "start_week").iter_rows(named=True):
        at_end = compared.filter((pl.col("function") == run["function"])
                                 & (pl.col("week") == run["end_week"])
                                 & pl.col("counts")
                                 & (((pl.col("kind") == "efficiency") & (pl.col("improvement") > 0))
                                    | ((pl.col("kind") == "relationship")
                                       & (pl.col("improvement") < 0))))
        at_end = at_end.sort(pl.col("kind") != "efficiency", "order")
        moves = [{"measure": r["measure"], "label": r["label"], "kind": r["kind"],
                  "earlier": r["earlier"], "recent": r["recent"], "change": r["change"],
                  "unit": "points" if r["is_share"] else "relative"}
                 for r in at_end.iter_rows(named=True)]
        rows.append({**{k: run[k] for k in ("function", "start_week", "end_week", "weeks")},
                     "sentence": _sentence(run, moves, s), "moves": moves})
    return pl.DataFrame(rows, schema=empty.schema).sort(
        pl.col("function") != ALL, "function", pl.col("end_week"), descending=[False, False, True])


def _value(measure: str, value: float) -> str:
    m = MEASURE_BY_NAME[measure]
    if m.unit == "share":
        return f"{value:.0%}"
    if m.unit == "hours":
        return f"{value:.0f} h"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def _move(move: dict) -> str:
    verb = "rose" if move["change"] > 0 else "fell"
    size = (f"{move['change'] * 100:+.0f} points" if move["unit"] == "points"
            else f"{move['change']:+.0%}")
    return (f"{move['label'][0].lower() + move['label'][1:]} {verb} from "
            f"{_value(move['measure'], move['earlier'])} to "
            f"{_value(move['measure'], move['recent'])} ({size})")


def _sentence(run: dict, moves: list[dict], s: TrapSettings) -> str:
    efficiency = [_move(m) for m in moves if m["kind"] == "efficiency"]
    relationship = [_move(m) for m in moves if m["kind"] == "relationship"]
    lag = "a year" if s.lag_weeks == 52 else f"{s.lag_weeks} weeks"
    return (f"{function_label(run['function'])}: for {run['weeks']} weeks, from the week of "
            f"{run['start_week']} to the week of {run['end_week']}, efficiency improved while "
            f"the relationship weakened. Over the {s.window_weeks} weeks to "
            f"{run['end_week']}, compared with {lag} before, "
            + "; ".join(efficiency) + ". Meanwhile " + "; ".join(relationship) + ".")
