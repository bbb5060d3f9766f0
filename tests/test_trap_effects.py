"""The estimate of what automation cost: exposure episodes, matched strata, the bootstrap
interval and the sentence, on hand-made cases; weeks a source is missing are blanked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from playbooks.trap import find_traps, weekly_series
from playbooks.trap.effects import (
    MIN_ACCOUNTS,
    effect_sentence,
    estimate_effects,
    exposure_episodes,
)
from playbooks.trap.effects_episodes import (
    bootstrap_ratio,
    episode_starts,
    stratified_ratio,
    window_sums,
)
from playbooks.trap.effects_gaps import mask_missing_weeks, missing_source_weeks
from playbooks.trap.needs import classified_questions

START = dt.datetime(2026, 1, 5, 10)  # a Monday
JUDGMENT = "Should we roll out to all teams at once or in phases?"
SCHEMA = {"event_id": pl.String, "account_id": pl.String, "person_id": pl.String,
          "actor_type": pl.String, "occurred_at": pl.Datetime("us"),
          "source_function": pl.String, "kind": pl.String, "channel": pl.String,
          "automated": pl.Boolean, "feature": pl.String, "question_text": pl.String}


def _events(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (account, week, kind, function, automated, text)."""
    return pl.DataFrame(
        [{"event_id": f"E{i}", "account_id": a, "person_id": f"{a}-p1", "actor_type": "customer",
          "occurred_at": START + dt.timedelta(weeks=w, days=1), "source_function": f,
          "kind": k, "channel": "ai_assistant" if auto else "support_agent", "automated": auto,
          "feature": None, "question_text": text}
         for i, (a, w, k, f, auto, text) in enumerate(rows)], schema=SCHEMA)


def _accounts(ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"account_id": ids, "segment": ["smb"] * len(ids),
                         "lifecycle_stage": ["adoption"] * len(ids)})


def _trial(exposed: int, comparison: int, after_exposed: int = 2) -> list[tuple]:
    """Each account: one ticket a week for 40 weeks, a judgment question in week 14 that met
    the assistant alone (exposed) or a person; exposed accounts then ask every
    `after_exposed`-th week only, for the 12 weeks after."""
    rows = []
    for i in range(exposed + comparison):
        account, auto = f"A{i:03d}", i < exposed
        rows.append((account, 14, "question_asked", "support", auto, JUDGMENT))
        for week in range(40):
            if auto and 15 <= week <= 26 and week % after_exposed:
                continue
            rows.append((account, week, "ticket_opened", "support", False, None))
    return rows


# --- episodes ------------------------------------------------------------------------------


def test_an_episode_runs_its_weeks_and_the_next_starts_after_them() -> None:
    group = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    week = np.array([0, 5, 12, 13, 14, 30, 3, 4])
    starts = episode_starts(group, week, weeks_after=12)
    assert starts.tolist() == [True, False, False, True, False, True, True, False]
    assert episode_starts(np.array([], dtype=int), np.array([], dtype=int), 12).size == 0


def test_window_sums_equal_a_plain_loop() -> None:
    rng = np.random.default_rng(3)
    cells = np.unique(rng.integers(0, 4, 60) * 1000 + rng.integers(0, 50, 60))
    group, week = cells // 1000, cells % 1000
    counts = rng.integers(1, 5, cells.size)
    qg, first = rng.integers(0, 4, 30), rng.integers(-13, 50, 30)
    last = first + rng.integers(0, 13, 30)
    got = window_sums(group, week, counts, qg, first, last)
    want = [counts[(group == g) & (week >= f) & (week <= la)].sum()
            for g, f, la in zip(qg, first, last, strict=True)]
    assert got.tolist() == want


def test_the_ratio_weighs_comparison_strata_to_the_exposed_ones() -> None:
    # stratum 0: exposed halve (4 -> 2), comparison steady; stratum 1: only comparison (dropped)
    exposed = np.array([True, True, False, False, False])
    outcome = np.array([2, 2, 4, 4, 100])
    baseline = np.array([4, 4, 4, 4, 1])
    stratum = np.array([0, 0, 0, 0, 1])
    est, n_e, n_c = stratified_ratio(exposed, outcome, baseline, stratum, 2)
    assert est == pytest.approx(-0.5) and (n_e, n_c) == (2, 2)
    boot = bootstrap_ratio(exposed, outcome, baseline, stratum, 2, 200,
                           np.random.default_rng(0))
    assert boot.shape == (200,)
    finite = boot[np.isfinite(boot)]
    assert finite.size > 150 and np.allclose(finite, -0.5)  # every draw halves, or has one side


# --- the estimate --------------------------------------------------------------------------


def test_exposed_accounts_that_ask_half_as_much_read_as_50_percent_fewer() -> None:
    n = MIN_ACCOUNTS + 10
    activity = _events(_trial(n, n))
    ids = sorted(set(activity["account_id"]))
    effects = estimate_effects(activity, _accounts(ids), draws=100)
    assert len(effects) == 1
    effect = effects[0]
    assert (effect.function, effect.need, effect.measure) == ("support", "judgment", "questions")
    assert effect.estimate == pytest.approx(-0.5)
    assert effect.low == pytest.approx(-0.5) and effect.high == pytest.approx(-0.5)
    assert (effect.n_exposed, effect.n_comparison) == (n, n)
    assert "50% fewer support questions over the next 12 weeks" in effect.sentence
    assert "no evidence" not in effect.sentence
    assert set(effect.to_dict()) == {"function", "need", "measure", "estimate", "low", "high",
                                     "n_exposed", "n_comparison", "sentence"}
    # given the classified questions, the estimate is the same
    as_of = activity["occurred_at"].max().date()  # type: ignore[union-attr]
    given = estimate_effects(activity, _accounts(ids), draws=100,
                             questions=classified_questions(activity, as_of=as_of))
    assert given == effects


