"""Heavy results kept beside the workspace: computed once per workspace version and read back
on later visits and after the app restarts, instead of being computed again.

Each result is a Parquet file in the workspace's `.results` folder, named after the result and
the arguments it was computed with, and a key made of the workspace version (its tables'
modification times), the code that computes it and the settings that change it (plugins,
knowledge overlays). A file with another key is stale and removed when its result is stored
again. A result that cannot be written (a read-only
folder) is still returned; it is computed again next time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import polars as pl

from playbooks import settings

FOLDER = ".results"
_PACKAGE = Path(__file__).resolve().parents[1]
_ROOMS = ("signals", "trap", "questions", "vocabulary", "data", "framework")


@cache
def code_fingerprint() -> str:
    """A fingerprint of the code that computes the results (sizes and times of its files)."""
    parts = []
    for room in _ROOMS:
        for file in sorted((_PACKAGE / room).rglob("*")):
            if file.suffix in (".py", ".yaml", ".json"):
                stat = file.stat()
                parts.append(f"{file.relative_to(_PACKAGE)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def result_key(stamp: tuple[str, tuple[float, ...]], *extra: object) -> str:
    """The key of a workspace version's results, with `extra` arguments of the computation."""
    text = repr((stamp[1], extra, code_fingerprint(), settings.PLUGINS.value(),
                 settings.KNOWLEDGE_OVERLAY.value()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stored(stamp: tuple[str, tuple[float, ...]], name: str,
           compute: Callable[[], pl.DataFrame], *extra: object) -> pl.DataFrame:
    """Return the result `name` of this workspace version: read back when stored, otherwise
    computed, stored beside the workspace and returned."""
    folder = Path(stamp[0]) / FOLDER
    name += "".join(f"_{value}" for value in extra)  # each variant kept apart
    path = folder / f"{name}-{result_key(stamp, *extra)}.parquet"
    if path.exists():
        try:
            return pl.read_parquet(path)
        except (OSError, pl.exceptions.ComputeError):
            pass  # a damaged file: compute again
    frame = compute()
    try:
        folder.mkdir(exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        frame.write_parquet(partial)
        partial.replace(path)
        for old in folder.glob(f"{name}-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return frame
