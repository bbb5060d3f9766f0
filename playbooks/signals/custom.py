"""Custom signals: a company's own relationship signal, registered from user code, that then
shows in every account's values, in the disengagement score and its reasons, in the app and in
the quarterly review.

    import polars as pl
    from playbooks.signals import register_signal

    register_signal("office_hours", "Office hours attended",
                    events=pl.col("kind") == "office_hours_attended", weight=12)

A signal is either `events`, a boolean polars expression over activity rows (the customer
actions it matches are counted per four weeks in the recent and baseline windows), or
`compute`, a function given the customer activity (a LazyFrame) and the `SignalWindow` of the
run (`baseline_start`, `recent_start`, `end`, `block_days`, `recent_blocks`, `baseline_blocks`),
that returns a frame with the columns account_id, recent and baseline.

`build_signals` and `compute_signals` both add the registered signals (`with_custom_signals`),
so the lazy plan and the collected table agree once a plugin is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from playbooks.errors import InputError
from playbooks.signals.model import SIGNAL_NAMES, SignalWindow
from playbooks.signals.score import status_expr
from playbooks.vocabulary.activity import is_customer


@dataclass(frozen=True)
class CustomSignal:
    """A registered signal: how to measure it and how much a fall in it weighs."""

    name: str
    label: str
    events: pl.Expr | None
    compute: Callable[[pl.LazyFrame, SignalWindow], pl.DataFrame | pl.LazyFrame] | None
    weight: float
    threshold: float


CUSTOM_SIGNALS: dict[str, CustomSignal] = {}
_NAME_OK = "abcdefghijklmnopqrstuvwxyz0123456789_"


def register_signal(name: str, label: str, *, events: pl.Expr | None = None,
                    compute: Callable[[pl.LazyFrame, SignalWindow],
                                      pl.DataFrame | pl.LazyFrame] | None = None,
                    weight: float = 10.0, threshold: float = 0.3) -> CustomSignal:
    """Register a signal of your own (see the module docstring); returns it.

    `weight` is the most points a fall in this signal can add to the disengagement score;
    `threshold` is the relative fall (0.3 = 30%) from which it counts against the account.
    """
    if not name or any(c not in _NAME_OK for c in name):
        raise InputError(f"signal name {name!r}: use lower-case letters, digits and _ only")
    if name in SIGNAL_NAMES or name in {"continuity_gaps"}:
        raise InputError(f"signal name {name!r} is already a built-in signal; choose another")
    if (events is None) == (compute is None):
        raise InputError(f"signal {name!r}: give either `events` or `compute`")
    if not 0 < threshold < 1 or not 0 <= weight <= 100:
        raise InputError(f"signal {name!r}: threshold must be between 0 and 1 and weight "
                         "between 0 and 100")
    signal = CustomSignal(name, label, events, compute, float(weight), float(threshold))
    CUSTOM_SIGNALS[name] = signal
    return signal


def unregister_signal(name: str) -> None:
    """Remove a registered signal (no error if it is not registered)."""
    CUSTOM_SIGNALS.pop(name, None)


def custom_columns() -> list[str]:
    """The output columns the registered signals add."""
    return [f"{s.name}_{part}" for s in CUSTOM_SIGNALS.values()
            for part in ("recent", "baseline", "change", "against")]


def _values(signal: CustomSignal, customer: pl.LazyFrame, window: SignalWindow) -> pl.LazyFrame:
    if signal.compute is not None:
        out = signal.compute(customer, window).lazy()
        missing = {"account_id", "recent", "baseline"} - set(out.collect_schema().names())
        if missing:
            raise InputError(f"custom signal {signal.name!r}: its function must return the "
                             f"columns account_id, recent and baseline; missing "
                             f"{', '.join(sorted(missing))}")
        return out.select("account_id", pl.col("recent").cast(pl.Float64),
                          pl.col("baseline").cast(pl.Float64))
    assert signal.events is not None
    at = pl.col("occurred_at")
    matched = customer.filter(signal.events & (at >= window.baseline_start) & (at < window.end))
    recent = at >= window.recent_start
    return matched.group_by("account_id").agg(
        (recent.sum() / window.recent_blocks).cast(pl.Float64).alias("recent"),
        ((~recent).sum() / window.baseline_blocks).cast(pl.Float64).alias("baseline"),
    )


def with_custom_signals(signals: pl.LazyFrame, activity: pl.LazyFrame,
                        window: SignalWindow) -> pl.LazyFrame:
    """Add every registered signal's values to a signals table, with its points in the score
    and a plain reason where it counts against the account, then restate the status from the
    updated score. Nothing is collected; without registered signals the table is unchanged."""
    if not CUSTOM_SIGNALS:
        return signals
    customer = activity.filter(is_customer())
    out = signals
    for signal in CUSTOM_SIGNALS.values():
        values = _values(signal, customer, window)
        n = signal.name
        out = out.join(values.rename({"recent": f"{n}_recent", "baseline": f"{n}_baseline"}),
                       on="account_id", how="left", maintain_order="left")
        recent, baseline = pl.col(f"{n}_recent").fill_null(0.0), pl.col(f"{n}_baseline")
        change = pl.when(baseline.fill_null(0.0) > 0).then(recent / baseline - 1.0)
        against = change.fill_null(0.0) <= -signal.threshold
        points = pl.when(against).then((-change).clip(0.0, 1.0) * signal.weight).otherwise(0.0)
        active = pl.col("status") != "no_data"
        reason = pl.format("{} fell {}% against the baseline ({} to {} per 4 weeks): +{} points.",
                           pl.lit(signal.label), (-change * 100).round(0).cast(pl.Int64),
                           baseline.round(1), recent.round(1), points.round(0).cast(pl.Int64))
        out = out.with_columns(
            recent.alias(f"{n}_recent"),
            baseline.fill_null(0.0).alias(f"{n}_baseline"),
            change.alias(f"{n}_change"),
            (against & active).alias(f"{n}_against"),
            pl.when(active).then((pl.col("disengagement_score") + points).clip(0.0, 100.0)
                                 .round(1))
            .alias("disengagement_score"),
            pl.when(against & active).then(pl.col("reasons").list.concat(pl.concat_list(reason)))
            .otherwise(pl.col("reasons")).alias("reasons"),
        )
    return out.with_columns(status_expr(pl.col("status") == "no_data", window.settings))
