"""Charts of accounts: the portfolio, one account's touches and signals, and the questions
customers keep asking."""

from __future__ import annotations

from typing import cast

import altair as alt
import polars as pl

from playbooks.charts.style import (
    ALERT,
    CAUTION,
    MAIN,
    NO_DATA,
    category_axis,
    fit_width,
    series_scale,
    thin_rows,
    week_axis,
    whole_legend,
)

STATUS_COLOURS = {"drifting while it looks healthy": ALERT, "at risk or watch": CAUTION,
                  "steady": MAIN, "no data": NO_DATA}
QUESTION_CHARS = 70  # a theme's question is shortened to this many characters on its bar
ACTOR_COLOURS = {"customer": MAIN, "staff": CAUTION, "bot": NO_DATA}


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


def portfolio_chart(frame: pl.DataFrame, *, currency: str = "") -> alt.Chart:
    """Internal health against relationship trend, sized by annual value (from portfolio_frame).

    Past `MAX_MARKS` accounts the chart draws every account that needs attention (drifting or
    at risk) and a random sample of the others, and says so under its title.
    """
    data = frame.select("account_id", "name", "internal_view", "internal_score",
                        "relationship_trend", "annual_value", "group", "disengagement_score",
                        "owner", "first_reason")
    data, note = thin_rows(data, pl.col("group").is_in(["drifting while it looks healthy",
                                                        "at risk or watch"]))
    value_title = f"Annual value ({currency})" if currency else "Annual value"
    title = alt.Title("Portfolio: what dashboards say against where the relationship is going",
                      subtitle=note or alt.Undefined)
    return alt.Chart(data).mark_circle(opacity=0.7, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("internal_score:Q", title="Internal health score, 0 to 100 (what the "
                "dashboards say)", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("relationship_trend:Q",
                title="Relationship trend, recent against baseline (%)"),
        size=alt.Size("annual_value:Q", scale=alt.Scale(range=[15, 400]),
                      legend=alt.Legend(title=value_title, format=",.0f", orient="right")),
        color=alt.Color("group:N", scale=alt.Scale(
            domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
            legend=whole_legend("Where the account stands", orient="bottom")),
        tooltip=[alt.Tooltip("name:N", title="Account"), alt.Tooltip("owner:N", title="Owner"),
                 alt.Tooltip("internal_view:N", title="Internal view"),
                 alt.Tooltip("relationship_trend:Q", title="Relationship trend (%)",
                             format=".0f"),
                 alt.Tooltip("annual_value:Q", title=value_title, format=",.0f"),
                 alt.Tooltip("disengagement_score:Q", title="Disengagement score",
                             format=".2f"),
                 alt.Tooltip("first_reason:N", title="Why")],
    ).properties(title=title, height=420, autosize=fit_width())


def account_timeline_chart(activity: pl.DataFrame,
                           function_labels: dict[str, str] | None = None) -> alt.Chart:
    """One account's activity by week and function, customer actions apart from staff and bots
    (`function_labels` names the functions; their codes are shown otherwise)."""
    names = function_labels or {}
    weekly = (activity.with_columns(week=pl.col("occurred_at").dt.truncate("1w").dt.date())
              .group_by("week", "source_function", "actor_type")
              .agg(events=pl.len(), kinds=pl.col("kind").unique().sort().str.join(", "))
              .with_columns(pl.col("kinds").str.replace_all("_", " "),
                            function=pl.col("source_function").replace_strict(
                                names, default=pl.col("source_function").str.replace_all(
                                    "_", " ")))
              .sort("week"))
    return alt.Chart(weekly).mark_circle(opacity=0.75).encode(
        x=alt.X("week:T", axis=week_axis()),
        y=alt.Y("function:N", axis=category_axis("Function", above=True)),
        size=alt.Size("events:Q", title="Events in the week", scale=alt.Scale(range=[10, 300])),
        color=alt.Color("actor_type:N", scale=alt.Scale(
            domain=list(ACTOR_COLOURS), range=list(ACTOR_COLOURS.values())),
            legend=whole_legend("Who acted", orient="right")),
        tooltip=[alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
                 alt.Tooltip("function:N", title="Function"),
                 alt.Tooltip("actor_type:N", title="Who acted"),
                 alt.Tooltip("events:Q", title="Events"),
                 alt.Tooltip("kinds:N", title="What happened")],
    ).properties(title="Every touch across functions, week by week", height=260,
                 autosize=fit_width())


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
    colour = alt.Color("label:N", scale=series_scale(sorted(set(data["label"].to_list()))),
                       legend=whole_legend("Signal", orient="bottom", columns=1))
    base = alt.Chart(data)
    per_block = base.mark_line(point=True).encode(
        x=alt.X("block_start:T", axis=week_axis(f"Block of {weeks} weeks (start)")),
        y=alt.Y("value:Q", title=f"Count per {weeks} weeks"), color=colour,
        tooltip=[alt.Tooltip("label:N", title="Signal"),
                 alt.Tooltip("block_start:T", title="From", format="%d %b %Y"),
                 alt.Tooltip("block_end:T", title="To", format="%d %b %Y"),
                 alt.Tooltip("value:Q", title="This block", format=".1f")])
    levels = base.mark_rule(strokeDash=[4, 3], opacity=0.7).encode(
        x="block_start:T", x2="block_end:T", y="window_value:Q", color=colour,
        tooltip=[alt.Tooltip("label:N", title="Signal"),
                 alt.Tooltip("window:N", title="Window"),
                 alt.Tooltip("window_value:Q", title="Engine's value", format=".2f")])
    return cast(alt.LayerChart, alt.layer(per_block, levels).properties(
        title="Relationship signals over time (dashed: recent and baseline)", height=220,
        autosize=fit_width()))


def themes_chart(themes: pl.DataFrame, top: int = 12) -> alt.Chart:
    """Repeated-question themes by accounts asking, each named by a representative question
    (shortened, whole on hover, with the theme's most used words); the ones that keep
    recurring stand out."""
    columns = ["label", "account_count", "question_count", "weeks_active", "recurring"]
    example = pl.col("example") if "example" in themes.columns else pl.col("label")
    words = (pl.col("top_terms").list.join(", ") if "top_terms" in themes.columns
             else pl.col("label"))
    lately = (pl.col("recurrence") if "recurrence" in themes.columns
              else pl.lit("", dtype=pl.String))
    data = themes.sort("account_count", descending=True).head(top).select(
        *columns, example.fill_null(pl.col("label")).alias("question"),
        words.alias("words"), lately.alias("lately"),
    ).with_columns(pl.when(pl.col("recurring")).then(pl.lit("keeps coming back"))
                   .otherwise(pl.lit("not recurring")).alias("pattern"))
    short = [q if len(q) <= QUESTION_CHARS else q[:QUESTION_CHARS - 1].rstrip() + "…"
             for q in data["question"].to_list()]
    seen: dict[str, int] = {}
    for i, text in enumerate(short):  # two themes never share a bar
        seen[text] = seen.get(text, 0) + 1
        if seen[text] > 1:
            short[i] = f"{text} ({seen[text]})"
    data = data.with_columns(pl.Series("shown", short, pl.String))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("account_count:Q", title="Accounts asking (number)"),
        y=alt.Y("shown:N", sort="-x", axis=category_axis(
            "Theme (a representative question)", limit=420, above=True)),
        color=alt.Color("pattern:N", scale=alt.Scale(
            domain=["keeps coming back", "not recurring"], range=[CAUTION, MAIN]),
            legend=whole_legend("Pattern", orient="bottom")),
        tooltip=[alt.Tooltip("question:N", title="Asked, for example"),
                 alt.Tooltip("words:N", title="Most used words"),
                 alt.Tooltip("lately:N", title="Asked lately"),
                 alt.Tooltip("account_count:Q", title="Accounts asking"),
                 alt.Tooltip("question_count:Q", title="Questions"),
                 alt.Tooltip("weeks_active:Q", title="Weeks with a question")],
    ).properties(title="Questions customers keep asking", height=24 * max(1, data.height),
                 autosize=fit_width())
