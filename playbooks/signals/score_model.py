"""The fitted disengagement score: its terms as data, how it scores, and where it is kept.

The score is a calibrated logistic model of "no customer activity over the next H weeks" on
the features of `features`: each feature is centred and scaled as on the rows it was fitted
on, multiplied by its weight, summed with the intercept, then calibrated (`calibration_a +
calibration_b * logit`). `disengagement_score` is the chance times 100; each feature's
points are its share of the distance from a typical account's score (`base_score`), so the
base and the points add up to the score.

A model fitted on a workspace's own history is saved in the workspace folder
(`score_model.json`); the shipped priors (`priors.json`, fitted on representative activity
logs by `benchmarks/fit_priors.py`) are used where the history is too short to fit.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.errors import InputError
from playbooks.signals.features import FEATURES_BY_NAME

MODEL_FILE = "score_model.json"
PRIORS_FILE = Path(__file__).with_name("priors.json")


@dataclass(frozen=True)
class ScoreModel:
    """A fitted score: terms, calibration, horizon and how it was fitted."""

    features: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    calibration_a: float = 0.0
    calibration_b: float = 1.0
    horizon_weeks: int = 12
    source: str = "priors"  # "fitted" (this data's own history) or "priors"
    note: str = ""
    fitted: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sizes = {len(self.features), len(self.means), len(self.scales), len(self.weights)}
        if len(sizes) != 1:
            raise InputError("score model: features, means, scales and weights differ in length")
        unknown = [f for f in self.features if f not in FEATURES_BY_NAME]
        if unknown:
            raise InputError(f"score model: unknown feature(s) {', '.join(unknown)}")

    @property
    def base_chance(self) -> float:
        """The chance of going quiet for a typical account (every feature at its mean)."""
        return _sigmoid(self.calibration_a + self.calibration_b * self.intercept)

    def describe(self) -> str:
        """One plain sentence on where the score comes from."""
        where = ("fitted on this data's own history" if self.source == "fitted"
                 else "the shipped starting model (fitted on representative activity logs)")
        text = (f"The disengagement score is the chance, in percent, of no customer activity "
                f"in the next {self.horizon_weeks} weeks; {where}.")
        return f"{text} {self.note}".strip()

    def to_json(self) -> str:
        """The model as JSON text."""
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoreModel:
        """Build a model from `to_json`'s fields; raises InputError on anything else."""
        known = set(cls.__dataclass_fields__)
        extra = set(data) - known
        if extra:
            raise InputError(f"score model: unknown key(s) {', '.join(sorted(extra))}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in data.items()}
        try:
            return cls(**values)
        except TypeError as exc:
            raise InputError(f"score model: {exc}") from None


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def save_model(model: ScoreModel, folder: str | Path) -> Path:
    """Write the model to `score_model.json` in a folder; return the path."""
    path = Path(folder) / MODEL_FILE
    path.write_text(model.to_json() + "\n", encoding="utf-8")
    return path


def read_model(path: str | Path) -> ScoreModel:
    """Read a model file; raises InputError naming the file when it is not one."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{file}: not a score model file ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{file}: not a score model file")
    return ScoreModel.from_dict(data)


@functools.cache
def prior_model() -> ScoreModel:
    """The shipped priors."""
    return read_model(PRIORS_FILE)


def score_columns(model: ScoreModel) -> list[list[pl.Expr]]:
    """The score and each feature's points, as successive `with_columns` stages over a frame
    holding the `_f_<feature>` columns: `_c_` (logit contributions), then the score, then
    `_p_` (points, adding up with `score_base` to the score)."""
    b = model.calibration_b
    contributions = []
    for name, mean, scale, weight in zip(model.features, model.means, model.scales,
                                         model.weights, strict=True):
        z = (pl.col(f"_f_{name}").fill_null(mean).fill_nan(mean) - mean) / scale
        contributions.append((z * (weight * b)).alias(f"_c_{name}"))
    base_logit = model.calibration_a + b * model.intercept
    base = 100.0 * _sigmoid(base_logit)
    total = pl.sum_horizontal([pl.col(f"_c_{n}") for n in model.features]) \
        if model.features else pl.lit(0.0)
    chance = 1.0 / (1.0 + (-(total + base_logit)).exp())
    score = (chance * 100.0).alias("_score_raw")
    # Each part's share of the distance from the base; where the parts cancel out, the
    # slope at the base instead (the distance is then about zero anyway).
    slope = base * (1 - base / 100.0)
    share = pl.when(total.abs() > 1e-9).then((pl.col("_score_raw") - base) / total)\
        .otherwise(slope)
    points = [(pl.col(f"_c_{n}") * share).alias(f"_p_{n}") for n in model.features]
    return [contributions, [score, pl.lit(base).alias("score_base")],
            [*points, chance.alias("quiet_chance")],
            [pl.col("_score_raw").round(1).alias("disengagement_score")]]
