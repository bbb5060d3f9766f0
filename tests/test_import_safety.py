"""Imports under a kill, side by side, and against the other tables.

A kill is injected at each step of the import (`PLAYBOOKS_FAULT_AT`, the process ends at once
as a kill would, without clean-up): the workspace then reads as the state before the import or
after it, never a mix, and the next import removes what the killed one left. Two imports never
interleave: the second waits for the first, or is refused when it waits too long. New accounts
that would leave other tables' rows naming no account are refused unless the user says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbooks.data.import_safety import FAULT_STEPS, workspace_lock
from playbooks.data.sources import read_sources, scan_table

COMPANY = Path(__file__).resolve().parent / "data" / "exports" / "company"
CRM = COMPANY / "salesforce_accounts.csv"
HELPDESK = COMPANY / "zendesk_tickets.csv"
CHAT = COMPANY / "intercom_conversations.csv"


def _playbooks(*args: object, env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "playbooks", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, check=False)


def _state(folder: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row the workspace's readers see, table by table, in a stable order."""
    sources = read_sources(folder)
    found = {}
    for table in ("accounts", "activity"):
        scan = scan_table(folder, sources, table)
        rows = scan.collect().select(pl.all().cast(pl.String)).rows() if scan is not None else []
        found[table] = sorted(rows)
    return found


def _leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*") if p.is_file())


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    done = _playbooks("import", CRM, HELPDESK, "-w", folder)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.parametrize("step", FAULT_STEPS)
def test_a_kill_at_any_step_leaves_the_old_state_or_the_new(workspace: Path, step: str) -> None:
    before = _state(workspace)
    killed = _playbooks("import", CHAT, "-w", workspace, env={"PLAYBOOKS_FAULT_AT": step})
    assert killed.returncode == 137, killed.stderr
    after_kill = _state(workspace)
    done = _playbooks("import", CHAT, "-w", workspace)  # the next import cleans up
    assert done.returncode == 0, done.stderr
    after = _state(workspace)
    assert after_kill in (before, after)
    assert after_kill == (before if step == "data-written" else after)
    assert _leftovers(workspace) == []
    assert not any(p.name.startswith(".recipe-") for p in workspace.rglob("*"))


def test_a_second_import_waits_for_the_first_or_is_refused(workspace: Path) -> None:
    before = _state(workspace)
    with workspace_lock(workspace):  # an import in progress
        refused = _playbooks("import", CHAT, "-w", workspace, env={"PLAYBOOKS_LOCK_WAIT": "1"})
        assert refused.returncode == 2
        assert "Another import (or demo) is changing the workspace" in refused.stderr
        assert _state(workspace) == before
        waiting = subprocess.Popen(
            [sys.executable, "-m", "playbooks", "import", str(CHAT), "-w", str(workspace)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PLAYBOOKS_LOCK_WAIT": "120"})
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=3)  # still waiting while the lock is held
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "source chat (activity)" in out


def test_the_lock_is_reentrant_within_one_process(tmp_path: Path) -> None:
    with workspace_lock(tmp_path), workspace_lock(tmp_path):
        pass
    with workspace_lock(tmp_path):  # released: taken again at once
        pass


def test_new_accounts_that_would_orphan_activity_are_refused(workspace: Path,
                                                             tmp_path: Path) -> None:
    lines = CRM.read_text(encoding="cp1252").splitlines()
    fewer = tmp_path / "salesforce_accounts.csv"  # the report with its first two accounts
    fewer.write_text("\n".join([lines[0], *lines[1:3]]) + "\n", encoding="cp1252")
    before = _state(workspace)
    refused = _playbooks("import", fewer, "-w", workspace)
    assert refused.returncode == 2, refused.stdout
    assert "with the new accounts" in refused.stderr and "activity rows" in refused.stderr
    assert "--allow-orphans" in refused.stderr
    assert _state(workspace) == before and _leftovers(workspace) == []
    allowed = _playbooks("import", fewer, "--allow-orphans", "-w", workspace)
    assert allowed.returncode == 0, allowed.stderr
    assert len(_state(workspace)["accounts"]) == 2


STEPS = st.lists(st.tuples(st.sampled_from(["helpdesk", "chat", "both"]),
                           st.sampled_from([None, *FAULT_STEPS])), min_size=1, max_size=2)
FILES = {"helpdesk": [HELPDESK], "chat": [CHAT], "both": [HELPDESK, CHAT]}


@pytest.mark.slow
@settings(max_examples=2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_after_any_sequence_of_imports_and_kills_the_workspace_is_a_committed_state(
        tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, str | None]]) -> None:
    """Each step's result is the state before it or the state a clean run of it makes."""
    root = tmp_path_factory.mktemp("prop")
    folder = root / "ws"
    assert _playbooks("import", CRM, "-w", folder).returncode == 0
    for index, (files, fault) in enumerate(steps):
        before = _state(folder)
        clean = root / f"clean-{index}"
        shutil.copytree(folder, clean)
        assert _playbooks("import", *FILES[files], "-w", clean).returncode == 0
        expected = _state(clean)
        env = {"PLAYBOOKS_FAULT_AT": fault} if fault else {}
        done = _playbooks("import", *FILES[files], "-w", folder, env=env)
        assert done.returncode == (137 if fault else 0), done.stderr
        assert _state(folder) == (before if fault == "data-written" else expected)


def test_a_full_disk_during_an_import_is_a_plain_refusal_and_changes_nothing(
        workspace: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    import errno

    import pyarrow.parquet as pq

    before = _state(workspace)
    files = sorted(p.relative_to(workspace) for p in workspace.rglob("*") if p.is_file())

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    done = cli("import", CHAT, "-w", workspace)
    assert done.code == 2
    assert "Nothing was imported: the disk is full while writing to the workspace" in done.stderr
    assert "Traceback" not in done.output
    assert _state(workspace) == before
    assert sorted(p.relative_to(workspace) for p in workspace.rglob("*") if p.is_file()) == files


def test_a_kill_after_replacing_the_demo_leaves_no_demo_marker_behind(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    assert _playbooks("demo", "--accounts", "60", "--weeks", "8", "-w", folder).returncode == 0
    killed = _playbooks("import", CRM, HELPDESK, "--replace-demo", "-w", folder,
                        env={"PLAYBOOKS_FAULT_AT": "old-files-removed"})
    assert killed.returncode == 137
    status = _playbooks("sources", "--json", "-w", folder)
    assert '"source": "demo"' not in status.stdout  # committed: the demo is gone
    demo = _playbooks("demo", "--accounts", "60", "--weeks", "8", "-w", folder)
    assert demo.returncode == 2 and "holds imported data" in demo.stderr
    assert _playbooks("import", CHAT, "-w", folder).returncode == 0
    assert not (folder / "demo.json").exists() and not (folder / "labels.csv").exists()


def test_a_refused_first_import_leaves_no_workspace_folder(tmp_path: Path, cli) -> None:
    unknown = tmp_path / "survey_responses.csv"
    unknown.write_text("Respondent,Score\na@b.example,9\n", encoding="utf-8")
    folder = tmp_path / "new_workspace"
    done = cli("import", unknown, "-w", folder)
    assert done.code == 2 and "survey_responses.csv" in done.stderr
    assert not folder.exists()
