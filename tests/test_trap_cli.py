"""The trap and repair commands: output, JSON, files, exit codes."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from playbooks.demo import generate_demo

    folder = tmp_path_factory.mktemp("trap-cli-demo")
    generate_demo(folder, accounts=1000, seed=11, as_of=dt.date(2026, 11, 23))
    return folder


def test_trap_names_support_and_the_needs_meeting_automation(demo, tmp_path, cli):
    result = cli("trap", "--workspace", str(demo), "--out", str(tmp_path / "series.csv"))
    assert result.code == 0, result.output
    assert "Support: for" in result.output
    assert "Education:" not in result.output.split("Personal needs")[0]
    assert "got only an automated answer" in result.output
    series = pl.read_csv(tmp_path / "series.csv")
    assert set(series.columns) == {"week", "function", "measure", "kind", "value"}


def test_trap_json_per_function(demo, cli):
    support = json.loads(cli("trap", "-w", str(demo), "--json", "--function", "support").stdout)
    assert support["findings"] and all(f["function"] == "support" for f in support["findings"])
    assert {"automation_share"} <= {m["measure"] for m in support["findings"][0]["moves"]}
    education = json.loads(cli("trap", "-w", str(demo), "--json", "--function", "education",
                               "--no-needs").stdout)
    assert education["findings"] == [] and education["automation_alone"] is None


EFFECT_KEYS = {"function", "need", "measure", "estimate", "low", "high", "n_exposed",
               "n_comparison", "sentence"}
PAIR_KEYS = {"function", "efficiency_measure", "relationship_measure", "efficiency_change",
             "relationship_change", "sentence"}


def test_trap_json_carries_the_effects_and_the_pairs(demo, cli):
    data = json.loads(cli("trap", "-w", str(demo), "--json").stdout)
    assert isinstance(data["effects"], list)
    for effect in data["effects"]:
        assert set(effect) == EFFECT_KEYS
        assert effect["low"] <= effect["estimate"] <= effect["high"]
    assert data["pairs"] and all(set(p) == PAIR_KEYS for p in data["pairs"])
    assert {"automation_share", "hours_to_close", "automated_check_in_share",
            "on_demand_share"} <= {p["efficiency_measure"] for p in data["pairs"]}
    support = json.loads(cli("trap", "-w", str(demo), "--json", "--function", "support",
                             "--no-effects").stdout)
    assert support["effects"] is None
    assert {p["function"] for p in support["pairs"]} == {"support"}
    text = cli("trap", "-w", str(demo), "--no-needs", "--no-effects").output
    assert "beside the relationship measure it can cost" in text


def test_repair_prints_shares_and_writes_episodes(demo, tmp_path, cli):
    result = cli("repair", "-w", str(demo), "--window-days", "14",
                 "--out", str(tmp_path / "episodes.parquet"))
    assert result.code == 0, result.output
    assert "come back within 14 days" in result.output
    assert "enterprise" in result.output
    episodes = pl.read_parquet(tmp_path / "episodes.parquet")
    assert {"account_id", "outcome", "segment"} <= set(episodes.columns)
    data = json.loads(cli("repair", "-w", str(demo), "--json").stdout)
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
def test_bad_input_exits_2_with_a_message(demo, args, tmp_path, cli):
    assert cli(*args, "--workspace", str(demo)).code == 2


def test_missing_workspace_is_a_plain_error(tmp_path, cli):
    done = cli("repair", "--workspace", str(tmp_path / "nowhere"))
    assert done.code == 2
    err = done.stderr
    assert "no activity table" in err and "Traceback" not in err
