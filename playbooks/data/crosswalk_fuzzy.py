"""Fuzzy company names for the account crosswalk: the most similar account name, fast.

rapidfuzz's WRatio judges two names well ('northwind' against 'northwind logistics' scores
90) but is slow across tens of thousands of accounts, so it runs only on candidates: names
whose plain similarity (QRatio, computed for many names at once with `process.cdist`) reaches
`PREFILTER_SCORE`, and names sharing an uncommon word (at least `MIN_SHARED_WORD` letters,
in at most 1% of the names or 50 of them), which catches words in another order. Together
they hold, in practice, every name WRatio would rank at `FUZZY_THRESHOLD` or above; the
result never depends on the order of the accounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

FUZZY_THRESHOLD = 85.0
"""The lowest rapidfuzz WRatio (0-100) at which a name is offered as an uncertain match."""

PREFILTER_SCORE = 60.0
MIN_SHARED_WORD = 4
_BATCH = 256


@dataclass(frozen=True)
class SimilarName:
    """The most similar account name(s) for one name: the name, its score, their accounts."""

    name: str
    score: float
    account_ids: tuple[str, ...]


def similar_names(queries: Iterable[str], owners: dict[str, set[str]],
                  threshold: float = FUZZY_THRESHOLD) -> dict[str, SimilarName]:
    """Return, for each normalised name in `queries`, the most similar name of `owners`.

    `owners` maps each normalised account name to the ids of the accounts bearing it. A query
    with nothing at or above `threshold` is left out. When several names tie for the best
    score, `account_ids` holds every account behind them (the caller must not guess).
    """
    choices = sorted(owners)
    wanted = sorted({q for q in queries if q})
    if not choices or not wanted:
        return {}
    words: dict[str, list[int]] = {}
    for index, choice in enumerate(choices):
        for word in set(choice.split()):
            if len(word) >= MIN_SHARED_WORD:
                words.setdefault(word, []).append(index)
    common = max(50, len(choices) // 100)  # a word this many names share says little
    words = {word: indices for word, indices in words.items() if len(indices) <= common}
    found: dict[str, SimilarName] = {}
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start:start + _BATCH]
        close = process.cdist(batch, choices, scorer=fuzz.QRatio, score_cutoff=PREFILTER_SCORE,
                              dtype=np.uint8, workers=1)
        for row, query in enumerate(batch):
            picked = set(np.flatnonzero(close[row]).tolist())
            for word in set(query.split()):
                picked.update(words.get(word, ()))
            best = _best(query, [choices[i] for i in sorted(picked)], owners, threshold)
            if best is not None:
                found[query] = best
    return found


def _best(query: str, candidates: list[str], owners: dict[str, set[str]],
          threshold: float) -> SimilarName | None:
    if not candidates:
        return None
    scored = process.extract(query, candidates, scorer=fuzz.WRatio, limit=None,
                             score_cutoff=threshold)
    if not scored:
        return None
    top = max(score for _, score, _ in scored)
    names = sorted(choice for choice, score, _ in scored if score == top)
    accounts = tuple(sorted({a for name in names for a in owners[name]}))
    return SimilarName(names[0], float(top), accounts)
