"""Heavy results kept beside the workspace: computed once per workspace version, read back
afterwards, replaced when the workspace changes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from playbooks.results.store import FOLDER, stored


def test_a_result_is_computed_once_per_workspace_version(tmp_path: Path) -> None:
    calls: list[int] = []

    def compute() -> pl.DataFrame:
        calls.append(1)
        return pl.DataFrame({"account_id": ["A", "B"], "reasons": [["x"], []]})

    first = stored((str(tmp_path), (1.0, 2.0)), "signals", compute)
    again = stored((str(tmp_path), (1.0, 2.0)), "signals", compute)
    assert calls == [1] and again.equals(first)
    newer = stored((str(tmp_path), (1.0, 3.0)), "signals", compute)
    assert calls == [1, 1] and newer.equals(first)
    assert len(list((tmp_path / FOLDER).glob("signals-*.parquet"))) == 1  # the stale one went
    other = stored((str(tmp_path), (1.0, 3.0)), "signals", compute, 13)
    assert calls == [1, 1, 1] and other.equals(first)
    stored((str(tmp_path), (1.0, 3.0)), "signals", compute)  # the variants do not evict
    stored((str(tmp_path), (1.0, 3.0)), "signals", compute, 13)  # each other
    assert calls == [1, 1, 1]


def test_a_result_that_cannot_be_stored_is_still_returned(tmp_path: Path) -> None:
    (tmp_path / FOLDER).write_text("a file where the folder would go")
    frame = stored((str(tmp_path), (1.0,)), "gaps", lambda: pl.DataFrame({"n": [1]}))
    assert frame["n"].to_list() == [1]


def test_a_page_waits_for_a_result_another_process_is_preparing(tmp_path: Path) -> None:
    from playbooks.results.store import mark_preparing, result_path

    stamp = (str(tmp_path), (1.0, 2.0))
    path = result_path(stamp, "gaps")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        marker = mark_preparing(stamp, [path])
        found = json.loads(marker.read_text())
        marker.write_text(json.dumps({**found, "pid": other.pid}))  # as the other would

        def finish() -> None:  # written and renamed into place, as `stored` writes it
            time.sleep(0.5)
            partial = path.with_suffix(".partial")
            pl.DataFrame({"n": [7]}).write_parquet(partial)
            partial.replace(path)

        threading.Thread(target=finish).start()
        frame = stored(stamp, "gaps", lambda: pytest.fail("computed a second time"))
        assert frame["n"].to_list() == [7]
    finally:
        other.kill()
        other.wait()


def test_a_marker_left_by_a_process_that_has_gone_is_ignored(tmp_path: Path) -> None:
    from playbooks.results.store import mark_preparing, result_path

    stamp = (str(tmp_path), (1.0,))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    marker = mark_preparing(stamp, [result_path(stamp, "gaps")])
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "pid": gone.pid}))
    frame = stored(stamp, "gaps", lambda: pl.DataFrame({"n": [1]}))
    assert frame["n"].to_list() == [1]


def test_the_demo_command_prepares_the_results_every_page_then_reads(
        cli, pages, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playbooks.app.main import page_path
    from playbooks.results.heavy import prepared_steps
    from playbooks.results.prepare import results_progress

    done = cli("demo", "--accounts", "60", "--weeks", "20", "--workspace", str(workspace),
               env={"PLAYBOOKS_PREPARE_RESULTS": "1"})
    assert done.code == 0, done.output
    steps = len(prepared_steps())
    assert f"Preparing the app's results (1 of {steps}): account signals" in done.stdout
    assert "The app's results are ready" in done.stdout
    assert results_progress(workspace) == (steps, steps)

    def never(*args: object, **kwargs: object) -> None:
        pytest.fail("a page computed a result the demo had prepared")

    for name in ("compute_signals", "list_continuity_gaps"):
        monkeypatch.setattr(f"playbooks.signals.{name}", never)
    monkeypatch.setattr("playbooks.questions.themes.find_themes", never)
    for name in ("trap_view", "classified_questions", "repair_after_incidents"):
        monkeypatch.setattr(f"playbooks.trap.{name}", never)
    monkeypatch.setattr("playbooks.trap.cost.relationship_cost", never)
    at = pages.open(page_path("start"))
    assert not [i for i in at.info if "Preparing" in i.value]
    for page in ("signals", "trap", "review"):
        pages.open(page_path(page))
    again = cli("demo", "--accounts", "60", "--weeks", "21", "--workspace", str(workspace),
                env={"PLAYBOOKS_PREPARE_RESULTS": "0"})
    assert again.code == 0 and "Preparing" not in again.stdout  # left to the pages


def test_the_start_page_prepares_the_results_in_the_background(
        pages, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playbooks.app.main import page_path
    from playbooks.demo import generate_demo
    from playbooks.results.heavy import prepared_steps
    from playbooks.results.prepare import results_progress

    steps = len(prepared_steps())
    generate_demo(workspace, accounts=60, weeks=20, seed=5)
    monkeypatch.setenv("PLAYBOOKS_PREPARE_RESULTS", "1")
    at = pages.open(page_path("start"))
    assert any(f"Preparing the results the other pages show: 0 of {steps} ready" in i.value
               for i in at.info)
    for _ in range(600):  # the test's own limit, not a timing assertion
        if results_progress(workspace)[0] == steps:
            break
        time.sleep(0.5)
    assert results_progress(workspace) == (steps, steps)
    at = pages.open(page_path("start"))
    assert not [i for i in at.info if "Preparing" in i.value]


def test_progress_is_read_from_the_plan_kept_beside_the_results(
        workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playbooks.demo import generate_demo
    from playbooks.results import prepare

    generate_demo(workspace, accounts=50, weeks=8, seed=2)
    first = prepare.results_progress(workspace)
    assert first[0] == 0 and first[1] == len(prepare.prepared_steps())

    def unavailable() -> None:
        pytest.fail("the steps were listed again instead of read from the plan")

    monkeypatch.setattr(prepare, "prepared_steps", unavailable)
    assert prepare.results_progress(workspace) == first
