"""The app's results on an engine (PLAYBOOKS_ENGINE): the same answers as polars, also for a
workspace whose activity lives only in the engine's table, and new results when that table
gains events.

A small demo is measured through `playbooks.results.heavy` with polars (the default), then
with DuckDB reading the workspace's files, then from a workspace holding only the accounts,
its activity a table of a DuckDB database (PLAYBOOKS_ACTIVITY_TABLE).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest
from engine_tables import load_into_postgres
from polars.testing import assert_frame_equal

from playbooks.data.sources import read_sources, write_sources
from playbooks.demo import generate_demo
from playbooks.engines import run
from playbooks.errors import InputError
from playbooks.results import heavy
from playbooks.results.store import workspace_stamp

TOLERANCE = {"check_exact": False, "rel_tol": 1e-9, "abs_tol": 1e-9}
RESULTS: dict[str, Callable[[heavy.Inputs], pl.DataFrame]] = {
    "signals": heavy.account_signals,
    "gaps": heavy.continuity_gaps,
    "themes": heavy.question_themes,
    "needs": heavy.question_needs,
    "series": lambda i: heavy.efficiency_view(i, 13).series,
    "findings": lambda i: heavy.efficiency_view(i, 13).findings,
    "review series": lambda i: heavy.efficiency_view(i, None).series,
    "repair": lambda i: heavy.repair(i).episodes,
    "repair by segment": lambda i: heavy.repair(i).by_segment,
    "effects": lambda i: heavy.relationship_cost(i).effects,
    "pairs": lambda i: heavy.relationship_cost(i).pairs,
}
SORT = {"signals": ["account_id"], "gaps": ["account_id", "outreach_at", "trigger_at"],
        "series": ["function", "measure", "week"], "review series": ["function", "measure",
                                                                      "week"]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("results_engine") / "ws"
    generate_demo(folder, accounts=120, weeks=52, seed=11, broken_export_weeks=4)
    return folder


def results_of(folder: Path) -> dict[str, pl.DataFrame]:
    """Every result the app prepares for the workspace, on the engine now set."""
    inputs = heavy.Inputs(workspace_stamp(folder))
    return {name: result(inputs) for name, result in RESULTS.items()}


def ordered(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    keys = SORT.get(name) or [c for c, t in frame.schema.items()
                              if not isinstance(t, pl.List | pl.Struct)]  # rows in any order
    return frame.sort(keys, nulls_last=True) if keys else frame


def assert_same(found: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame]) -> None:
    for name, frame in expected.items():
        assert not frame.is_empty() or name in ("findings", "effects"), \
            f"{name}: nothing to compare"
        assert_frame_equal(ordered(name, found[name]), ordered(name, frame), **TOLERANCE,
                           check_column_order=False)


@pytest.fixture(scope="module")
def on_polars(demo: Path) -> dict[str, pl.DataFrame]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PLAYBOOKS_ENGINE", raising=False)
        mp.delenv("PLAYBOOKS_ACTIVITY_TABLE", raising=False)
        assert not heavy.Inputs(workspace_stamp(demo)).on_engine
        return results_of(demo)


@pytest.fixture
def warehouse_only(demo: Path, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A workspace with the demo's accounts only; its activity a DuckDB database's table."""
    folder = tmp_path / "accounts_only"
    shutil.copytree(demo, folder, ignore=shutil.ignore_patterns(".results"))
    write_sources(folder, [s for s in read_sources(folder) if s.table != "activity"])
    (folder / "activity.parquet").unlink()
    database = tmp_path / "events.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE TABLE activity AS SELECT * FROM read_parquet(?)",
                    [str(demo / "activity.parquet")])
    monkeypatch.setenv("PLAYBOOKS_ENGINE", f"duckdb:///{database}")
    monkeypatch.setenv("PLAYBOOKS_ACTIVITY_TABLE", "activity")
    monkeypatch.setattr(run, "_versions", {})
    return folder, database


def test_the_demo_has_weeks_blanked_for_its_broken_export(on_polars) -> None:
    """The demo's community export breaks for four weeks: those weeks are blanked in the
    series the engines must match (so the comparison covers the blanking too)."""
    series = on_polars["series"]
    assert series.filter(pl.col("function") == "community")["value"].null_count() > 0


