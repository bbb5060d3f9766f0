"""`playbooks report`: the three files, exit codes, plain messages, no tracebacks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from review_setup import TEAM, make_review_workspace


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return make_review_workspace(tmp_path_factory.mktemp("cli") / "workspace", accounts=80)


@pytest.fixture
def run(cli):
    """`playbooks ARGS` in-process: (exit code, stdout, stderr), never with a traceback."""

    def call(*args: str):
        result = cli(*args)
        assert "Traceback" not in result.output
        return result

    return call


def test_report_writes_html_markdown_and_csv(setup, tmp_path: Path, run) -> None:
    folder, url = setup
    code, out, _ = run("report", "--team", TEAM, "--quarter", "2026Q4",
                       "--out", str(tmp_path / "review"), "--workspace", str(folder),
                       "--database-url", url)
    assert code == 0, out
    html = (tmp_path / "review.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 5
    assert "## 7. Action plan" in (tmp_path / "review.md").read_text(encoding="utf-8")
    with open(tmp_path / "review-actions.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and {r["owner"] for r in rows} == {"Ana", "Bo"}
    assert f"Wrote html: {tmp_path / 'review.html'}" in out


def test_an_html_name_is_kept_and_the_store_defaults_to_the_workspace(
        setup, tmp_path: Path, run, monkeypatch) -> None:
    monkeypatch.delenv("PLAYBOOKS_DATABASE_URL", raising=False)
    folder, _ = setup
    code, out, _ = run("report", "--team", TEAM, "--quarter", "2026Q4", "--no-charts",
                       "--out", str(tmp_path / "pack" / "q4.html"), "-w", str(folder))
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == [
        "q4-actions.csv", "q4.html", "q4.md"]
    html = (tmp_path / "pack" / "q4.html").read_text(encoding="utf-8")
    assert "<svg" not in html and "In 2026Q3 it was" in html


def test_a_team_without_data_or_assessment_still_gets_a_report(tmp_path: Path, run,
                                                                monkeypatch) -> None:
    monkeypatch.delenv("PLAYBOOKS_DATABASE_URL", raising=False)
    code, out, _ = run("report", "--team", "Support", "--quarter", "2026Q1",
                       "--out", str(tmp_path / "r"), "-w", str(tmp_path / "empty"))
    assert code == 0
    assert "Note: No saved assessments" in out and "Note: No account data" in out
    assert "No account data" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("quarter", ["2026Q5", "last quarter"])
def test_a_bad_quarter_exits_2_and_writes_nothing(tmp_path: Path, run, quarter: str) -> None:
    code, _, err = run("report", "--team", "Support", "--quarter", quarter,
                       "--out", str(tmp_path / "r"), "-w", str(tmp_path))
    assert code == 2 and "is not a quarter" in err and "like 2026Q4" in err
    assert not list(tmp_path.glob("r*"))


def test_an_unwritable_out_exits_2(tmp_path: Path, run) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run("report", "--team", "Support", "--quarter", "2026Q1",
                       "--out", str(blocker / "sub" / "r"), "-w", str(tmp_path / "none"))
    assert code == 2 and "cannot write the report" in err


def test_missing_options_exit_2(run) -> None:
    code, _, err = run("report", "--team", "Support")
    assert code == 2 and "--quarter" in err


def test_a_report_without_its_store_never_creates_one(tmp_path, cli) -> None:
    from playbooks.demo import generate_demo

    workspace = tmp_path / "ws"
    generate_demo(workspace, accounts=60, weeks=12)
    missing = tmp_path / "no-such.db"
    done = cli("report", "--team", "Support EMEA", "--quarter", "2026Q4",
               "--database-url", f"sqlite:///{missing}", "--without-assessment",
               "--workspace", str(workspace), "--out", str(tmp_path / "pack" / "review.html"))
    assert done.code == 0, done.stderr
    assert not missing.exists()
