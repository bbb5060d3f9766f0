"""What the disengagement score is fitted on: each feature as data, with its direction and its
plain sentence.

A feature is a polars expression over the engine's per-account values (after the passes,
before the score), so the backtest, the fitted score and the reasons read the same numbers.
`direction` says which way a feature may push the score: +1 when a larger value may only
raise the chance of going quiet (days of silence), -1 when it may only lower it (people
engaging). The fit keeps to these directions, so every reason reads the way it sounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from playbooks.signals.inputs import days_before
from playbooks.signals.model import RELATIONSHIP_CONTACT, SignalWindow


@dataclass(frozen=True)
class Feature:
    """One input of the fitted score: its value, the direction it may push, its sentence."""

    name: str
    label: str
    direction: int
    value: Callable[[SignalWindow], pl.Expr]
    sentence: Callable[[SignalWindow], pl.Expr]


def _log1p(x: pl.Expr) -> pl.Expr:
    return (x.cast(pl.Float64).clip(lower_bound=0.0) + 1.0).log()


def since_activity(plan: SignalWindow) -> pl.Expr:
    """Days since the customer last did anything."""
    return days_before(plan.end, "last_activity")


def since_contact(plan: SignalWindow) -> pl.Expr:
    """Days since the last question, event or advocacy (else since the account started)."""
    return pl.coalesce(days_before(plan.end, "last_contact"), tenure_days(plan))


def tenure_days(plan: SignalWindow) -> pl.Expr:
    """Days since the account started (contract start, else its first activity)."""
    start = pl.coalesce(pl.col("contract_start").cast(pl.Datetime("us")),
                        pl.col("first_activity"))
    return (pl.lit(plan.end) - start).dt.total_days()


def contact(plan: SignalWindow, window: str) -> pl.Expr:
    """Questions, events and advocacy per block, in the recent or the baseline window."""
    names = [n for n in RELATIONSHIP_CONTACT if n in plan.settings.signal_names]
    return pl.sum_horizontal([pl.col(f"{n}_{window}").fill_null(0.0) for n in names]) \
        if names else pl.lit(0.0)


def pace(plan: SignalWindow) -> pl.Expr:
    """Days per block the account is usually active: the larger of its recent and baseline
    days of product use, or its recent questions, events and advocacy."""
    return pl.max_horizontal(pl.col("active_days_recent").fill_null(0.0),
                             pl.col("active_days_baseline").fill_null(0.0), contact(plan, "recent"))


def _trend(recent: pl.Expr, baseline: pl.Expr) -> pl.Expr:
    """log((recent + 1) / (baseline + 1)); null without a baseline."""
    return ((recent + 1.0) / (baseline + 1.0)).log()


def _pct(x: pl.Expr) -> pl.Expr:
    return (x * 100).fill_nan(None).round(0).cast(pl.Int64, strict=False).cast(pl.String)


def _num(x: pl.Expr) -> pl.Expr:
    return x.round(1).cast(pl.String)


def _per(plan: SignalWindow) -> str:
    return f"per {plan.block_days // 7} weeks"


def _signal_level(name: str, label: str) -> Feature:
    return Feature(
        f"{name}_recent", f"{label}, recently", -1,
        lambda p: _log1p(pl.col(f"{name}_recent")),
        lambda p: pl.format("{}: {} " + _per(p) + " recently", pl.lit(label),
                            _num(pl.col(f"{name}_recent").fill_null(0.0))))


def _signal_trend(name: str, label: str) -> Feature:
    def sentence(p: SignalWindow) -> pl.Expr:
        recent, base = pl.col(f"{name}_recent").fill_null(0.0), pl.col(f"{name}_baseline")
        change = recent / base - 1.0
        way = pl.when(change < 0).then(pl.lit("fell")).otherwise(pl.lit("rose"))
        return pl.format("{} {} {}% against its baseline ({} to {} " + _per(p) + ")",
                         pl.lit(label), way, _pct(change.abs()), _num(base), _num(recent))

    return Feature(f"{name}_trend", f"{label}, change against its baseline", -1,
                   lambda p: pl.when(pl.col("baseline_blocks_seen") > 0)
                   .then(_trend(pl.col(f"{name}_recent").fill_null(0.0),
                                pl.col(f"{name}_baseline").fill_null(0.0))),
                   sentence)


FEATURES: tuple[Feature, ...] = (
    Feature("days_silent", "Days since the last customer activity", 1,
            lambda p: _log1p(since_activity(p)),
            lambda p: pl.format("No customer activity for {} days", since_activity(p))),
    Feature("days_silent_years", "Days since the last customer activity, in years", 1,
            lambda p: since_activity(p).cast(pl.Float64) / 365.0,
            lambda p: pl.format("No customer activity for {} days", since_activity(p))),
    Feature("actions_ever", "Customer actions over the whole history", -1,
            lambda p: _log1p(pl.col("events_ever").fill_null(0)),
            lambda p: pl.format("{} customer actions in all its history",
                                pl.col("events_ever").fill_null(0))),
    Feature("silent_against_history", "Silence against the account's pace over its history", 1,
            lambda p: _log1p(since_activity(p) * pl.col("events_ever").fill_null(0)
                             / tenure_days(p).clip(lower_bound=1)),
            lambda p: pl.format("Silent for {} days against about {} customer actions a month "
                                "over its history", since_activity(p),
                                _num(pl.col("events_ever").fill_null(0) * 30.0
                                     / tenure_days(p).clip(lower_bound=1)))),
    Feature("days_without_contact", "Days since the last question, event or advocacy", 1,
            lambda p: _log1p(since_contact(p)),
            lambda p: pl.format("No question, event or advocacy for {} days",
                                since_contact(p))),
    Feature("silent_against_pace", "Silence against the account's own pace", 1,
            lambda p: _log1p(since_activity(p) * pace(p) / p.block_days),
            lambda p: pl.format("Silent for {} days against its own pace of about {} active "
                                "days " + _per(p), since_activity(p), _num(pace(p)))),
    Feature("tenure", "How long the account has been a customer", -1,
            lambda p: _log1p(tenure_days(p)),
            lambda p: pl.format("A customer for {} days", tenure_days(p))),
    _signal_level("active_days", "Days with product use"),
    _signal_trend("active_days", "Days with product use"),
    Feature("active_days_before", "Days with product use in the baseline window", -1,
            lambda p: pl.when(pl.col("baseline_blocks_seen") > 0)
            .then(_log1p(pl.col("active_days_baseline"))),
            lambda p: pl.format("Days with product use before: {} " + _per(p),
                                _num(pl.col("active_days_baseline").fill_null(0.0)))),
    _signal_level("people", "People engaging"),
    _signal_trend("people", "People engaging"),
    _signal_level("breadth", "Distinct features used"),
    Feature("contact_recent", "Questions, events and advocacy, recently", -1,
            lambda p: _log1p(contact(p, "recent")),
            lambda p: pl.format("Questions, events and advocacy: {} " + _per(p) + " recently",
                                _num(contact(p, "recent")))),
    Feature("contact_trend", "Questions, events and advocacy, change against the baseline", -1,
            lambda p: pl.when(pl.col("baseline_blocks_seen") > 0)
            .then(_trend(contact(p, "recent"), contact(p, "baseline"))),
            lambda p: pl.format("Questions, events and advocacy went from {} to {} "
                                + _per(p), _num(contact(p, "baseline")),
                                _num(contact(p, "recent")))),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)
FEATURES_BY_NAME = {f.name: f for f in FEATURES}


def feature_columns(plan: SignalWindow) -> list[pl.Expr]:
    """Every feature's value as a column `_f_<name>` (null where it cannot be measured)."""
    return [f.value(plan).cast(pl.Float64).alias(f"_f_{f.name}") for f in FEATURES]
