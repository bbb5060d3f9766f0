"""Exposure episodes: when an account's personal need met automation alone, or reached a person.

An episode of an account in a function starts in a week in which the account asked a personal
question there (judgment, reassurance or peer experience) and covers the weeks after it; a
personal question asked while an episode is running does not start another one. The next
episode starts with the first personal question after the running one's weeks have passed.
The episode's dose is the share of the personal questions of its first week that met
automation alone: 1 means every one did, 0 that every one reached a person or a peer.

Everything here is numpy over whole arrays (one pass per round of episodes, a few rounds at
most), so it scales with the number of question rows, not with accounts times weeks.
"""

from __future__ import annotations

import numpy as np

_PAD = 64  # room on each side of a group's weeks in the sorted keys


def episode_starts(group: np.ndarray, week: np.ndarray, weeks_after: int) -> np.ndarray:
    """Return a mask over personal-question weeks: True where an episode starts.

    `group` (an integer per row, e.g. account and function) and `week` (an integer week
    number) must be sorted by group, then week, one row per distinct (group, week). An
    episode starts at a group's first week, then at the first week more than `weeks_after`
    weeks after the latest start.
    """
    n = group.size
    starts = np.zeros(n, dtype=bool)
    if n == 0:
        return starts
    span = int(week.max()) + weeks_after + 2 * _PAD
    keys = group.astype(np.int64) * span + week.astype(np.int64) + _PAD
    first = np.ones(n, dtype=bool)
    first[1:] = group[1:] != group[:-1]
    current = np.flatnonzero(first)
    while current.size:
        starts[current] = True
        target = keys[current] + weeks_after + 1
        nxt = np.searchsorted(keys, target, side="left")
        ok = nxt < n
        nxt, cur = nxt[ok], current[ok]
        current = nxt[group[nxt] == group[cur]]
    return starts


def window_sums(group: np.ndarray, week: np.ndarray, counts: np.ndarray,
                query_group: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Sum `counts` over weeks `first` to `last` (inclusive) of each query's group.

    `group` and `week` sorted as in `episode_starts`; weeks without a row count 0.
    """
    if group.size == 0:
        return np.zeros(query_group.size, dtype=np.int64)
    span = int(max(week.max(), last.max() if last.size else 0)) + 2 * _PAD
    keys = group.astype(np.int64) * span + week.astype(np.int64) + _PAD
    total = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
    base = query_group.astype(np.int64) * span + _PAD
    hi = np.searchsorted(keys, base + last, side="right")
    lo = np.searchsorted(keys, base + first - 1, side="right")
    return total[hi] - total[lo]


def stratified_ratio(exposed: np.ndarray, outcome: np.ndarray, baseline: np.ndarray,
                     stratum: np.ndarray, n_strata: int) -> tuple[float, int, int]:
    """Return (relative difference, exposed, comparison) over strata holding both sides.

    Each side's outcome over its baseline, the comparison side weighted to the exposed
    accounts' strata (each stratum counts as many times as it has exposed accounts).
    """
    est, n_e, n_c = _ratio_draws(exposed[None, :], outcome[None, :], baseline[None, :],
                                 stratum[None, :], n_strata)
    return float(est[0]), int(n_e[0]), int(n_c[0])


def bootstrap_ratio(exposed: np.ndarray, outcome: np.ndarray, baseline: np.ndarray,
                    stratum: np.ndarray, n_strata: int, draws: int,
                    rng: np.random.Generator, chunk: int = 100) -> np.ndarray:
    """Return `draws` bootstrap values of `stratified_ratio`, resampling accounts."""
    n = exposed.size
    out = []
    for done in range(0, draws, chunk):
        size = min(chunk, draws - done)
        idx = rng.integers(0, n, size=(size, n))
        est, _, _ = _ratio_draws(exposed[idx], outcome[idx], baseline[idx], stratum[idx],
                                 n_strata)
        out.append(est)
    return np.concatenate(out) if out else np.empty(0)


def _ratio_draws(exposed: np.ndarray, outcome: np.ndarray, baseline: np.ndarray,
                 stratum: np.ndarray, n_strata: int) -> tuple[np.ndarray, np.ndarray,
                                                             np.ndarray]:
    """The estimate for each row of (draws x accounts) arrays, with the sides' sizes."""
    d = exposed.shape[0]
    cell = (np.arange(d)[:, None] * n_strata + stratum).ravel()
    e = exposed.ravel()
    size = d * n_strata

    def sums(weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(cell[mask], weights=weights[mask], minlength=size).reshape(
            d, n_strata)

    ones = np.ones(e.size)
    y, b = outcome.ravel().astype(float), baseline.ravel().astype(float)
    n_e, n_c = sums(ones, e), sums(ones, ~e)
    both = (n_e > 0) & (n_c > 0)
    w = np.where(both, n_e, 0.0)
    y_e = (sums(y, e) * both).sum(axis=1)
    b_e = (sums(b, e) * both).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_y_c = np.where(both, sums(y, ~e) / n_c, 0.0)
        mean_b_c = np.where(both, sums(b, ~e) / n_c, 0.0)
        y_c = (w * mean_y_c).sum(axis=1)
        b_c = (w * mean_b_c).sum(axis=1)
        est = (y_e / b_e) / (y_c / b_c) - 1.0
    est = np.where(np.isfinite(est), est, np.nan)
    return est, (n_e * both).sum(axis=1), (n_c * both).sum(axis=1)
