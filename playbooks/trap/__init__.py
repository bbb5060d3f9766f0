"""Efficiency beside relationship: the signature view.

- `weekly_series`: weekly efficiency and relationship measures, per function and for `all`;
- `find_traps`: periods where efficiency improved while the relationship weakened;
- `classified_questions`, `need_mix`, `automation_alone`: the need behind each question and
  where personal needs meet automation alone;
- `repair_after_incidents`: after an escalation or incident, did the account come back?
- `what_happened_next`, `next_summary`: after each answer and automated check-in, did the
  account ask again, escalate, open a ticket, go on as before or drift?

Pure functions over polars frames; each collects once, at the edge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from playbooks.trap.effects_gaps import mask_missing_weeks, missing_source_weeks
from playbooks.trap.findings import (
    FINDING_COLUMNS,
    TrapSettings,
    compare_windows,
    find_traps,
    function_label,
)
from playbooks.trap.measures import (
    ALL,
    MEASURE_BY_NAME,
    MEASURES,
    SERIES_COLUMNS,
    Measure,
    drifting_series,
    weekly_series,
)
from playbooks.trap.needs import (
    PERSONAL_NEEDS,
    automation_alone,
    classified_questions,
    classify_texts,
    need_mix,
)
from playbooks.trap.next import NextSettings, next_summary, what_happened_next
from playbooks.trap.repair import (
    DEFAULT_WINDOW_DAYS,
    RepairResult,
    repair_after_incidents,
)
from playbooks.vocabulary import REPAIR_RETURN_KINDS, REPAIR_TRIGGER_KINDS
from playbooks.vocabulary.activity import as_of_date

__all__ = [
    "ALL", "DEFAULT_WINDOW_DAYS", "FINDING_COLUMNS", "MEASURES", "MEASURE_BY_NAME",
    "NextSettings", "PERSONAL_NEEDS", "REPAIR_RETURN_KINDS", "REPAIR_TRIGGER_KINDS",
    "SERIES_COLUMNS", "Measure",
    "RepairResult", "TrapSettings", "TrapView", "automation_alone", "classified_questions",
    "classify_texts", "compare_windows", "drifting_series", "find_traps", "function_label",
    "need_mix", "next_summary", "repair_after_incidents", "trap_view", "weekly_series",
    "what_happened_next",
]


@dataclass
class TrapView:
    """The weekly series and the trap periods found in them."""

    series: pl.DataFrame
    findings: pl.DataFrame
    settings: TrapSettings


def trap_view(activity: pl.LazyFrame | pl.DataFrame,
              accounts: pl.LazyFrame | pl.DataFrame | None = None, *,
              as_of: dt.date | None = None, drifting_every_weeks: int | None = None,
              drifting_weeks: int = 52, settings: TrapSettings | None = None) -> TrapView:
    """Compute the series (with the drifting share when asked and accounts are given) and the
    trap periods (`as_of` None: the latest event's date, read once for both)."""
    s = settings or TrapSettings()
    s.check()
    as_of = as_of_date(activity.lazy(), as_of)
    drifting = None
    if drifting_every_weeks and accounts is not None:
        drifting = drifting_series(accounts, activity, as_of=as_of,
                                   every_weeks=drifting_every_weeks, weeks=drifting_weeks)
    series = weekly_series(activity, as_of=as_of, drifting=drifting)
    # A source whose rows stop for a few weeks (an export that broke) is not a relationship
    # that weakened: its weeks are blanked before the windows are compared.
    series = mask_missing_weeks(series, missing_source_weeks(activity, as_of=as_of))
    return TrapView(series, find_traps(series, s), s)
