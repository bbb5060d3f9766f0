"""Efficiency beside relationship in the quarterly review: the trap findings, the personal
needs met by automation alone, and repair after incidents, with the sentences every renderer
(HTML, Markdown, the app) shares.

`gather_trap` computes the part from the account tables (without the drifting-share series,
which costs one signals run per point); `trap_part` assembles it from pieces computed
elsewhere (the app's caches). Missing or too little data becomes a note, never an error.
`playbooks.trap` (and the classifier behind it) is imported only when needed, so that the
review's worker thread pays for it beside the signals rather than the CLI before it starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from playbooks.errors import InputError

if TYPE_CHECKING:
    from playbooks.review.gather import Review
    from playbooks.trap import RepairResult, TrapSettings, TrapView

ALL = "all"  # playbooks.trap.ALL: the company as a whole

ALONE_SHOWN = 8
NOT_COMPUTED = "The efficiency-beside-relationship view was not computed for this review."


@dataclass(frozen=True)
class TrapPart:
    """The trap view's findings, personal needs met by automation alone, and repair."""

    series: pl.DataFrame | None = None
    findings: pl.DataFrame | None = None
    settings: TrapSettings = field(default_factory=lambda: _default_settings())
    alone: pl.DataFrame | None = None
    repair: RepairResult | None = None
    note: str = ""
    questions_note: str = ""
    repair_note: str = ""

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
        """The company, then each function with a finding: the signature charts to draw."""
        if not self.available:
            return []
        found = [] if self.findings is None else sorted(
            f for f in self.findings["function"].unique().to_list() if f != ALL)
        return [ALL, *found]


def _default_settings() -> TrapSettings:
    from playbooks.trap import TrapSettings

    return TrapSettings()


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


def trap_of(review: Review) -> TrapPart:
    """The review's trap part, or one whose note says why there is none."""
    return review.data.trap or TrapPart(note=review.data.note or NOT_COMPUTED)


# --- shared sentences ---------------------------------------------------------------------------


def trap_line(part: TrapPart) -> str:
    """Where, if anywhere, efficiency improved while the relationship weakened."""
    from playbooks.trap import function_label

    if not part.available:
        return part.note or NOT_COMPUTED
    s = part.settings
    if part.findings is None or part.findings.is_empty():
        if part.weeks <= part.needed_weeks:
            return (f"Too little history to find the trap: each {s.window_weeks}-week window is "
                    f"compared with the same weeks {s.lag_weeks} weeks earlier, so it needs more "
                    f"than {part.needed_weeks} weeks of activity; the data has {part.weeks}.")
        return ("No period in which efficiency improved while the relationship weakened beyond "
                "the thresholds, in any function or for the company as a whole.")
    functions = [function_label(f) for f in part.charted_functions()
                 if f in set(part.findings["function"].to_list())]
    return (f"{part.findings.height} period{'s' if part.findings.height != 1 else ''} in which "
            f"efficiency improved while the relationship weakened: {', '.join(functions)}.")


def finding_sentences(part: TrapPart) -> list[str]:
    """Each trap finding in words, with its function, period and the size of every move."""
    return [] if part.findings is None else part.findings["sentence"].to_list()


def method_line(part: TrapPart) -> str:
    """How a move is judged, in one sentence."""
    s = part.settings
    return (f"Each week compares the mean of the last {s.window_weeks} weeks with the same "
            f"window {s.lag_weeks} weeks earlier; a share must move at least "
            f"{s.share_points * 100:.0f} points, a rate {s.relative:.0%}, and more than its own "
            "week-to-week noise.")


def alone_line(part: TrapPart) -> str:
    """How often judgment, reassurance or peer-experience questions met automation alone."""
    if not part.available and part.alone is None:
        return part.note or NOT_COMPUTED
    if part.alone is None:
        return part.questions_note
    if part.alone.is_empty():
        return ("No judgment, reassurance or peer-experience question got only an automated "
                "answer on a channel the framework rates a poor or partial fit for it.")
    total = int(part.alone["questions"].sum())
    return (f"{total:,} judgment, reassurance or peer-experience questions got only an automated "
            f"answer, in {part.alone.height} places where the framework rates the channel a "
            "poor or partial fit for the need.")


def alone_sentences(part: TrapPart) -> list[str]:
    """The largest places where a personal need met automation alone, in words."""
    if part.alone is None:
        return []
    return part.alone["sentence"].head(ALONE_SHOWN).to_list()


def repair_line(part: TrapPart) -> str:
    """After escalations and incidents, how often the account came back."""
    if part.repair is None:
        return part.repair_note or part.note or NOT_COMPUTED
    return part.repair.summary()


def repair_rows(part: TrapPart) -> list[dict[str, Any]]:
    """Per segment: episodes judged and the shares that came back and went quiet."""
    if part.repair is None:
        return []
    return [{"segment": r["segment"], "episodes": f"{r['episodes']:,}",
             "came_back": f"{r['share_came_back']:.0%}",
             "went_quiet": f"{r['share_went_quiet']:.0%}"}
            for r in part.repair.by_segment.iter_rows(named=True)]
