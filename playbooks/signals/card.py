"""The backtest card: how well the score, days since the last activity alone and the internal
health score told, at past cut-offs, which accounts would go quiet.

For each score, side by side:

- **ROC AUC**: the chance that an account that went quiet scored riskier than one that did
  not (0.5 is a coin toss), at each cut-off, averaged over the cut-offs.
- **Precision in the riskiest 10%**: of the tenth of accounts a score ranks riskiest at each
  cut-off (the ones a team can actually call), the share that went quiet.
- **Median lead time**: for each account that went quiet, the cut-off after which it did
  nothing is its "went quiet" date; the weeks between the first cut-off of the unbroken run
  in which it was over the "disengaging" line and that date, over the accounts caught by it.
  Days since the last activity and the health score are given the same number of calls as
  the score at each cut-off (their riskiest accounts), so the three are compared fairly.
- **Calibration**: the score's predicted chance in ten bands against the share that went
  quiet.

The fitted score is judged only on cut-offs it was not fitted on (each predicted by a model
fitted on earlier outcomes); the priors, fitted elsewhere, on every cut-off.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from playbooks.errors import InputError
from playbooks.signals.learn import History

CARD_FILE = "score_backtest.json"
TOP_SHARE = 0.10


@dataclass(frozen=True)
class ScoreResult:
    """One score's line on the card."""

    name: str
    auc: float | None
    precision_top10: float | None
    median_lead_weeks: float | None
    caught: int
    went_quiet: int
    rows: int


@dataclass(frozen=True)
class BacktestCard:
    """The card: what was tested, and every score's figures."""

    horizon_weeks: int
    cutoffs: list[str]
    rows: int
    went_quiet: int
    model: str
    results: list[ScoreResult]
    calibration: list[dict[str, float]] = field(default_factory=list)

    def result(self, name: str) -> ScoreResult:
        """One score's figures by name."""
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The card as plain data (JSON-ready)."""
        return asdict(self)

    def to_text(self) -> str:
        """The card as plain text, for the terminal."""
        if not self.results and self.rows:
            return (f"Backtest: no account did nothing at all for {self.horizon_weeks} weeks "
                    f"after any of {len(self.cutoffs)} past cut-off(s) ({self.rows:,} account "
                    f"rows), so there is no going quiet to predict yet. {self.model}")
        if not self.results:
            return (f"Backtest: too little history to test the score (needs past cut-offs "
                    f"with {self.horizon_weeks} weeks after them). {self.model}")
        lines = [f"Backtest: which accounts did nothing at all in the {self.horizon_weeks} "
                 f"weeks after a past cut-off ({len(self.cutoffs)} cut-off(s), "
                 f"{self.cutoffs[0]} to {self.cutoffs[-1]}; {self.rows:,} account rows, "
                 f"{self.went_quiet:,} went quiet)", "",
                 f"{'score':<32}{'ROC AUC':>9}{'top 10% precision':>19}"
                 f"{'median lead':>13}{'caught':>16}"]
        for r in self.results:
            lead = "n/a" if r.median_lead_weeks is None else f"{r.median_lead_weeks:.0f} weeks"
            lines.append(f"{r.name:<32}{_num(r.auc, 3):>9}{_pct(r.precision_top10):>19}"
                         f"{lead:>13}{f'{r.caught:,} of {r.went_quiet:,}':>16}")
        if self.calibration:
            lines += ["", "Calibration of the score (predicted chance against what happened):"]
            for b in self.calibration:
                lines.append(f"  predicted {b['low']:.0%}-{b['high']:.0%}: on average "
                             f"{b['predicted']:.0%}, went quiet {b['observed']:.0%} "
                             f"({int(b['rows']):,} rows)")
        lines += ["", self.model]
        return "\n".join(lines)


def _num(v: float | None, digits: int) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0%}"


def roc_auc(truth: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC by ranks (ties count half); None unless both outcomes occur."""
    truth = truth.astype(bool)
    pos, neg = int(truth.sum()), int((~truth).sum())
    if pos == 0 or neg == 0:
        return None
    ranks = pl.Series(score).rank("average").to_numpy()
    return float((ranks[truth].sum() - pos * (pos + 1) / 2) / (pos * neg))


def evaluated_rows(history: History) -> pl.DataFrame:
    """The rows the card judges: cut-off, account, outcome, the score, days since and health."""
    rows = history.rows
    if history.fitted is not None and history.fitted.out_of_time.height:
        oof = history.fitted.out_of_time.select("cutoff", "account_id", "score")
        rows = rows.drop("score").join(oof, on=["cutoff", "account_id"], how="inner")
    return rows.select("cutoff", "account_id", "went_quiet", "score",
                       "days_since_activity", "health_score").sort("cutoff", "account_id")


