"""The signals, themes and evaluate commands: output, files, exit codes."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from typer.testing import CliRunner

from playbooks.cli import app


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from playbooks.data.demo import generate_demo

    folder = tmp_path_factory.mktemp("cli-demo")
    generate_demo(folder, accounts=150, seed=31, as_of=dt.date(2026, 11, 23))
    return folder


def run(*args):
    return CliRunner().invoke(app, list(args))


def test_signals_writes_parquet_and_csv_and_prints_json(demo, tmp_path):
    result = run("signals", "--workspace", str(demo), "--out", str(tmp_path / "s.parquet"))
    assert result.exit_code == 0, result.output
    assert "accounts" in result.output
    table = pl.read_parquet(tmp_path / "s.parquet")
    assert table.height == 150 and "looks_healthy_drifting" in table.columns
    assert run("signals", "-w", str(demo), "--out", str(tmp_path / "s.csv")).exit_code == 0
    assert "reasons" in pl.read_csv(tmp_path / "s.csv").columns
    rows = json.loads(run("signals", "-w", str(demo), "--json", "--as-of", "2026-10-01").output)
    assert len(rows) == 150 and {"account_id", "disengagement_score"} <= set(rows[0])


def test_signals_from_files_and_gaps(demo):
    result = run("signals", "--accounts", str(demo / "accounts.parquet"),
                 "--activity", str(demo / "activity.parquet"), "--gaps")
    assert result.exit_code == 0, result.output
    assert "continuity gaps" in result.output


def test_themes_and_evaluate(demo):
    themes = run("themes", "-w", str(demo), "--max-themes", "8")
    assert themes.exit_code == 0, themes.output
    assert "question themes" in themes.output
    evaluated = run("evaluate", "-w", str(demo))
    assert evaluated.exit_code == 0, evaluated.output
    assert "health alone" in evaluated.output


@pytest.mark.parametrize("args", [
    ["signals", "--as-of", "yesterday"],
    ["signals", "--recent-weeks", "5"],
    ["signals", "--out", "x.xlsx"],
    ["signals", "--accounts", "only-one.csv"],
])
def test_bad_input_exits_2_without_a_traceback(demo, args, capsys):
    from playbooks.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--workspace", str(demo)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Error:") and "Traceback" not in err


def test_missing_workspace_exits_2(tmp_path, capsys):
    from playbooks.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--workspace", str(tmp_path / "none")])
    assert exit_info.value.code == 2
