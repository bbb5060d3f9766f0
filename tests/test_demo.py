"""The demo workspace is deterministic, passes its own contracts, and carries the stories."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from playbooks.data.workspace import validate_file, workspace_status
from playbooks.demo import ARCHETYPES, default_as_of, ensure_demo_workspace, generate_demo
from playbooks.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, accounts=300, weeks=52, seed=11, as_of=AS_OF)
    return folder


def test_demo_writes_a_complete_workspace(demo):
    names = {p.name for p in demo.iterdir()}
    assert {"accounts.parquet", "activity.parquet", "health_snapshots.parquet", "labels.csv",
            "demo.json"} <= names
    status = workspace_status(demo)
    assert status.is_demo and status.demo["seed"] == 11
    assert status.tables["accounts"].rows == 300
    labels = pl.read_csv(demo / "labels.csv")
    assert labels.columns == ["account_id", "archetype"]
    assert set(labels["archetype"]) == set(ARCHETYPES)


@pytest.mark.parametrize("table", ["accounts", "activity", "health_snapshots"])
def test_every_contract_validates_the_demo(demo, table):
    accounts = pl.read_parquet(demo / "accounts.parquet")
    report = validate_file(demo / f"{table}.parquet", table, related={"accounts": accounts})
    assert report.valid, report.to_text()
    assert not report.engine_mismatches
    assert all(r.status == "passed" for r in report.results), report.to_text()


def test_cli_validate_on_demo_files_exits_zero(demo, cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    for table in ("accounts", "activity", "health_snapshots"):
        done = cli("validate", str(demo / f"{table}.parquet"), "--workspace", str(demo),
                   "--gx", "off")
        assert done.code == 0, done.stdout + done.stderr


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    one, two, three = tmp_path / "1", tmp_path / "2", tmp_path / "3"
    generate_demo(one, accounts=40, weeks=10, seed=5, as_of=AS_OF)
    generate_demo(two, accounts=40, weeks=10, seed=5, as_of=AS_OF)
    generate_demo(three, accounts=40, weeks=10, seed=6, as_of=AS_OF)
    for table in ("accounts", "activity", "health_snapshots"):
        first = pl.read_parquet(one / f"{table}.parquet")
        assert first.equals(pl.read_parquet(two / f"{table}.parquet"))
        assert not first.equals(pl.read_parquet(three / f"{table}.parquet"))
    assert (one / "labels.csv").read_bytes() == (two / "labels.csv").read_bytes()


def test_data_ends_at_the_as_of_date(demo):
    activity = pl.scan_parquet(demo / "activity.parquet")
    latest = activity.select(pl.col("occurred_at").max()).collect().item()
    earliest = activity.select(pl.col("occurred_at").min()).collect().item()
    assert latest < dt.datetime.combine(AS_OF, dt.time())
    assert earliest >= dt.datetime.combine(AS_OF - dt.timedelta(weeks=52), dt.time())
    weeks = pl.read_parquet(demo / "health_snapshots.parquet")["week"]
    assert weeks.max() == AS_OF - dt.timedelta(weeks=1)
    assert all(day.weekday() == 0 for day in weeks.unique().to_list())


def test_future_as_of_is_refused(tmp_path):
    with pytest.raises(InputError, match="future"):
        generate_demo(tmp_path, accounts=5, weeks=2, as_of=dt.date.today()
                      + dt.timedelta(days=7))


def test_default_as_of_is_the_monday_on_or_before_today():
    assert default_as_of(dt.date(2026, 3, 4)) == dt.date(2026, 3, 2)
    assert default_as_of(dt.date(2026, 3, 2)) == dt.date(2026, 3, 2)


def _per_account(demo: Path) -> pl.DataFrame:
    cut = dt.datetime.combine(AS_OF - dt.timedelta(weeks=12), dt.time())
    base = dt.datetime.combine(AS_OF - dt.timedelta(weeks=36), dt.time())
    relation = ["question_asked", "csm_question", "event_attended", "course_completed",
                "community_post", "community_answer", "review", "reference", "referral"]
    frame = (pl.scan_parquet(demo / "activity.parquet")
             .filter(pl.col("occurred_at") >= base)
             .with_columns(recent=pl.col("occurred_at") >= cut)
             .group_by("account_id")
             .agg(rel_recent=(pl.col("kind").is_in(relation) & pl.col("recent")).sum() / 12,
                  rel_base=(pl.col("kind").is_in(relation) & ~pl.col("recent")).sum() / 24,
                  login_recent=((pl.col("kind") == "login") & pl.col("recent")).sum() / 12,
                  login_base=((pl.col("kind") == "login") & ~pl.col("recent")).sum() / 24,
                  escalations=(pl.col("kind") == "escalation").sum())
             .collect())
    accounts = pl.read_parquet(demo / "accounts.parquet").select("account_id", "health_colour")
    labels = pl.read_csv(demo / "labels.csv")
    return frame.join(accounts, on="account_id").join(labels, on="account_id")


def test_drifting_accounts_withdraw_while_the_dashboard_stays_green(demo):
    table = _per_account(demo).group_by("archetype").agg(
        rel_ratio=pl.col("rel_recent").sum() / pl.col("rel_base").sum(),
        login_ratio=pl.col("login_recent").sum() / pl.col("login_base").sum(),
        green=(pl.col("health_colour") == "green").mean())
    row = {r["archetype"]: r for r in table.iter_rows(named=True)}
    assert row["drifting"]["rel_ratio"] < 0.75 < row["engaged"]["rel_ratio"]
    assert 0.85 < row["drifting"]["login_ratio"] < 1.15
    assert row["drifting"]["green"] > 0.8
    assert row["at_risk_visible"]["green"] < 0.5
    assert row["at_risk_visible"]["login_ratio"] < 0.8


def test_support_automation_rises_while_education_stays_flat(demo):
    questions = (pl.scan_parquet(demo / "activity.parquet")
                 .filter(pl.col("kind") == "question_asked")
                 .with_columns(half=pl.col("occurred_at") >= dt.datetime.combine(
                     AS_OF - dt.timedelta(weeks=26), dt.time()))
                 .group_by("source_function", "half")
                 .agg(ai=(pl.col("channel") == "ai_assistant").mean())
                 .collect())
    share = {(r["source_function"], r["half"]): r["ai"] for r in questions.iter_rows(named=True)}
    assert share[("support", True)] - share[("support", False)] > 0.15
    assert abs(share[("education", True)] - share[("education", False)]) < 0.1


def test_templated_check_ins_follow_escalations(demo):
    activity = pl.read_parquet(demo / "activity.parquet", columns=[
        "account_id", "occurred_at", "kind", "actor_type"])
    serious = activity.filter(pl.col("kind").is_in(["escalation", "incident"])).height
    follow = (activity.filter(pl.col("kind").is_in(["escalation", "incident"]))
              .join(activity.filter((pl.col("kind") == "automated_check_in")
                                    & (pl.col("actor_type") == "bot")),
                    on="account_id", suffix="_bot")
              .filter((pl.col("occurred_at_bot") > pl.col("occurred_at"))
                      & (pl.col("occurred_at_bot") - pl.col("occurred_at")
                         <= dt.timedelta(days=5)))
              .select("account_id", "occurred_at").unique().height)
    assert serious > 0 and follow / serious > 0.3


def test_question_themes_recur_across_accounts(demo):
    texts = (pl.scan_parquet(demo / "activity.parquet")
             .filter(pl.col("question_text").str.contains("(?i)csv"))
             .select(pl.col("account_id").n_unique(), pl.col("occurred_at").dt.week().n_unique())
             .collect())
    assert texts.row(0)[0] > 50 and texts.row(0)[1] > 20


def test_every_function_and_actor_appears(demo):
    activity = pl.read_parquet(demo / "activity.parquet", columns=["source_function",
                                                                   "actor_type"])
    assert activity["source_function"].n_unique() == 7
    assert set(activity["actor_type"]) == {"customer", "staff", "bot"}


def test_ensure_demo_workspace_generates_only_into_an_empty_folder(tmp_path):
    assert ensure_demo_workspace(tmp_path / "ws", accounts=10, weeks=3) is True
    before = (tmp_path / "ws" / "activity.parquet").stat().st_mtime_ns
    assert ensure_demo_workspace(tmp_path / "ws", accounts=10, weeks=3) is False
    assert (tmp_path / "ws" / "activity.parquet").stat().st_mtime_ns == before


def test_cli_demo_writes_a_workspace(tmp_path, cli):
    done = cli("demo", "--out", str(tmp_path / "d"), "--accounts", "12", "--weeks", "3",
               "--as-of", "2026-01-05")
    assert done.code == 0
    assert workspace_status(tmp_path / "d").demo["as_of"] == "2026-01-05"


@pytest.mark.slow
@pytest.mark.parametrize("script", ["bench_demo.py", "bench_validate.py"])
def test_benchmark_scripts_run_at_tiny_scale(tmp_path, script):
    source = tmp_path / "src"
    generate_demo(source, accounts=50, weeks=8, seed=1)
    args = (["--accounts", "50", "--weeks", "8", "--no-baseline"] if script == "bench_demo.py"
            else ["--rows", "2000", "--source", str(source), "--modes", "chunked-no-gx"])
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "rows_per_second" in done.stdout or "events_per_second" in done.stdout


def test_demo_never_overwrites_imported_data(tmp_path, cli):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "accounts.parquet").write_bytes(b"PAR1 imported")
    with pytest.raises(InputError, match="imported data"):
        generate_demo(folder, accounts=5, weeks=2, protect_imported=True)
    assert (folder / "accounts.parquet").read_bytes() == b"PAR1 imported"
    assert cli("demo", "--out", str(folder), "--accounts", "5", "--weeks", "2").code == 2
    assert (folder / "accounts.parquet").read_bytes() == b"PAR1 imported"
    assert cli("demo", "--out", str(folder), "--accounts", "5", "--weeks", "2",
               "--replace-data").code == 0
    assert workspace_status(folder).is_demo
