"""The backtest card's calibration chart: the score's predicted chance against what happened.

One Altair spec for the app, the review pack and notebooks. Colours are the product's
palette (`playbooks.charts.style`, which this room cannot import): the plain measure in
blue, the reference line in near-black.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from playbooks.signals.card import BacktestCard

MAIN = "#0072B2"
EARLIER = "#222222"


def calibration_frame(card: BacktestCard) -> pl.DataFrame:
    """The calibration bands as rows in percent, with a label for each band."""
    return pl.DataFrame(
        [{"band": f"{b['low']:.0%}-{b['high']:.0%}", "predicted": 100 * b["predicted"],
          "observed": 100 * b["observed"], "rows": int(b["rows"])}
         for b in card.calibration],
        schema={"band": pl.String, "predicted": pl.Float64, "observed": pl.Float64,
                "rows": pl.Int64})


def calibration_chart(card: BacktestCard, *, width: int = 360) -> alt.LayerChart:
    """Predicted chance (x) against the share that went quiet (y), one point per band sized
    by its accounts, beside the line where the two are equal."""
    frame = calibration_frame(card)
    axis_x = alt.X("predicted:Q", title="Predicted chance of going quiet (%)",
                   scale=alt.Scale(domain=[0, 100]))
    axis_y = alt.Y("observed:Q", title="Accounts that went quiet (%)",
                   scale=alt.Scale(domain=[0, 100]))
    diagonal = alt.Chart(pl.DataFrame({"predicted": [0.0, 100.0], "observed": [0.0, 100.0],
                                       "line": ["predicted = what happened"] * 2})) \
        .mark_line(strokeDash=[4, 4]) \
        .encode(axis_x, axis_y, color=alt.Color(
            "line:N", title=None, scale=alt.Scale(range=[EARLIER]),
            legend=alt.Legend(orient="bottom", labelLimit=0)))
    points = alt.Chart(frame).mark_circle(color=MAIN, opacity=0.85).encode(
        axis_x, axis_y,
        size=alt.Size("rows:Q", title="Account rows in the band",
                      legend=alt.Legend(orient="bottom", labelLimit=0)),
        tooltip=[alt.Tooltip("band:N", title="Predicted band"),
                 alt.Tooltip("predicted:Q", title="Predicted (%)", format=".0f"),
                 alt.Tooltip("observed:Q", title="Went quiet (%)", format=".0f"),
                 alt.Tooltip("rows:Q", title="Account rows", format=",")])
    labels = points.mark_text(dy=-12, fontSize=10, color=EARLIER).encode(text="band:N")
    return alt.LayerChart(layer=[diagonal, points, labels]).properties(
        width=width, height=width,
        title=f"Calibration: predicted chance against what happened in the next "
              f"{card.horizon_weeks} weeks")
