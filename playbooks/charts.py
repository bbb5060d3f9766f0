"""Chart specs shared by the app, the notebooks and the reports. Each function returns an
Altair chart built from package data; nothing here draws or imports a UI."""

from __future__ import annotations

from typing import cast

import altair as alt
import polars as pl

from playbooks.advice.advisor import Recommendation
from playbooks.assessment.scoring import AssessmentResult
from playbooks.framework.model import Knowledge, load_knowledge

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
        color=alt.Color("fit:N", title="Fit", scale=alt.Scale(
            domain=list(FIT_COLOURS), range=list(FIT_COLOURS.values()))),
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
    chart = alt.layer(*layers).properties(title="Self-assessment profile",
                                          height=36 * len(rows))
    return cast(alt.LayerChart, chart)


STATUS_COLOURS = {"drifting while it looks healthy": "#c8553d", "at risk or watch": "#e0b54a",
                  "steady": "#3b6ea5", "no data": "#9e9e9e"}


def portfolio_frame(signals: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """One row per account: internal view, relationship trend, value and a plain group."""
    joined = signals.join(accounts.select("account_id", "name", "annual_value", "owner",
                                          pl.col("renewal_date").cast(pl.Date)),
                          on="account_id", how="left")
    return joined.with_columns(
        relationship_trend=(-pl.col("relationship_fall").fill_null(0.0) * 100).round(1),
        internal_score=pl.coalesce(pl.col("health_score"), pl.lit(None, pl.Float64)),
        group=pl.when(pl.col("status") == "no_data").then(pl.lit("no data"))
        .when(pl.col("looks_healthy_drifting")).then(pl.lit("drifting while it looks healthy"))
        .when(pl.col("status").is_in(["watch", "disengaging"])).then(pl.lit("at risk or watch"))
        .otherwise(pl.lit("steady")),
        first_reason=pl.col("reasons").list.first().fill_null(""),
    )


def portfolio_chart(frame: pl.DataFrame) -> alt.Chart:
    """Internal health against relationship trend, sized by annual value (from portfolio_frame)."""
    data = frame.select("account_id", "name", "internal_view", "internal_score",
                        "relationship_trend", "annual_value", "group", "disengagement_score",
                        "owner", "first_reason")
    return alt.Chart(data).mark_circle(opacity=0.7, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("internal_score:Q", title="Internal health score (what the dashboards say)",
                scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("relationship_trend:Q",
                title="Relationship trend, recent against baseline (%)"),
        size=alt.Size("annual_value:Q", title="Annual value", scale=alt.Scale(range=[15, 400])),
        color=alt.Color("group:N", title=None, scale=alt.Scale(
            domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))),
        tooltip=[alt.Tooltip("name:N", title="Account"), alt.Tooltip("owner:N", title="Owner"),
                 alt.Tooltip("internal_view:N", title="Internal view"),
                 alt.Tooltip("relationship_trend:Q", title="Relationship trend %"),
                 alt.Tooltip("disengagement_score:Q", title="Disengagement score"),
                 alt.Tooltip("first_reason:N", title="Why")],
    ).properties(title="Portfolio: what dashboards say against where the relationship is going",
                 height=420)


def account_timeline_chart(activity: pl.DataFrame) -> alt.Chart:
    """One account's activity by week and function, customer actions apart from staff and bots."""
    weekly = (activity.with_columns(week=pl.col("occurred_at").dt.truncate("1w").dt.date())
              .group_by("week", "source_function", "actor_type")
              .agg(events=pl.len(), kinds=pl.col("kind").unique().sort().str.join(", "))
              .sort("week"))
    return alt.Chart(weekly).mark_circle(opacity=0.75).encode(
        x=alt.X("week:T", title="Week"),
        y=alt.Y("source_function:N", title="Function"),
        size=alt.Size("events:Q", title="Events", scale=alt.Scale(range=[10, 300])),
        color=alt.Color("actor_type:N", title="Who acted",
                        scale=alt.Scale(domain=["customer", "staff", "bot"],
                                        range=["#3b6ea5", "#e0b54a", "#9e9e9e"])),
        tooltip=["week:T", "source_function:N", "actor_type:N", "events:Q",
                 alt.Tooltip("kinds:N", title="What happened")],
    ).properties(title="Every touch across functions, week by week", height=260)


def account_trend_chart(series: pl.DataFrame) -> alt.LayerChart:
    """One account's relationship signals per block, as the engine counts them, with the
    engine's recent and baseline value of each drawn dashed over its window.

    `series` is `playbooks.signals.account_block_series` for one account; blocks before the
    account started, which the engine leaves out, are not drawn.
    """
    data = series.filter(pl.col("counted")).select(
        "signal", "label", "block_start", "block_end", "window", "value", "window_value")
    weeks = (int((series["block_end"][0] - series["block_start"][0]).days) + 1) // 7 \
        if series.height else 4
    colour = alt.Color("label:N", title="Signal")
    base = alt.Chart(data)
    per_block = base.mark_line(point=True).encode(
        x=alt.X("block_start:T", title=f"Block of {weeks} weeks (start)"),
        y=alt.Y("value:Q", title=f"Per {weeks} weeks"), color=colour,
        tooltip=[alt.Tooltip("label:N", title="Signal"),
                 alt.Tooltip("block_start:T", title="From"),
                 alt.Tooltip("block_end:T", title="To"),
                 alt.Tooltip("value:Q", title="This block", format=".1f")])
    levels = base.mark_rule(strokeDash=[4, 3], opacity=0.7).encode(
        x="block_start:T", x2="block_end:T", y="window_value:Q", color=colour,
        tooltip=[alt.Tooltip("label:N", title="Signal"),
                 alt.Tooltip("window:N", title="Window"),
                 alt.Tooltip("window_value:Q", title="Engine's value", format=".2f")])
    return cast(alt.LayerChart, alt.layer(per_block, levels).properties(
        title="Relationship signals over time (dashed: recent and baseline)", height=220))


def themes_chart(themes: pl.DataFrame, top: int = 12) -> alt.Chart:
    """Repeated-question themes by accounts touched and weeks active."""
    data = themes.sort("account_count", descending=True).head(top).select(
        "label", "account_count", "question_count", "weeks_active", "recurring")
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("account_count:Q", title="Accounts asking"),
        y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("recurring:N", title="Keeps recurring",
                        scale=alt.Scale(domain=[True, False], range=["#c8553d", "#3b6ea5"])),
        tooltip=["label:N", "account_count:Q", "question_count:Q", "weeks_active:Q"],
    ).properties(title="Questions customers keep asking", height=24 * max(1, data.height))


