"""What automation cost: accounts whose personal needs met automation alone, against
comparable accounts whose needs reached a person or a peer, over the weeks that followed.

For each function and personal need (judgment, reassurance, peer experience), every account's
exposure episodes are found (`playbooks.trap.effects_episodes`): a week in which it asked
such a question there, and the `weeks_after` weeks after it. The account's first episode that
has a full baseline (the 12 weeks before) and a full follow-up inside the data is kept, and it
is *exposed* when every personal question of its first week met automation alone, a
*comparison* when every one reached a person or a peer (mixed weeks are left out).

The measure is the customer's own questions in that function (questions, tickets, questions
to the CSM) over the follow-up weeks, relative to the account's own baseline. Accounts are
compared inside exact strata: segment x lifecycle stage x prior-activity tercile (the
baseline's questions) x the half-year the episode started in (so both sides face the same
season and the same automation level); the comparison side is weighted to the exposed
accounts' strata. The effect is the exposed side's follow-up over baseline divided by the
comparison side's, minus one: -0.38 means 38% fewer questions. The 95% interval comes from a
bootstrap over accounts (numpy, `draws` resamples of the account indices).

A function and need with fewer than `MIN_ACCOUNTS` matched accounts on either side gets no
effect row: there are too few to tell, and a number would invite more trust than it earns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from playbooks.framework.model import load_knowledge
from playbooks.trap.effects_episodes import (
    bootstrap_ratio,
    episode_starts,
    stratified_ratio,
    window_sums,
)
from playbooks.trap.findings import function_label
from playbooks.trap.needs import PERSONAL_NEEDS, classified_questions
from playbooks.vocabulary.activity import as_of_date, window_end

MEASURE = "questions"
MEASURE_LABEL = "questions asked by the customer in the function (questions, tickets, to the CSM)"
BASELINE_WEEKS = 12
PERIOD_WEEKS = 26
MIN_ACCOUNTS = 30
EPISODE_COLUMNS = ("account_id", "function", "week", "need", "dose", "baseline", "outcome",
                   "complete", "first_complete")


@dataclass(frozen=True)
class Effect:
    """The estimated relationship cost of automation alone, for one function and need.

    `estimate`, `low` and `high` are relative differences in the measure over the weeks
    after exposure (-0.38: 38% less than comparable accounts); `low`/`high` bound the 95%
    interval; `n_exposed`/`n_comparison` count the matched accounts on each side.
    """

    function: str
    need: str
    measure: str
    estimate: float
    low: float
    high: float
    n_exposed: int
    n_comparison: int
    sentence: str

    def to_dict(self) -> dict[str, object]:
        """The effect as plain values (for JSON)."""
        return {"function": self.function, "need": self.need, "measure": self.measure,
                "estimate": self.estimate, "low": self.low, "high": self.high,
                "n_exposed": self.n_exposed, "n_comparison": self.n_comparison,
                "sentence": self.sentence}


def exposure_episodes(questions: pl.DataFrame, *, as_of: dt.date, weeks_after: int = 12,
                      baseline_weeks: int = BASELINE_WEEKS) -> pl.DataFrame:
    """Every exposure episode of every account and function, from classified questions.

    `questions` as `classified_questions` returns them (account_id, week, function, automated,
    need). One row per episode: its first week, the need it opened with (of the needs asked
    that week, the first in the order judgment, reassurance, peer experience), the dose
    (share of that week's personal questions that met automation alone), the customer's
    questions in the function in the `baseline_weeks` before and the `weeks_after` after,
    whether both windows lie inside the data (`complete`) and whether it is the account's
    first complete one there.
    """
    schema = {"account_id": pl.String, "function": pl.String, "week": pl.Date,
              "need": pl.String, "dose": pl.Float64, "baseline": pl.Int64,
              "outcome": pl.Int64, "complete": pl.Boolean, "first_complete": pl.Boolean}
    if questions.is_empty():
        return pl.DataFrame(schema=schema)
    origin: dt.date = questions["week"].min()  # type: ignore[assignment]
    end = window_end(as_of).date()
    end_monday = end - dt.timedelta(days=end.weekday())
    last_full = (end_monday - origin).days // 7 - 1
    rank = {need: i for i, need in enumerate(PERSONAL_NEEDS)}
    # Integer codes stand in for the account and function (numpy sorts them in one pass),
    # in the order of their names, so the episodes and the bootstrap that resamples them do
    # not depend on the order of the rows (an engine returns them in any order); each
    # (account, function, week) cell keeps one of its rows to name it afterwards.
    codes = questions.select(
        (pl.col("account_id").cast(pl.String).rank("dense").cast(pl.Int64) * 256
         + pl.col("function").cast(pl.String).rank("dense").cast(pl.Int64)).alias("key"),
        ((pl.col("week") - origin).dt.total_days() // 7).cast(pl.Int64).alias("wk"),
        pl.col("automated").fill_null(False),
        pl.col("need").replace_strict(rank, default=-1, return_dtype=pl.Int64).alias("rank"))
    key, weeks = codes["key"].to_numpy(), codes["wk"].to_numpy()
    span = int(weeks.max()) + 1
    cells, first_row, cell_of, n = _cells(key * span + weeks)
    need_rank = codes["rank"].to_numpy()
    is_personal = need_rank >= 0
    p = np.bincount(cell_of, weights=is_personal, minlength=cells.size)
    pa = np.bincount(cell_of, weights=is_personal & codes["automated"].to_numpy(),
                     minlength=cells.size)
    opened = np.full(cells.size, len(PERSONAL_NEEDS))
    for i in reversed(range(len(PERSONAL_NEEDS))):
        opened[np.bincount(cell_of, weights=need_rank == i, minlength=cells.size) > 0] = i
    gid, wk = cells // span, cells % span
    pers = np.flatnonzero(p > 0)
    starts = pers[episode_starts(gid[pers], wk[pers], weeks_after)]
    g, s = gid[starts], wk[starts]
    outcome = window_sums(gid, wk, n, g, s + 1, s + weeks_after)
    baseline = window_sums(gid, wk, n, g, s - baseline_weeks, s - 1)
    complete = (s - baseline_weeks >= 0) & (s + weeks_after <= last_full)
    rows = questions.select("account_id", "function")[first_row[starts]]
    ep = rows.with_columns(pl.Series("wk", s), pl.Series("rank", opened[starts]),
                           pl.Series("dose", pa[starts] / p[starts]))
    needs = pl.Series(list(PERSONAL_NEEDS))
    return ep.select(
        pl.col("account_id").cast(pl.String), "function",
        (pl.lit(origin) + pl.duration(weeks=pl.col("wk"))).cast(pl.Date).alias("week"),
        needs.gather(ep["rank"]).alias("need"), "dose",
        pl.Series("baseline", baseline, pl.Int64), pl.Series("outcome", outcome, pl.Int64),
        pl.Series("complete", complete),
    ).with_columns(
        (pl.col("complete") & (pl.col("complete").cum_sum().over("account_id", "function")
                               == 1)).alias("first_complete")).select(list(schema))


def _cells(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(keys) with the first row, the inverse and the counts, from one stable
    argsort (several times faster than np.unique asked for all three)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new = np.ones(ordered.size, dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    begin = np.flatnonzero(new)
    inverse = np.empty(keys.size, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    counts = np.diff(np.append(begin, ordered.size))
    return ordered[begin], order[begin], inverse, counts


def matched_episodes(episodes: pl.DataFrame,
                     accounts: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """The first complete episode per account and function, exposed (dose 1) or comparison
    (dose 0), with its stratum: segment x lifecycle stage x prior tercile x half-year."""
    lazy = accounts.lazy()
    names = lazy.collect_schema().names()
    cols = [pl.col("account_id").cast(pl.String)] + [
        (pl.col(c).cast(pl.String) if c in names else pl.lit(None, pl.String)).alias(c)
        for c in ("segment", "lifecycle_stage")]
    info = lazy.select(cols).unique("account_id").collect()
    first = episodes.filter(pl.col("first_complete") & pl.col("dose").is_in([0.0, 1.0]))
    origin = episodes["week"].min()
    rank = pl.col("baseline").rank("average").over("function")
    count = pl.len().over("function")
    return (first.join(info, on="account_id", how="left")
            .with_columns(pl.col("segment", "lifecycle_stage").fill_null("unknown"),
                          (pl.col("dose") == 1.0).alias("exposed"),
                          ((3 * (rank - 0.5) / count).floor().cast(pl.Int64)).alias("tercile"),
                          ((pl.col("week") - pl.lit(origin)).dt.total_days()
                           // (7 * PERIOD_WEEKS)).alias("period"))
            .with_columns(pl.struct("segment", "lifecycle_stage", "tercile", "period")
                          .rank("dense").over("function", "need").cast(pl.Int64)
                          .sub(1).alias("stratum")))


def estimate_effects(activity: pl.LazyFrame | pl.DataFrame,
                     accounts: pl.LazyFrame | pl.DataFrame, *, as_of: dt.date | None = None,
                     weeks_after: int = 12, draws: int = 500, seed: int = 0,
                     questions: pl.DataFrame | None = None) -> list[Effect]:
    """Estimate, per function and personal need, how much less accounts asked after
    automation alone answered that need than comparable accounts that reached a person.

    Rows come in function order, then judgment, reassurance, peer experience; a function
    and need with fewer than `MIN_ACCOUNTS` matched accounts on a side has no row.
    `questions`: the `classified_questions` of the same activity and as-of date, when the
    caller has them already (they are the largest part of the cost).
    """
    day = as_of_date(activity.lazy(), as_of)
    if questions is None:
        questions = classified_questions(activity, as_of=day)
    return effects_of(questions, accounts, as_of=day, weeks_after=weeks_after, draws=draws,
                      seed=seed)


def effects_of(questions: pl.DataFrame, accounts: pl.LazyFrame | pl.DataFrame, *,
               as_of: dt.date, weeks_after: int = 12, draws: int = 500,
               seed: int = 0) -> list[Effect]:
    """`estimate_effects` from the classified questions alone (`classified_questions`, or
    `classify_question_rows` of questions an engine brought back), as of a resolved date."""
    day = as_of
    episodes = exposure_episodes(questions, as_of=day, weeks_after=weeks_after)
    if episodes.is_empty():
        return []
    matched = matched_episodes(episodes, accounts)
    rng = np.random.default_rng(seed)
    kb = load_knowledge()
    order = {need: i for i, need in enumerate(PERSONAL_NEEDS)}
    effects = []
    for (function, need), part in sorted(matched.group_by("function", "need"),
                                         key=lambda kv: (str(kv[0][0]), order[str(kv[0][1])])):
        exposed = part["exposed"].to_numpy()
        y, b = part["outcome"].to_numpy(), part["baseline"].to_numpy()
        stratum = part["stratum"].to_numpy()
        n_strata = int(stratum.max()) + 1
        est, n_e, n_c = stratified_ratio(exposed, y, b, stratum, n_strata)
        if n_e < MIN_ACCOUNTS or n_c < MIN_ACCOUNTS or not np.isfinite(est):
            continue
        boot = bootstrap_ratio(exposed, y, b, stratum, n_strata, draws, rng)
        low, high = (float(v) for v in np.nanpercentile(boot, [2.5, 97.5]))
        label = kb.needs[str(need)].label.lower() if str(need) in kb.needs else str(need)
        effects.append(Effect(str(function), str(need), MEASURE, est, low, high, n_e, n_c,
                              effect_sentence(str(function), label, est, low, high,
                                              weeks_after)))
    return effects


def _size(value: float) -> str:
    word = "fewer" if value < 0 else "more"
    return f"{abs(value):.0%} {word}"


def effect_sentence(function: str, need_label: str, estimate: float, low: float, high: float,
                    weeks_after: int = 12) -> str:
    """The sentence a leader reads for one effect (figures rounded to whole percents)."""
    name = function_label(function)
    where = function.replace("_", " ")
    said = (f"after automation alone answered their {need_label} questions, accounts asked "
            f"{_size(estimate)} {where} questions over the next {weeks_after} weeks than "
            f"comparable accounts whose {need_label} questions reached a person or a peer")
    if low <= 0 <= high:
        return (f"{name}: no evidence of a cost. {said[0].upper()}{said[1:]}, but the 95% "
                f"interval ({_size(low)} to {_size(high)}) includes no difference.")
    if high <= 0:
        return (f"{name}: {said}; 95% interval {abs(high):.0%} to {abs(low):.0%} fewer.")
    return (f"{name}: no sign of a cost. {said[0].upper()}{said[1:]}; 95% interval "
            f"{low:.0%} to {high:.0%} more.")
