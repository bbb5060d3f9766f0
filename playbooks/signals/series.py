"""Each signal per account and block: the figures the engine averages into recent and baseline.

`account_block_series` runs the engine's own stages (the window pass, the block aggregates,
the accounts' exposure and `window_values`) for the accounts asked for, so a chart of one
account shows the engine's numbers rather than its own version of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from playbooks.signals.engine import prepare_inputs
from playbooks.signals.inputs import prepare_activity
from playbooks.signals.model import SignalSettings
from playbooks.signals.stages import (
    account_frame,
    block_frame,
    history_frame,
    window_frame,
    window_values,
)
from playbooks.vocabulary.activity import as_of_date

SERIES_COLUMNS = ("account_id", "signal", "label", "block", "block_start", "block_end",
                  "window", "counted", "value", "window_value")


def account_block_series(accounts: pl.LazyFrame | pl.DataFrame,
                         activity: pl.LazyFrame | pl.DataFrame, *,
                         account_ids: Sequence[str] | None = None, as_of: dt.date | None = None,
                         recent_weeks: int = 12, baseline_weeks: int = 12,
                         settings: SignalSettings | None = None,
                         relationship_only: bool = False) -> pl.DataFrame:
    """Return each signal's value per block for the accounts given (all when None).

    One row per account, signal and block of the analysis window (block 0 is the latest),
    with `block_start` and `block_end` (first and last day), `window` ("recent" or
    "baseline"), `counted` (false for blocks before the account started, which the engine
    leaves out), `value` (the block's count, people, features or days) and `window_value`:
    the engine's `<signal>_recent` or `<signal>_baseline` for that window, the same number
    `compute_signals` reports. `as_of` None means the latest event's date.
    """
    acc, act = accounts.lazy(), activity.lazy()
    if account_ids is not None:
        wanted = pl.Series(list(account_ids), dtype=pl.String).implode()
        acc = acc.filter(pl.col("account_id").cast(pl.String).is_in(wanted))
        act = act.filter(pl.col("account_id").cast(pl.String).is_in(wanted))
    day = as_of_date(act, as_of)
    acc, window = prepare_inputs(acc, day, recent_weeks=recent_weeks,
                                 baseline_weeks=baseline_weeks, settings=settings)
    act = prepare_activity(act)
    signals = [s for s in window.settings.signals if s.relationship or not relationship_only]
    names = [s.name for s in signals]
    blocks = block_frame(window_frame(act, window), window)
    frame = account_frame(acc, history_frame(act, window), window)
    values = window_values(blocks, frame, window).select(
        "account_id", "last_block", *[f"{n}_{w}" for n in names for w in ("recent", "baseline")])
    last_day = window.end.date() - dt.timedelta(days=1)
    days = window.block_days
    dates = pl.LazyFrame(
        {"block": list(range(window.blocks)),
         "block_start": [last_day - dt.timedelta(days=(b + 1) * days - 1)
                         for b in range(window.blocks)],
         "block_end": [last_day - dt.timedelta(days=b * days) for b in range(window.blocks)]},
        schema={"block": pl.Int32, "block_start": pl.Date, "block_end": pl.Date})
    grid = (values.join(dates, how="cross")
            .join(blocks.select("account_id", "block", *names), on=["account_id", "block"],
                  how="left"))
    recent = pl.col("block") < window.recent_blocks
    long = pl.concat([
        grid.select(
            "account_id", pl.lit(s.name).alias("signal"), pl.lit(s.label).alias("label"),
            "block", "block_start", "block_end", pl.lit(order).alias("_order"),
            pl.when(recent).then(pl.lit("recent")).otherwise(pl.lit("baseline"))
            .alias("window"),
            (pl.col("block") <= pl.col("last_block")).alias("counted"),
            pl.col(s.name).fill_null(0.0).cast(pl.Float64).alias("value"),
            pl.when(recent).then(pl.col(f"{s.name}_recent"))
            .otherwise(pl.col(f"{s.name}_baseline")).alias("window_value"))
        for order, s in enumerate(signals)])
    return (long.sort("account_id", "_order", "block", descending=[False, False, True])
            .select(SERIES_COLUMNS).collect())
