"""Charts of the framework and the self-assessment: the fit heat map, the advisor's ranking and
the self-assessment profile."""

from __future__ import annotations

import math
from typing import cast

import altair as alt
import polars as pl

from playbooks.advice.advisor import Recommendation
from playbooks.assessment.scoring import AssessmentResult
from playbooks.charts.style import (
    ALERT,
    CAUTION,
    EARLIER,
    GOOD,
    MAIN,
    category_axis,
    fit_width,
    whole_legend,
)
from playbooks.framework.model import Knowledge, load_knowledge

FIT_COLOURS = {"strong": GOOD, "partial": CAUTION, "poor": ALERT}


def fit_frame(kb: Knowledge | None = None) -> pl.DataFrame:
    """The need-by-channel fit table, one row per pair, with labels and rationale."""
    kb = kb or load_knowledge()
    rows = []
    for n_order, need in enumerate(kb.needs.values()):
        for c_order, channel in enumerate(kb.channels.values()):
            cell = kb.fit[need.id][channel.id]
            rows.append({
                "need": need.id, "need_label": need.label, "need_order": n_order,
                "channel": channel.id, "channel_label": channel.label, "channel_order": c_order,
                "kind": channel.kind, "fit": cell.level,
                "score": getattr(kb.levels, cell.level), "rationale": cell.rationale,
            })
    return pl.DataFrame(rows)


def fit_scale() -> alt.Scale:
    """Fit levels in their colours: strong good, partial caution, poor alert."""
    return alt.Scale(domain=list(FIT_COLOURS), range=list(FIT_COLOURS.values()))


def fit_heatmap(kb: Knowledge | None = None) -> alt.LayerChart:
    """Need by channel, coloured by fit, with the rationale on hover; every need and channel
    labelled."""
    kb = kb or load_knowledge()
    frame = fit_frame(kb)
    channel_order = [c.label for c in kb.channels.values()]
    need_order = [n.label for n in kb.needs.values()]
    base = alt.Chart(frame).encode(
        x=alt.X("channel_label:N", sort=channel_order,
                axis=category_axis("Channel", limit=200, angle=-35)),
        y=alt.Y("need_label:N", sort=need_order,
                axis=category_axis("What the customer needs", limit=280, above=True)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("fit:N", scale=fit_scale(), legend=whole_legend("Fit", orient="right")),
        tooltip=[
            alt.Tooltip("need_label:N", title="Need"),
            alt.Tooltip("channel_label:N", title="Channel"),
            alt.Tooltip("kind:N", title="Who answers"),
            alt.Tooltip("fit:N", title="Fit"),
            alt.Tooltip("rationale:N", title="Why"),
        ],
    )
    labels = base.mark_text(fontSize=11, color="white").encode(text="fit:N")
    return cast(alt.LayerChart, (cells + labels).properties(
        title="How well each channel fits each need", height=56 * len(need_order),
        autosize=fit_width()))


def recommendation_chart(result: Recommendation, kb: Knowledge | None = None) -> alt.LayerChart:
    """Channels ranked for one situation: bars of fit score coloured by fit, drawn from the
    left edge so a poor fit shows too, with the strong and partial thresholds marked."""
    kb = kb or load_knowledge()
    frame = pl.DataFrame([
        {"channel": c.label, "score": round(c.score, 2), "fit": c.fit, "kind": c.kind,
         "rank": i, "reasons": " / ".join(c.reasons)}
        for i, c in enumerate(result.channels, start=1)
    ])
    scores = [c.score for c in result.channels] or [0.0]
    low = min(0.0, math.floor(min(scores) * 4) / 4) - 0.25
    high = max(1.0, math.ceil(max(scores) * 4) / 4)
    frame = frame.with_columns(start=pl.lit(low))
    x_title = (f"Fit score (poor {kb.levels.poor:g}, partial {kb.levels.partial:g}, strong "
               f"{kb.levels.strong:g}; the situation moves it up or down)")
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("score:Q", title=x_title, scale=alt.Scale(domain=[low, high], nice=False)),
        x2="start:Q",
        y=alt.Y("channel:N", sort=alt.EncodingSortField("rank", order="ascending"),
                axis=category_axis("Channel", limit=260, above=True)),
        color=alt.Color("fit:N", scale=fit_scale(), legend=whole_legend("Fit", orient="right")),
        tooltip=[alt.Tooltip("channel:N", title="Channel"),
                 alt.Tooltip("kind:N", title="Who answers"), alt.Tooltip("fit:N", title="Fit"),
                 alt.Tooltip("score:Q", title="Fit score", format=".2f"),
                 alt.Tooltip("reasons:N", title="Why")],
    )
    marks = pl.DataFrame({"at": [kb.thresholds.partial, kb.thresholds.strong],
                          "what": [f"partial from {kb.thresholds.partial:g}",
                                   f"strong from {kb.thresholds.strong:g}"]})
    rules = alt.Chart(marks).mark_rule(color=EARLIER, strokeDash=[4, 3], opacity=0.6).encode(
        x="at:Q", tooltip=[alt.Tooltip("what:N", title="Threshold")])
    return cast(alt.LayerChart, alt.layer(bars, rules).properties(
        height=28 * len(result.channels), autosize=fit_width()))


