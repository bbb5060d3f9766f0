"""What keeps a workspace whole while it changes: one writer at a time, tables that agree,
and named points where a test can stop an import the way a kill would.

- `workspace_lock`: an import (or the demo) holds the workspace's lock from its first read to
  its last write; a second one waits for it (`settings.LOCK_WAIT` seconds), then is
  refused with a clear message. The lock is the operating system's (`flock`), so a killed
  process never leaves it held.
- `orphaned_rows`: after an import changes the accounts, the rows of the other tables that
  would then name no account; the import refuses them unless told to go on.
- `fault_point`: with the test setting `settings.FAULT_AT` naming a step, the process ends at
  once at that step, as a kill would (no clean-up runs). The steps are `FAULT_STEPS`; tests
  use them to prove that a kill at any step leaves the old state or the new, never a mix.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl

from playbooks.data.sources import DEMO_MARKER, DEMO_SOURCE, MANIFEST, Source
from playbooks.errors import InputError
from playbooks.settings import FAULT_AT, LOCK_WAIT

FAULT_STEPS = ("data-written", "manifest-written", "old-files-removed")
"""Where an import can be stopped: after its new data files are written (before the
manifest), after the manifest is switched, after the old data files are removed."""
_POLL_SECONDS = 0.2
# The locks each thread of this process holds, by thread and folder, with how deep they are
# nested: re-entrant within one thread only, so two sessions of the app (two threads) wait
# for each other as two processes do.
_held: dict[tuple[int, Path], int] = {}
_guard = threading.Lock()


def lock_wait_seconds() -> float:
    """Return how long an import waits for another one to finish (`settings.LOCK_WAIT`)."""
    text = LOCK_WAIT.value() or "60"
    try:
        return max(0.0, float(text))
    except ValueError:
        raise InputError(f"PLAYBOOKS_LOCK_WAIT must be a number of seconds, not '{text}'."
                         ) from None


@contextlib.contextmanager
def workspace_lock(folder: Path) -> Iterator[None]:
    """Hold the workspace's lock; re-entrant within one thread."""
    key = (threading.get_ident(), folder.resolve())
    with _guard:
        if key in _held:
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder, os.O_RDONLY)  # the folder itself is locked: no file is added
    try:
        deadline = time.monotonic() + lock_wait_seconds()
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InputError(
                        f"Another import (or demo) is changing the workspace {folder}; try "
                        "again when it has finished.") from None
                time.sleep(_POLL_SECONDS)
        with _guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _guard:
                _held.pop(key, None)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)
        if made and not any(folder.iterdir()):  # a refused first import leaves no folder
            folder.rmdir()


@contextlib.contextmanager
def disk_errors(folder: Path) -> Iterator[None]:
    """Turn a full disk (or a quota, or a read-only folder) into a plain refusal."""
    try:
        yield
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise
        what = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                errno.EROFS: "the folder is read-only", errno.EACCES: "permission was denied"}
        raise InputError(f"Nothing was imported: {what[error.errno]} while writing to the "
                         f"workspace {folder}; it is as it was. Free some space (or choose "
                         "another folder with --workspace) and import again.") from None


def remove_stale_demo_files(folder: Path, current: list[Source]) -> None:
    """Remove the demo's marker and labels where the manifest no longer lists the demo (an
    import replacing the demo was killed after its commit, before removing them)."""
    if (folder / MANIFEST).exists() and not any(s.source == DEMO_SOURCE for s in current):
        (folder / "labels.csv").unlink(missing_ok=True)
        (folder / DEMO_MARKER).unlink(missing_ok=True)


def fault_point(step: str) -> None:
    """End the process at once when the test setting `FAULT_AT` names this step, as a kill would."""
    if FAULT_AT.value() == step:
        os._exit(137)


def refuse_orphans(folder: Path, current: list[Source],
                   planned: dict[tuple[str, str], Source]) -> None:
    """Refuse new accounts that would leave rows of the other tables naming no account."""
    before = {s.path for s in current if s.table == "accounts"}
    after = {s.path for s in planned.values() if s.table == "accounts"}
    if before == after or not after:
        return
    others = {t: [folder / s.path for s in planned.values() if s.table == t]
              for t in ("activity", "health_snapshots")}
    found = orphaned_rows([folder / path for path in sorted(after)], others)
    if found:
        said = "; ".join(f"{n:,} of {total:,} {table.replace('_', ' ')} rows (e.g. "
                         f"{', '.join(ids[:3])})" for table, (n, total, ids) in found.items())
        raise InputError(f"Nothing was imported: with the new accounts, {said} would name no "
                         "account. Import accounts that include them, or pass "
                         "--allow-orphans to import anyway.")


def orphaned_rows(accounts: Iterable[Path], others: dict[str, list[Path]],
                  shown: int = 5) -> dict[str, tuple[int, int, list[str]]]:
    """Count, per table, the rows whose account is in none of the `accounts` files.

    Returns {table: (orphaned rows, all rows, the first account ids named)} for the tables
    with orphans; an empty dict when every row names a known account.
    """
    known = pl.concat([pl.scan_parquet(p).select("account_id") for p in accounts]).unique()
    found: dict[str, tuple[int, int, list[str]]] = {}
    for table, paths in others.items():
        if not paths:
            continue
        rows = pl.concat([pl.scan_parquet(p).select("account_id") for p in paths])
        counts = rows.join(known, on="account_id", how="anti").group_by("account_id").len()
        orphans = counts.collect()
        if orphans.height:
            total = rows.select(pl.len()).collect().item()
            ids = orphans.sort("len", descending=True).head(shown)["account_id"].to_list()
            found[table] = (int(orphans["len"].sum()), int(total), [str(i) for i in ids])
    return found
