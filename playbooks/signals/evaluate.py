"""Score the account flags against a demo workspace's ground truth (`labels.csv`).

Each archetype has the flag meant to find it; precision and recall are computed per flag, and
beside them what the internal health score alone would have caught (amber or red).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from playbooks.data.workspace import load_tables
from playbooks.errors import InputError
from playbooks.signals.engine import compute_signals
from playbooks.signals.learn import fit_history
from playbooks.vocabulary.activity import is_customer

# archetype -> (flag name, expression over the signals table)
FLAGS: dict[str, tuple[str, pl.Expr]] = {
    "drifting": ("looks_healthy_drifting", pl.col("looks_healthy_drifting")),
    "quietly_working": ("silence = working", pl.col("silence") == "working"),
    "at_risk_visible": ("internal view not healthy", pl.col("internal_view") != "healthy"),
}
HEALTH_ALONE = pl.col("health_colour").str.to_lowercase().is_in(["amber", "red"]) | (
    pl.col("health_colour").is_null() & (pl.col("health_score") < 70))


@dataclass(frozen=True)
class Evaluation:
    """Per-archetype shares and per-flag precision and recall."""

    by_archetype: pl.DataFrame
    metrics: pl.DataFrame

    def metric(self, archetype: str, name: str) -> float:
        """Return one number, e.g. metric("drifting", "recall")."""
        row = self.metrics.filter(pl.col("archetype") == archetype)
        if row.height == 0:
            raise KeyError(archetype)
        return float(row[name][0])

    def share(self, archetype: str, column: str) -> float:
        """Share of an archetype's accounts with a flag, e.g. share("drifting", "health_alone")."""
        row = self.by_archetype.filter(pl.col("archetype") == archetype)
        return float(row[column][0]) if row.height else 0.0

    def to_text(self) -> str:
        """A plain-text report: flags side by side with the health score alone."""
        lines = ["Flags against the demo's ground truth", ""]
        lines.append(f"{'archetype':<17}{'accounts':>9}{'drifting flag':>15}"
                     f"{'health alone':>14}{'working':>9}{'withdrawing':>13}{'score':>7}")
        for r in self.by_archetype.iter_rows(named=True):
            lines.append(f"{r['archetype']:<17}{r['accounts']:>9}"
                         f"{r['looks_healthy_drifting']:>15.0%}{r['health_alone']:>14.0%}"
                         f"{r['silence_working']:>9.0%}{r['silence_withdrawing']:>13.0%}"
                         f"{r['median_score']:>7.1f}")
        lines += ["", f"{'archetype':<17}{'flag':<28}{'precision':>10}{'recall':>8}"
                  f"{'health alone: prec':>20}{'recall':>8}"]
        for r in self.metrics.iter_rows(named=True):
            lines.append(f"{r['archetype']:<17}{r['flag']:<28}{_num(r['precision']):>10}"
                         f"{_num(r['recall']):>8}{_num(r['health_precision']):>20}"
                         f"{_num(r['health_recall']):>8}")
        lines += ["", "'health alone' flags an account whose internal health score is amber or "
                  "red; 'drifting flag' is looks_healthy_drifting."]
        return "\n".join(lines)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def read_labels(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a labels file (account_id, archetype)."""
    file = Path(path)
    if not file.exists():
        raise InputError(f"No labels file at {file}: evaluate needs a demo workspace "
                         "(`playbooks demo`) or a labels.csv with account_id and archetype.")
    labels = pl.read_csv(file, schema_overrides={"account_id": pl.String})
    missing = {"account_id", "archetype"} - set(labels.columns)
    if missing:
        raise InputError(f"{file} lacks the column(s) {', '.join(sorted(missing))}.")
    return labels.select("account_id", "archetype")


def evaluate_flags(signals: pl.DataFrame, labels: pl.DataFrame) -> Evaluation:
    """Compare the signals table with the true archetypes."""
    frame = signals.join(labels, on="account_id", how="inner").with_columns(
        HEALTH_ALONE.fill_null(False).alias("health_alone"))
    if frame.height == 0:
        raise InputError("No account in the signals table appears in the labels.")
    by_archetype = (frame.group_by("archetype")
                    .agg(pl.len().alias("accounts"),
                         pl.col("looks_healthy_drifting").cast(pl.Float64).mean(),
                         pl.col("health_alone").cast(pl.Float64).mean(),
                         (pl.col("silence") == "working").fill_null(False).mean()
                         .alias("silence_working"),
                         (pl.col("silence") == "withdrawing").fill_null(False).mean()
                         .alias("silence_withdrawing"),
                         pl.col("disengagement_score").median().fill_null(0.0)
                         .alias("median_score"))
                    .sort("archetype"))
    rows = []
    for archetype, (name, flag) in FLAGS.items():
        truth = pl.col("archetype") == archetype
        rows.append({"archetype": archetype, "flag": name,
                     **_precision_recall(frame, flag.fill_null(False), truth, ""),
                     **_precision_recall(frame, pl.col("health_alone"), truth, "health_")})
    return Evaluation(by_archetype, pl.DataFrame(rows, schema={
        "archetype": pl.String, "flag": pl.String, "precision": pl.Float64,
        "recall": pl.Float64, "flagged": pl.Int64, "health_precision": pl.Float64,
        "health_recall": pl.Float64, "health_flagged": pl.Int64}))


def _precision_recall(frame: pl.DataFrame, flag: pl.Expr, truth: pl.Expr,
                      prefix: str) -> dict[str, float | int | None]:
    counts = frame.select(flag.sum().alias("flagged"), (flag & truth).sum().alias("hit"),
                          truth.sum().alias("true")).row(0, named=True)
    flagged, hit, true = (int(counts[k]) for k in ("flagged", "hit", "true"))
    return {f"{prefix}precision": hit / flagged if flagged else None,
            f"{prefix}recall": hit / true if true else None,
            f"{prefix}flagged": flagged}


def evaluate_workspace(workspace: str | os.PathLike[str], *,
                       as_of: dt.date | None = None) -> Evaluation:
    """Compute the signals of a demo workspace and score them against its labels.csv
    (`as_of` None: the latest event's date)."""
    folder = Path(workspace)
    labels = read_labels(folder / "labels.csv")
    tables = load_tables(folder)
    signals = compute_signals(tables.accounts, tables.activity, as_of=as_of)
    return evaluate_flags(signals, labels)


@dataclass(frozen=True)
class QuietPrediction:
    """How well the disengagement score, and days since the last activity alone, predict that
    an account does nothing at all in the period after a cut-off date (ROC AUC)."""

    cutoff: dt.date
    horizon_weeks: int
    accounts: int
    went_quiet: int
    score_auc: float | None
    days_since_auc: float | None

    def to_text(self) -> str:
        """A short plain report."""
        if self.score_auc is None or self.days_since_auc is None:
            return (f"As of {self.cutoff}: {self.went_quiet} of {self.accounts} accounts went "
                    f"quiet in the next {self.horizon_weeks} weeks; both outcomes are needed to "
                    "measure a prediction.")
        better = "better than" if self.score_auc > self.days_since_auc else "no better than"
        return (f"As of {self.cutoff}, {self.went_quiet} of {self.accounts} accounts did nothing "
                f"in the next {self.horizon_weeks} weeks. ROC AUC: disengagement score "
                f"{self.score_auc:.3f}, days since last activity {self.days_since_auc:.3f} "
                f"(the score predicts going quiet {better} recency alone).")


def evaluate_quiet_prediction(accounts: pl.LazyFrame | pl.DataFrame,
                              activity: pl.LazyFrame | pl.DataFrame, *, cutoff: dt.date,
                              horizon_weeks: int = 12) -> QuietPrediction:
    """Score accounts with only the activity before `cutoff`, then check who did nothing at all
    (no customer action) in the `horizon_weeks` after it. Accounts with no activity before the
    cut-off are left out. The score is the one `playbooks signals` gives as of the day before
    the cut-off: fitted on the history before it (priors where that is too short)."""
    from sklearn.metrics import roc_auc_score

    if horizon_weeks < 1:
        raise InputError("the horizon must be at least one week")
    start = dt.datetime.combine(cutoff, dt.time())
    end = start + dt.timedelta(weeks=horizon_weeks)
    act = activity.lazy().with_columns(pl.col("occurred_at").cast(pl.Datetime("us")))
    before = act.filter(pl.col("occurred_at") < start)
    after = (act.filter((pl.col("occurred_at") >= start) & (pl.col("occurred_at") < end)
                        & is_customer())
             .select("account_id").unique().collect())
    day = cutoff - dt.timedelta(days=1)
    model = fit_history(accounts, before, as_of=day, horizon_weeks=horizon_weeks).model
    scored = (compute_signals(accounts, before, as_of=day, model=model)
              .filter(pl.col("status") != "no_data")
              .with_columns(quiet=~pl.col("account_id").is_in(after["account_id"].implode())))
    truth = scored["quiet"].to_list()
    went_quiet = sum(truth)
    both = 0 < went_quiet < len(truth)
    return QuietPrediction(
        cutoff, horizon_weeks, len(truth), went_quiet,
        float(roc_auc_score(truth, scored["disengagement_score"])) if both else None,
        float(roc_auc_score(truth, scored["days_since_activity"])) if both else None)
