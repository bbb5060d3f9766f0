"""The efficiency-beside-relationship results a page shows, cached per workspace version
and kept beside the workspace: the trap view, the need behind each question, repair."""

from __future__ import annotations

import streamlit as st

from playbooks.app.common import inputs
from playbooks.results import heavy
from playbooks.results.store import Stamp

DRIFTING_EVERY_WEEKS = heavy.DRIFTING_EVERY_WEEKS  # one signals run per point: once a quarter


@st.cache_resource(show_spinner="Measuring efficiency beside relationship ...", max_entries=2)
def trap_view(stamp: Stamp, drifting_every_weeks: int | None = DRIFTING_EVERY_WEEKS):
    """Weekly series and trap periods of a workspace, with the drifting share every few weeks
    (`None` leaves that series out: it costs one signals run per point)."""
    return heavy.efficiency_view(inputs(stamp), drifting_every_weeks)


@st.cache_resource(show_spinner="Reading the need behind each question ...", max_entries=2)
def classified_questions(stamp: Stamp):
    """Every customer question of a workspace with the need behind it."""
    return heavy.question_needs(inputs(stamp))


@st.cache_resource(show_spinner=False, max_entries=8)
def repair(stamp: Stamp, window_days: int):
    """Repair after incidents for a workspace and a window in days."""
    return heavy.repair(inputs(stamp), window_days)


@st.cache_resource(show_spinner="Estimating what automation alone cost ...", max_entries=2)
def relationship_cost(stamp: Stamp):
    """The estimated effects of automation alone and the paired measures of a workspace,
    kept beside it (following every answer and check-in takes a while at size)."""
    return heavy.relationship_cost(inputs(stamp))
