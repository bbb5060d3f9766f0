"""What every page shares: cached loaders and readable error messages."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from playbooks.errors import PlaybooksError
from playbooks.framework import Knowledge, load_knowledge


@st.cache_resource(show_spinner=False)
def knowledge() -> Knowledge:
    """The decision framework, loaded once per server."""
    return load_knowledge()


@contextmanager
def friendly_errors(action: str) -> Iterator[None]:
    """Show a readable message instead of a traceback; details only on request."""
    try:
        yield
    except PlaybooksError as error:
        st.error(f"Could not {action}: {error.message}", icon=":material/error:")
        for problem in error.problems:
            st.text(f"• {problem}")
    except Exception as error:  # noqa: BLE001 - the last guard before a user sees a traceback
        st.error(f"Something went wrong while trying to {action}. Your data is unchanged.",
                 icon=":material/error:")
        with st.expander("Technical details"):
            st.code("".join(traceback.format_exception(error)), language=None)


@st.cache_resource(show_spinner=False)
def _store(url: str):
    from playbooks.store import Store

    return Store(url)


def store():
    """The store for saved assessments, journey maps and plans (one per database URL)."""
    from playbooks.store.settings import resolve_database_url

    return _store(resolve_database_url(None))


@st.cache_resource(show_spinner=False)
def question_bank():
    """The self-assessment question bank, loaded once per server."""
    from playbooks.assessment import load_question_bank

    return load_question_bank()
