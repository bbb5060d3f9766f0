"""The heavy results of a workspace version, each computed once and kept beside the workspace:
the account signals, the continuity gaps, the question themes, the efficiency view, the need
behind each question, the repair after incidents and what automation alone cost.

The app, the import and the demo compute them through the same functions here, so a result
prepared right after an import is the one a page reads later.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from playbooks.results.store import Stamp, stored

if TYPE_CHECKING:
    from playbooks.trap import RepairResult, TrapView
    from playbooks.trap.cost import RelationshipCost

DRIFTING_EVERY_WEEKS = 13  # one signals run per point, so the efficiency view samples quarterly


class Inputs:
    """A workspace version's tables and the date its results are computed as of, each read at
    most once, when a result that is not kept yet needs them (safe to share between threads)."""

    def __init__(self, stamp: Stamp) -> None:
        self.stamp = stamp
        self._lock = threading.Lock()
        self._frames: tuple[pl.DataFrame, pl.DataFrame] | None = None
        self._as_of: dt.date | None = None

    @property
    def folder(self) -> str:
        """The workspace folder."""
        return self.stamp[0]

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The accounts and activity tables, read once."""
        from playbooks.data.sources import load_tables

        with self._lock:
            if self._frames is None:
                loaded = load_tables(self.folder)
                self._frames = loaded.accounts.collect(), loaded.activity.collect()
            return self._frames

    def as_of(self) -> dt.date:
        """The workspace's latest event's date: every result is computed as of it (read from
        the one column, without reading the table, and kept like the other results)."""
        from playbooks.data.sources import load_tables
        from playbooks.signals import resolve_as_of

        if self._as_of is None:
            day = stored(self.stamp, "as_of", lambda: pl.DataFrame(
                {"as_of": [resolve_as_of(load_tables(self.folder).activity, None)]}))
            self._as_of = day["as_of"][0]
        return self._as_of


def account_signals(inputs: Inputs) -> pl.DataFrame:
    """Per-account signals, with the company's custom signals (PLAYBOOKS_PLUGINS) and the
    workspace's saved fitted score when it matches the data."""
    from playbooks.plugins import load_plugins
    from playbooks.signals import compute_signals
    from playbooks.signals.learn import saved_model

    load_plugins()

    def compute() -> pl.DataFrame:
        (accounts, activity), day = inputs.frames(), inputs.as_of()
        return compute_signals(accounts.lazy(), activity.lazy(), as_of=day,
                               model=saved_model(inputs.folder, accounts, activity, as_of=day))

    return stored(inputs.stamp, "signals", compute)


def continuity_gaps(inputs: Inputs) -> pl.DataFrame:
    """Continuity gaps, one row per gap."""
    from playbooks.signals import list_continuity_gaps

    return stored(inputs.stamp, "gaps", lambda: list_continuity_gaps(
        inputs.frames()[1].lazy(), as_of=inputs.as_of()))


def question_themes(inputs: Inputs) -> pl.DataFrame:
    """Repeated-question themes."""
    from playbooks.questions.themes import find_themes

    return stored(inputs.stamp, "themes", lambda: find_themes(
        inputs.frames()[1].lazy(), as_of=inputs.as_of()))


def efficiency_view(inputs: Inputs,
                    drifting_every_weeks: int | None = DRIFTING_EVERY_WEEKS) -> TrapView:
    """Weekly series and trap periods, with the drifting share every few weeks (`None` leaves
    that series out: it costs one signals run per point)."""
    from playbooks.trap import TrapSettings, TrapView, trap_view

    computed: list[TrapView] = []

    def part(name: str) -> pl.DataFrame:
        if not computed:
            accounts, activity = inputs.frames()
            computed.append(trap_view(activity.lazy(), accounts.lazy(), as_of=inputs.as_of(),
                                      drifting_every_weeks=drifting_every_weeks))
        return getattr(computed[0], name)

    series = stored(inputs.stamp, "trap_series", lambda: part("series"), drifting_every_weeks)
    findings = stored(inputs.stamp, "trap_findings", lambda: part("findings"),
                      drifting_every_weeks)
    return TrapView(series, findings, computed[0].settings if computed else TrapSettings())


