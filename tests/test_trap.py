"""Efficiency beside relationship: the demo's built-in trap is found in support and nowhere it
was not built; series, findings, need mix and repair hold on edge cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbooks.charts import need_mix_chart, repair_chart, trap_signature_chart
from playbooks.errors import InputError
from playbooks.trap import (
    MEASURES,
    SERIES_COLUMNS,
    TrapSettings,
    automation_alone,
    classified_questions,
    compare_windows,
    find_traps,
    need_mix,
    repair_after_incidents,
    trap_view,
    weekly_series,
)

AS_OF = dt.date(2026, 11, 23)
UNTRAPPED = ("education", "community", "customer_success", "marketing", "product", "sales")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from playbooks.demo import generate_demo

    folder = tmp_path_factory.mktemp("trap-demo")
    generate_demo(folder, accounts=1000, seed=23, as_of=AS_OF)
    return folder


@pytest.fixture(scope="module")
def activity(demo: Path) -> pl.DataFrame:
    return pl.read_parquet(demo / "activity.parquet")


@pytest.fixture(scope="module")
def view(activity: pl.DataFrame):
    return trap_view(activity)


# --- the demo's story ---------------------------------------------------------------------------


def test_finds_the_trap_the_demo_was_built_with_in_support(view) -> None:
    support = view.findings.filter(pl.col("function") == "support")
    assert support.height >= 1
    longest = support.sort("weeks", descending=True).row(0, named=True)
    assert longest["weeks"] >= 12
    moves = {m["measure"]: m for m in longest["moves"]}
    assert moves["automation_share"]["change"] >= 0.04  # points
    falling = [m for m in longest["moves"] if m["kind"] == "relationship"]
    assert falling and all(m["change"] < 0 for m in falling)
    assert "questions per active account" in longest["sentence"]
    assert longest["sentence"].startswith("Support:")


def test_finds_no_trap_where_the_demo_built_none(view) -> None:
    found = set(view.findings["function"].to_list())
    assert not found & set(UNTRAPPED), view.findings.select("function", "sentence").rows()


def test_support_automation_share_rises_and_education_stays_flat(view) -> None:
    def yearly(function: str) -> list[float]:
        share = view.series.filter((pl.col("function") == function)
                                   & (pl.col("measure") == "automation_share"))
        return [share["value"].head(26).mean(), share["value"].tail(26).mean()]

    first, last = yearly("support")
    assert last - first > 0.15
    first, last = yearly("education")
    assert abs(last - first) < 0.04


def test_series_is_long_typed_and_bounded(view) -> None:
    series = view.series
    assert tuple(series.columns) == SERIES_COLUMNS
    assert series.schema["week"] == pl.Date and series.schema["value"] == pl.Float64
    assert set(series["kind"].unique()) == {"efficiency", "relationship"}
    kinds = {m.name: m.kind for m in MEASURES}
    assert all(kinds[m] == k for m, k in series.select("measure", "kind").unique().rows())
    share = series.filter(pl.col("measure") == "automation_share")["value"].drop_nulls()
    assert share.min() >= 0 and share.max() <= 1
    # a measure appears only where its source exists: product use only in product and all
    breadth = set(series.filter(pl.col("measure") == "breadth_of_use")["function"].unique())
    assert breadth == {"all", "product"}
    assert series.filter(pl.col("function") == "all")["week"].n_unique() == 104
    assert series.select("week", "function", "measure").is_duplicated().sum() == 0


def test_need_mix_names_personal_needs_meeting_automation_alone(activity) -> None:
    questions = classified_questions(activity)
    mix = need_mix(questions)
    assert mix["questions"].sum() == questions.height
    assert {"judgment", "reassurance", "information"} <= set(mix["need"].unique())
    alone = automation_alone(questions)
    support = alone.filter(pl.col("function") == "support")
    assert {"judgment", "reassurance"} <= set(support["need"])
    assert set(alone["fit"]) <= {"poor", "partial", "unrated"}
    assert all("automated answer" in s for s in alone["sentence"])
    # the shares are a partition: one function's rows never add to more than its questions,
    # and the sentence names each figure's whole
    per_function = questions.group_by("function").len()
    totals = alone.group_by("function").agg(pl.col("share_of_function").sum(),
                                            pl.col("questions").sum(),
                                            pl.col("function_total").first())
    checked = totals.join(per_function, on="function")
    assert (checked["share_of_function"] <= 1 + 1e-9).all()
    assert (checked["questions"] <= checked["len"]).all()
    assert (checked["function_total"] == checked["len"]).all()
    assert (alone.group_by("function", "need").agg(pl.col("share_of_need").sum())
            ["share_of_need"] <= 1 + 1e-9).all()
    first = alone.row(0, named=True)
    assert f"{first['questions']:,} of its {first['need_total']:,}" in first["sentence"]
    assert f"of the {first['function_total']:,} questions the function" in first["sentence"]
    assert not any("of this function's" in s for s in alone["sentence"])
    assert need_mix_chart(mix).to_dict()["mark"]["type"] == "bar"


def test_repair_shares_per_segment_and_quarter(demo, activity) -> None:
    accounts = pl.read_parquet(demo / "accounts.parquet")
    result = repair_after_incidents(activity, accounts, window_days=30)
    judged = result.episodes.filter(pl.col("outcome") != "too_early")
    assert judged.height > 100
    assert set(result.by_segment["segment"]) == {"enterprise", "mid_market", "smb"}
    assert result.by_segment["episodes"].sum() == judged.height
    assert result.by_quarter["episodes"].sum() == judged.height
    assert ((result.by_quarter["share_came_back"] + result.by_quarter["share_went_quiet"]
             - 1).abs() < 1e-9).all()
    assert result.episodes["name"].null_count() == 0
    shorter = repair_after_incidents(activity, accounts, window_days=7)
    assert (shorter.episodes["outcome"] == "went_quiet").sum() \
        >= (result.episodes["outcome"] == "went_quiet").sum()
    assert repair_chart(result.by_quarter).to_dict()["mark"]["type"] == "bar"


def test_signature_chart_shades_the_trap_periods(view) -> None:
    spec = trap_signature_chart(view.series, view.findings, function="support").to_dict()
    assert "Support" in str(spec["title"])
    text = str(spec)
    assert "Efficiency" in text and "Relationship" in text and "rect" in text
    rects = [layer for panel in spec["vconcat"] for layer in panel.get("layer", [])
             if layer["mark"]["type"] == "rect"]
    assert rects
    datasets = spec["datasets"]
    shaded = [d for d in datasets.values() if d and "finding" in d[0]]
    assert shaded and shaded[0][0]["finding"].startswith("Support:")


# --- edge cases ---------------------------------------------------------------------------------


def _events(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (account, day offset, kind, function, automated, actor, text)."""
    start = dt.datetime(2026, 1, 5, 10)
    schema = {"event_id": pl.String, "account_id": pl.String, "person_id": pl.String,
              "actor_type": pl.String, "occurred_at": pl.Datetime("us"),
              "source_function": pl.String, "kind": pl.String, "channel": pl.String,
              "automated": pl.Boolean, "feature": pl.String, "question_text": pl.String}
    return pl.DataFrame(
        [{"event_id": f"E{i}", "account_id": a, "person_id": f"{a}-p1", "actor_type": actor,
          "occurred_at": start + dt.timedelta(days=d), "source_function": f, "kind": k,
          "channel": "ai_assistant" if auto else "support_agent", "automated": auto,
          "feature": None, "question_text": text}
         for i, (a, d, k, f, auto, actor, text) in enumerate(rows)], schema=schema)