# --- efficiency beside relationship (playbooks.trap) -------------------------------------------

TRAP_KIND_COLOURS = {"efficiency": "#3b6ea5", "relationship": "#c8553d"}
NEED_COLOURS = {"information": "#3b6ea5", "judgment": "#c8553d", "reassurance": "#e0b54a",
                "proof": "#1b7f5f", "peer_experience": "#8e5ea2", "unknown": "#9e9e9e"}


def trap_index_frame(series: pl.DataFrame, function: str, *, smooth_weeks: int = 4,
                     base_weeks: int = 12) -> pl.DataFrame:
    """One function's measures smoothed over `smooth_weeks` and indexed to 100 on the mean of
    their first `base_weeks` weeks (the drifting share is kept apart, in percent)."""
    from playbooks.trap import MEASURE_BY_NAME

    data = series.filter(pl.col("function") == function).sort("measure", "week")
    labels = {m: (v.label + (" (lower is better)" if v.better == "down" else ""))
              for m, v in MEASURE_BY_NAME.items()}
    smoothed = data.with_columns(
        pl.col("value").rolling_mean(smooth_weeks, min_samples=1).over("measure")
        .alias("smoothed"),
        pl.col("measure").replace_strict(labels, default=pl.col("measure")).alias("label"))
    base = smoothed.group_by("measure").agg(
        pl.col("value").head(base_weeks).mean().alias("base"))
    return smoothed.join(base, on="measure").with_columns(
        pl.when(pl.col("base") > 0).then(pl.col("smoothed") / pl.col("base") * 100)
        .alias("index"))


