"""Charts of the efficiency trap: efficiency beside relationship, the need behind questions,
and what happened after something went wrong."""

from __future__ import annotations

from typing import cast

import altair as alt
import polars as pl

from playbooks.charts.style import (
    ALERT,
    EARLIER,
    GOOD,
    NO_DATA,
    SERIES,
    category_axis,
    fit_width,
    series_scale,
    week_axis,
    whole_legend,
)
from playbooks.framework.model import Knowledge, load_knowledge

TRAP_KIND_COLOURS = {"efficiency": SERIES[0], "relationship": SERIES[2]}
NEED_ORDER = ("information", "judgment", "reassurance", "proof", "peer_experience", "unknown")
NEED_COLOURS = {need: (NO_DATA if need == "unknown" else SERIES[i])
                for i, need in enumerate(NEED_ORDER)}
OUTCOME_COLOURS = {"came back": GOOD, "went quiet": ALERT}


def trap_index_frame(series: pl.DataFrame, function: str, *, smooth_weeks: int = 8,
                     base_weeks: int = 12) -> pl.DataFrame:
    """One function's measures smoothed over `smooth_weeks` and indexed to 100 on the mean of
    their first `base_weeks` weeks (`index`; `raw_index` is the week's own value on the same
    scale; the drifting share is kept apart, in percent)."""
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
        .alias("index"),
        pl.when(pl.col("base") > 0).then(pl.col("value") / pl.col("base") * 100)
        .alias("raw_index"))


INDEX_NAMES = {"efficiency": "Efficiency index", "relationship": "Relationship index"}
INDEX_TITLE = "Index, start = 100 (higher is better)"
WEEK = "Week"


def trap_composite_frame(series: pl.DataFrame, function: str, *,
                         smooth_weeks: int = 8) -> pl.DataFrame:
    """One efficiency index and one relationship index per week for one function: the mean
    of its measures' indexes (start = 100), each turned so that up is better (a measure where
    lower is better counts as start / now). Efficiency takes the measures that may drive a
    trap finding; the drifting share, sampled every few weeks, is left out. Columns: week,
    kind, index (the name shown), value, measures (how many measures that week)."""
    from playbooks.trap import MEASURE_BY_NAME

    frame = trap_index_frame(series, function, smooth_weeks=smooth_weeks)
    better = {m: v.better for m, v in MEASURE_BY_NAME.items()}
    counted = [m for m, v in MEASURE_BY_NAME.items()
               if m != "drifting_share" and (v.kind == "relationship" or v.drives_trap)]
    turned = (frame.filter(pl.col("measure").is_in(counted) & (pl.col("index") > 0))
              .with_columns(pl.when(pl.col("measure").replace_strict(better, default="up")
                                    == "down")
                            .then(10_000.0 / pl.col("index")).otherwise(pl.col("index"))
                            .alias("turned")))
    return (turned.group_by("week", "kind")
            .agg(pl.col("turned").mean().alias("value"), pl.len().alias("measures"))
            .with_columns(pl.col("kind").replace_strict(INDEX_NAMES, default="").alias("index"))
            .sort("kind", "week").select("week", "kind", "index", "value", "measures"))


def _change(value: float) -> str:
    return f"{value - 100:+.0f}%"