def test_empty_activity_gives_empty_results() -> None:
    empty = _events([])
    view = trap_view(empty, as_of=dt.date(2026, 3, 1))
    assert view.series.is_empty() and view.findings.is_empty()
    assert tuple(view.series.columns) == SERIES_COLUMNS
    assert classified_questions(empty, as_of=dt.date(2026, 3, 1)).is_empty()
    assert automation_alone(classified_questions(empty, as_of=dt.date(2026, 3, 1))).is_empty()
    assert repair_after_incidents(empty, as_of=dt.date(2026, 3, 1)).episodes.is_empty()


def test_no_questions_means_no_question_measures() -> None:
    rows = [(f"A{i}", d, "login", "product", False, "customer", None)
            for i in range(3) for d in range(0, 60, 2)]
    series = weekly_series(_events(rows))
    assert not series.is_empty()
    assert not series["measure"].is_in(["automation_share", "questions_per_account"]).any()
    assert find_traps(series).is_empty()
    assert classified_questions(_events(rows)).is_empty()


def test_a_single_week_gives_series_but_no_finding() -> None:
    rows = [("A1", 0, "question_asked", "support", True, "customer", "How do I export?"),
            ("A2", 1, "question_asked", "support", False, "customer", "Should we phase it?"),
            ("A2", 2, "event_attended", "marketing", False, "customer", None)]
    view = trap_view(_events(rows))
    assert view.series["week"].n_unique() == 1
    share = view.series.filter((pl.col("function") == "support")
                               & (pl.col("measure") == "automation_share"))["value"]
    assert share.to_list() == [0.5]
    assert view.findings.is_empty()


def test_a_function_with_only_staff_rows_gets_no_series() -> None:
    rows = [("A1", d, "login", "product", False, "customer", None) for d in range(30)]
    rows += [("A1", d, "sales_meeting", "sales", False, "staff", None) for d in range(30)]
    series = weekly_series(_events(rows))
    assert "sales" not in set(series["function"])
    assert "product" in set(series["function"])


def _synthetic(function: str, eff: list[float], rel: list[float]) -> pl.DataFrame:
    weeks = [dt.date(2025, 1, 6) + dt.timedelta(weeks=i) for i in range(len(eff))]
    return pl.DataFrame({
        "week": weeks * 2, "function": [function] * (2 * len(weeks)),
        "measure": ["automation_share"] * len(weeks) + ["questions_per_account"] * len(weeks),
        "kind": ["efficiency"] * len(weeks) + ["relationship"] * len(weeks),
        "value": eff + rel})


