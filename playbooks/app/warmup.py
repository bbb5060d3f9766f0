"""Getting the app ready ahead of a leader: the workspace's heavy results prepared once per
workspace version in a separate process, and the chart libraries imported once per server.

The results are computed by their own process (`playbooks.results`), never by a thread of
the app: a page never waits for the GIL, a cache lock or an import the preparation holds, and
a page needing a result being prepared waits for its file instead of computing it again. The
chart and table libraries (pandas, Altair and what they load, about two seconds) are
imported by one thread only, started after the start page has run (or by the first page that
draws a chart or a table); those pages wait for it instead of importing them at the same time
(two threads importing them at once can deadlock).
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading

from playbooks.app.common import workspace_path
from playbooks.results.prepare import prepare_in_background, results_progress

# What the first chart or table of a server imports (pandas for every table: about a second).
CHART_MODULES = ("pandas", "pyarrow", "altair", "playbooks.charts")
_CHARTS_IMPORTED = threading.Event()
_CHARTS_LOCK = threading.Lock()
_charts_thread: threading.Thread | None = None


def warm_up() -> bool:
    """Start preparing the workspace's heavy results in the background, once per workspace
    version (unless they are ready); return whether they are being prepared now."""
    return prepare_in_background(workspace_path())


def warm_up_progress() -> tuple[int, int]:
    """How many of the workspace's heavy results are ready, of how many (for the start page)."""
    return results_progress(workspace_path())


def _import_charts() -> None:
    # jsonschema (through Altair) compiles a grammar for IRI checks at import when
    # rfc3987-syntax is installed (Jupyter's tools bring it): 1.8 s, for a check no chart
    # needs. Unless something has imported it already, it is left out of this process.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    try:
        for name in CHART_MODULES:
            importlib.import_module(name)
    except Exception:  # noqa: BLE001 - only a head start: a page imports what it needs itself
        logging.getLogger(__name__).debug("chart libraries not imported ahead", exc_info=True)
    finally:
        _CHARTS_IMPORTED.set()


def start_importing_charts() -> None:
    """Import the chart libraries in one background thread, once per server."""
    global _charts_thread
    with _CHARTS_LOCK:
        if _charts_thread is None:
            _charts_thread = threading.Thread(target=_import_charts, daemon=True,
                                              name="playbooks-chart-libraries")
            _charts_thread.start()


def wait_for_charts(seconds: float = 60) -> None:
    """Wait until the chart libraries are imported (starting that if nobody has); after
    `seconds` the page goes on and imports what it needs itself."""
    start_importing_charts()
    _CHARTS_IMPORTED.wait(seconds)