def assessment_profile_chart(result: AssessmentResult, earlier: AssessmentResult | None = None,
                             *, earlier_label: str = "previous quarter",
                             label: str = "this quarter") -> alt.LayerChart:
    """One bar per dimension (its self-assessed level), with the earlier quarter as black
    ticks; both named in the legend, every dimension labelled."""
    rows = []
    for order, dim in enumerate(result.dimensions.values()):
        before = earlier.dimensions.get(dim.dimension_id) if earlier else None
        rows.append({
            "dimension": dim.title, "order": order,
            "score": None if dim.score is None else round(dim.score, 1),
            "level": dim.level_name or "not answered",
            "answered": f"{dim.answered} of {dim.total}",
            "earlier": None if before is None or before.score is None
            else round(before.score, 1),
            "now_is": label, "before_is": earlier_label,
        })
    frame = pl.DataFrame(rows, schema_overrides={"score": pl.Float64, "earlier": pl.Float64})
    levels = list(range(0, result.target + 1))
    # An explicit order: a sort by field is lost when the layers' domains are merged.
    y = alt.Y("dimension:N", sort=[d.title for d in result.dimensions.values()],
              axis=category_axis("Dimension", limit=440, above=True))
    colour = alt.Scale(domain=[label, earlier_label], range=[MAIN, EARLIER])
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("score:Q", title=f"Self-assessed level (1 to {result.target})",
                scale=alt.Scale(domain=[0, result.target], nice=False),
                axis=alt.Axis(values=levels, format=".0f", labelFlush=True)),
        y=y,
        color=alt.Color("now_is:N", scale=colour, legend=whole_legend(None, orient="bottom")),
        tooltip=[alt.Tooltip("dimension:N", title="Dimension"),
                 alt.Tooltip("score:Q", title=label, format=".1f"),
                 alt.Tooltip("level:N", title="Level"),
                 alt.Tooltip("answered:N", title="Statements answered"),
                 alt.Tooltip("earlier:Q", title=earlier_label, format=".1f")],
    )
    layers = [bars]
    if earlier is not None:
        layers.append(alt.Chart(frame).mark_tick(thickness=3, size=22).encode(
            x="earlier:Q", y=y, color=alt.Color("before_is:N", scale=colour),
            tooltip=[alt.Tooltip("dimension:N", title="Dimension"),
                     alt.Tooltip("earlier:Q", title=earlier_label, format=".1f")]))
    chart = alt.layer(*layers).properties(title="Self-assessment profile",
                                          height=36 * len(rows),
                                          autosize=fit_width())
    return cast(alt.LayerChart, chart)