def test_find_traps_reports_the_size_of_each_move() -> None:
    eff = [0.2] * 20 + [0.5] * 20
    rel = [1.0] * 20 + [0.7] * 20
    settings = TrapSettings(window_weeks=4, lag_weeks=12, min_weeks=2, noise_z=0)
    series = _synthetic("support", eff, rel)
    compared = compare_windows(series, settings).filter(
        pl.col("week") == dt.date(2025, 1, 6) + dt.timedelta(weeks=31))
    changes = dict(compared.select("measure", "change").rows())
    assert changes["automation_share"] == pytest.approx(0.3)  # points
    assert changes["questions_per_account"] == pytest.approx(-0.3)  # relative
    found = find_traps(series, settings)
    assert found.height == 1
    row = found.row(0, named=True)
    assert row["start_week"] == dt.date(2025, 1, 6) + dt.timedelta(weeks=21)  # 2nd week in
    moves = {m["measure"]: m for m in row["moves"]}
    assert moves["automation_share"]["change"] > 0.04
    assert moves["questions_per_account"]["change"] < -0.08
    size = moves["automation_share"]["change"] * 100
    assert f"{size:+.0f} points" in row["sentence"]
    # efficiency up with the relationship up as well is no trap
    assert find_traps(_synthetic("support", eff, [1.0] * 20 + [1.3] * 20), settings).is_empty()


def test_bad_settings_and_windows_are_refused() -> None:
    with pytest.raises(InputError):
        find_traps(_synthetic("x", [0.1] * 5, [1.0] * 5), TrapSettings(window_weeks=0))
    with pytest.raises(InputError):
        repair_after_incidents(_events([]), as_of=dt.date(2026, 3, 1), window_days=0)


def test_repair_outcomes_on_a_small_timeline() -> None:
    rows = [("A", 0, "escalation", "support", False, "customer", None),
            ("A", 5, "question_asked", "support", False, "customer", "Is it fixed?"),
            ("B", 0, "incident", "product", False, "staff", None),
            ("B", 3, "automated_check_in", "customer_success", True, "bot", None),
            ("B", 10, "incident", "product", False, "staff", None),  # same episode as day 0
            ("B", 50, "login", "product", False, "customer", None),
            ("C", 45, "escalation", "support", False, "customer", None),
            ("C", 50, "login", "product", False, "customer", None)]
    result = repair_after_incidents(_events(rows), as_of=dt.date(2026, 2, 25), window_days=30)
    outcomes = dict(result.episodes.select("account_id", "outcome").rows())
    assert outcomes == {"A": "came_back", "B": "went_quiet", "C": "too_early"}
    b = result.episodes.filter(pl.col("account_id") == "B").row(0, named=True)
    assert b["triggers"] == 2
    a = result.episodes.filter(pl.col("account_id") == "A").row(0, named=True)
    assert a["returned_with"] == "question_asked" and a["days_to_return"] == 5.0
    assert result.by_segment.row(0, named=True)["share_came_back"] == 0.5
    assert "2 escalation or incident episodes" in result.summary()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_view(random) -> None:
    rows = []
    for week in range(70):
        for account in ("A", "B", "C"):
            auto = week > 35 and account != "C"
            rows.append((account, week * 7, "question_asked", "support", auto, "customer",
                         "Should we roll out in phases?"))
            if week < 40 or account == "C":
                rows.append((account, week * 7 + 1, "event_attended", "marketing", False,
                             "customer", None))
    frame = _events(rows)
    order = list(range(frame.height))
    random.shuffle(order)
    shuffled = frame[order]
    s = TrapSettings(window_weeks=4, lag_weeks=20, noise_z=0)
    a, b = trap_view(frame, settings=s), trap_view(shuffled, settings=s)
    assert a.series.equals(b.series)
    assert a.findings.equals(b.findings)
    assert repair_after_incidents(frame).episodes.equals(
        repair_after_incidents(shuffled).episodes)


def test_features_used_in_two_functions_are_counted_once_for_the_company() -> None:
    rows = [("A1", 0, "feature_used", "product", False, "customer", None),
            ("A1", 1, "feature_used", "support", False, "customer", None),
            ("A2", 2, "feature_used", "support", False, "customer", None)]
    frame = _events(rows).with_columns(
        pl.Series("feature", ["export", "export", "import"]))
    breadth = weekly_series(frame).filter(pl.col("measure") == "breadth_of_use")
    values = dict(breadth.select("function", "value").rows())
    # the company: A1 used one feature (export, in two functions), A2 one: 2 over 2 accounts
    assert values == {"all": 1.0, "product": 0.5, "support": 1.0}
    one = weekly_series(frame.filter(pl.col("source_function") == "product"))
    assert dict(one.filter(pl.col("measure") == "breadth_of_use")
                .select("function", "value").rows()) == {"all": 1.0, "product": 1.0}
