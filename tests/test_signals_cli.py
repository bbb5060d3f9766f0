"""The signals, themes and evaluate commands: output, files, exit codes."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from playbooks.demo import generate_demo

    folder = tmp_path_factory.mktemp("cli-demo")
    generate_demo(folder, accounts=150, seed=31, as_of=dt.date(2026, 11, 23))
    return folder


def test_signals_writes_parquet_and_csv_and_prints_json(demo, tmp_path, cli):
    result = cli("signals", "--workspace", str(demo), "--out", str(tmp_path / "s.parquet"))
    assert result.code == 0, result.output
    assert "accounts" in result.output
    table = pl.read_parquet(tmp_path / "s.parquet")
    assert table.height == 150 and "looks_healthy_drifting" in table.columns
    assert cli("signals", "-w", str(demo), "--out", str(tmp_path / "s.csv")).code == 0
    assert "reasons" in pl.read_csv(tmp_path / "s.csv").columns
    rows = json.loads(cli("signals", "-w", str(demo), "--json", "--as-of", "2026-10-01").stdout)
    assert len(rows) == 150 and {"account_id", "disengagement_score"} <= set(rows[0])


def test_signals_from_files_and_gaps(demo, cli):
    result = cli("signals", "--accounts", str(demo / "accounts.parquet"),
                 "--activity", str(demo / "activity.parquet"), "--gaps")
    assert result.code == 0, result.output
    assert "continuity gaps" in result.output


def test_themes_and_evaluate(demo, cli):
    themes = cli("themes", "-w", str(demo), "--max-themes", "8")
    assert themes.code == 0, themes.output
    assert "question themes" in themes.output
    evaluated = cli("evaluate", "-w", str(demo))
    assert evaluated.code == 0, evaluated.output
    assert "health alone" in evaluated.output


@pytest.mark.parametrize("args", [
    ["signals", "--as-of", "yesterday"],
    ["signals", "--recent-weeks", "5"],
    ["signals", "--out", "x.xlsx"],
    ["signals", "--accounts", "only-one.csv"],
])
def test_bad_input_exits_2_without_a_traceback(demo, args, cli):
    done = cli(*args, "--workspace", str(demo))
    assert done.code == 2
    err = done.stderr
    assert err.startswith("Error:") and "Traceback" not in err


def test_missing_workspace_exits_2(tmp_path, cli):
    assert cli("evaluate", "--workspace", str(tmp_path / "none")).code == 2
