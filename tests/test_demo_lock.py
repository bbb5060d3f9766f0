"""Two first visits at once get one demo, generated once, and nobody reads it half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from playbooks.data.sources import DEMO_MARKER, TABLES, workspace_status
from playbooks.demo import ensure_demo_workspace, generate_demo

ACCOUNTS, WEEKS = 60, 8


ENSURE_ON_GO = f"""
import sys
from playbooks.demo import ensure_demo_workspace
print("ready", flush=True)
sys.stdin.readline()
print(ensure_demo_workspace(sys.argv[1], accounts={ACCOUNTS}, weeks={WEEKS}), flush=True)
"""


def view(folder: Path) -> tuple[str, int]:
    """What a reader finds: ("nothing", 0), ("demo", accounts), or ("mixed", 0) for anything
    else (tables without their marker, which reads as imported data, or parts of two demos)."""
    status = workspace_status(folder)
    if not status.has_data:
        return ("nothing", 0)
    try:
        marker = json.loads((folder / DEMO_MARKER).read_text(encoding="utf-8"))
        accounts = pl.read_parquet(folder / "accounts.parquet").height
        labels = pl.read_csv(folder / "labels.csv").height
        exposed = pl.read_csv(folder / "exposure.csv")["account_id"].unique().len()
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return ("mixed", 0)
    whole = (status.is_demo and all(status.tables[t].exists for t in TABLES)
             and marker["accounts"] == accounts == labels >= exposed)
    return ("demo", accounts) if whole else ("mixed", 0)


def assert_one_complete_demo(folder: Path) -> None:
    assert view(folder) == ("demo", ACCOUNTS)
    assert not list(folder.glob(".demo-*")), "temporary files left behind"


def test_two_processes_generate_the_demo_once(tmp_path: Path) -> None:
    folder = tmp_path / "workspace"
    workers = [subprocess.Popen([sys.executable, "-c", ENSURE_ON_GO, str(folder)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    try:
        for worker in workers:  # both imported and waiting
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for worker in workers:  # then both go at once
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        said = [worker.communicate(timeout=300)[0].strip() for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [w.returncode for w in workers] == [0, 0]
    assert sorted(said) == ["False", "True"]
    assert_one_complete_demo(folder)


def test_two_sessions_of_one_server_generate_the_demo_once(tmp_path: Path) -> None:
    # Two browser tabs on one app server: two threads of one process.
    folder = tmp_path / "workspace"
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def visit() -> None:
        barrier.wait()
        try:
            results.append(ensure_demo_workspace(folder, accounts=ACCOUNTS, weeks=WEEKS))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=visit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert sorted(results) == [False, True]
    assert_one_complete_demo(folder)


@pytest.mark.parametrize("before", [0, 40], ids=["empty folder", "over another demo"])
def test_a_reader_never_finds_the_demo_half_written(tmp_path: Path, before: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "workspace"
    if before:
        generate_demo(folder, accounts=before, weeks=WEEKS)
    seen: list[tuple[str, int]] = []
    replace = os.replace

    def replace_then_look(src, dst, **kwargs) -> None:  # noqa: ANN001 - as os.replace
        replace(src, dst, **kwargs)
        seen.append(view(folder))  # a reader right after each file the demo puts in place

    monkeypatch.setattr(os, "replace", replace_then_look)
    generate_demo(folder, accounts=ACCOUNTS, weeks=WEEKS)
    monkeypatch.undo()
    assert seen, "the demo puts its files in place by renaming them"
    allowed = {("nothing", 0), ("demo", before), ("demo", ACCOUNTS)} - {("demo", 0)}
    assert set(seen) <= allowed, seen
    assert seen[-1] == ("demo", ACCOUNTS)
    assert_one_complete_demo(folder)


HOLD_LOCK = """
import sys, time
from pathlib import Path
from playbooks.data.import_safety import workspace_lock
with workspace_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_lock_left_by_a_killed_process_does_not_hold(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "workspace"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(folder)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGKILL)  # killed while holding it: no clean-up runs
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    monkeypatch.setenv("PLAYBOOKS_LOCK_WAIT", "10")  # a lock still held would be refused
    assert ensure_demo_workspace(folder, accounts=ACCOUNTS, weeks=WEEKS) is True
    assert_one_complete_demo(folder)


def test_a_second_visit_waits_for_the_first_then_finds_the_demo(tmp_path: Path) -> None:
    folder = tmp_path / "workspace"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK.replace(
        'time.sleep(600)', 'sys.stdin.readline()\n    from playbooks.demo import generate_demo\n'
        f'    generate_demo(sys.argv[1], accounts={ACCOUNTS}, weeks={WEEKS})'), str(folder)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        found: list[bool] = []
        second = threading.Thread(target=lambda: found.append(
            ensure_demo_workspace(folder, accounts=ACCOUNTS, weeks=WEEKS)))
        second.start()
        second.join(timeout=1)
        assert second.is_alive() and not found, "the second visit waits while the first holds"
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(timeout=120) == 0
        second.join(timeout=120)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert found == [False], "the demo the first visit wrote is found, not generated again"
    assert_one_complete_demo(folder)