def question_needs(inputs: Inputs) -> pl.DataFrame:
    """Every customer question with the need behind it."""
    from playbooks.trap import classified_questions

    return stored(inputs.stamp, "questions", lambda: classified_questions(
        inputs.frames()[1].lazy(), as_of=inputs.as_of()))


def repair(inputs: Inputs, window_days: int | None = None) -> RepairResult:
    """Repair after incidents within a window in days (None: the usual window), read lazily:
    only the rows it needs."""
    from playbooks.data.sources import load_tables
    from playbooks.trap import DEFAULT_WINDOW_DAYS, RepairResult, repair_after_incidents

    window_days = DEFAULT_WINDOW_DAYS if window_days is None else window_days

    computed: list[RepairResult] = []

    def part(name: str) -> pl.DataFrame:
        if not computed:
            loaded = load_tables(inputs.folder)
            computed.append(repair_after_incidents(
                loaded.activity, loaded.accounts, as_of=inputs.as_of(),
                window_days=window_days))
        return getattr(computed[0], name)

    episodes = stored(inputs.stamp, "repair_episodes", lambda: part("episodes"), window_days)
    by_segment = stored(inputs.stamp, "repair_by_segment", lambda: part("by_segment"),
                        window_days)
    by_quarter = stored(inputs.stamp, "repair_by_quarter", lambda: part("by_quarter"),
                        window_days)
    return RepairResult(episodes, by_segment, by_quarter, window_days=window_days,
                        as_of=inputs.as_of())


def relationship_cost(inputs: Inputs) -> RelationshipCost:
    """The estimated effects of automation alone and each efficiency measure beside the
    relationship measure it can cost (on the series without the drifting share)."""
    from playbooks.trap.cost import RelationshipCost
    from playbooks.trap.cost import relationship_cost as compute

    computed: list[RelationshipCost] = []

    def part(name: str) -> pl.DataFrame:
        if not computed:
            accounts, activity = inputs.frames()
            series = efficiency_view(inputs, None).series  # the pairs never read the share
            computed.append(compute(activity, accounts, series, as_of=inputs.as_of()))
        return getattr(computed[0], name)

    return RelationshipCost(stored(inputs.stamp, "trap_effects", lambda: part("effects")),
                            stored(inputs.stamp, "trap_pairs", lambda: part("pairs")))


@dataclass(frozen=True)
class Step:
    """One heavy result as prepared ahead: what it is, in words, the files it keeps (name and
    arguments, as `stored` names them) and how it is computed."""

    label: str
    files: tuple[tuple[str, tuple[object, ...]], ...]
    run: Callable[[Inputs], object]


def _repair_files(window_days: int) -> tuple[tuple[str, tuple[object, ...]], ...]:
    return tuple((f"repair_{n}", (window_days,)) for n in ("episodes", "by_segment",
                                                            "by_quarter"))


def _trap_files(every: int | None) -> tuple[tuple[str, tuple[object, ...]], ...]:
    return (("trap_series", (every,)), ("trap_findings", (every,)))


def prepared_steps() -> tuple[Step, ...]:
    """The results prepared ahead, in the order the pages a leader opens first need them."""
    from playbooks.trap import DEFAULT_WINDOW_DAYS

    return (
        Step("account signals", (("signals", ()),), account_signals),
        Step("continuity gaps", (("gaps", ()),), continuity_gaps),
        Step("efficiency beside relationship", _trap_files(DRIFTING_EVERY_WEEKS),
             efficiency_view),
        Step("the need behind each question", (("questions", ()),), question_needs),
        Step("repair after incidents", _repair_files(DEFAULT_WINDOW_DAYS), repair),
        Step("repeated-question themes", (("themes", ()),), question_themes),
        Step("the review's efficiency view", _trap_files(None),
             lambda inputs: efficiency_view(inputs, None)),
        Step("what automation alone cost", (("trap_effects", ()), ("trap_pairs", ())),
             relationship_cost),
    )
