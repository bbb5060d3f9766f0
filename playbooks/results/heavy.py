"""The heavy results of a workspace version, each computed once and kept beside the workspace:
the account signals, the continuity gaps, the question themes, the efficiency view, the need
behind each question, the repair after incidents and what automation alone cost.

The app, the import and the demo compute them through the same functions here, so a result
prepared right after an import is the one a page reads later.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from playbooks.engines.connect import POLARS, Engine, configured_engine
from playbooks.results.store import Stamp, stored

if TYPE_CHECKING:
    from playbooks.trap import RepairResult, TrapView
    from playbooks.trap.cost import RelationshipCost

T = TypeVar("T")
DRIFTING_EVERY_WEEKS = 13  # one signals run per point, so the efficiency view samples quarterly


class Inputs:
    """A workspace version's tables, the engine its passes run on and the date its results are
    computed as of, each opened or read at most once, when a result that is not kept yet
    needs them (safe to share between threads).

    With the polars engine (the default) the results read lazy scans of the workspace's files,
    so each reads only the columns and rows it needs; with another engine (PLAYBOOKS_ENGINE)
    the passes run where the activity table lives (PLAYBOOKS_ACTIVITY_TABLE, else the
    workspace's files) and only small tables come back.
    """

    def __init__(self, stamp: Stamp, engine: Engine | None = None) -> None:
        self.stamp = stamp
        self.engine = engine or configured_engine()
        self._lock = threading.RLock()  # one query at a time on the engine's connection
        self._accounts: pl.DataFrame | None = None
        self._table: Any = None
        self._questions: pl.DataFrame | None = None
        self._as_of: dt.date | None = None

    @property
    def folder(self) -> str:
        """The workspace folder."""
        return self.stamp[0]

    @property
    def on_engine(self) -> bool:
        """Whether the passes over the activity table run on an engine other than polars."""
        return self.engine.kind != POLARS

    def accounts(self) -> pl.DataFrame:
        """The accounts table, read once."""
        from playbooks.data.sources import load_accounts

        with self._lock:
            if self._accounts is None:
                self._accounts = load_accounts(self.folder).collect()
            return self._accounts

    def activity(self) -> pl.LazyFrame:
        """A lazy scan of the workspace's activity files (the polars engine)."""
        from playbooks.data.sources import load_tables

        return load_tables(self.folder, need_accounts=False).activity

    def table(self) -> Any:
        """The activity table on the engine, opened once (see `playbooks.engines`)."""
        from playbooks.engines.run import engine_activity

        with self._lock:
            if self._table is None:
                self._table = engine_activity(self.engine, None, self.folder)
            return self._table

    def on_table(self, work: Callable[[Any], T]) -> T:
        """Run `work` on the engine's activity table, one query at a time."""
        with self._lock:
            return work(self.table())

    def questions(self) -> pl.DataFrame:
        """The customer questions brought back from the engine, once (themes and needs)."""
        from playbooks.engines.run import question_rows

        with self._lock:
            if self._questions is None:
                day = self.as_of()
                self._questions = self.on_table(lambda t: question_rows(t, as_of=day)).collect()
            return self._questions

    def as_of(self) -> dt.date:
        """The workspace's latest event's date: every result is computed as of it (read from
        the one column, without reading the table, and kept like the other results)."""
        from playbooks.signals import resolve_as_of

        def latest() -> pl.DataFrame:
            if self.on_engine:
                from playbooks.engines.signals import latest_day

                return pl.DataFrame({"as_of": [self.on_table(latest_day)]})
            return pl.DataFrame({"as_of": [resolve_as_of(self.activity(), None)]})

        if self._as_of is None:
            self._as_of = stored(self.stamp, "as_of", latest)["as_of"][0]
        return self._as_of

    def events_of(self, account_ids: Sequence[str]) -> pl.DataFrame:
        """The activity rows of these accounts alone (an account's brief, the review's
        drifting accounts), from the workspace's files or the engine."""
        if not self.on_engine:
            ids = list(account_ids)
            return self.activity().filter(pl.col("account_id").is_in(ids)).collect()
        from playbooks.engines.run import account_events

        return self.on_table(lambda t: account_events(t, account_ids))


def account_signals(inputs: Inputs) -> pl.DataFrame:
    """Per-account signals, with the company's custom signals (PLAYBOOKS_PLUGINS) and the
    workspace's saved fitted score when it matches the data (on an engine: the shipped
    starting score; fitting reads every event in polars)."""
    from playbooks.plugins import load_plugins
    from playbooks.signals import compute_signals
    from playbooks.signals.learn import saved_model

    load_plugins()

    def compute() -> pl.DataFrame:
        accounts, day = inputs.accounts(), inputs.as_of()
        if inputs.on_engine:
            from playbooks.engines.signals import compute_signals_on

            return inputs.on_table(lambda t: compute_signals_on(accounts.lazy(), t, as_of=day))
        activity = inputs.activity()
        return compute_signals(accounts.lazy(), activity, as_of=day,
                               model=saved_model(inputs.folder, accounts, activity, as_of=day))

    return stored(inputs.stamp, "signals", compute)


def continuity_gaps(inputs: Inputs) -> pl.DataFrame:
    """Continuity gaps, one row per gap."""
    from playbooks.signals import list_continuity_gaps

    def compute() -> pl.DataFrame:
        day = inputs.as_of()
        if inputs.on_engine:
            from playbooks.engines.signals import list_continuity_gaps_on

            return inputs.on_table(lambda t: list_continuity_gaps_on(t, as_of=day))
        return list_continuity_gaps(inputs.activity(), as_of=day)

    return stored(inputs.stamp, "gaps", compute)


def _questions_or_activity(inputs: Inputs) -> pl.LazyFrame:
    """What the question views read: the questions brought back from an engine, else the
    workspace's activity."""
    return inputs.questions().lazy() if inputs.on_engine else inputs.activity()


def question_themes(inputs: Inputs) -> pl.DataFrame:
    """Repeated-question themes."""
    from playbooks.questions.themes import find_themes

    return stored(inputs.stamp, "themes", lambda: find_themes(
        _questions_or_activity(inputs), as_of=inputs.as_of()))


def efficiency_view(inputs: Inputs,
                    drifting_every_weeks: int | None = DRIFTING_EVERY_WEEKS) -> TrapView:
    """Weekly series and trap periods, with the drifting share every few weeks (`None` leaves
    that series out: it costs one signals run per point)."""
    from playbooks.trap import TrapSettings, TrapView, trap_view

    computed: list[TrapView] = []

    def part(name: str) -> pl.DataFrame:
        if not computed:
            accounts, day = inputs.accounts().lazy(), inputs.as_of()
            if inputs.on_engine:
                from playbooks.engines.run import trap_view_on

                computed.append(inputs.on_table(lambda t: trap_view_on(
                    t, accounts, as_of=day, drifting_every_weeks=drifting_every_weeks)))
            else:
                computed.append(trap_view(inputs.activity(), accounts, as_of=day,
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
        _questions_or_activity(inputs), as_of=inputs.as_of()))


def repair(inputs: Inputs, window_days: int | None = None) -> RepairResult:
    """Repair after incidents within a window in days (None: the usual window), read lazily:
    only the rows it needs."""
    from playbooks.trap import DEFAULT_WINDOW_DAYS, RepairResult, repair_after_incidents

    window_days = DEFAULT_WINDOW_DAYS if window_days is None else window_days

    computed: list[RepairResult] = []

    def part(name: str) -> pl.DataFrame:
        if not computed:
            day = inputs.as_of()
            if inputs.on_engine:
                from playbooks.engines.run import repair_rows

                rows = inputs.on_table(lambda t: repair_rows(t, as_of=day).collect()).lazy()
            else:
                rows = inputs.activity()
            computed.append(repair_after_incidents(rows, inputs.accounts(), as_of=day,
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
            accounts, day = inputs.accounts(), inputs.as_of()
            series = efficiency_view(inputs, None).series  # the pairs never read the share
            if inputs.on_engine:
                from playbooks.engines.cost import relationship_cost_on

                computed.append(inputs.on_table(lambda t: relationship_cost_on(
                    t, accounts, series, as_of=day)))
            else:
                computed.append(compute(inputs.activity(), accounts, series, as_of=day))
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