def test_too_few_accounts_on_a_side_give_no_row() -> None:
    activity = _events(_trial(MIN_ACCOUNTS - 1, MIN_ACCOUNTS + 5))
    ids = sorted(set(activity["account_id"]))
    assert estimate_effects(activity, _accounts(ids), draws=50) == []


def test_the_same_follow_up_on_both_sides_is_no_evidence_of_a_cost() -> None:
    n = MIN_ACCOUNTS + 2
    activity = _events(_trial(n, n, after_exposed=1))
    ids = sorted(set(activity["account_id"]))
    (effect,) = estimate_effects(activity, _accounts(ids), draws=50)
    assert effect.estimate == pytest.approx(0.0)
    assert effect.sentence.startswith("Support: no evidence of a cost.")


def test_an_episode_needs_its_baseline_and_follow_up_inside_the_data() -> None:
    rows = [("A", 3, "question_asked", "support", True, JUDGMENT),  # no full baseline
            ("A", 20, "question_asked", "support", True, JUDGMENT),  # complete: first
            ("A", 36, "question_asked", "support", False, JUDGMENT),  # follow-up too short
            ("B", 14, "question_asked", "support", False, JUDGMENT),
            ("B", 14, "question_asked", "support", True, JUDGMENT)]  # mixed: dose 0.5
    rows += [(a, w, "ticket_opened", "support", False, None) for a in "AB" for w in range(40)]
    activity = _events(rows)
    as_of = (START + dt.timedelta(weeks=40)).date()
    episodes = exposure_episodes(classified_questions(activity, as_of=as_of), as_of=as_of)
    a = episodes.filter(pl.col("account_id") == "A").sort("week")
    assert a["complete"].to_list() == [False, True, False]
    assert a["first_complete"].to_list() == [False, True, False]
    assert a["baseline"].to_list()[1] == 12 and a["outcome"].to_list()[1] == 12
    b = episodes.filter(pl.col("account_id") == "B").row(0, named=True)
    assert b["dose"] == 0.5 and b["need"] == "judgment"


def test_sentences_say_the_size_and_the_interval_in_plain_words() -> None:
    text = effect_sentence("support", "judgment", -0.38, -0.51, -0.24)
    assert text == ("Support: after automation alone answered their judgment questions, "
                    "accounts asked 38% fewer support questions over the next 12 weeks than "
                    "comparable accounts whose judgment questions reached a person or a peer; "
                    "95% interval 24% to 51% fewer.")
    covering = effect_sentence("education", "reassurance", -0.05, -0.2, 0.1)
    assert covering.startswith("Education: no evidence of a cost.")
    assert "(20% fewer to 10% more) includes no difference" in covering
    assert "no sign of a cost" in effect_sentence("support", "judgment", 0.2, 0.1, 0.3)


# --- weeks a source is missing ---------------------------------------------------------------


def _two_sources(missing: range, quiet: range) -> pl.DataFrame:
    rows = []
    for week in range(30):
        if week not in missing:
            rows += [(f"C{i}", week, "community_post", "community", False, None)
                     for i in range(30)]
        n = 25 if week in quiet else 50
        rows += [(f"S{i}", week, "ticket_opened", "support", False, None) for i in range(n)]
        if week % 2:
            rows.append(("X", week, "event_attended", "marketing", False, None))
    return _events(rows)


def test_a_source_without_rows_for_weeks_is_missing_and_a_quiet_season_is_not() -> None:
    activity = _two_sources(missing=range(10, 13), quiet=range(20, 23))
    missing = missing_source_weeks(activity)
    weeks = [(START + dt.timedelta(weeks=w)).date() for w in range(10, 13)]
    assert missing["function"].to_list() == ["community"] * 3
    assert missing["week"].to_list() == weeks
    # marketing has a row every other week only: too small a source to judge
    assert missing_source_weeks(_two_sources(range(0), range(0))).is_empty()


def test_missing_weeks_are_blanked_in_the_function_and_the_company_only() -> None:
    activity = _two_sources(missing=range(10, 13), quiet=range(0))
    series = weekly_series(activity)
    masked = mask_missing_weeks(series, missing_source_weeks(activity))
    assert masked.height == series.height and masked.columns == series.columns
    gap = pl.col("week").is_between(START.date() + dt.timedelta(weeks=10),
                                    START.date() + dt.timedelta(weeks=12))
    hit = masked.filter(gap & pl.col("function").is_in(["community", "all"]))
    assert hit.height > 0 and hit["value"].null_count() == hit.height
    kept = masked.filter(~(gap & pl.col("function").is_in(["community", "all"])))
    assert kept.equals(series.filter(~(gap & pl.col("function").is_in(["community", "all"]))))
    none = missing_source_weeks(_two_sources(range(0), range(0)))
    assert none.is_empty() and mask_missing_weeks(series, none).equals(series)
    assert find_traps(masked).is_empty()
