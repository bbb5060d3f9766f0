"""Warming the caches: the workspace's heavy results computed in the background once per
workspace version, so the pages a leader opens next are ready when they get there."""

from __future__ import annotations

import logging
import threading

from playbooks.app.common import (
    continuity_gaps,
    signals,
    themes,
    workspace_path,
    workspace_stamp,
)
from playbooks.app.efficiency import classified_questions, repair, trap_view

_WARMING: set[tuple[str, tuple[float, ...]]] = set()
_WARMING_LOCK = threading.Lock()
_WARM_JOBS = 6
_WARMED: dict[tuple[str, tuple[float, ...]], int] = {}


def warm_up_progress() -> tuple[int, int]:
    """How many of the workspace's heavy results are ready, of how many (for the start page)."""
    return _WARMED.get(workspace_stamp(), 0), _WARM_JOBS


def warm_up() -> None:
    """Start computing the workspace's heavy results in the background, once per workspace
    version, so that the pages a leader opens next are ready when they get there. Each cached
    loader computes once: a page asking for a result still being computed waits for it."""
    from playbooks.data.workspace import workspace_status
    from playbooks.trap import DEFAULT_WINDOW_DAYS

    if not workspace_status(workspace_path()).has_data:
        return
    stamp = workspace_stamp()
    with _WARMING_LOCK:
        if stamp in _WARMING:
            return
        _WARMING.add(stamp)
    # Import the libraries here, in the page's thread, before the background work starts:
    # two threads importing scikit-learn and Altair at once can deadlock on a shared module.
    from playbooks.review.gather import import_heavy_libraries

    import_heavy_libraries()

    # Cached loaders called outside a page run log a harmless "missing ScriptRunContext" warning.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR)

    def work() -> None:
        for job in (lambda: signals(stamp), lambda: continuity_gaps(stamp),
                    lambda: trap_view(stamp), lambda: classified_questions(stamp),
                    lambda: repair(stamp, DEFAULT_WINDOW_DAYS), lambda: themes(stamp)):
            try:
                job()
            except Exception:  # noqa: BLE001 - a page computing it later shows the error
                return
            _WARMED[stamp] = _WARMED.get(stamp, 0) + 1

    threading.Thread(target=work, name="playbooks-warm-up", daemon=True).start()


