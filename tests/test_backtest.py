"""The backtest, the fitted score and its card: no look-ahead, an honest AUC, reasons that add
up, terms that keep their direction, the priors where the history is short."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from playbooks.errors import InputError
from playbooks.signals import compute_signals
from playbooks.signals.backtest import backtest_rows, default_horizon, plan_backtest
from playbooks.signals.card import backtest_card, lead_times, read_card, roc_auc, save_card
from playbooks.signals.card_chart import calibration_chart
from playbooks.signals.features import FEATURE_NAMES, FEATURES_BY_NAME
from playbooks.signals.learn import fit_history, resolve_model, saved_model
from playbooks.signals.score_model import MODEL_FILE, prior_model, read_model

START = dt.datetime(2024, 1, 1)


def activity_log(accounts: int, weeks: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accounts at log-normal weekly paces with 1-4 people; 40% stop at a random week, most
    of those slowing down and losing people first."""
    rng = np.random.default_rng(seed)
    rate = np.exp(rng.normal(0.0, 1.0, accounts))
    stop = np.where(rng.random(accounts) < 0.4, rng.integers(weeks // 4, weeks, accounts), 10**6)
    week = np.arange(weeks)[None, :]
    lam = np.repeat(rate[:, None], weeks, axis=1)
    fading = (stop[:, None] < 10**6) & (rng.random(accounts) < 0.7)[:, None]
    lam = np.where(fading, lam * np.clip((stop[:, None] - week) / 16, 0.05, None), lam)
    lam = np.where(week >= stop[:, None], 0.0, lam)
    counts = rng.poisson(lam)
    account, when = np.nonzero(counts)
    account, when = (np.repeat(account, counts[account, when]),
                     np.repeat(when, counts[account, when]))
    n = len(account)
    ids = np.char.add("A", account.astype(str))
    activity = pl.DataFrame({
        "event_id": np.arange(n).astype(str), "account_id": ids,
        "person_id": np.char.add(ids, np.char.add("-p", rng.integers(0, 4, n).astype(str))),
        "actor_type": "customer",
        "occurred_at": [START + dt.timedelta(weeks=int(w), hours=int(h))
                        for w, h in zip(when, rng.integers(0, 167, n), strict=True)],
        "kind": rng.choice(["login", "feature_used", "question_asked"], n, p=[.5, .4, .1]),
        "feature": np.char.add("f", rng.integers(0, 6, n).astype(str)),
    })
    table = pl.DataFrame({"account_id": [f"A{i}" for i in range(accounts)],
                          "segment": "smb", "lifecycle_stage": "adoption"})
    return table, activity


@pytest.fixture(scope="module")
def log() -> tuple[pl.DataFrame, pl.DataFrame]:
    return activity_log(600, 70, seed=4)


@pytest.fixture(scope="module")
def history(log):
    accounts, activity = log
    return fit_history(accounts, activity, as_of=dt.date(2025, 4, 27), horizon_weeks=8)


def test_the_fit_uses_past_cutoffs_and_keeps_every_term_in_its_direction(history):
    model = history.model
    assert model.source == "fitted" and model.horizon_weeks == 8
    assert len(history.plan.cutoffs) >= 4
    assert max(history.plan.cutoffs) + dt.timedelta(weeks=8) <= history.plan.end
    assert model.features and set(model.features) <= set(FEATURE_NAMES)
    for name, weight in zip(model.features, model.weights, strict=True):
        assert weight * FEATURES_BY_NAME[name].direction >= 0, name
    assert "cross-validation" in model.note


def test_changing_any_event_after_a_cutoff_changes_nothing_before_it(log, history):
    accounts, activity = log
    cut = history.plan.cutoffs[-2]
    at = dt.datetime.combine(cut, dt.time())
    after = activity.filter(pl.col("occurred_at") >= at)
    rng = np.random.default_rng(1)
    changed = pl.concat([
        activity.filter(pl.col("occurred_at") < at),
        # every later event moved, half of them dropped, and new accounts' events added
        after.sample(fraction=0.5, seed=2).with_columns(
            pl.col("occurred_at") + pl.duration(days=int(rng.integers(1, 30)))),
        after.head(50).with_columns(pl.lit("A0").alias("account_id"),
                                    pl.col("person_id") + "-new"),
    ])
    plan = plan_backtest(activity, as_of=cut - dt.timedelta(days=1), horizon_weeks=4)
    plan_changed = plan_backtest(changed, as_of=cut - dt.timedelta(days=1), horizon_weeks=4)
    assert plan == plan_changed
    features = ["cutoff", "account_id", *FEATURE_NAMES, "days_since_activity", "score"]
    one = backtest_rows(accounts, activity, plan).select(features)
    two = backtest_rows(accounts, changed, plan).select(features)
    assert one.height > 0 and one.equals(two)
    day = cut - dt.timedelta(days=1)
    assert compute_signals(accounts, activity, as_of=day).equals(
        compute_signals(accounts, changed, as_of=day))
    model = fit_history(accounts, activity, as_of=day, horizon_weeks=4).model
    assert model == fit_history(accounts, changed, as_of=day, horizon_weeks=4).model


def test_the_cards_auc_equals_sklearn_on_the_same_rows(history):
    card = backtest_card(history)
    oof = history.fitted.out_of_time.join(history.rows.drop("score"),
                                          on=["cutoff", "account_id"])
    for name, column, sign in (("fitted score", "score", 1),
                               ("days since last activity", "days_since_activity", 1)):
        expected = np.mean([roc_auc_score(part["went_quiet"], sign * part[column])
                            for _, part in oof.group_by("cutoff")])
        assert card.result(name).auc == pytest.approx(expected, abs=1e-12)
    assert card.rows == oof.height and card.went_quiet == int(oof["went_quiet"].sum())
    assert card.result("fitted score").auc > 0.7
    with pytest.raises(KeyError):
        card.result("internal health score")  # no health snapshots in this log


def test_the_rank_auc_handles_ties_like_sklearn():
    rng = np.random.default_rng(3)
    truth = rng.random(300) < 0.3
    score = rng.integers(0, 5, 300).astype(float)
    assert roc_auc(truth, score) == pytest.approx(roc_auc_score(truth, score))
    assert roc_auc(np.zeros(5, dtype=bool), np.arange(5.0)) is None


def test_the_score_reads_as_a_chance_and_its_reasons_add_up(log, history):
    accounts, activity = log
    out = compute_signals(accounts, activity, as_of=dt.date(2025, 4, 27), model=history.model)
    scored = out.filter(pl.col("status") != "no_data")
    parts = scored["score_points"].struct.unnest()
    total = scored["score_base"] + parts.sum_horizontal()
    assert (total - scored["disengagement_score"]).abs().max() < 0.1 + 0.01 * parts.width
    assert (scored["disengagement_score"] - 100 * scored["quiet_chance"]).abs().max() < 0.06
    risky = scored.sort("disengagement_score", descending=True).row(0, named=True)
    assert risky["reasons"] and risky["reasons"][0].endswith("points.")
    top = max(risky["score_points"].values())
    assert f"+{round(top)} points." in risky["reasons"][0]


def test_the_out_of_time_chance_is_calibrated(history):
    card = backtest_card(history)
    predicted = sum(b["predicted"] * b["rows"] for b in card.calibration) / card.rows
    assert predicted == pytest.approx(card.went_quiet / card.rows, abs=0.06)
    assert sum(b["rows"] for b in card.calibration) == card.rows


def test_a_short_history_falls_back_to_the_priors_and_says_so():
    accounts, activity = activity_log(80, 14, seed=9)
    history = fit_history(accounts, activity)
    assert history.fitted is None and history.model.source == "priors"
    assert "Too little history" in history.model.note
    assert history.model.features == prior_model().features
    assert "shipped starting model" in history.model.describe()


def test_the_priors_are_a_fitted_model_in_the_declared_directions():
    priors = prior_model()
    assert priors.source == "priors" and priors.fitted.get("rows", 0) > 1000
    assert priors.note.startswith("Starting model fitted on public activity logs")
    for name, weight in zip(priors.features, priors.weights, strict=True):
        assert weight * FEATURES_BY_NAME[name].direction >= 0, name


def test_a_model_file_round_trips_and_a_bad_one_is_refused(tmp_path: Path, history):
    path = tmp_path / MODEL_FILE
    path.write_text(history.model.to_json())
    assert read_model(path) == history.model
    data = json.loads(history.model.to_json())
    path.write_text(json.dumps({**data, "colour": "red"}))
    with pytest.raises(InputError, match="unknown key"):
        read_model(path)
    path.write_text(json.dumps({**data, "features": ["shoe_size"], "means": [0.0],
                                "scales": [1.0], "weights": [1.0]}))
    with pytest.raises(InputError, match="shoe_size"):
        read_model(path)


def test_the_workspace_keeps_the_fitted_score_for_the_same_data(tmp_path: Path, log):
    accounts, activity = log
    day = dt.date(2025, 4, 27)
    assert saved_model(tmp_path, accounts, activity, as_of=day) is None
    first = resolve_model(accounts, activity, as_of=day, folder=tmp_path)
    assert (tmp_path / MODEL_FILE).exists()
    assert saved_model(tmp_path, accounts, activity, as_of=day) == first
    assert saved_model(tmp_path, accounts, activity.head(-10), as_of=day) is None
    assert saved_model(tmp_path, accounts, activity, as_of=day - dt.timedelta(days=7)) is None


def test_lead_time_counts_back_over_the_unbroken_run_before_going_quiet():
    frame = pl.DataFrame({
        "account_id": ["a"] * 5 + ["b"] * 3,
        "cutoff": [dt.date(2025, 1, 1) + dt.timedelta(weeks=4 * i) for i in range(5)]
        + [dt.date(2025, 1, 1) + dt.timedelta(weeks=4 * i) for i in range(3)],
        "went_quiet": [False, False, False, True, True, False, True, True],
        "_line": [True, False, True, True, True, False, False, True],
    })
    leads, quiet = lead_times(frame)
    assert quiet == 2  # a goes quiet after its 4th cut-off, b after its 2nd
    assert leads == [4.0]  # a was over the line from the 3rd cut-off on; b was missed


def test_the_card_is_saved_printed_and_charted(tmp_path: Path, history):
    card = backtest_card(history)
    save_card(card, tmp_path)
    again = read_card(tmp_path)
    assert again == card
    text = card.to_text()
    assert "ROC AUC" in text and "days since last activity" in text
    spec = calibration_chart(card).to_dict()
    titles = json.dumps(spec)
    assert "Predicted chance of going quiet (%)" in titles
    assert "Accounts that went quiet (%)" in titles
    assert read_card(tmp_path / "none") is None


def test_the_default_horizon_follows_the_datas_pace():
    assert default_horizon(3.0) == 12
    assert default_horizon(40.0) == 26
    assert default_horizon(None) == 26
    with pytest.raises(InputError, match="at least one week"):
        plan_backtest(pl.LazyFrame(schema={"account_id": pl.String}), as_of=dt.date(2025, 1, 1),
                      horizon_weeks=0)


def test_the_backtest_command_prints_the_card_and_saves_the_score(cli, tmp_path: Path, log):
    accounts, activity = log
    accounts.write_parquet(tmp_path / "accounts.parquet")
    activity.write_parquet(tmp_path / "activity.parquet")
    done = cli("backtest", "--accounts", str(tmp_path / "accounts.parquet"), "--activity",
               str(tmp_path / "activity.parquet"), "--as-of", "2025-04-27", "--json")
    assert done.code == 0, done.stderr
    card = json.loads(done.stdout)
    names = [r["name"] for r in card["results"]]
    assert names == ["fitted score", "days since last activity"]
    assert all(0.5 < r["auc"] <= 1 for r in card["results"])
    shown = cli("signals", "--accounts", str(tmp_path / "accounts.parquet"), "--activity",
                str(tmp_path / "activity.parquet"), "--as-of", "2025-04-27", "--top", "1")
    assert shown.code == 0, shown.stderr
    assert "chance, in percent, of no customer activity" in shown.stdout
    assert math.isfinite(card["results"][0]["auc"])


def test_churn_dates_count_as_going_quiet_and_churned_accounts_leave_the_backtest(log):
    accounts, activity = log
    plan = plan_backtest(activity, as_of=dt.date(2025, 4, 27), horizon_weeks=8)
    cut = plan.cutoffs[-1]
    plain = backtest_rows(accounts, activity, plan).filter(pl.col("cutoff") == cut)
    active = plain.filter(~pl.col("went_quiet"))["account_id"].head(3).to_list()
    gone_before = plain["account_id"][-1]
    churn = {active[0]: cut + dt.timedelta(weeks=2), gone_before: cut - dt.timedelta(days=1),
             active[1]: cut + dt.timedelta(weeks=9)}  # after the horizon: no effect
    marked = accounts.with_columns(
        pl.col("account_id").replace_strict(churn, default=None, return_dtype=pl.Date)
        .alias("churned_on"))
    rows = backtest_rows(marked, activity, plan).filter(pl.col("cutoff") == cut)
    quiet = dict(zip(rows["account_id"], rows["went_quiet"], strict=True))
    assert quiet[active[0]] is True and quiet[active[1]] is False
    assert quiet[active[2]] is False and gone_before not in quiet
    assert rows.height == plain.height - 1


def test_signals_can_score_with_a_given_model_file(cli, tmp_path: Path, log):
    from playbooks.signals.score_model import PRIORS_FILE

    accounts, activity = log
    accounts.write_parquet(tmp_path / "accounts.parquet")
    activity.write_parquet(tmp_path / "activity.parquet")
    done = cli("signals", "--accounts", str(tmp_path / "accounts.parquet"), "--activity",
               str(tmp_path / "activity.parquet"), "--as-of", "2025-04-27", "--score-model",
               str(PRIORS_FILE), "--out", str(tmp_path / "s.parquet"), "--top", "0")
    assert done.code == 0, done.stderr
    assert "shipped starting model" in done.stdout
    expected = compute_signals(accounts, activity, as_of=dt.date(2025, 4, 27),
                               model=prior_model())
    got = pl.read_parquet(tmp_path / "s.parquet")
    assert got["disengagement_score"].equals(expected["disengagement_score"])
    bad = cli("signals", "--accounts", str(tmp_path / "accounts.parquet"), "--activity",
              str(tmp_path / "activity.parquet"), "--score-model", str(tmp_path / "s.parquet"))
    assert bad.code == 2 and "not a score model file" in bad.stderr


def test_the_health_score_is_read_from_snapshots_before_each_cutoff(log):
    accounts, activity = log
    weeks = [dt.date(2024, 1, 1) + dt.timedelta(weeks=w) for w in range(0, 70, 2)]
    rng = np.random.default_rng(5)
    health = pl.DataFrame({
        "account_id": [a for a in accounts["account_id"] for _ in weeks],
        "week": weeks * accounts.height,
        "health_score": rng.uniform(20, 95, len(weeks) * accounts.height)})
    history = fit_history(accounts, activity, as_of=dt.date(2025, 4, 27), horizon_weeks=8,
                          health=health)
    card = backtest_card(history)
    rows = history.fitted.out_of_time.join(history.rows.drop("score"),
                                           on=["cutoff", "account_id"])
    latest = []
    for cut, part in rows.group_by("cutoff"):
        before = health.filter(pl.col("week") < cut[0]).sort("week").group_by("account_id") \
            .agg(pl.col("health_score").last().alias("expected"))
        latest.append(part.join(before, on="account_id", how="left"))
    joined = pl.concat(latest)
    assert joined["health_score"].equals(joined["expected"], check_names=False)
    expected = np.mean([roc_auc_score(part["went_quiet"], -part["health_score"])
                        for _, part in joined.group_by("cutoff")])
    assert card.result("internal health score").auc == pytest.approx(expected, abs=1e-12)
