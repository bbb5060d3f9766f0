"""A custom signal and a company channel, added without touching package code, flow through
the signals output, `playbooks recommend` and the quarterly review."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from playbooks.demo import generate_demo
from playbooks.errors import InputError
from playbooks.signals import compute_signals, register_signal, unregister_signal

DATA = Path(__file__).parent / "data"
PLUGIN = DATA / "company_plugin.py"
OVERLAY = DATA / "company_overlay.yaml"
LABEL = "Live sessions and courses attended"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, accounts=300, weeks=52, seed=31)
    return folder


COMPANY = {"PLAYBOOKS_PLUGINS": str(PLUGIN), "PLAYBOOKS_KNOWLEDGE_OVERLAY": str(OVERLAY)}


def test_custom_signal_in_the_signals_output(demo: Path, tmp_path: Path) -> None:
    """A fresh interpreter loads the plugin at start-up (the command line of this environment,
    not the bootstrap)."""
    out = tmp_path / "signals.parquet"
    done = subprocess.run([sys.executable, "-m", "playbooks.cli", "signals", "--workspace",
                           str(demo), "--out", str(out)], capture_output=True, text=True,
                          env={**os.environ, **COMPANY}, timeout=300)
    assert done.returncode == 0, done.stderr
    frame = pl.read_parquet(out)
    for part in ("recent", "baseline", "change", "against"):
        assert f"live_sessions_{part}" in frame.columns
    flagged = frame.filter(pl.col("live_sessions_against"))
    assert flagged.height > 0
    assert all(any(r.startswith(LABEL) for r in reasons) for reasons in flagged["reasons"])


def test_company_channel_in_recommend(cli) -> None:
    done = cli("recommend", "--need", "reassurance", "--stakes", "consequential", "--json",
               env=COMPANY)
    assert done.code == 0, done.stderr
    assert "shared_slack_channel" in [c["channel"] for c in json.loads(done.stdout)["channels"]]


def test_both_in_the_quarterly_review(cli, demo: Path, tmp_path: Path) -> None:
    done = cli("report", "--team", "Success", "--quarter", "2026Q4", "--out",
               str(tmp_path / "review"), "--workspace", str(demo), "--no-charts", env=COMPANY)
    assert done.code == 0, done.stderr
    html = (tmp_path / "review.html").read_text(encoding="utf-8")
    assert LABEL in html


def test_custom_signal_moves_the_score_in_process(demo: Path) -> None:
    accounts = pl.read_parquet(demo / "accounts.parquet")
    activity = pl.read_parquet(demo / "activity.parquet")
    before = compute_signals(accounts, activity)
    register_signal("all_questions", "Every question asked",
                    events=pl.col("kind").is_in(["question_asked", "ticket_opened"]),
                    weight=30, threshold=0.2)
    try:
        after = compute_signals(accounts, activity)
    finally:
        unregister_signal("all_questions")
    joined = before.select("account_id", pl.col("disengagement_score").alias("was")).join(
        after.select("account_id", "disengagement_score", "all_questions_against"),
        on="account_id")
    moved = joined.filter(pl.col("all_questions_against"))
    assert moved.height > 0
    assert (moved["disengagement_score"] >= moved["was"]).all()
    assert (joined.filter(~pl.col("all_questions_against"))["disengagement_score"]
            == joined.filter(~pl.col("all_questions_against"))["was"]).all()
    assert after["disengagement_score"].max() <= 100


def test_bad_registrations_are_refused() -> None:
    with pytest.raises(InputError, match="built-in signal"):
        register_signal("questions", "Questions", events=pl.lit(True))
    with pytest.raises(InputError, match="either `events` or `compute`"):
        register_signal("nothing", "Nothing")
    with pytest.raises(InputError, match="lower-case"):
        register_signal("Bad Name", "x", events=pl.lit(True))


def test_a_broken_plugin_is_named_without_a_traceback(cli, tmp_path: Path) -> None:
    plugin = tmp_path / "broken.py"
    plugin.write_text("raise RuntimeError('boom')\n")
    done = cli("recommend", "--need", "proof", env={"PLAYBOOKS_PLUGINS": str(plugin)})
    assert done.code == 2
    assert "broken.py failed to load: RuntimeError: boom" in done.stderr
    assert "Traceback" not in done.stderr
