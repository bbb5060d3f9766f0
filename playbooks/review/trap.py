"""Gather the quarterly review's efficiency-beside-relationship part: the trap findings, the
personal needs met by automation alone, and repair after incidents.

`gather_trap` computes the part from the account tables (without the drifting-share series,
which costs one signals run per point); `trap_part` assembles it from pieces computed
elsewhere (the app's caches). Missing or too little data becomes a note, never an error.
`playbooks.trap` (and the classifier behind it) is imported only when needed, so that the
review's worker thread pays for it beside the signals rather than the CLI before it starts.
The sentences about the part live in `playbooks.review.sentences`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from playbooks.errors import InputError
from playbooks.review.model import NOT_COMPUTED, TrapPart

if TYPE_CHECKING:
    from playbooks.trap import RepairResult, TrapView
    from playbooks.trap.cost import RelationshipCost


def gather_trap(activity: pl.LazyFrame | pl.DataFrame,
                accounts: pl.LazyFrame | pl.DataFrame | None = None, *,
                as_of: dt.date | None = None) -> TrapPart:
    """Compute the trap view (no drifting-share series), automation alone and repair."""
    from playbooks.signals import resolve_as_of
    from playbooks.trap import classified_questions, repair_after_incidents, trap_view
    from playbooks.trap.cost import relationship_cost

    try:
        as_of = resolve_as_of(activity.lazy(), as_of)  # once, not once per measure
    except InputError as error:
        return TrapPart(note=error.message)
    try:
        view: TrapView | None = trap_view(activity, as_of=as_of)
        note = ""
    except InputError as error:
        view, note = None, error.message
    try:
        questions: pl.DataFrame | None = classified_questions(activity, as_of=as_of)
    except InputError as error:
        questions = None
        note = note or error.message
    try:
        repair: RepairResult | None = repair_after_incidents(activity, accounts, as_of=as_of)
    except InputError as error:
        repair = None
        note = note or error.message
    cost = None
    if view is not None and not view.series.is_empty():
        try:
            cost = relationship_cost(activity, accounts, view.series, as_of=as_of,
                                     settings=view.settings)
        except InputError as error:
            note = note or error.message
    return trap_part(view, questions, repair, note=note, cost=cost)


def trap_part(view: TrapView | None, questions: pl.DataFrame | None,
              repair: RepairResult | None, *, note: str = "",
              cost: RelationshipCost | None = None) -> TrapPart:
    """Assemble the part from a trap view, the classified questions, a repair result and
    the estimated effects with the paired measures (`cost`)."""
    from playbooks.trap import automation_alone

    if view is None:
        return TrapPart(note=note or NOT_COMPUTED, repair=repair)
    if view.series.is_empty():
        note = note or "No customer activity in the data to measure week by week."
    questions_note = ""
    alone = None
    if questions is None or questions.is_empty():
        questions_note = "No customer questions in the data."
    elif questions.filter(pl.col("need") != "no_text").is_empty():
        questions_note = "The customer questions carry no text, so their need is unknown."
    else:
        alone = automation_alone(questions)
    repair_note = "" if repair is not None else "Repair after incidents was not computed."
    return TrapPart(view.series, view.findings, view.settings, alone, repair, note,
                    questions_note, repair_note, cost)


def cost_sentences(part: TrapPart) -> tuple[str, list[str], list[str]]:
    """What the pack says about the cost of automation: a lead line, the effects' sentences
    (those with a cost first) and the pairs' sentences (the company's first)."""
    cost = part.cost
    if cost is None:
        return "What automation alone cost was not estimated.", [], []
    effects = cost.effects.sort("cost", "function", descending=[True, False])
    costly = int(effects["cost"].sum()) if effects.height else 0
    if effects.is_empty():
        lead = "Too few comparable accounts to estimate what automation alone cost."
    elif costly:
        lead = (f"In {costly} of {effects.height} functions and needs estimated, accounts "
                "whose personal needs met automation alone asked less afterwards than "
                "comparable accounts that reached a person, beyond chance.")
    else:
        lead = (f"In none of the {effects.height} functions and needs estimated is there "
                "evidence that automation alone cost the relationship.")
    pairs = cost.pairs.sort(pl.col("function") != "all", "function")
    return lead, effects["sentence"].to_list(), pairs["sentence"].to_list()
