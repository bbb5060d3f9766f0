"""The efficiency-beside-relationship results a page shows, cached per workspace version
and kept beside the workspace: the trap view, the need behind each question, repair."""

from __future__ import annotations

import polars as pl
import streamlit as st

from playbooks.app.common import tables, workspace_as_of
from playbooks.app.results import stored

DRIFTING_EVERY_WEEKS = 13  # one signals run per point, so the page samples once a quarter


@st.cache_resource(show_spinner="Measuring efficiency beside relationship ...", max_entries=2)
def trap_view(stamp: tuple[str, tuple[float, ...]],
              drifting_every_weeks: int | None = DRIFTING_EVERY_WEEKS):
    """Weekly series and trap periods of a workspace, with the drifting share every few weeks
    (`None` leaves that series out: it costs one signals run per point)."""
    from playbooks.trap import TrapSettings, TrapView
    from playbooks.trap import trap_view as compute

    computed: list[TrapView] = []

    def part(name: str) -> pl.DataFrame:
        if not computed:
            accounts, activity = tables(stamp)
            computed.append(compute(activity.lazy(), accounts.lazy(),
                                    as_of=workspace_as_of(stamp),
                                    drifting_every_weeks=drifting_every_weeks))
        return getattr(computed[0], name)

    series = stored(stamp, "trap_series", lambda: part("series"), drifting_every_weeks)
    findings = stored(stamp, "trap_findings", lambda: part("findings"), drifting_every_weeks)
    return TrapView(series, findings, computed[0].settings if computed else TrapSettings())


@st.cache_resource(show_spinner="Reading the need behind each question ...", max_entries=2)
def classified_questions(stamp: tuple[str, tuple[float, ...]]):
    """Every customer question of a workspace with the need behind it."""
    from playbooks.trap import classified_questions as classify

    return stored(stamp, "questions", lambda: classify(tables(stamp)[1].lazy(),
                                                       as_of=workspace_as_of(stamp)))


@st.cache_resource(show_spinner=False, max_entries=8)
def repair(stamp: tuple[str, tuple[float, ...]], window_days: int):
    """Repair after incidents for a workspace and a window in days."""
    from playbooks.data.workspace import load_tables
    from playbooks.trap import RepairResult, repair_after_incidents

    computed: list[RepairResult] = []

    def part(name: str) -> pl.DataFrame:
        if not computed:
            loaded = load_tables(stamp[0])  # read lazily: only the rows repair looks at
            computed.append(repair_after_incidents(
                loaded.activity, loaded.accounts, as_of=workspace_as_of(stamp),
                window_days=window_days))
        return getattr(computed[0], name)

    episodes = stored(stamp, "repair_episodes", lambda: part("episodes"), window_days)
    by_segment = stored(stamp, "repair_by_segment", lambda: part("by_segment"), window_days)
    by_quarter = stored(stamp, "repair_by_quarter", lambda: part("by_quarter"), window_days)
    return RepairResult(episodes, by_segment, by_quarter, window_days=window_days,
                        as_of=workspace_as_of(stamp))