def backtest_card(history: History, *, disengaging_score: float = 50.0) -> BacktestCard:
    """Compute the card from a fitted history."""
    rows = evaluated_rows(history)
    model = history.model
    name = "fitted score" if model.source == "fitted" else "starting score (priors)"
    if rows.height == 0:
        return BacktestCard(history.plan.horizon_weeks, [], 0, 0, model.describe(), [])
    if not rows["went_quiet"].any():
        return BacktestCard(history.plan.horizon_weeks,
                            sorted({str(c) for c in rows["cutoff"].to_list()}), rows.height, 0,
                            model.describe(), [], calibration(rows))
    flagged = (pl.col("score") >= disengaging_score)
    rows = rows.with_columns(flagged.alias("_line_score"))
    calls = rows.group_by("cutoff").agg(pl.col("_line_score").sum().alias("_calls"))
    rows = rows.join(calls, on="cutoff")
    scores = [(name, pl.col("score"), "_line_score"),
              ("days since last activity", pl.col("days_since_activity"), None)]
    if rows["health_score"].is_not_null().any():
        scores.append(("internal health score", -pl.col("health_score"), None))
    results = [_result(rows, label, expr, line) for label, expr, line in scores]
    return BacktestCard(
        history.plan.horizon_weeks, sorted({str(c) for c in rows["cutoff"].to_list()}),
        rows.height, int(rows["went_quiet"].sum()), model.describe(), results,
        calibration(rows))


def _result(rows: pl.DataFrame, name: str, risk: pl.Expr, line: str | None) -> ScoreResult:
    frame = rows.with_columns(risk.cast(pl.Float64).alias("_risk")).filter(
        pl.col("_risk").is_not_null())
    aucs, hits, tops = [], 0, 0
    for _, part in frame.group_by("cutoff", maintain_order=True):
        auc = roc_auc(part["went_quiet"].to_numpy(), part["_risk"].to_numpy())
        if auc is not None:
            aucs.append(auc)
        top = part.sort(["_risk", "account_id"], descending=[True, False]) \
            .head(max(1, math.ceil(TOP_SHARE * part.height)))
        hits += int(top["went_quiet"].sum())
        tops += top.height
    if line is None:
        # The same number of calls as the score makes at each cut-off: its riskiest accounts.
        frame = frame.with_columns(
            (pl.col("_risk").rank("ordinal", descending=True).over("cutoff")
             <= pl.col("_calls")).alias("_line"))
    else:
        frame = frame.with_columns(pl.col(line).alias("_line"))
    leads, quiet = lead_times(frame)
    return ScoreResult(name, float(np.mean(aucs)) if aucs else None,
                       hits / tops if tops and quiet else None,
                       float(np.median(leads)) if leads else None, len(leads), quiet,
                       frame.height)


def lead_times(frame: pl.DataFrame) -> tuple[list[float], int]:
    """Weeks of warning for each account caught before it went quiet, and how many went quiet
    (see the module docstring); reads cutoff, account_id, went_quiet and `_line`."""
    leads: list[float] = []
    quiet = 0
    ordered = frame.sort("account_id", "cutoff").select("account_id", "cutoff", "went_quiet",
                                                        "_line")
    for _, part in ordered.group_by("account_id", maintain_order=True):
        cuts, went, line = (part["cutoff"].to_list(), part["went_quiet"].to_list(),
                            part["_line"].to_list())
        for i, was_quiet in enumerate(went):
            if not was_quiet or (i > 0 and went[i - 1]):
                continue
            quiet += 1
            if not line[i]:
                continue
            j = i
            while j > 0 and line[j - 1] and not went[j - 1]:
                j -= 1
            leads.append((cuts[i] - cuts[j]).days / 7)
    return leads, quiet


def calibration(rows: pl.DataFrame, bands: int = 10) -> list[dict[str, float]]:
    """The score's predicted chance in equal bands against the share that went quiet."""
    frame = rows.with_columns((pl.col("score") / 100.0).alias("_p")).with_columns(
        (pl.col("_p") * bands).floor().clip(0, bands - 1).cast(pl.Int32).alias("_band"))
    out = (frame.group_by("_band").agg(pl.col("_p").mean().alias("predicted"),
                                       pl.col("went_quiet").cast(pl.Float64).mean()
                                       .alias("observed"), pl.len().alias("rows"))
           .sort("_band"))
    return [{"low": b / bands, "high": (b + 1) / bands, "predicted": float(p),
             "observed": float(o), "rows": float(n)}
            for b, p, o, n in out.iter_rows()]


def save_card(card: BacktestCard, folder: str | os.PathLike[str]) -> Path:
    """Write the card to `score_backtest.json` in a folder; return the path."""
    path = Path(folder) / CARD_FILE
    path.write_text(json.dumps(card.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def read_card(folder: str | os.PathLike[str]) -> BacktestCard | None:
    """The card saved in a folder, or None when there is none."""
    path = Path(folder) / CARD_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = [ScoreResult(**r) for r in data.pop("results")]
        return BacktestCard(**data, results=results)
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{path}: not a backtest card ({exc})") from None
