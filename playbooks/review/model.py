"""What a quarterly review holds: frozen records that the gathering fills and every renderer
(HTML, Markdown, CSV, the app) reads.

A missing piece (no assessment, no store, no account data, too little history) is a record
with a `note` saying why, never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from playbooks.advice.journey import Finding
from playbooks.assessment.evidence import DimensionEvidence
from playbooks.assessment.quarters import quarter_key
from playbooks.assessment.scoring import AssessmentResult, Comparison
from playbooks.store import ActionItemRecord, AssessmentRecord

if TYPE_CHECKING:
    from playbooks.signals.brief import AccountBrief
    from playbooks.trap import RepairResult, TrapSettings
    from playbooks.trap.cost import RelationshipCost

ALL = "all"  # playbooks.trap.ALL: the company as a whole
NOT_COMPUTED = "The efficiency-beside-relationship view was not computed for this review."


def _default_trap_settings() -> TrapSettings:
    # Imported here so that the review's model does not load the trap engine (and its
    # classifier) before a worker thread needs it.
    from playbooks.trap import TrapSettings

    return TrapSettings()


@dataclass(frozen=True)
class TrapPart:
    """The trap view's findings, personal needs met by automation alone, and repair."""

    series: pl.DataFrame | None = None
    findings: pl.DataFrame | None = None
    settings: TrapSettings = field(default_factory=_default_trap_settings)
    alone: pl.DataFrame | None = None
    repair: RepairResult | None = None
    note: str = ""
    questions_note: str = ""
    repair_note: str = ""
    cost: RelationshipCost | None = None  # the estimated effects and the paired measures

    @property
    def available(self) -> bool:
        return self.series is not None and not self.series.is_empty()

    @property
    def weeks(self) -> int:
        return self.series["week"].n_unique() if self.available else 0  # type: ignore[index]

    @property
    def needed_weeks(self) -> int:
        return self.settings.lag_weeks + self.settings.window_weeks

    def charted_functions(self) -> list[str]:
        """List the company, then each function with a finding: the signature charts to draw."""
        if not self.available:
            return []
        found = [] if self.findings is None else sorted(
            f for f in self.findings["function"].unique().to_list() if f != ALL)
        return [ALL, *found]


@dataclass(frozen=True)
class ReviewData:
    """Account data already computed elsewhere (the app's caches), handed to `build_review`."""

    accounts: pl.DataFrame
    signals: pl.DataFrame
    continuity_gaps: pl.DataFrame
    themes: pl.DataFrame | None
    source: str = ""
    trap: TrapPart | None = None
    activity: pl.LazyFrame | pl.DataFrame | None = None  # for the drifting accounts' briefs
    as_of: dt.date | None = None


@dataclass(frozen=True)
class AssessmentPart:
    """The team's self-assessment for the quarter, the one before it, and what moved."""

    record: AssessmentRecord | None
    result: AssessmentResult | None
    previous: AssessmentRecord | None = None
    earlier: AssessmentResult | None = None
    comparison: Comparison | None = None
    evidence: dict[str, DimensionEvidence] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class JourneyPart:
    """One journey map's findings; `example` is true for the shipped example map."""

    name: str
    example: bool
    touchpoints: int
    findings: tuple[Finding, ...]
    problem: str = ""
    own_words: tuple[str, ...] = ()  # how the map's own measures and channels were read


@dataclass(frozen=True)
class DataPart:
    """The account data: signals, drifting accounts, continuity gaps, themes and the
    efficiency-beside-relationship view (or why not)."""

    source: str
    accounts: int = 0
    signals: pl.DataFrame | None = None
    portfolio: pl.DataFrame | None = None
    drifting: pl.DataFrame | None = None
    continuity_gaps: pl.DataFrame | None = None
    themes: pl.DataFrame | None = None
    note: str = ""
    themes_note: str = ""
    trap: TrapPart | None = None
    briefs: dict[str, AccountBrief] = field(default_factory=dict)  # drifting accounts shown

    @property
    def available(self) -> bool:
        return self.signals is not None


@dataclass(frozen=True)
class Review:
    """Everything the quarterly review pack shows, for one team and quarter."""

    team: str
    quarter: str
    generated_at: dt.datetime
    assessment: AssessmentPart
    journeys: tuple[JourneyPart, ...]
    journey_note: str
    data: DataPart
    actions: tuple[ActionItemRecord, ...]
    actions_note: str
    store_source: str

    @property
    def open_actions(self) -> tuple[ActionItemRecord, ...]:
        return tuple(a for a in self.actions if a.status != "done")

    def overdue(self, action: ActionItemRecord) -> bool:
        """Say whether an action is open and due in a quarter before the one under review."""
        return action.status != "done" and quarter_key(action.due_quarter) < quarter_key(
            self.quarter)


def trap_of(review: Review) -> TrapPart:
    """Return the review's trap part, or one whose note says why there is none."""
    return review.data.trap or TrapPart(note=review.data.note or NOT_COMPUTED)
