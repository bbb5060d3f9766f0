"""The demo's health snapshots: scored the way a typical platform does, blind to the drift."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from playbooks.demo.world import SEG_ACTIVITY


def _rolling(matrix: np.ndarray, width: int) -> np.ndarray:
    total = np.cumsum(matrix, axis=1)
    shifted = np.zeros_like(total)
    shifted[:, width:] = total[:, :-width]
    return total - shifted


def health_snapshots(plan: dict[str, Any], sl: slice, counts: dict[str, Any],
                     active: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    """Score accounts the way a typical platform does: logins, tickets, check-ins, escalations.

    Also sets the accounts' current score and colour in the plan; after the last block the
    plan's accounts table carries them.
    """
    weeks = plan["weeks"]
    n = active.shape[0]
    seg_mult = SEG_ACTIVITY[plan["seg"][sl]][:, None]
    expected = 1.9 * seg_mult * plan["noise"][sl][:, 0:1] * 0.85
    logins = _rolling(counts["login"], 4) / np.maximum(1, np.minimum(
        4, np.arange(1, weeks + 1)[None, :] - plan["start_week"][sl][:, None]))
    usage = np.clip(logins / expected, 0, 1)
    tickets = np.clip(_rolling(counts["ticket_opened"], 4) / (4 * 0.36 * seg_mult), 0, 1)
    checked = _rolling(counts["check_in"], 8) > 0
    escalated = _rolling(counts["escalation"] + counts["incident"], 8) > 0
    score = (40 * usage + 20 * (1 - tickets) + 15 * checked + 25 * np.where(escalated, 0.3, 1)
             + rng.normal(0, 2, size=(n, weeks)))
    score = np.clip(np.round(score), 0, 100)
    colour = np.where(score >= 70, 0, np.where(score >= 50, 1, 2))
    plan["last_score"][sl] = np.where(active[:, -1], score[:, -1], np.nan)
    plan["last_colour"][sl] = np.array(["green", "amber", "red"], dtype=object)[colour[:, -1]]
    acc, week = np.nonzero(active)
    frame = pl.DataFrame({
        "account_id": plan["ids"].gather(acc + sl.start),
        "week": (np.datetime64(plan["window_start"]) + (week * 7).astype("timedelta64[D]")),
        "health_score": score[acc, week].astype(float),
        "health_colour": pl.Series(["green", "amber", "red"]).gather(colour[acc, week]),
    }).with_columns(pl.col("week").cast(pl.Date))
    if sl.stop == plan["n"]:
        plan["accounts"] = plan["accounts_base"].with_columns(
            pl.Series("health_score", plan["last_score"], dtype=pl.Float64).fill_nan(None),
            pl.Series("health_colour", plan["last_colour"].tolist(), dtype=pl.String))
    return frame
