"""What automation cost, ready for a page, a pack or a notebook: the estimated effects of
automation alone (`trap.effects`) as a frame, and the paired measures (`trap.pairs`), computed
together from one activity table: its followed events read once, its questions classified
once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from playbooks.trap.effects import Effect, effects_of
from playbooks.trap.findings import TrapSettings
from playbooks.trap.followed import Followed, followed
from playbooks.trap.needs import classify_question_rows
from playbooks.trap.pairs import PAIR_COLUMNS, measure_pairs_of, paired_measures

EFFECT_SCHEMA = {"function": pl.String, "need": pl.String, "measure": pl.String,
                 "estimate": pl.Float64, "low": pl.Float64, "high": pl.Float64,
                 "n_exposed": pl.Int64, "n_comparison": pl.Int64, "sentence": pl.String}


def effects_frame(effects: Sequence[Effect]) -> pl.DataFrame:
    """The effects as a frame, one row each, with the keys of `Effect.to_dict` and `cost`:
    whether the whole 95% interval lies below zero (a cost the data supports)."""
    frame = pl.DataFrame([e.to_dict() for e in effects], schema=EFFECT_SCHEMA)
    return frame.with_columns((pl.col("high") < 0).alias("cost"))


@dataclass(frozen=True)
class RelationshipCost:
    """The estimated effects and the paired measures of one workspace."""

    effects: pl.DataFrame
    pairs: pl.DataFrame


def relationship_cost(activity: pl.LazyFrame | pl.DataFrame,
                      accounts: pl.LazyFrame | pl.DataFrame | None, series: pl.DataFrame, *,
                      as_of: dt.date, settings: TrapSettings | None = None,
                      effects: bool = True, pairs: bool = True) -> RelationshipCost:
    """Estimate the effects (when asked and the accounts are given) and compare the pairs
    (when asked); what is not computed is an empty frame.

    Reads only what both need (`trap.followed`): the followed events and, for the pairs,
    each account's customer actions per day, aggregated while a lazy table streams by.
    """
    wanted = pairs or (effects and accounts is not None)
    found = followed(activity, as_of, daily=pairs) if wanted else None
    return relationship_cost_of(found, accounts, series, settings=settings, effects=effects,
                                pairs=pairs)


def relationship_cost_of(found: Followed | None,
                         accounts: pl.LazyFrame | pl.DataFrame | None, series: pl.DataFrame, *,
                         settings: TrapSettings | None = None, effects: bool = True,
                         pairs: bool = True) -> RelationshipCost:
    """`relationship_cost` from the followed tables (computed by polars or brought back from
    an engine); each question is classified once for both parts."""
    estimate = effects and accounts is not None and found is not None
    questions = classify_question_rows(found.questions()) \
        if found is not None and (estimate or pairs) else None
    found_effects = effects_frame(
        effects_of(questions, accounts, as_of=found.as_of)  # type: ignore[arg-type, union-attr]
        if estimate else [])
    paired = (measure_pairs_of(found, series, settings=settings, questions=questions)
              if pairs and found is not None
              else paired_measures(series.head(0), _no_follow_ups()))
    return RelationshipCost(found_effects, paired.select(PAIR_COLUMNS))


def _no_follow_ups() -> pl.DataFrame:
    return pl.DataFrame(schema={"week": pl.Date, "function": pl.String, "measure": pl.String,
                                "num": pl.Float64, "den": pl.Float64, "value": pl.Float64})
