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
    cell = stratum.astype(np.int64) * 2 + exposed
    sums = [np.bincount(cell, weights=w, minlength=2 * n_strata).reshape(1, n_strata, 2)
            for w in (np.ones(cell.size), outcome.astype(float), baseline.astype(float))]
    both = (sums[0][0, :, 0] > 0) & (sums[0][0, :, 1] > 0)
    return (float(_ratio_from_sums(*sums)[0]), int(sums[0][0, both, 1].sum()),
            int(sums[0][0, both, 0].sum()))


def bootstrap_ratio(exposed: np.ndarray, outcome: np.ndarray, baseline: np.ndarray,
                    stratum: np.ndarray, n_strata: int, draws: int,
                    rng: np.random.Generator, chunk: int = 50) -> np.ndarray:
    """Return `draws` bootstrap values of `stratified_ratio`, resampling accounts.

    Each draw picks n account indices with replacement; how often each account was picked
    weighs its values, summed per stratum and side with one `np.add.reduceat` over accounts
    sorted by cell, so no row-by-row work happens in Python.
    """
    n = exposed.size
    cell = stratum.astype(np.int64) * 2 + exposed
    order = np.argsort(cell, kind="stable")
    cell, y, b = cell[order], outcome[order].astype(float), baseline[order].astype(float)
    begin = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]]) if n else np.empty(0, int)
    present = cell[begin]
    out = []
    for done in range(0, draws, chunk):
        size = min(chunk, draws - done)
        picks = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        weight = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n)
        sums = [np.zeros((size, 2 * n_strata)) for _ in range(3)]
        for total, values in zip(sums, (None, y, b), strict=True):
            total[:, present] = np.add.reduceat(weight if values is None else weight * values,
                                                begin, axis=1)
        out.append(_ratio_from_sums(*(t.reshape(size, n_strata, 2) for t in sums)))
    return np.concatenate(out) if out else np.empty(0)


def _ratio_from_sums(count: np.ndarray, y: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The estimate per draw from (draws x strata x side) sums; side 1 is exposed."""
    n_c, n_e = count[..., 0], count[..., 1]
    both = (n_e > 0) & (n_c > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y_e = np.where(both, y[..., 1], 0.0).sum(axis=1)
        b_e = np.where(both, b[..., 1], 0.0).sum(axis=1)
        y_c = np.where(both, n_e * y[..., 0] / n_c, 0.0).sum(axis=1)
        b_c = np.where(both, n_e * b[..., 0] / n_c, 0.0).sum(axis=1)
        est = (y_e / b_e) / (y_c / b_c) - 1.0
    return np.where(np.isfinite(est), est, np.nan)