def test_duckdb_on_the_workspace_files_gives_polars_results(
        demo: Path, on_polars: dict[str, pl.DataFrame],
        monkeypatch: pytest.MonkeyPatch) -> None:
    polars_stamp = workspace_stamp(demo)
    monkeypatch.setenv("PLAYBOOKS_ENGINE", "duckdb")
    assert workspace_stamp(demo) != polars_stamp  # kept apart from polars' results
    assert heavy.Inputs(workspace_stamp(demo)).on_engine
    assert_same(results_of(demo), on_polars)


def test_a_workspace_whose_activity_lives_in_the_engine(
        demo: Path, on_polars: dict[str, pl.DataFrame],
        warehouse_only: tuple[Path, Path]) -> None:
    folder, _ = warehouse_only
    inputs = heavy.Inputs(workspace_stamp(folder))
    assert inputs.on_engine and not (folder / "activity.parquet").exists()
    assert_same(results_of(folder), on_polars)
    # One account's events, for its brief, come from the engine too.
    account = on_polars["signals"]["account_id"][0]
    expected = pl.read_parquet(demo / "activity.parquet").filter(
        pl.col("account_id") == account)
    mine = inputs.events_of([account])
    assert mine.height == expected.height > 0
    keys = ["occurred_at", "kind", "person_id"]
    assert mine.sort(keys).select(keys).to_dicts() == expected.sort(keys).select(
        pl.col("occurred_at").cast(pl.Datetime("us")), "kind", "person_id").to_dicts()
    assert inputs.events_of([]).is_empty()


@pytest.mark.postgres
def test_a_workspace_whose_activity_lives_in_postgresql(
        demo: Path, on_polars: dict[str, pl.DataFrame], warehouse_only: tuple[Path, Path],
        postgres_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = warehouse_only
    load_into_postgres(postgres_database_url, pl.read_parquet(demo / "activity.parquet"))
    monkeypatch.setenv("PLAYBOOKS_ENGINE", postgres_database_url)
    assert heavy.Inputs(workspace_stamp(folder)).engine.kind == "sql"
    assert_same(results_of(folder), on_polars)


def test_new_events_in_the_engine_table_make_new_results(
        warehouse_only: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    folder, database = warehouse_only
    before = workspace_stamp(folder)
    assert workspace_stamp(folder) == before  # asked again within the check interval
    latest = heavy.Inputs(before).as_of()
    with duckdb.connect(str(database)) as con:
        con.execute("INSERT INTO activity SELECT * REPLACE (event_id || '-new' AS event_id, "
                    "occurred_at + INTERVAL 3 DAY AS occurred_at) FROM activity "
                    "WHERE occurred_at = (SELECT max(occurred_at) FROM activity)")
    assert workspace_stamp(folder) == before  # not asked again yet
    monkeypatch.setattr(run, "TABLE_CHECK_SECONDS", 0.0)
    after = workspace_stamp(folder)
    assert after != before
    assert heavy.Inputs(after).as_of() == latest + dt.timedelta(days=3)


def test_an_unknown_engine_or_missing_table_is_named(
        demo: Path, warehouse_only: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = warehouse_only
    monkeypatch.setenv("PLAYBOOKS_ACTIVITY_TABLE", "no_such_table")
    with pytest.raises(InputError, match="no_such_table"):
        workspace_stamp(folder)
    monkeypatch.setenv("PLAYBOOKS_ENGINE", "oracle-ish")
    with pytest.raises(InputError, match="PLAYBOOKS_ENGINE is set to an unknown engine"):
        workspace_stamp(demo)


def test_the_commands_read_an_accounts_only_workspace_on_the_engine(
        warehouse_only: tuple[Path, Path], tmp_path: Path, cli) -> None:
    folder, database = warehouse_only
    where = ["--engine", f"duckdb:///{database}", "--activity-table", "activity",
             "--workspace", str(folder)]
    assert cli("signals", *where).code == 0
    assert cli("trap", *where).code == 0
    pack = tmp_path / "pack.html"
    done = cli("report", "--team", "Support", "--quarter", "2026Q4", "--out", str(pack),
               *where)
    assert done.code == 0, done.output
    text = pack.read_text(encoding="utf-8")
    assert "look healthy but are drifting" in text and "Efficiency beside relationship" in text
