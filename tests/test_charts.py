"""Every chart readable at a glance, checked on its spec (`to_dict()`): every category axis
labels every category, every axis and legend has a title, no legend label is cut short, one
colour meaning across charts, and a chart of many accounts is thinned and says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import pytest
from chart_views import unit_views
from review_setup import TEAM, make_review_workspace

from playbooks.advice.advisor import recommend
from playbooks.charts import (
    MAX_MARKS,
    account_timeline_chart,
    fit_heatmap,
    need_mix_chart,
    portfolio_chart,
    recommendation_chart,
)
from playbooks.charts.style import ALERT, SERIES
from playbooks.review.gather import build_review
from playbooks.review.html import review_charts
from playbooks.review.model import Review
from playbooks.trap import classified_questions, need_mix


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return make_review_workspace(tmp_path_factory.mktemp("charts") / "workspace")


@pytest.fixture(scope="module")
def review(setup: tuple[Path, str]) -> Review:
    folder, url = setup
    return build_review(TEAM, "2026Q4", workspace=folder, store=url)


@pytest.fixture(scope="module")
def charts(review: Review, setup: tuple[Path, str]) -> dict[str, Any]:
    """Every chart function's spec, by name."""
    found: dict[str, Any] = {name: chart.to_dict() for name, chart in
                             review_charts(review).items()}
    found["fit_heatmap"] = fit_heatmap().to_dict()
    found["recommendation"] = recommendation_chart(recommend({"need": "information"})).to_dict()
    activity = pl.read_parquet(setup[0] / "activity.parquet")
    found["need_mix"] = need_mix_chart(need_mix(classified_questions(activity))).to_dict()
    one = activity.filter(pl.col("account_id") == activity["account_id"][0])
    found["timeline"] = account_timeline_chart(one, {"support": "Support"}).to_dict()
    return found




def _positions(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for view in unit_views(spec):
        for channel in ("x", "y"):
            enc = view.get("encoding", {}).get(channel)
            if isinstance(enc, dict) and "field" in enc:
                yield channel, enc


def test_every_chart_is_checked(charts: dict[str, Any]) -> None:
    assert {"assessment", "drifting", "themes", "trap:all", "repair", "fit_heatmap",
            "recommendation", "need_mix", "timeline"} <= set(charts)


@pytest.mark.parametrize("name", ["assessment", "drifting", "themes", "trap:all", "repair",
                                  "fit_heatmap", "recommendation", "need_mix", "timeline"])
def test_every_category_is_labelled_and_every_axis_named(charts: dict[str, Any],
                                                         name: str) -> None:
    spec = charts[name]
    titles: dict[str, list[str]] = {}
    for channel, enc in _positions(spec):
        axis = enc.get("axis") or {}
        if enc["type"] in ("nominal", "ordinal") or enc.get("timeUnit"):
            assert axis.get("labelOverlap") is False, f"{name}: {channel} drops labels"
            assert axis.get("labelLimit", 0) == 0 or axis["labelLimit"] >= 200
        title = axis.get("title", enc.get("title"))
        titles.setdefault(channel, []).append(title.strip() if title else "")
    assert titles
    for channel, given in titles.items():
        assert any(given), f"{name}: the {channel} axis has no title"


@pytest.mark.parametrize("name", ["assessment", "drifting", "themes", "trap:all", "repair",
                                  "fit_heatmap", "recommendation", "need_mix", "timeline"])
def test_no_legend_is_cut_short(charts: dict[str, Any], name: str) -> None:
    for view in unit_views(charts[name]):
        colour = view.get("encoding", {}).get("color")
        if isinstance(colour, dict) and "field" in colour and colour.get("legend") is not None:
            assert colour.get("legend", {}).get("labelLimit") == 0, f"{name}: legend cut"


def test_the_alert_colour_means_attention_only(charts: dict[str, Any]) -> None:
    for name in ("trap:all", "need_mix", "timeline"):
        for view in unit_views(charts[name]):
            colour = view.get("encoding", {}).get("color", {})
            scale = colour.get("scale", {}) if isinstance(colour, dict) else {}
            assert ALERT not in scale.get("range", []), f"{name} uses the alert colour"
    assert ALERT not in SERIES
    drifting = charts["drifting"]["encoding"]["color"]["scale"]
    assert drifting["range"][drifting["domain"].index("drifting while it looks healthy")] == ALERT


def test_the_advisor_draws_a_poor_fit_and_explains_its_score(charts: dict[str, Any]) -> None:
    bars = next(v for v in unit_views(charts["recommendation"]) if v["mark"] == "bar"
                or v["mark"].get("type") == "bar")
    assert "x2" in bars["encoding"]  # bars start at the left edge: a poor fit has a length
    assert "poor" in bars["encoding"]["x"]["title"]
    domain = bars["encoding"]["x"]["scale"]["domain"]
    data = pl.DataFrame(next(iter(charts["recommendation"]["datasets"].values())))
    assert domain[0] < data["score"].min()


def test_the_assessment_profile_names_both_quarters(charts: dict[str, Any]) -> None:
    scales = [v["encoding"]["color"]["scale"] for v in unit_views(charts["assessment"])]
    assert all(s["domain"] == ["this quarter", "2026Q3"] for s in scales)
    assert len(scales) == 2


def test_many_accounts_are_thinned_and_say_so(review: Review) -> None:
    portfolio = review.data.portfolio
    assert portfolio is not None
    big = pl.concat([portfolio.with_columns(pl.col("account_id") + f"-{n}") for n in
                     range(MAX_MARKS // portfolio.height + 2)])
    spec = portfolio_chart(big).to_dict()
    drawn = pl.DataFrame(next(iter(spec["datasets"].values())))
    assert drawn.height == MAX_MARKS
    attention = big.filter(pl.col("group").is_in(["drifting while it looks healthy",
                                                  "at risk or watch"])).height
    assert drawn.filter(pl.col("group").is_in(["drifting while it looks healthy",
                                               "at risk or watch"])).height == min(
        attention, MAX_MARKS)
    assert f"of {big.height:,} accounts" in spec["title"]["subtitle"]
    small = portfolio_chart(portfolio).to_dict()
    assert "subtitle" not in small["title"]
    alt.Chart.from_dict(spec)  # still a valid Vega-Lite spec


def test_every_chart_draws_offline(charts: dict[str, Any], tmp_path: Path) -> None:
    import vl_convert as vlc

    for name in ("fit_heatmap", "recommendation", "need_mix", "timeline"):
        assert vlc.vegalite_to_svg(charts[name]).startswith("<svg")


def test_the_profile_keeps_the_question_banks_order(review: Review) -> None:
    from playbooks.charts import assessment_profile_chart

    result = review.assessment.result
    assert result is not None
    spec = assessment_profile_chart(result, review.assessment.earlier).to_dict()
    order = [d.title for d in result.dimensions.values()]
    assert order != sorted(order)  # else the test could not tell
    assert all(v["encoding"]["y"]["sort"] == order for v in unit_views(spec))


def test_themes_are_named_by_a_representative_question(review: Review) -> None:
    from playbooks.charts import themes_chart

    themes = review.data.themes
    assert themes is not None and themes.height
    spec = themes_chart(themes).to_dict()
    drawn = pl.DataFrame(next(iter(spec["datasets"].values())))
    assert spec["encoding"]["y"]["field"] == "shown"
    assert drawn["shown"].n_unique() == drawn.height
    for row in drawn.iter_rows(named=True):
        assert row["shown"].rstrip("…").split(" (")[0][:40] in row["question"]
        assert len(row["shown"]) <= 75
