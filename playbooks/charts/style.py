"""What every chart shares: one colour per meaning, and axes and legends that never drop a
label.

The palette is Okabe and Ito's, safe for the common kinds of colour blindness. A colour means
one thing across the product: `ALERT` is what needs attention (drifting accounts, a poor fit,
an account that went quiet), `CAUTION` what to watch, `GOOD` what works, `MAIN` the plain
measure of a chart, `NO_DATA` what cannot be told. Series that carry no judgement (measures,
needs, signals) take their colours from `SERIES`, which holds none of those.
"""

from __future__ import annotations

from typing import Any, Literal

import altair as alt
import polars as pl

ALERT = "#D55E00"
CAUTION = "#E69F00"
GOOD = "#009E73"
MAIN = "#0072B2"
NO_DATA = "#999999"
EARLIER = "#222222"
SERIES = ("#0072B2", "#56B4E9", "#CC79A7", "#332288", "#999933", "#6B6B6B", "#AA4499",
          "#117733")

# A browser draws a few thousand marks comfortably; a chart with more rows is thinned (and
# says so) rather than refused.
MAX_MARKS = 5_000
WEEK_MS = 7 * 24 * 3600 * 1000


def fit_width() -> alt.AutoSizeParams:
    """Fit the chart to the width it is given and keep its own height, so a legend or an axis
    never squeezes the rows (the app would otherwise fit the height too)."""
    return alt.AutoSizeParams(type="fit-x", contains="padding")


def category_axis(title: str | None, *, limit: int = 360, angle: int | None = None,
                  above: bool = False) -> alt.Axis:
    """An axis of categories that labels every one (no label dropped for overlap); `above`
    puts a y axis's title level above its labels, where long labels cannot run into it."""
    placed: dict[str, Any] = ({"titleAngle": 0, "titleAlign": "right", "titleBaseline": "bottom",
                               "titleX": 0, "titleY": -4} if above else {})
    return alt.Axis(title=title, labelOverlap=False, labelLimit=limit,
                    labelAngle=alt.Undefined if angle is None else angle, **placed)


def week_axis(title: str = "Week") -> alt.Axis:
    """A time axis of weeks: dates as dates, never a tick finer than a week."""
    return alt.Axis(title=title, format="%d %b %Y", tickMinStep=WEEK_MS, labelOverlap=True)


def whole_legend(title: str | None, *, orient: Literal["bottom", "right"] = "bottom",
                 columns: int | None = None) -> alt.Legend:
    """A legend whose labels are never cut short."""
    return alt.Legend(title=title, orient=orient, labelLimit=0, titleLimit=0,
                      columns=alt.Undefined if columns is None else columns)


def series_scale(names: list[str]) -> alt.Scale:
    """The `SERIES` colours for these names, in order (repeating past eight)."""
    return alt.Scale(domain=names, range=[SERIES[i % len(SERIES)] for i in range(len(names))])


def thin_rows(frame: pl.DataFrame, keep: pl.Expr, *, limit: int = MAX_MARKS,
              seed: int = 0) -> tuple[pl.DataFrame, str]:
    """Keep at most `limit` rows for drawing: every row `keep` marks (up to the limit), then a
    random sample of the others; return the rows and a sentence saying so ("" when all fit)."""
    if frame.height <= limit:
        return frame, ""
    kept = frame.filter(keep)
    rest = frame.filter(~keep)
    if kept.height >= limit:
        shown = kept.sample(limit, seed=seed)
        note = (f"Showing {limit:,} of {frame.height:,} accounts: a random sample of the "
                f"{kept.height:,} that need attention; the rest are left out.")
    else:
        shown = pl.concat([kept, rest.sample(limit - kept.height, seed=seed)])
        note = (f"Showing {limit:,} of {frame.height:,} accounts: all {kept.height:,} that "
                f"need attention and a random sample of the rest.")
    return shown, note
