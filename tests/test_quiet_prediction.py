"""The disengagement score predicts which accounts go quiet better than recency alone, on a
sparse activity log shaped like real ones (accounts at very different paces, some slowing
down and stopping), with nothing but the accounts and activity tables as input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from playbooks.errors import InputError
from playbooks.signals.evaluate import evaluate_quiet_prediction

START = dt.datetime(2024, 1, 1)
KINDS = np.array(["login", "feature_used", "question_asked", "event_attended",
                  "community_post", "review"])


def sparse_log(accounts: int, weeks: int, seed: int, pace: float) -> tuple[pl.DataFrame,
                                                                            pl.DataFrame]:
    """Accounts with log-normal weekly paces; a third stop at a random week, half of those
    slowing down first."""
    rng = np.random.default_rng(seed)
    rate = np.exp(rng.normal(pace, 1.2, accounts))
    stop = np.where(rng.random(accounts) < 0.35, rng.integers(20, weeks, accounts), 10**6)
    slows = rng.random(accounts) < 0.5
    week = np.arange(weeks)[None, :]
    lam = np.repeat(rate[:, None], weeks, axis=1)
    fading = slows[:, None] & (stop[:, None] < 10**6)
    lam = np.where(fading, lam * np.clip((stop[:, None] - week) / 20, 0.1, None), lam)
    lam = np.where(week >= stop[:, None], 0.0, lam)
    counts = rng.poisson(lam)
    account, when = np.nonzero(counts)
    repeat = counts[account, when]
    account, when = np.repeat(account, repeat), np.repeat(when, repeat)
    n = len(account)
    hours = rng.integers(0, 167, n)
    activity = pl.DataFrame({
        "event_id": np.arange(n).astype(str),
        "account_id": np.char.add("A", account.astype(str)),
        "person_id": np.char.add(np.char.add("A", account.astype(str)),
                                 np.char.add("-p", rng.integers(0, 4, n).astype(str))),
        "actor_type": "customer",
        "occurred_at": [START + dt.timedelta(weeks=int(w), hours=int(h))
                        for w, h in zip(when, hours, strict=True)],
        "source_function": "product", "kind": rng.choice(KINDS, n,
                                                         p=[.45, .35, .1, .05, .04, .01]),
        "channel": "product", "automated": False,
        "feature": np.char.add("f", rng.integers(0, 7, n).astype(str)),
        "question_text": pl.Series([None] * n, dtype=pl.String),
    })
    accounts_frame = pl.DataFrame({
        "account_id": [f"A{i}" for i in range(accounts)],
        "name": [f"A{i}" for i in range(accounts)],
        "segment": "smb", "owner": "x", "annual_value": 1000.0,
        "contract_start": dt.date(2023, 1, 1), "renewal_date": dt.date(2026, 1, 1),
        "lifecycle_stage": "adoption"})
    return accounts_frame, activity


@pytest.mark.parametrize(("pace", "seed"), [(-1.5, 5), (-0.5, 3), (0.5, 9)],
                         ids=["very-sparse", "sparse", "busy"])
def test_score_beats_recency_alone(pace: float, seed: int) -> None:
    accounts, activity = sparse_log(2000, 78, seed, pace)
    result = evaluate_quiet_prediction(accounts, activity,
                                       cutoff=(START + dt.timedelta(weeks=60)).date(),
                                       horizon_weeks=18)
    assert 0 < result.went_quiet < result.accounts
    assert result.score_auc is not None and result.days_since_auc is not None
    assert result.score_auc > result.days_since_auc, result.to_text()


def test_command_line(cli, tmp_path: Path) -> None:
    accounts, activity = sparse_log(300, 40, 1, -0.5)
    accounts.write_parquet(tmp_path / "accounts.parquet")
    activity.write_parquet(tmp_path / "activity.parquet")
    done = cli("predict-quiet", "--accounts", str(tmp_path / "accounts.parquet"), "--activity",
               str(tmp_path / "activity.parquet"), "--cutoff", "2024-08-01", "--json")
    assert done.code == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["accounts"] > 0 and 0.5 < out["score_auc"] <= 1.0
    bad = cli("predict-quiet", "--workspace", str(tmp_path), "--cutoff", "August")
    assert bad.code == 2 and "not a date" in bad.stderr


def test_bad_horizon() -> None:
    accounts, activity = sparse_log(20, 30, 1, 0.0)
    with pytest.raises(InputError, match="at least one week"):
        evaluate_quiet_prediction(accounts, activity, cutoff=dt.date(2024, 2, 1),
                                  horizon_weeks=0)
