"""Results kept beside the workspace, one Parquet file each, read back instead of computed again.

Each result is a file in the workspace's `.results` folder, named after the result and the
arguments it was computed with, and a key made of the workspace version (its tables' and
manifest's modification times), the code that computes it and the settings that change it
(plugins, knowledge overlays). A file with another key is stale and removed when its result is
stored again. A result that cannot be written (a read-only folder) is still returned; it is
computed again next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from playbooks import settings
from playbooks.data.sources import MANIFEST, TABLES
from playbooks.engines.connect import POLARS

FOLDER = ".results"
PREPARING = "preparing.json"  # written while a process prepares a workspace version's results
WAIT_SECONDS = 900.0  # the longest a page waits for a result another process is preparing
Stamp = tuple[str, tuple[float, ...]]
"""A workspace version: its folder and its tables' and manifest's modification times (and,
on an engine, one number for the engine's table)."""

FINGERPRINT_SECONDS = 2.0
_fingerprinted: tuple[float, str] = (-FINGERPRINT_SECONDS - 1, "")
_PACKAGE = Path(__file__).resolve().parents[1]
_ROOMS = ("signals", "trap", "questions", "vocabulary", "data", "framework", "results",
          "engines")


def workspace_stamp(folder: str | os.PathLike[str]) -> Stamp:
    """The version of the workspace in `folder`: it changes whenever an import or a new demo
    replaces a table or a source, and with another engine chosen or new events in the
    engine's table (see `playbooks.engines.run.engine_version`)."""
    folder = Path(folder)
    names = [f"{t}.parquet" for t in TABLES] + [MANIFEST]
    times = tuple((folder / name).stat().st_mtime if (folder / name).exists() else 0.0
                  for name in names)
    if settings.engine().strip().lower() != POLARS:  # results on an engine: its table too
        from playbooks.engines.run import engine_version

        times += engine_version(folder)
    return str(folder), times


def code_fingerprint() -> str:
    """A fingerprint of the code that computes the results (sizes and times of its files),
    read again every few seconds, so that every process agrees on it after a change."""
    global _fingerprinted
    now = time.monotonic()
    if now - _fingerprinted[0] > FINGERPRINT_SECONDS:
        _fingerprinted = (now, _fingerprint())
    return _fingerprinted[1]


def _fingerprint() -> str:
    parts = []
    for room in _ROOMS:
        for file in sorted((_PACKAGE / room).rglob("*")):
            if file.suffix in (".py", ".yaml", ".json"):
                stat = file.stat()
                parts.append(f"{file.relative_to(_PACKAGE)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def result_key(stamp: Stamp, *extra: object) -> str:
    """The key of a workspace version's results, with `extra` arguments of the computation."""
    text = repr((stamp[1], extra, code_fingerprint(), settings.PLUGINS.value(),
                 settings.KNOWLEDGE_OVERLAY.value()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def result_path(stamp: Stamp, name: str, *extra: object) -> Path:
    """The file the result `name` (computed with `extra`) of this workspace version is kept in."""
    name += "".join(f"_{value}" for value in extra)  # each variant kept apart
    return Path(stamp[0]) / FOLDER / f"{name}-{result_key(stamp, *extra)}.parquet"


def stored(stamp: Stamp, name: str, compute: Callable[[], pl.DataFrame],
           *extra: object) -> pl.DataFrame:
    """Return the result `name` of this workspace version: read back when stored, otherwise
    computed, stored beside the workspace and returned."""
    path = result_path(stamp, name, *extra)
    frame = read_stored(path)
    if frame is None and wait_for_preparation(stamp, path):
        frame = read_stored(path)
    if frame is not None:
        return frame
    frame = compute()
    try:
        path.parent.mkdir(exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        frame.write_parquet(partial)
        partial.replace(path)
        variant = path.name.rsplit("-", 1)[0]
        for old in path.parent.glob(f"{variant}-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return frame


def read_stored(path: Path) -> pl.DataFrame | None:
    """The result kept in `path`, or None when there is none (or the file is damaged)."""
    if not path.exists():
        return None
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.ComputeError):
        return None  # a damaged file: computed again


def mark_preparing(stamp: Stamp, paths: Iterable[Path]) -> Path:
    """Say, beside the results, that this process prepares `paths` for this workspace version
    (a page needing one of them waits for it instead of computing it a second time)."""
    marker = Path(stamp[0]) / FOLDER / PREPARING
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(json.dumps({"pid": os.getpid(), "key": result_key(stamp),
                                  "files": sorted(p.name for p in paths)}))
    return marker


def being_prepared(stamp: Stamp) -> set[str]:
    """The result files another live process is preparing for this workspace version."""
    marker = Path(stamp[0]) / FOLDER / PREPARING
    try:
        found = json.loads(marker.read_text())
        if (found["key"] != result_key(stamp) or found["pid"] == os.getpid()
                or time.time() - marker.stat().st_mtime > WAIT_SECONDS):
            return set()
        if os.name != "nt":  # on Windows os.kill would end the process instead
            os.kill(int(found["pid"]), 0)  # raises when that process has gone
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return set(found["files"])


def wait_for_preparation(stamp: Stamp, path: Path, *, seconds: float = WAIT_SECONDS) -> bool:
    """Wait while another process prepares `path`; return whether it is there now."""
    deadline = time.monotonic() + seconds
    while path.name in being_prepared(stamp) and not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return path.exists()
