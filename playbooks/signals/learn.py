"""Which score a run uses: one fitted on the data's own history (kept in the workspace folder),
or the shipped priors where the history is too short.

`fit_history` runs the backtest and the fit; `resolve_model` reuses the workspace's saved
model when it was fitted on the same data up to the same date, and fits (and saves) one
otherwise. The fit reads only the data before the as-of date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from playbooks.signals.backtest import BacktestPlan, backtest_rows, plan_backtest
from playbooks.signals.features import FEATURE_NAMES
from playbooks.signals.fit import Fitted, fit_score
from playbooks.signals.score_model import (
    MODEL_FILE,
    ScoreModel,
    prior_model,
    read_model,
    save_model,
)
from playbooks.vocabulary.activity import as_of_date


@dataclass(frozen=True)
class History:
    """What the fit saw: the plan, the backtest rows and the fit (None: priors used)."""

    plan: BacktestPlan
    rows: pl.DataFrame
    fitted: Fitted | None
    model: ScoreModel


def data_key(accounts: pl.LazyFrame, activity: pl.LazyFrame, as_of: dt.date) -> str:
    """A short fingerprint of the data a fit reads: rows, accounts, first and last event."""
    act = activity.select(pl.len().alias("n"), pl.col("occurred_at").min().alias("a"),
                          pl.col("occurred_at").max().alias("b")).collect().row(0)
    n_accounts = accounts.select(pl.len()).collect().item()
    return f"{as_of}|{act[0]}|{n_accounts}|{act[1]}|{act[2]}"


def fit_history(accounts: pl.LazyFrame | pl.DataFrame, activity: pl.LazyFrame | pl.DataFrame,
                *, as_of: dt.date | None = None, horizon_weeks: int | None = None,
                health: pl.LazyFrame | pl.DataFrame | None = None) -> History:
    """Backtest the history before `as_of` (None: the latest event's date) and fit the score;
    the priors, with a note saying why, when there is too little to fit."""
    act = activity.lazy().with_columns(pl.col("occurred_at").cast(pl.Datetime("us")))
    day = as_of_date(act, as_of)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    act = act.filter(pl.col("occurred_at") < end)
    plan = plan_backtest(act, as_of=day, horizon_weeks=horizon_weeks)
    rows = backtest_rows(accounts, act, plan, health=health)
    fitted = fit_score(rows, horizon_weeks=plan.horizon_weeks, names=FEATURE_NAMES,
                       note=f"Fitted on {len(plan.cutoffs)} past cut-off(s), "
                            f"{rows.height:,} account rows.") if plan.cutoffs \
        else None
    if fitted is None:
        outcomes = int(rows["went_quiet"].sum()) if rows.height else 0
        model = replace(prior_model(), note=(
            f"Too little history to fit this data's own score ({len(plan.cutoffs)} past "
            f"cut-off(s), {outcomes} account(s) going quiet), so the shipped starting model "
            "is used."))
    else:
        model = fitted.model
    return History(plan, rows, fitted, model)


def resolve_model(accounts: pl.LazyFrame | pl.DataFrame, activity: pl.LazyFrame | pl.DataFrame,
                  *, as_of: dt.date | None = None,
                  health: pl.LazyFrame | pl.DataFrame | None = None,
                  folder: str | Path | None = None, refit: bool = False) -> ScoreModel:
    """The score for a run: the workspace's saved model when it matches the data and date,
    else a new fit (saved in `folder` when given)."""
    acc, act = accounts.lazy(), activity.lazy()
    day = as_of_date(act, as_of)
    key = data_key(acc, act, day)
    path = Path(folder) / MODEL_FILE if folder is not None else None
    if path is not None and path.exists() and not refit:
        saved = read_model(path)
        if saved.fitted.get("key") == key:
            return saved
    model = fit_history(acc, act, as_of=day, health=health).model
    model = replace(model, fitted={**model.fitted, "key": key})
    if path is not None:
        save_model(model, path.parent)
    return model


def saved_model(folder: str | Path | None, accounts: pl.LazyFrame | pl.DataFrame,
                activity: pl.LazyFrame | pl.DataFrame, *,
                as_of: dt.date | None = None) -> ScoreModel | None:
    """The score saved in a workspace folder when it was fitted on this data up to this date
    (`playbooks backtest` or `playbooks signals` saves it), else None (the priors apply).
    Nothing is fitted here."""
    if folder is None or not (Path(folder) / MODEL_FILE).exists():
        return None
    act = activity.lazy()
    saved = read_model(Path(folder) / MODEL_FILE)
    key = data_key(accounts.lazy(), act, as_of_date(act, as_of))
    return saved if saved.fitted.get("key") == key else None
