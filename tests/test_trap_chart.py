"""The picture of the trap: two indexes on one time axis, the period and the sizes written on
it, every axis titled with its unit, every category labelled, the alert colour for attention
only (asserted on the spec, `to_dict()`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from chart_views import unit_views

from playbooks.charts import trap_composite_frame, trap_picture_chart, trap_signature_chart
from playbooks.charts.style import ALERT
from playbooks.trap import TrapSettings, find_traps


def _series(weeks: int = 80) -> pl.DataFrame:
    days = [dt.date(2025, 1, 6) + dt.timedelta(weeks=i) for i in range(weeks)]
    rows = []
    for i, week in enumerate(days):
        late = i >= 40
        for measure, kind, value in (
                ("automation_share", "efficiency", 0.5 if late else 0.25),
                ("hours_to_close", "efficiency", 20.0 if late else 40.0),
                ("questions_per_account", "relationship", 0.6 if late else 1.0),
                ("participation_per_account", "relationship", 0.8 if late else 1.0)):
            rows.append({"week": week, "function": "support", "measure": measure,
                         "kind": kind, "value": value})
    return pl.DataFrame(rows)


def test_the_indexes_turn_every_measure_so_up_is_better() -> None:
    frame = trap_composite_frame(_series(), "support", smooth_weeks=1)
    last = {r["kind"]: r for r in frame.filter(pl.col("week") == frame["week"].max())
            .iter_rows(named=True)}
    # the share doubled (200) and the hours halved (start / now = 200)
    assert last["efficiency"]["value"] == pytest.approx(200.0)
    assert last["efficiency"]["measures"] == 2
    # questions -40% (60) and participation -20% (80): 70
    assert last["relationship"]["value"] == pytest.approx(70.0)
    first = frame.filter(pl.col("week") == frame["week"].min())
    assert first["value"].to_list() == pytest.approx([100.0, 100.0])
    assert set(frame["index"]) == {"Efficiency index", "Relationship index"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    series = _series()
    findings = find_traps(series, TrapSettings(window_weeks=4, lag_weeks=20, min_weeks=2,
                                               noise_z=0))
    assert findings.height >= 1
    return trap_picture_chart(series, findings, function="support").to_dict()


def test_the_picture_writes_the_period_and_the_sizes_on_it(spec: dict[str, Any]) -> None:
    texts = [v for v in unit_views(spec) if (v["mark"]["type"] if isinstance(v["mark"], dict)
                                         else v["mark"]) == "text"]
    assert len(texts) == 2
    rows = [row for rows in spec["datasets"].values() for row in rows]
    periods = [r["period"] for r in rows if "period" in r]
    assert periods and periods[0].startswith("Trap: ") and " weeks, " in periods[0]
    sizes = sorted(r["size"] for r in rows if "size" in r)
    assert sizes == ["Efficiency index 200 (+100% since the start)",
                     "Relationship index 70 (-30% since the start)"]
    assert "efficiency +100%, relationship -30%" in str(spec["title"])
    assert "Support" in str(spec["title"])


def test_every_axis_is_titled_and_every_category_labelled(spec: dict[str, Any]) -> None:
    titles: dict[str, set[str]] = {"x": set(), "y": set()}
    for view in unit_views(spec):
        for channel in ("x", "y"):
            enc = view.get("encoding", {}).get(channel)
            if isinstance(enc, dict) and "field" in enc:
                axis = enc.get("axis") or {}
                title = axis.get("title", enc.get("title"))
                assert title, f"{channel} of a {view['mark']} mark has no title"
                titles[channel].add(title)
    # one title per axis (layers agree, so none is dropped or joined to another)
    assert titles == {"x": {"Week"}, "y": {"Index, start = 100 (higher is better)"}}
    line = next(v for v in unit_views(spec) if (v["mark"]["type"] if isinstance(v["mark"], dict)
                                            else v["mark"]) == "line")
    colour = line["encoding"]["color"]
    assert colour["scale"]["domain"] == ["Efficiency index", "Relationship index"]
    assert colour["legend"]["labelLimit"] == 0
    assert ALERT not in colour["scale"]["range"]


def test_the_signature_chart_opens_with_the_picture(spec: dict[str, Any]) -> None:
    series = _series()
    full = trap_signature_chart(series, None, function="support").to_dict()
    assert len(full["vconcat"]) == 3
    first = full["vconcat"][0]
    assert "title" not in first  # the title is the whole chart's
    assert "efficiency +100%" in str(full["title"])


def test_a_function_without_measures_draws_an_empty_picture() -> None:
    spec = trap_picture_chart(_series(), None, function="education").to_dict()
    assert "No measures to show" in str(spec["title"])
