"""Fit the disengagement score to a backtest: a regularised logistic regression whose terms
keep their declared direction, its strength chosen by time-ordered cross-validation, then
calibrated so the score reads as a chance.

Time-ordered: each test cut-off is predicted by a model fitted only on the cut-offs whose
whole horizon had passed by then (never shuffled folds, which would let an account's own
future teach its past). The strength with the best mean ROC AUC over the test cut-offs wins
(ties: the stronger regularisation); the calibration (a logistic fit of the outcome on those
out-of-time scores) is kept with the model, which is then fitted on every row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from playbooks.signals.features import FEATURES_BY_NAME
from playbooks.signals.score_model import ScoreModel

STRENGTHS = (0.01, 0.1, 1.0, 10.0)  # sklearn's C: smaller is stronger regularisation
MIN_OUTCOMES = 30  # of each kind (went quiet, stayed active) needed to fit
MAX_TEST_CUTOFFS = 4


@dataclass(frozen=True)
class Fitted:
    """A fitted model and its out-of-time predictions (cut-off, account, score, outcome)."""

    model: ScoreModel
    out_of_time: pl.DataFrame


def _matrix(rows: pl.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    return rows.select([pl.col(n).cast(pl.Float64).fill_nan(None) for n in names]).to_numpy()


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill missing values with the column mean and scale to unit spread."""
    seen = (~np.isnan(x)).sum(axis=0)
    means = np.where(seen > 0, np.nansum(x, axis=0) / np.maximum(seen, 1), 0.0)
    filled = np.where(np.isnan(x), means, x)
    scales = filled.std(axis=0)
    scales = np.where(scales < 1e-9, 1.0, scales)
    return (filled - means) / scales, means, scales


def fit_monotone(x: np.ndarray, y: np.ndarray, names: tuple[str, ...],
                 strength: float) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray,
                                           float]:
    """Fit the logistic regression, dropping a term whose weight turns against its declared
    direction (the worst first) until none does. Returns the kept names, means, scales,
    weights and intercept."""
    from sklearn.linear_model import LogisticRegression

    keep = [i for i in range(len(names))
            if (~np.isnan(x[:, i])).sum() > 1 and np.nanstd(x[:, i]) > 1e-9] if x.size else []
    while True:
        z, means, scales = _standardise(x[:, keep])
        if not keep:
            rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
            return (), means, scales, np.zeros(0), float(np.log(rate / (1 - rate)))
        lr = LogisticRegression(C=strength, max_iter=500)
        lr.fit(z, y)
        weights = lr.coef_[0]
        wrong = [(weights[k] * FEATURES_BY_NAME[names[i]].direction, k)
                 for k, i in enumerate(keep)
                 if weights[k] * FEATURES_BY_NAME[names[i]].direction < 0]
        if not wrong:
            return (tuple(names[i] for i in keep), means, scales, weights,
                    float(lr.intercept_[0]))
        keep.pop(min(wrong)[1])


def _logit(x: np.ndarray, names: tuple[str, ...], kept: tuple[str, ...], means: np.ndarray,
           scales: np.ndarray, weights: np.ndarray, intercept: float) -> np.ndarray:
    idx = [names.index(n) for n in kept]
    sub = x[:, idx]
    sub = np.where(np.isnan(sub), means, sub)
    return intercept + ((sub - means) / scales) @ weights if kept else np.full(len(x), intercept)


def fit_score(rows: pl.DataFrame, *, horizon_weeks: int, names: tuple[str, ...],
              note: str = "") -> Fitted | None:
    """Fit the score to backtest rows; None when there are too few outcomes of either kind."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    y_all = rows["went_quiet"].to_numpy().astype(int)
    if min(int(y_all.sum()), int(len(y_all) - y_all.sum())) < MIN_OUTCOMES:
        return None
    x_all = _matrix(rows, names)
    cutoffs = sorted(set(rows["cutoff"].to_list()))
    tests = [c for c in cutoffs
             if _train_mask(rows, c, horizon_weeks).sum() and _has_both(rows, c)]
    tests = tests[-MAX_TEST_CUTOFFS:]
    results: dict[float, tuple[float, list[np.ndarray]]] = {}
    for strength in STRENGTHS if tests else ():
        aucs, logits = [], []
        for cut in tests:
            train = _train_mask(rows, cut, horizon_weeks)
            test = (rows["cutoff"] == cut).to_numpy()
            if len(set(y_all[train])) < 2:
                continue
            fitted = fit_monotone(x_all[train], y_all[train], names, strength)
            logit = _logit(x_all[test], names, *fitted)
            aucs.append(roc_auc_score(y_all[test], logit))
            logits.append(logit)
        if aucs:
            results[strength] = (float(np.mean(aucs)), logits)
    if results:
        best = max(results, key=lambda c: (round(results[c][0], 4), -c))
        test_mask = rows["cutoff"].is_in(tests).to_numpy()
        oof = np.concatenate(results[best][1])
        calib = LogisticRegression(C=1e6, max_iter=500).fit(oof[:, None], y_all[test_mask])
        a, b = float(calib.intercept_[0]), float(calib.coef_[0][0])
        if b <= 0:
            a, b = 0.0, 1.0
        out = rows.filter(pl.Series(test_mask)).select("cutoff", "account_id", "went_quiet") \
            .with_columns(pl.Series("score", 100.0 / (1.0 + np.exp(-(a + b * oof)))))
        how = (f"Regularisation chosen by time-ordered cross-validation over {len(tests)} "
               f"cut-off(s) (mean ROC AUC {results[best][0]:.3f}).")
    else:
        best, a, b = 1.0, 0.0, 1.0
        out = rows.head(0).select("cutoff", "account_id", "went_quiet") \
            .with_columns(pl.lit(None, pl.Float64).alias("score"))
        how = ("Not cross-validated: the history holds no cut-off whose whole horizon passed "
               "after an earlier one.")
    kept, means, scales, weights, intercept = fit_monotone(x_all, y_all, names, best)
    model = ScoreModel(
        features=kept, means=tuple(float(v) for v in means),
        scales=tuple(float(v) for v in scales), weights=tuple(float(v) for v in weights),
        intercept=intercept, calibration_a=a, calibration_b=b, horizon_weeks=horizon_weeks,
        source="fitted", note=" ".join(x for x in (note, how) if x),
        fitted={"cutoffs": [str(c) for c in cutoffs], "rows": len(y_all),
                "went_quiet": int(y_all.sum()), "strength": best,
                "cv_auc": {str(c): round(v[0], 4) for c, v in results.items()}})
    return Fitted(model, out)


def _train_mask(rows: pl.DataFrame, cutoff: dt.date, horizon_weeks: int) -> np.ndarray:
    """The rows whose whole horizon had passed by `cutoff`."""
    last = cutoff - dt.timedelta(weeks=horizon_weeks)
    return (rows["cutoff"] <= last).to_numpy()


def _has_both(rows: pl.DataFrame, cutoff: dt.date) -> bool:
    y = rows.filter(pl.col("cutoff") == cutoff)["went_quiet"]
    return 0 < int(y.sum()) < y.len()
