"""Preparing a workspace version's heavy results ahead, right after an import or a new demo,
so that every page reads them back instead of computing them on a leader's first visit.

`prepare_results` computes them in the calling process (the import and demo commands);
`prepare_in_background` starts a separate process for it (the app), so the work never holds
the app's own threads, locks or imports; `results_progress` says how far either has got,
from the files kept beside the workspace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from playbooks import settings
from playbooks.results.heavy import Inputs, prepared_steps
from playbooks.results.store import (
    FOLDER,
    Stamp,
    being_prepared,
    mark_preparing,
    result_key,
    result_path,
    workspace_stamp,
)

_STARTED: dict[Stamp, subprocess.Popen[bytes]] = {}


def _paths(stamp: Stamp) -> list[list[Path]]:
    return [[result_path(stamp, name, *extra) for name, extra in step.files]
            for step in prepared_steps()]


def _plan(stamp: Stamp) -> list[list[Path]]:
    """The files each prepared step keeps for this workspace version, read from the plan kept
    beside them (so the start page need not import the rooms that name them), else made."""
    plan = Path(stamp[0]) / FOLDER / f"plan-{result_key(stamp)}.json"
    try:
        return [[plan.parent / name for name in step] for step in json.loads(plan.read_text())]
    except (OSError, ValueError, TypeError):
        pass
    paths = _paths(stamp)
    try:
        plan.parent.mkdir(exist_ok=True)
        plan.write_text(json.dumps([[path.name for path in step] for step in paths]))
        for old in plan.parent.glob("plan-*.json"):
            if old != plan:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only workspace: made again next time
    return paths


def _has_data(folder: str | os.PathLike[str]) -> bool:
    from playbooks.data.sources import workspace_status

    return workspace_status(Path(folder)).has_data


def results_progress(folder: str | os.PathLike[str]) -> tuple[int, int]:
    """How many of the workspace version's heavy results are kept already, of how many."""
    plan = _plan(workspace_stamp(folder))
    return sum(all(path.exists() for path in paths) for paths in plan), len(plan)


def prepare_results(folder: str | os.PathLike[str], *,
                    report: Callable[[str], None] | None = None) -> int:
    """Compute and keep every heavy result of the workspace in `folder` that is not kept yet;
    return how many were computed. `report` is told, in words, what is being prepared."""
    if not _has_data(folder):
        return 0
    stamp = workspace_stamp(folder)
    waiting = [(step, paths) for step, paths in zip(prepared_steps(), _paths(stamp), strict=True)
               if not all(path.exists() for path in paths)]
    if not waiting:
        return 0
    try:
        marker: Path | None = mark_preparing(stamp, [p for _, paths in waiting for p in paths])
    except OSError:
        marker = None  # a read-only workspace: computed, not kept
    inputs = Inputs(stamp)
    try:
        for number, (step, _) in enumerate(waiting, start=1):
            if report:
                report(f"Preparing the app's results ({number} of {len(waiting)}): "
                       f"{step.label} ...")
            step.run(inputs)
    finally:
        if marker is not None:
            marker.unlink(missing_ok=True)
    return len(waiting)


def prepare_in_background(folder: str | os.PathLike[str]) -> bool:
    """Start preparing the workspace's heavy results in a separate process, once per workspace
    version, unless they are kept already, being prepared, or PLAYBOOKS_PREPARE_RESULTS is off.
    Return whether results are being prepared now."""
    stamp = workspace_stamp(folder)
    if not _has_data(folder) or all(p.exists() for paths in _plan(stamp) for p in paths):
        return False
    if stamp in _STARTED:  # once per workspace version: what it left undone, pages compute
        return _STARTED[stamp].poll() is None
    if being_prepared(stamp):
        return True
    if not settings.prepare_results():
        return False
    _STARTED[stamp] = subprocess.Popen(
        [sys.executable, "-m", "playbooks.results", str(folder)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    return True


def prepare_after_change(folder: str | os.PathLike[str],
                         report: Callable[[str], None]) -> None:
    """Prepare the workspace's heavy results right after an import or a new demo (unless
    PLAYBOOKS_PREPARE_RESULTS is off), telling `report` how far it has got."""
    if settings.prepare_results() and prepare_results(folder, report=report):
        report("The app's results are ready: every page opens without computing them.")