def trap_picture_chart(series: pl.DataFrame, findings: pl.DataFrame | None = None, *,
                       function: str = "all", smooth_weeks: int = 8, width: int = 640,
                       titled: bool = True) -> alt.LayerChart:
    """The picture a leader reads in five seconds: one efficiency index and one relationship
    index on one time axis, the trap periods shaded, with the period and the sizes written on
    the chart (from `trap_composite_frame`; the periods from `playbooks.trap.find_traps`).
    `titled` False leaves the title to the chart it is placed in (`picture_title`)."""

    data = trap_composite_frame(series, function, smooth_weeks=smooth_weeks)
    periods = (findings.filter(pl.col("function") == function) if findings is not None
               else pl.DataFrame(schema={"start_week": pl.Date, "end_week": pl.Date,
                                         "weeks": pl.Int64, "sentence": pl.String}))
    top = float(data["value"].max() or 100.0) if data.height else 100.0  # type: ignore[arg-type]
    shade = periods.select(
        pl.col("start_week").alias("start"), pl.col("end_week").alias("end"),
        pl.col("sentence").alias("finding"),
        pl.format("Trap: {} weeks, {} to {}", pl.col("weeks"),
                  pl.col("start_week").dt.strftime("%d %b %Y"),
                  pl.col("end_week").dt.strftime("%d %b %Y")).alias("period"),
        pl.lit(max(top, 100.0) * 1.08).alias("top"))
    last = data.group_by("kind").agg(pl.all().sort_by("week").last()).with_columns(
        pl.format("{} {} ({} since the start)", pl.col("index"),
                  pl.col("value").round(0).cast(pl.Int64),
                  pl.col("value").map_elements(_change, return_dtype=pl.String))
        .alias("size")).sort("kind")
    x = alt.X("week:T", axis=week_axis(WEEK))
    y = alt.Y("value:Q", title=INDEX_TITLE, scale=alt.Scale(zero=False),
              axis=alt.Axis(format=",.0f"))
    scale = alt.Scale(domain=list(INDEX_NAMES.values()),
                      range=[TRAP_KIND_COLOURS[k] for k in INDEX_NAMES])
    colour = alt.Color("index:N", scale=scale, legend=whole_legend(None))
    band = alt.Chart(shade).mark_rect(color=ALERT, opacity=0.12).encode(
        x=alt.X("start:T", title=WEEK), x2="end:T",
        tooltip=[alt.Tooltip("finding:N", title="Trap")])
    band_text = alt.Chart(shade).mark_text(align="left", baseline="top", dx=4, dy=2,
                                           color=EARLIER, fontSize=11).encode(
        x=alt.X("start:T", title=WEEK), y=alt.Y("top:Q", title=INDEX_TITLE), text="period:N")
    rule = alt.Chart(pl.DataFrame({"y": [100]})).mark_rule(
        color=NO_DATA, strokeDash=[4, 4]).encode(y=alt.Y("y:Q", title=INDEX_TITLE))
    line = alt.Chart(data).mark_line(strokeWidth=3).encode(
        x=x, y=y, color=colour,
        tooltip=[alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
                 alt.Tooltip("index:N", title="Index"),
                 alt.Tooltip("value:Q", title="Value", format=".0f"),
                 alt.Tooltip("measures:Q", title="Measures in it")])
    sizes = alt.Chart(last).mark_text(align="right", dy=-10, fontSize=12, fontWeight="bold") \
        .encode(x=x, y=y, color=alt.Color("index:N", scale=scale, legend=None),
                text="size:N")
    chart = alt.layer(band, rule, line, sizes, band_text).properties(width=width, height=240)
    if titled:
        chart = chart.properties(title=picture_title(data, function))
    return cast(alt.LayerChart, chart)


def picture_title(data: pl.DataFrame, function: str) -> alt.TitleParams:
    """The picture's title: the function, and how far each index moved since the start."""
    from playbooks.trap import function_label

    last = data.sort("week").group_by("kind", maintain_order=True).last().sort("kind")
    moves = ", ".join(f"{r['index'].split()[0].lower()} {_change(r['value'])}"
                      for r in last.iter_rows(named=True))
    return alt.TitleParams(
        f"Efficiency beside relationship: {function_label(function)}",
        subtitle=[f"Since the start: {moves}." if moves else "No measures to show.",
                  "Shaded: weeks where efficiency improved while the relationship weakened."])


def trap_signature_chart(series: pl.DataFrame, findings: pl.DataFrame | None = None, *,
                         function: str = "all", smooth_weeks: int = 8,
                         width: int = 640) -> alt.VConcatChart:
    """The picture (`trap_picture_chart`) with the per-measure detail below it: efficiency
    and relationship measures on the same time axis, each smoothed over `smooth_weeks` and
    indexed to 100 at the start, the trap periods shaded and explained on hover; choosing a
    measure in the legend brings it forward with its raw weekly values (`width` is each
    panel's plot width in pixels)."""

    frame = trap_index_frame(series, function, smooth_weeks=smooth_weeks)
    lines = frame.filter(pl.col("measure") != "drifting_share")
    periods = (findings.filter(pl.col("function") == function) if findings is not None
               else pl.DataFrame())
    x = alt.X("week:T", axis=week_axis())
    if periods.height:
        shade = pl.DataFrame({
            "start": periods["start_week"], "end": periods["end_week"],
            "finding": periods["sentence"]})
    else:
        shade = pl.DataFrame(schema={"start": pl.Date, "end": pl.Date, "finding": pl.String})

    def panel(kind: str, title: str) -> alt.LayerChart:
        data = lines.filter(pl.col("kind") == kind).select(
            "week", "label", "index", "raw_index", "value", "kind")
        chosen = alt.selection_point(name=f"{kind}_measure", fields=["label"], bind="legend")
        colour = alt.Color("label:N", scale=series_scale(sorted(set(data["label"].to_list()))),
                           legend=whole_legend(None, columns=2))
        y = alt.Y("index:Q", title=f"Index, start = 100 ({smooth_weeks}-week average)",
                  scale=alt.Scale(zero=False), axis=alt.Axis(format=",.0f"))
        band = alt.Chart(shade).mark_rect(color=ALERT, opacity=0.12).encode(
            x="start:T", x2="end:T", tooltip=[alt.Tooltip("finding:N", title="Trap")])
        line = alt.Chart(data).mark_line(strokeWidth=2).encode(
            x=x, y=y, color=colour,
            opacity=alt.condition(chosen, alt.value(1.0), alt.value(0.2)),
            tooltip=[alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
                     alt.Tooltip("label:N", title="Measure"),
                     alt.Tooltip("index:Q", title="Index", format=".0f"),
                     alt.Tooltip("value:Q", title="This week", format=".3g")],
        ).add_params(chosen)
        raw = alt.Chart(data).mark_line(strokeWidth=1, strokeDash=[2, 2]).encode(
            x=x, y=alt.Y("raw_index:Q"), color=colour,
            opacity=alt.condition(chosen, alt.value(0.8), alt.value(0.0), empty=False))
        rule = alt.Chart(pl.DataFrame({"y": [100]})).mark_rule(
            color=NO_DATA, strokeDash=[4, 4]).encode(y="y:Q")
        return cast(alt.LayerChart, alt.layer(band, rule, raw, line).properties(
            height=200, width=width, title=title))

    panels = [trap_picture_chart(series, findings, function=function,
                                 smooth_weeks=smooth_weeks, width=width, titled=False),
              panel("efficiency", "Efficiency, measure by measure"),
              panel("relationship", "Relationship, measure by measure")]
    drifting = frame.filter(pl.col("measure") == "drifting_share")
    if drifting.height:
        panels.append(alt.Chart(drifting.select("week", "value")).mark_line(
            point=True, color=ALERT).encode(
            x=x, y=alt.Y("value:Q", title="Share of accounts (%)", axis=alt.Axis(format="%")),
            tooltip=[alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
                     alt.Tooltip("value:Q", title="Share", format=".1%")],
        ).properties(height=110, width=width,
                     title="Accounts that look healthy while drifting"))
    return alt.vconcat(*panels).resolve_scale(color="independent").properties(
        title=picture_title(trap_composite_frame(series, function, smooth_weeks=smooth_weeks),
                            function))


