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


def gather_trap(activity: pl.LazyFrame | pl.DataFrame,
                accounts: pl.LazyFrame | pl.DataFrame | None = None, *,
                as_of: dt.date | None = None) -> TrapPart:
    """Compute the trap view (no drifting-share series), automation alone and repair."""
    from playbooks.signals import resolve_as_of
    from playbooks.trap import classified_questions, repair_after_incidents, trap_view

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
    return trap_part(view, questions, repair, note=note)


def trap_part(view: TrapView | None, questions: pl.DataFrame | None,
              repair: RepairResult | None, *, note: str = "") -> TrapPart:
    """Assemble the part from a trap view, the classified questions and a repair result."""
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
                    questions_note, repair_note)
