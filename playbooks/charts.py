"""Chart specs shared by the app, the notebooks and the reports. Each function returns an
Altair chart built from package data; nothing here draws or imports a UI."""

from __future__ import annotations

import altair as alt
import polars as pl

from playbooks.advisor import Recommendation
from playbooks.assessment import AssessmentResult
from playbooks.framework import Knowledge, load_knowledge

FIT_COLOURS = {"strong": "#1b7f5f", "partial": "#e0b54a", "poor": "#c8553d"}


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


def fit_heatmap(kb: Knowledge | None = None) -> alt.Chart:
    """Need by channel, coloured by fit, with the rationale on hover."""
    kb = kb or load_knowledge()
    frame = fit_frame(kb)
    channel_order = [c.label for c in kb.channels.values()]
    need_order = [n.label for n in kb.needs.values()]
    base = alt.Chart(frame).encode(
        x=alt.X("channel_label:N", sort=channel_order, title="Channel",
                axis=alt.Axis(labelAngle=-35)),
        y=alt.Y("need_label:N", sort=need_order, title="What the customer needs"),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("fit:N", title="Fit",
                        scale=alt.Scale(domain=list(FIT_COLOURS), range=list(FIT_COLOURS.values()))),
        tooltip=[
            alt.Tooltip("need_label:N", title="Need"),
            alt.Tooltip("channel_label:N", title="Channel"),
            alt.Tooltip("kind:N", title="Who answers"),
            alt.Tooltip("fit:N", title="Fit"),
            alt.Tooltip("rationale:N", title="Why"),
        ],
    )
    labels = base.mark_text(fontSize=11, color="white").encode(text="fit:N")
    return (cells + labels).properties(title="How well each channel fits each need",
                                       height=260)


def recommendation_chart(result: Recommendation) -> alt.Chart:
    """Channels ranked for one situation, as bars of adjusted score coloured by fit."""
    frame = pl.DataFrame([
        {"channel": c.label, "score": c.score, "fit": c.fit, "kind": c.kind, "rank": i,
         "reasons": " / ".join(c.reasons)}
        for i, c in enumerate(result.channels, start=1)
    ])
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("score:Q", title="Fit score after the situation"),
        y=alt.Y("channel:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=220)),
        color=alt.Color("fit:N", scale=alt.Scale(domain=list(FIT_COLOURS),
                                                 range=list(FIT_COLOURS.values()))),
        tooltip=["channel:N", "kind:N", "fit:N", alt.Tooltip("reasons:N", title="Why")],
    ).properties(height=28 * len(result.channels))


def assessment_profile_chart(result: AssessmentResult, earlier: AssessmentResult | None = None,
                             *, earlier_label: str = "previous quarter") -> alt.LayerChart:
    """One bar per dimension (its self-assessed score), with the earlier quarter as ticks."""
    rows = []
    for order, dim in enumerate(result.dimensions.values()):
        before = earlier.dimensions.get(dim.dimension_id) if earlier else None
        rows.append({
            "dimension": dim.title, "order": order, "score": dim.score,
            "level": dim.level_name or "not answered",
            "answered": f"{dim.answered} of {dim.total}",
            "earlier": before.score if before else None,
        })
    frame = pl.DataFrame(rows, schema_overrides={"score": pl.Float64, "earlier": pl.Float64})
    y = alt.Y("dimension:N", sort=alt.EncodingSortField("order", order="ascending"), title=None,
              axis=alt.Axis(labelLimit=320))
    bars = alt.Chart(frame).mark_bar(color="#3b6ea5").encode(
        x=alt.X("score:Q", title="Self-assessed level (1 to 4)",
                scale=alt.Scale(domain=[0, result.target])),
        y=y,
        tooltip=["dimension:N", alt.Tooltip("score:Q", format=".2f"), "level:N",
                 alt.Tooltip("answered:N", title="Statements answered"),
                 alt.Tooltip("earlier:Q", title=earlier_label, format=".2f")],
    )
    layers = [bars]
    if earlier is not None:
        layers.append(alt.Chart(frame).mark_tick(color="#c8553d", thickness=3, size=22).encode(
            x="earlier:Q", y=y,
            tooltip=[alt.Tooltip("earlier:Q", title=earlier_label, format=".2f")]))
    return alt.layer(*layers).properties(title="Self-assessment profile",
                                         height=36 * len(rows))