def need_mix_chart(mix: pl.DataFrame, *, functions: list[str] | None = None,
                   kb: Knowledge | None = None) -> alt.Chart:
    """The need behind the questions on each function's channels, automated answers apart
    (from `playbooks.trap.need_mix`; questions without text are left out)."""
    from playbooks.trap import function_label

    kb = kb or load_knowledge()
    channels = {c.id: c.label for c in kb.channels.values()}
    needs = {n.id: n.label for n in kb.needs.values()} | {"unknown": "Not clear"}
    data = mix.filter(pl.col("need") != "no_text")
    if functions:
        data = data.filter(pl.col("function").is_in(functions))
    where = {f: function_label(f) for f in data["function"].unique().to_list()}
    data = data.with_columns(
        (pl.col("function").replace_strict(where, default=pl.col("function")) + " · "
         + pl.col("channel").replace_strict(channels, default=pl.col("channel"))
         + pl.when(pl.col("automated")).then(pl.lit(" (automation alone)"))
         .otherwise(pl.lit(""))).alias("where"),
        pl.col("need").replace_strict(needs, default=pl.col("need")).alias("need_label"))
    shown = [needs.get(n, n) for n in NEED_ORDER]
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("sum(questions):Q", stack="normalize", title="Share of the questions there (%)",
                axis=alt.Axis(format="%")),
        y=alt.Y("where:N", axis=category_axis("Function · channel", limit=360, above=True)),
        color=alt.Color("need_label:N", scale=alt.Scale(
            domain=shown, range=[NEED_COLOURS[n] for n in NEED_ORDER]),
            legend=whole_legend("Need behind the question", columns=3)),
        order=alt.Order("need:N"),
        tooltip=[alt.Tooltip("where:N", title="Where"), alt.Tooltip("need_label:N", title="Need"),
                 alt.Tooltip("questions:Q", title="Questions", format=","),
                 alt.Tooltip("share_of_channel:Q", title="Share there", format=".0%")],
    ).properties(title="What customers needed, by where they asked",
                 height=26 * max(1, data.select("where").n_unique()),
                 autosize=fit_width())


def repair_chart(by_quarter: pl.DataFrame) -> alt.Chart:
    """Share of escalation or incident episodes after which the account came back, per quarter
    (from `playbooks.trap.repair_after_incidents(...).by_quarter`)."""
    data = by_quarter.select("quarter", "episodes", "came_back", "went_quiet").unpivot(
        index=["quarter", "episodes"], variable_name="outcome", value_name="count")
    data = data.with_columns(pl.col("outcome").replace_strict(
        {"came_back": "came back", "went_quiet": "went quiet"}))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("quarter:T", timeUnit="yearquarter",
                axis=alt.Axis(title="Quarter of the escalation or incident", format="%Y Q%q",
                              labelOverlap=False, labelAngle=-45, labelLimit=200)),
        y=alt.Y("count:Q", stack="normalize", title="Share of episodes (%)",
                axis=alt.Axis(format="%")),
        color=alt.Color("outcome:N", scale=alt.Scale(
            domain=list(OUTCOME_COLOURS), range=list(OUTCOME_COLOURS.values())),
            legend=whole_legend("Afterwards", orient="bottom")),
        tooltip=[alt.Tooltip("quarter:T", timeUnit="yearquarter", title="Quarter",
                             format="%Y Q%q"),
                 alt.Tooltip("outcome:N", title="Afterwards"),
                 alt.Tooltip("count:Q", title="Episodes with this outcome"),
                 alt.Tooltip("episodes:Q", title="Episodes in the quarter")],
    ).properties(title="After something went wrong: came back or went quiet", height=220,
                 autosize=fit_width())
