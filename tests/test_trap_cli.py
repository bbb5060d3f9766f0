"""The trap and repair commands: output, JSON, files, exit codes."""

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

    folder = tmp_path_factory.mktemp("trap-cli-demo")
    generate_demo(folder, accounts=1000, seed=11, as_of=dt.date(2026, 11, 23))
    return folder


def run(*args):
    return CliRunner().invoke(app, list(args))


def test_trap_names_support_and_the_needs_meeting_automation(demo, tmp_path):
    result = run("trap", "--workspace", str(demo), "--out", str(tmp_path / "series.csv"))
    assert result.exit_code == 0, result.output
    assert "Support: for" in result.output
    assert "Education:" not in result.output.split("Personal needs")[0]
    assert "got only an automated answer" in result.output
    series = pl.read_csv(tmp_path / "series.csv")
    assert set(series.columns) == {"week", "function", "measure", "kind", "value"}


def test_trap_json_per_function(demo):
    support = json.loads(run("trap", "-w", str(demo), "--json", "--function", "support").output)
    assert support["findings"] and all(f["function"] == "support" for f in support["findings"])
    assert {"automation_share"} <= {m["measure"] for m in support["findings"][0]["moves"]}
    education = json.loads(run("trap", "-w", str(demo), "--json", "--function", "education",
                               "--no-needs").output)
    assert education["findings"] == [] and education["automation_alone"] is None


def test_repair_prints_shares_and_writes_episodes(demo, tmp_path):
    result = run("repair", "-w", str(demo), "--window-days", "14",
                 "--out", str(tmp_path / "episodes.parquet"))
    assert result.exit_code == 0, result.output
    assert "come back within 14 days" in result.output
    assert "enterprise" in result.output
    episodes = pl.read_parquet(tmp_path / "episodes.parquet")
    assert {"account_id", "outcome", "segment"} <= set(episodes.columns)
    data = json.loads(run("repair", "-w", str(demo), "--json").output)
    assert data["window_days"] == 30 and data["by_segment"] and data["episodes"]


@pytest.mark.parametrize("args", [
    ["trap", "--as-of", "last week"],
    ["trap", "--function", "finance"],
    ["trap", "--out", "series.xlsx"],
    ["trap", "--drifting-every", "-1"],
    ["trap", "--window-weeks", "0"],
    ["repair", "--window-days", "0"],
    ["repair", "--as-of", "2026-13-01"],
])
def test_bad_input_exits_2_with_a_message(demo, args, tmp_path):
    from playbooks.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--workspace", str(demo)])
    assert exit_info.value.code == 2


def test_missing_workspace_is_a_plain_error(tmp_path, capsys):
    from playbooks.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["repair", "--workspace", str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "no activity table" in err and "Traceback" not in err