def trap_signature_chart(series: pl.DataFrame, findings: pl.DataFrame | None = None, *,
                         function: str = "all", smooth_weeks: int = 4,
                         width: int = 640) -> alt.VConcatChart:
    """Efficiency and relationship on one time axis for one function, each measure indexed
    to 100 at the start, with the trap periods shaded and explained on hover (`width` is
    each panel's plot width in pixels)."""
    from playbooks.trap import function_label

    frame = trap_index_frame(series, function, smooth_weeks=smooth_weeks)
    lines = frame.filter(pl.col("measure") != "drifting_share")
    periods = (findings.filter(pl.col("function") == function) if findings is not None
               else pl.DataFrame())
    x = alt.X("week:T", title="Week")
    if periods.height:
        shade = pl.DataFrame({
            "start": periods["start_week"], "end": periods["end_week"],
            "finding": periods["sentence"]})
    else:
        shade = pl.DataFrame(schema={"start": pl.Date, "end": pl.Date, "finding": pl.String})

    def panel(kind: str, title: str) -> alt.LayerChart:
        data = lines.filter(pl.col("kind") == kind).select(
            "week", "label", "index", "value", "kind")
        band = alt.Chart(shade).mark_rect(color="#c8553d", opacity=0.12).encode(
            x="start:T", x2="end:T", tooltip=[alt.Tooltip("finding:N", title="Trap")])
        line = alt.Chart(data).mark_line(strokeWidth=2).encode(
            x=x, y=alt.Y("index:Q", title="Index (start = 100)", scale=alt.Scale(zero=False)),
            color=alt.Color("label:N", title=None,
                            legend=alt.Legend(labelLimit=420, orient="bottom", columns=2)),
            tooltip=["week:T", alt.Tooltip("label:N", title="Measure"),
                     alt.Tooltip("index:Q", format=".0f"),
                     alt.Tooltip("value:Q", title="This week", format=".3g")])
        rule = alt.Chart(pl.DataFrame({"y": [100]})).mark_rule(
            color="#9e9e9e", strokeDash=[4, 4]).encode(y="y:Q")
        return cast(alt.LayerChart, alt.layer(band, rule, line).properties(
            height=200, width=width, title=title))

    panels = [panel("efficiency", "Efficiency"), panel("relationship", "Relationship")]
    drifting = frame.filter(pl.col("measure") == "drifting_share")
    if drifting.height:
        panels.append(alt.Chart(drifting.select("week", "value")).mark_line(
            point=True, color=TRAP_KIND_COLOURS["relationship"]).encode(
            x=x, y=alt.Y("value:Q", title="Share of accounts", axis=alt.Axis(format="%")),
            tooltip=["week:T", alt.Tooltip("value:Q", format=".1%")],
        ).properties(height=110, width=width,
                     title="Accounts that look healthy while drifting"))
    return alt.vconcat(*panels).resolve_scale(color="independent").properties(
        title=f"Efficiency beside relationship: {function_label(function)}")


def need_mix_chart(mix: pl.DataFrame, *, functions: list[str] | None = None) -> alt.Chart:
    """The need behind the questions on each function's channels, automated answers apart
    (from `playbooks.trap.need_mix`; questions without text are left out)."""
    data = mix.filter(pl.col("need") != "no_text")
    if functions:
        data = data.filter(pl.col("function").is_in(functions))
    data = data.with_columns(
        (pl.col("function").str.replace_all("_", " ") + " · "
         + pl.col("channel").str.replace_all("_", " ")
         + pl.when(pl.col("automated")).then(pl.lit(" (automation alone)"))
         .otherwise(pl.lit(""))).alias("where"))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("sum(questions):Q", stack="normalize", title="Share of the questions there",
                axis=alt.Axis(format="%")),
        y=alt.Y("where:N", title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("need:N", title="Need behind the question",
                        scale=alt.Scale(domain=list(NEED_COLOURS),
                                        range=list(NEED_COLOURS.values()))),
        order=alt.Order("need:N"),
        tooltip=[alt.Tooltip("where:N", title="Where"), "need:N", "questions:Q",
                 alt.Tooltip("share_of_channel:Q", title="Share there", format=".0%")],
    ).properties(title="What customers needed, by where they asked",
                 height=22 * max(1, data.select("where").n_unique()))


def repair_chart(by_quarter: pl.DataFrame) -> alt.Chart:
    """Share of escalation or incident episodes after which the account came back, per quarter
    (from `playbooks.trap.repair_after_incidents(...).by_quarter`)."""
    data = by_quarter.select("quarter", "episodes", "came_back", "went_quiet").unpivot(
        index=["quarter", "episodes"], variable_name="outcome", value_name="count")
    data = data.with_columns(pl.col("outcome").replace_strict(
        {"came_back": "came back", "went_quiet": "went quiet"}))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("quarter:T", title="Quarter of the escalation or incident",
                timeUnit="yearquarter"),
        y=alt.Y("count:Q", stack="normalize", title="Share of episodes",
                axis=alt.Axis(format="%")),
        color=alt.Color("outcome:N", title="Afterwards",
                        scale=alt.Scale(domain=["came back", "went quiet"],
                                        range=["#1b7f5f", "#c8553d"])),
        tooltip=[alt.Tooltip("quarter:T", timeUnit="yearquarter"), "outcome:N", "count:Q",
                 "episodes:Q"],
    ).properties(title="After something went wrong: came back or went quiet", height=220)
