"""The demo's planted cost of automation: recorded in its labels, exactly the episodes the
estimate reads, and recovered by it; the year-end season and a broken export plant no trap."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from playbooks.demo import QUESTION_TEXTS, THEMES, generate_demo
from playbooks.questions.classify import classify_questions
from playbooks.signals import compute_signals
from playbooks.trap import PERSONAL_NEEDS, classified_questions, trap_view
from playbooks.trap.effects import estimate_effects, exposure_episodes
from playbooks.trap.effects_gaps import missing_source_weeks

AS_OF = dt.date(2026, 6, 1)
SEED = 41
QUESTIONS = ["question_asked", "csm_question", "ticket_opened"]


def _demo(tmp_path_factory, name: str, **options) -> Path:
    folder = tmp_path_factory.mktemp(name)
    generate_demo(folder, accounts=600, seed=SEED, as_of=AS_OF, **options)
    return folder


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    return _demo(tmp_path_factory, "planted", automation_cost=0.3)


@pytest.fixture(scope="module")
def zero(tmp_path_factory) -> Path:
    return _demo(tmp_path_factory, "zero", automation_cost=0.0)


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    return _demo(tmp_path_factory, "broken", automation_cost=0.0, broken_export_weeks=4)


def _activity(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(folder / "activity.parquet")


def test_the_labels_record_the_planted_effect(planted) -> None:
    marker = json.loads((planted / "demo.json").read_text())["planted"]
    assert marker["automation_cost"] == 0.3
    assert marker["effect"]["size"] == -0.3 and marker["effect"]["weeks_after"] == 12
    assert marker["effect"]["measure"] == "questions"
    assert (marker["ramping_function"], marker["flat_function"]) == ("support", "education")
    assert marker["season"]["factor"] == 0.55 and marker["broken_export"] is None
    exposure = pl.read_csv(planted / "exposure.csv")
    assert exposure.columns == ["account_id", "function", "personal_questions",
                                "automated_alone", "exposure", "episodes", "exposed_episodes",
                                "cost_factor"]
    assert exposure["exposure"].is_between(0, 1).all()
    assert exposure["cost_factor"].is_between(0, 1, closed="right").all()
    untouched = exposure.filter(pl.col("automated_alone") == 0)
    assert (untouched["cost_factor"] == 1).all()
    hit = exposure.filter(pl.col("exposed_episodes") > 0)
    assert hit.height > 50 and (hit["cost_factor"] <= 0.7 + 1e-9).all()
    # the ramp: support's personal questions meet automation alone more often than education's
    share = exposure.group_by("function").agg(
        pl.col("automated_alone").sum() / pl.col("personal_questions").sum())
    shares = dict(share.iter_rows())
    assert shares["support"] > shares["education"] > 0
    assert shares.get("customer_success", 0) == 0 and shares.get("community", 0) == 0


def test_without_a_cost_nothing_is_removed(zero, planted) -> None:
    assert (pl.read_csv(zero / "exposure.csv")["cost_factor"] == 1).all()
    keys = ["account_id", "occurred_at", "kind", "source_function"]
    with_cost, without = _activity(planted), _activity(zero)
    # the cost removes some of the customer's questions and nothing else the customer does
    other = (~pl.col("kind").is_in(QUESTIONS)) & (pl.col("actor_type") == "customer")
    assert with_cost.filter(other).select(keys).sort(keys).equals(
        without.filter(other).select(keys).sort(keys))
    asked = pl.col("kind").is_in(QUESTIONS) & (pl.col("actor_type") == "customer")
    kept = with_cost.filter(asked).select(keys)
    assert kept.join(without.filter(asked).select(keys), on=keys, how="anti").is_empty()
    lost = without.filter(asked).height - kept.height
    assert lost > 0.02 * without.filter(asked).height


def test_the_estimate_reads_the_episodes_the_demo_planted(planted) -> None:
    questions = classified_questions(_activity(planted), as_of=AS_OF)
    episodes = (exposure_episodes(questions, as_of=AS_OF)
                .group_by("account_id", "function").agg(pl.len().alias("read"),
                                                        (pl.col("dose") == 1).sum()
                                                        .alias("read_exposed")))
    planted_ = pl.read_csv(planted / "exposure.csv").filter(pl.col("episodes") > 0)
    both = planted_.join(episodes, on=["account_id", "function"], how="full", coalesce=True)
    assert both.height == planted_.height == episodes.height
    assert (both["episodes"] == both["read"]).all()
    assert (both["exposed_episodes"] == both["read_exposed"]).all()


def test_the_classifier_reads_the_demo_personal_questions_as_planted() -> None:
    planted = [need for _, need, texts in THEMES for _ in texts]
    read = [r.need for r in classify_questions(list(QUESTION_TEXTS))]
    for text, want, got in zip(QUESTION_TEXTS, planted, read, strict=True):
        if want in PERSONAL_NEEDS or got in PERSONAL_NEEDS:
            assert got == want, (text, want, got)


def test_the_planted_cost_is_found_and_no_cost_is_not_invented(planted, zero) -> None:
    (cost,) = [e for e in estimate_effects(_activity(planted), pl.read_parquet(
        planted / "accounts.parquet"), draws=300) if e.function == "support"
        and e.need == "judgment"]
    assert cost.low <= -0.3 <= cost.high and cost.high < 0
    none = [e for e in estimate_effects(_activity(zero), pl.read_parquet(
        zero / "accounts.parquet"), draws=300) if e.function == "support"]
    assert none and all(e.low <= 0 <= e.high for e in none)
    assert all("no evidence of a cost" in e.sentence for e in none)


def test_the_season_and_a_broken_export_plant_no_trap(zero, broken) -> None:
    marker = json.loads((broken / "demo.json").read_text())["planted"]["broken_export"]
    missing = missing_source_weeks(_activity(broken))
    assert missing["function"].unique().to_list() == [marker["source_function"]]
    assert missing["week"].min() == dt.date.fromisoformat(marker["first_week"])
    assert missing["week"].max() == dt.date.fromisoformat(marker["last_week"])
    assert missing_source_weeks(_activity(zero)).is_empty()  # the season is no gap
    found = trap_view(_activity(broken)).findings
    same = trap_view(_activity(zero)).findings
    # no function shows a trap; the company as a whole shows the period it shows without the
    # break (what the drifting accounts make), its edges moved by at most the missing weeks
    assert set(found["function"]) <= {"all"}
    assert set(found["function"]) == set(same["function"])
    for row in found.iter_rows(named=True):
        twin = same.filter((pl.col("function") == row["function"])
                           & (pl.col("start_week") <= row["end_week"])
                           & (pl.col("end_week") >= row["start_week"]))
        assert twin.height == 1, (row, same)
        assert abs(twin["weeks"][0] - row["weeks"]) <= marker["weeks"]
    for row in found.iter_rows(named=True):  # nothing around the year-end
        assert not any(day.month in (12, 1) for day in (row["start_week"], row["end_week"]))
    # no wave of drifting flags in the weeks right after the break
    day = dt.date.fromisoformat(marker["last_week"]) + dt.timedelta(days=13)
    accounts = pl.read_parquet(broken / "accounts.parquet")
    shares = []
    for folder in (zero, broken):
        flags = compute_signals(accounts, _activity(folder), as_of=day)
        counted = flags.filter(pl.col("status") != "no_data")
        shares.append(counted["looks_healthy_drifting"].mean())
    assert abs(shares[0] - shares[1]) <= 0.01, shares


def test_zero_cost_leaves_support_without_a_trap_and_the_default_cost_shows_one(
        zero, planted) -> None:
    assert trap_view(_activity(zero)).findings.filter(pl.col("function") == "support") \
        .is_empty()
    support = trap_view(_activity(planted)).findings.filter(pl.col("function") == "support")
    assert support.height >= 1
    assert "questions per active account" in support["sentence"][0]


def test_cli_plants_the_cost_it_is_given(tmp_path, cli) -> None:
    done = cli("demo", "--out", str(tmp_path / "d"), "--accounts", "20", "--weeks", "30",
               "--automation-cost", "0.5")
    assert done.code == 0, done.stdout + done.stderr
    assert "planted automation cost 0.5" in done.stdout
    marker = json.loads((tmp_path / "d" / "demo.json").read_text())["planted"]
    assert marker["automation_cost"] == 0.5 and marker["effect"]["size"] == -0.5
    refused = cli("demo", "--out", str(tmp_path / "e"), "--accounts", "5", "--weeks", "3",
                  "--automation-cost", "1.5")
    assert refused.code == 2 and "between 0 and 1" in refused.stderr


def _coverage(cost: float, seeds: range, tmp_path: Path) -> tuple[list[bool], list[bool]]:
    """Whether each effect's interval covers the planted size, and whether the ramping
    function's judgment row does, per demo."""
    rows, main = [], []
    for seed in seeds:
        folder = tmp_path / f"{cost}-{seed}"
        generate_demo(folder, accounts=800, seed=seed, as_of=AS_OF, automation_cost=cost)
        effects = estimate_effects(pl.scan_parquet(folder / "activity.parquet"),
                                   pl.read_parquet(folder / "accounts.parquet"), draws=200,
                                   seed=seed)
        planted = json.loads((folder / "demo.json").read_text())["planted"]["effect"]["size"]
        rows += [e.low <= planted <= e.high for e in effects]
        main += [e.low <= planted <= e.high for e in effects
                 if (e.function, e.need) == ("support", "judgment")]
        assert len(main) == len(range(seeds.start, seed + 1))  # the row is always there
    return rows, main


@pytest.mark.parametrize("cost", [0.3, 0.0])
def test_the_interval_covers_the_planted_size_in_nine_runs_of_ten(cost, tmp_path) -> None:
    rows, main = _coverage(cost, range(501, 511), tmp_path)
    assert sum(main) >= 9, main
    assert sum(rows) >= 0.9 * len(rows), rows


@pytest.mark.slow
def test_bench_effects_runs_at_tiny_scale(tmp_path) -> None:
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_effects.py"
    done = subprocess.run([sys.executable, str(script), "coverage", "--accounts", "300",
                           "--seeds", "1", "--draws", "20"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "planted -0.30: every row" in done.stdout and "planted +0.00" in done.stdout
    done = subprocess.run([sys.executable, str(script), "speed", "--data", str(tmp_path / "d"),
                           "--accounts", "300", "--draws", "20"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "baseline: questions per account" in done.stdout
    assert "estimate_effects (whole, 20 draws)" in done.stdout
