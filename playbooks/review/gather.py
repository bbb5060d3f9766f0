"""Gather one team's quarter into a `Review` (`playbooks.review.model`).

`build_review` collects, for one team and quarter: the self-assessment profile with its change
since the team's previous quarter and the evidence from the account data beside each level;
the findings of the team's saved journey maps (or of the shipped example map, saying so); the
accounts that look healthy while drifting, with their reasons; the continuity gaps; the
repeated-question themes; efficiency beside relationship (the trap findings, personal needs
answered by automation alone, repair after incidents); and the action plan. A missing piece
(no assessment, no store, no account data) becomes a plain note in its section, never an
error.

The as-of date is resolved once, here, and handed to every library call as a date. The
renderers (`playbooks.review.html`, `playbooks.review.markdown`) read only the `Review`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import polars as pl

from playbooks import settings
from playbooks.advice.journey import (
    EXAMPLE_JOURNEY,
    EXAMPLE_JOURNEY_NAME,
    JourneyMap,
    journey_map_from_records,
    load_journey_map,
)
from playbooks.advice.rules import diagnose
from playbooks.assessment.bank import QuestionBank, load_question_bank
from playbooks.assessment.evidence import gather_evidence
from playbooks.assessment.quarters import parse_quarter
from playbooks.assessment.scoring import compare_assessments, score_assessment
from playbooks.errors import InputError, PlaybooksError
from playbooks.review.model import AssessmentPart, DataPart, JourneyPart, Review, ReviewData
from playbooks.review.sentences import DRIFTING_SHOWN
from playbooks.review.trap import gather_trap
from playbooks.store import ActionItemRecord, Store

DRIFTING_COLUMNS = ("account_id", "name", "owner", "segment", "renewal_date", "annual_value",
                    "disengagement_score", "internal_view", "silence", "reasons")


def build_review(team: str, quarter: str, *, workspace: str | os.PathLike[str] | None = None,
                 store: Store | str | None = None, data: ReviewData | None = None,
                 as_of: dt.date | None = None, bank: QuestionBank | None = None) -> Review:
    """Gather the quarterly review of `team` for `quarter` (like 2026Q4).

    `workspace` is the folder with the account tables (default: PLAYBOOKS_WORKSPACE, else
    ./workspace); `store` a Store or a database URL (default: PLAYBOOKS_DATABASE_URL, else the
    workspace's playbooks.db, read only if it exists). `data` passes account data computed
    elsewhere. Raises InputError for an empty team or a quarter not like 2026Q4.
    """
    team = str(team or "").strip()
    if not team:
        raise InputError("give the team the review is for (--team)")
    quarter = parse_quarter(quarter)
    bank = bank or load_question_bank()
    opened, store_source, store_note = _open_store(store, workspace)
    try:
        data_part = (_data_from(data) if data is not None
                     else load_review_data(workspace, as_of=as_of))
        assessment = _assessment_part(opened, store_note, team, quarter, bank, data_part)
        journeys, journey_note = _journey_parts(opened, team)
        if opened is None:
            actions: tuple[ActionItemRecord, ...] = ()
            actions_note = store_note
        else:
            actions = tuple(opened.list_actions(team))
            actions_note = "" if actions else (f"{team} has no action items yet; add them from "
                                               "the plays on the self-assessment page.")
    finally:
        if opened is not None and not isinstance(store, Store):
            opened.close()
    return Review(team, quarter, dt.datetime.now(dt.UTC).replace(microsecond=0), assessment,
                  journeys, journey_note, data_part, actions, actions_note, store_source)


# --- the store -----------------------------------------------------------------------------------


def _open_store(store: Store | str | None, workspace: str | os.PathLike[str] | None
                ) -> tuple[Store | None, str, str]:
    """Return the store (or None), where it is, and a note when there is none."""
    from playbooks.store.settings import STORE_FILE, resolve_database_url, safe_url

    if isinstance(store, Store):
        return store, safe_url(store.url), ""
    from playbooks.data.workspace import resolve_workspace

    url = store or settings.database_url() or ""
    if not url.strip():
        file = resolve_workspace(workspace) / STORE_FILE
        if not file.exists():
            return None, str(file), (f"No saved assessments, journey maps or action items: "
                                     f"there is no store at {file} yet.")
        url = f"sqlite:///{file.resolve()}"
    url = resolve_database_url(url)
    try:
        return Store(url, create=False), safe_url(url), ""  # a report never creates one
    except PlaybooksError as error:
        return None, safe_url(url), f"The store could not be opened: {error.message}"


# --- the self-assessment -------------------------------------------------------------------------


def _assessment_part(store: Store | None, store_note: str, team: str, quarter: str,
                     bank: QuestionBank, data: DataPart) -> AssessmentPart:
    if store is None:
        return AssessmentPart(None, None, note=store_note)
    record = store.find_assessment(team, quarter)
    if record is None:
        others = [r.quarter for r in store.list_assessments(team)]
        hint = (f" Its saved assessments are for {', '.join(others)}." if others
                else " It has no saved assessment for any quarter.")
        return AssessmentPart(None, None, note=f"{team} has no self-assessment for {quarter}."
                              + hint)
    result = score_assessment(record.levels, bank)
    previous = store.previous_assessment(record)
    earlier = score_assessment(previous.levels, bank) if previous else None
    comparison = compare_assessments(result, earlier) if earlier else None
    evidence = gather_evidence(result, data.signals, data.themes, bank)
    note = "" if previous else f"{team} has no assessment before {quarter} to compare with."
    return AssessmentPart(record, result, previous, earlier, comparison, evidence, note)


# --- journey maps --------------------------------------------------------------------------------


def _journey_parts(store: Store | None, team: str) -> tuple[tuple[JourneyPart, ...], str]:
    saved = store.list_journey_maps(team) if store is not None else []
    parts = []
    for record in saved:
        try:
            jmap = journey_map_from_records(record.rows, name=record.name,
                                            source=f"journey map {record.name!r}")
        except PlaybooksError as error:
            parts.append(JourneyPart(record.name, False, len(record.rows), (),
                                     f"This map no longer fits the framework: {error.message}"))
            continue
        parts.append(JourneyPart(record.name, False, len(jmap.touchpoints),
                                 tuple(diagnose(jmap)), own_words=_own_words(jmap)))
    if parts:
        return tuple(parts), ""
    example = load_journey_map(EXAMPLE_JOURNEY)
    note = (f"{team} has no saved journey map, so this section diagnoses the example map that "
            "ships with CX Playbooks. Save your own map on the Journey map page to see yours.")
    return (JourneyPart(EXAMPLE_JOURNEY_NAME, True, len(example.touchpoints),
                        tuple(diagnose(example))),), note


def _own_words(jmap: JourneyMap) -> tuple[str, ...]:
    """Say how a map's own measures and channels were read (each a guess to correct or
    confirm on the Journey map page)."""
    return (*(f"{g.label}, your own measure, is read as {g.kind}: {g.reason}."
              for g in jmap.measure_guesses),
            *(f"Row {g.row}, {g.touchpoint}: '{g.given}' is read as {g.label} ({g.reason}); "
              "confirm it on the Journey map page." for g in jmap.channel_guesses))


# --- account data --------------------------------------------------------------------------------


def load_review_data(workspace: str | os.PathLike[str] | None = None, *,
                     as_of: dt.date | None = None) -> DataPart:
    """Compute the account signals, continuity gaps, themes and trap view of a workspace (or
    say why not), all as of one date: `as_of`, else the day of the latest activity."""
    from playbooks.data.workspace import MissingTables, load_tables
    from playbooks.signals import compute_signals, list_continuity_gaps, resolve_as_of
    from playbooks.signals.learn import saved_model

    try:
        loaded = load_tables(workspace)
    except MissingTables as error:
        return DataPart(str(error.folder), note=(
            f"No account data: the workspace {error.folder} has no "
            f"{' or '.join(error.missing)} table. "
            "Import your exports (or run `playbooks demo`) to see drifting accounts, "
            "continuity gaps and repeated questions here."))
    folder = loaded.folder
    accounts = loaded.accounts.collect()
    activity = loaded.activity
    health = loaded.health
    # The themes (scikit-learn, mostly Python), the trap view (polars, and the classifier's
    # training) and the chart imports (Altair, mostly Python) run in threads beside the
    # signals, whose polars work runs without holding the GIL.
    # The libraries are imported by one thread, in order, before the others use them: two
    # threads importing scikit-learn and Altair at once can deadlock on a shared dependency.
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="review") as pool:
        imported = pool.submit(import_heavy_libraries)
        day = resolve_as_of(activity, as_of)  # one scan for the latest event, not one per call
        trap = pool.submit(_after, imported, gather_trap, activity, accounts, as_of=day)
        found = pool.submit(_after, imported, _find_themes, activity, day)
        signals = compute_signals(accounts.lazy(), activity, as_of=day, health=health,
                                  model=saved_model(folder, accounts, activity, as_of=day))
        gaps = list_continuity_gaps(activity, as_of=day)
        themes, themes_note = found.result()
        trap_part = trap.result()
    return _data_from(ReviewData(accounts, signals, gaps, themes, str(folder), trap_part,
                                 activity=activity, as_of=day), themes_note=themes_note)


# Libraries imported lazily further down, some of them sharing dependencies (narwhals).
HEAVY_MODULES = ("sklearn.feature_extraction.text", "sklearn.linear_model",
                 "sklearn.decomposition", "sklearn.cluster", "sklearn.metrics",
                 "sklearn.metrics.pairwise", "playbooks.questions.themes", "playbooks.trap",
                 "playbooks.charts")


def import_heavy_libraries() -> None:
    """Import the lazily loaded libraries, in order, in the calling thread, before other
    threads use them (two threads importing them at once can deadlock)."""
    for name in HEAVY_MODULES:
        importlib.import_module(name)


def _after(imported: Future[None], function: Callable[..., Any], *args: Any,
           **kwargs: Any) -> Any:
    """Run `function` once the heavy imports are done."""
    imported.result()
    return function(*args, **kwargs)


def _find_themes(activity: pl.LazyFrame, as_of: dt.date) -> tuple[pl.DataFrame | None, str]:
    from playbooks.questions.themes import find_themes

    try:
        return find_themes(activity, as_of=as_of), ""
    except InputError as error:
        return None, error.message


def _data_from(data: ReviewData, *, themes_note: str = "") -> DataPart:
    from playbooks.charts import portfolio_frame

    portfolio = portfolio_frame(data.signals, data.accounts)
    drifting = (portfolio.filter(pl.col("looks_healthy_drifting"))
                .sort(["disengagement_score", "account_id"], descending=[True, False])
                .select(DRIFTING_COLUMNS))
    names = data.accounts.select("account_id", "name")
    gaps = (data.continuity_gaps.join(names, on="account_id", how="left")
            .sort(["outreach_at", "account_id"], descending=[True, False]))
    themes = data.themes
    if themes is not None and "account_count" in themes.columns:
        themes = themes.sort(["account_count", "theme_id"], descending=[True, False])
    if themes is not None and themes.is_empty() and not themes_note:
        themes_note = "No customer question texts in the data to group into themes."
    return DataPart(data.source, data.accounts.height, data.signals, portfolio, drifting, gaps,
                    themes, themes_note=themes_note, trap=data.trap,
                    briefs=_briefs(data, drifting.head(DRIFTING_SHOWN)))


def _briefs(data: ReviewData, shown: pl.DataFrame) -> dict[str, Any]:
    """The account brief of each drifting account the review lists (none without activity)."""
    from playbooks.signals.brief import account_brief

    if data.activity is None or data.as_of is None or shown.is_empty():
        return {}
    ids = shown["account_id"].to_list()
    rows = data.activity.lazy().filter(pl.col("account_id").is_in(ids)).collect()
    return {r["account_id"]: account_brief(rows, r["account_id"], as_of=data.as_of,
                                           name=r["name"] or "")
            for r in shown.iter_rows(named=True)}
