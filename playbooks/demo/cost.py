"""The demo's planted cost of automation: personal needs met by automation alone make the
account ask less, in proportion to the exposure.

Per account and function, an exposure episode starts in a week in which the account asks a
personal question (judgment, reassurance, peer experience: the need of the question's theme)
and lasts `WEEKS_AFTER` weeks; a personal question asked during a running episode starts no
new one. The episode's dose is the share of that first week's personal questions that met
automation alone (the assistant, in-product guidance). From the week after, every question
the customer asks in that function (questions, tickets, questions to the CSM) survives with
probability `1 - cost * dose`, on top of the earlier episodes' factors: an account whose
personal needs keep meeting automation alone keeps asking less.

So, in expectation, an account fully exposed (dose 1) asks exactly `cost` less (relative) in
the 12 weeks after the episode starts than the same account would have had its personal
questions reached a person: the planted size is `-cost`, in the units the estimate reports
(`playbooks.trap.effects`: a relative difference in the customer's questions in the function
over the 12 weeks after exposure, against the account's own prior 12 weeks). Weeks are
calendar weeks starting on Monday, as the estimate reads them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from playbooks.demo.questions import QUESTION_TEXTS, THEMES
from playbooks.vocabulary import ACTORS, FUNCTIONS, KINDS, QUESTION_KINDS

WEEKS_AFTER = 12
PERSONAL_NEEDS = ("judgment", "reassurance", "peer_experience")
_US_PER_DAY = 86_400_000_000
_TEXT_PERSONAL = np.array([need in PERSONAL_NEEDS for _, need, texts in THEMES
                           for _ in texts] + [False])  # the last slot: no text (-1)
_QUESTION_KIND_CODES = np.array([KINDS.index(k) for k in QUESTION_KINDS])
EXPOSURE_SCHEMA = {"account_id": pl.String, "function": pl.String,
                   "personal_questions": pl.Int64, "automated_alone": pl.Int64,
                   "exposure": pl.Float64, "episodes": pl.Int64, "exposed_episodes": pl.Int64,
                   "cost_factor": pl.Float64}
EXPOSURE_COLUMNS = tuple(EXPOSURE_SCHEMA)
assert len(_TEXT_PERSONAL) == len(QUESTION_TEXTS) + 1


def calendar_week(ts_us: np.ndarray) -> np.ndarray:
    """Return the Monday-based week number of microsecond timestamps (1970-01-05 = week 0)."""
    return (ts_us // _US_PER_DAY + 3) // 7


def apply_cost(parts: list[dict[str, np.ndarray]], cost: float, rng: np.random.Generator,
               n_accounts: int) -> tuple[list[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """Thin the customer's questions after each exposure episode; return the kept parts and
    each (account, function)'s exposure summary (arrays indexed account * functions + f).

    With `cost` 0 nothing is removed (and no random number is drawn), but the exposure is
    still summarised for the labels.
    """
    nf = len(FUNCTIONS)
    customer = ACTORS.index("customer")
    sel = [np.isin(p["kind"], _QUESTION_KIND_CODES) & (p["actor"] == customer) for p in parts]
    acc = np.concatenate([p["acc"][m] for p, m in zip(parts, sel, strict=True)])
    func = np.concatenate([p["function"][m] for p, m in zip(parts, sel, strict=True)])
    week = calendar_week(np.concatenate([p["ts"][m] for p, m in zip(parts, sel, strict=True)]))
    auto = np.concatenate([p["automated"][m] for p, m in zip(parts, sel, strict=True)])
    text = np.concatenate([p["question"][m] for p, m in zip(parts, sel, strict=True)])
    group = acc.astype(np.int64) * nf + func.astype(np.int64)
    personal = _TEXT_PERSONAL[np.where(text >= 0, text, len(QUESTION_TEXTS))]
    n_groups = n_accounts * nf
    factor = np.ones(acc.size)
    u = rng.random(acc.size) if cost > 0 else np.zeros(acc.size)
    episodes = np.zeros(n_groups, dtype=np.int64)
    exposed = np.zeros(n_groups, dtype=np.int64)
    # One cell per (group, week) holding a personal question, sorted by group, then week.
    p_idx = np.flatnonzero(personal)
    cells, cell_of = np.unique(group[p_idx] * 10_000 + week[p_idx], return_inverse=True)
    cell_group, cell_week = cells // 10_000, cells % 10_000
    threshold = np.full(n_groups, -1, dtype=np.int64)
    product = np.ones(n_groups)
    while True:
        alive = u[p_idx] < factor[p_idx]
        p_alive = np.bincount(cell_of, weights=alive, minlength=cells.size)
        pa_alive = np.bincount(cell_of, weights=alive & auto[p_idx], minlength=cells.size)
        open_ = (p_alive > 0) & (cell_week > threshold[cell_group])
        cand = np.flatnonzero(open_)
        if cand.size == 0:
            break
        _, first = np.unique(cell_group[cand], return_index=True)
        start = cand[first]
        g, s = cell_group[start], cell_week[start]
        dose = pa_alive[start] / p_alive[start]
        episodes[g] += 1
        exposed[g] += dose == 1.0
        threshold[g] = s + WEEKS_AFTER
        product[g] *= 1.0 - cost * dose
        if cost > 0:
            keep_factor = np.ones(n_groups)
            keep_factor[g] = 1.0 - cost * dose
            since = np.full(n_groups, np.iinfo(np.int64).max)
            since[g] = s
            hit = week > since[group]
            factor[hit] *= keep_factor[group[hit]]
    kept = u < factor
    personal_n = np.bincount(group, weights=personal & kept, minlength=n_groups)
    alone_n = np.bincount(group, weights=personal & auto & kept, minlength=n_groups)
    summary = {"personal_questions": personal_n.astype(np.int64),
               "automated_alone": alone_n.astype(np.int64), "episodes": episodes,
               "exposed_episodes": exposed, "cost_factor": product}
    if cost <= 0:
        return parts, summary
    out, offset = [], 0
    for part, mask in zip(parts, sel, strict=True):
        size = int(mask.sum())
        keep = np.ones(mask.size, dtype=bool)
        keep[np.flatnonzero(mask)] = kept[offset:offset + size]
        offset += size
        out.append({k: v[keep] for k, v in part.items()})
    return out, summary
