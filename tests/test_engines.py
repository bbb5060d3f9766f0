"""The passes on every engine give polars' answer: DuckDB, a local Spark session, PostgreSQL.

A small demo is measured with polars (the default), then with the passes run on each engine;
the signals table (every column of every account) and the weekly series of the efficiency
view must equal polars' within floating-point tolerance. Spark really runs here (Java and
pyspark are installed by .ci/run and the dev extra); PostgreSQL is the store tests' server.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from engine_tables import ENGINES
from polars.testing import assert_frame_equal

from playbooks.data.sources import load_tables
from playbooks.demo import generate_demo
from playbooks.engines.connect import Engine, connect, parse_engine
from playbooks.engines.signals import compute_signals_on, list_continuity_gaps_on, run_passes
from playbooks.engines.table import open_activity
from playbooks.engines.weekly import weekly_series_on
from playbooks.signals import compute_signals, list_continuity_gaps
from playbooks.signals.engine import prepare_inputs
from playbooks.signals.inputs import prepare_activity
from playbooks.signals.score_model import prior_model
from playbooks.signals.stages import block_frame, history_frame, window_frame
from playbooks.trap import weekly_series
from playbooks.vocabulary.activity import as_of_date

TOLERANCE = {"check_exact": False, "rel_tol": 1e-9, "abs_tol": 1e-9}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("engines") / "ws"
    generate_demo(folder, accounts=80, weeks=40, seed=7)
    return folder


@pytest.fixture(scope="module")
def as_of(demo: Path) -> dt.date:
    return as_of_date(load_tables(demo).activity, None)


@pytest.fixture(scope="module")
def expected(demo: Path, as_of: dt.date) -> dict[str, pl.DataFrame]:
    tables = load_tables(demo)
    return {"signals": compute_signals(tables.accounts, tables.activity, as_of=as_of,
                                       health=tables.health, model=prior_model()),
            "weekly": weekly_series(tables.activity, as_of=as_of)}




@pytest.mark.parametrize("engine_table", ENGINES, indirect=True)
def test_the_signals_on_an_engine_equal_polars(engine_table: Any, demo: Path, as_of: dt.date,
                                               expected: dict[str, pl.DataFrame]) -> None:
    tables = load_tables(demo)
    got = compute_signals_on(tables.accounts, engine_table, as_of=as_of, health=tables.health,
                             model=prior_model())
    assert got.height == expected["signals"].height > 0
    assert got["looks_healthy_drifting"].any() and got["continuity_gap_count"].sum() > 0
    assert_frame_equal(got, expected["signals"], **TOLERANCE)


@pytest.mark.parametrize("engine_table", ENGINES, indirect=True)
def test_the_weekly_series_on_an_engine_equals_polars(engine_table: Any, as_of: dt.date,
                                                      expected: dict[str, pl.DataFrame]) -> None:
    got = weekly_series_on(engine_table, as_of=as_of)
    assert set(got["measure"]) >= {"hours_to_close", "breadth_of_use", "people_engaged"}
    assert_frame_equal(got, expected["weekly"], **TOLERANCE)


@pytest.mark.parametrize("engine_table", ENGINES, indirect=True)
def test_the_continuity_gaps_listed_on_an_engine_equal_polars(engine_table: Any, demo: Path,
                                                              as_of: dt.date) -> None:
    expected = list_continuity_gaps(load_tables(demo).activity, as_of=as_of)
    got = list_continuity_gaps_on(engine_table, as_of=as_of)
    assert expected.height > 0
    assert_frame_equal(got, expected, **TOLERANCE)


@pytest.mark.parametrize("engine_table", ["duckdb"], indirect=True)
def test_the_passes_return_what_the_polars_stages_return(engine_table: Any, demo: Path,
                                                         as_of: dt.date) -> None:
    """The history (first activity too, which the signals table leaves out) and the block
    aggregates, row for row."""
    tables = load_tables(demo)
    accounts, window = prepare_inputs(tables.accounts, as_of)
    activity = prepare_activity(tables.activity)
    parts = run_passes(engine_table, window)
    history = history_frame(activity, window).collect()
    blocks = block_frame(window_frame(activity, window), window).collect()
    assert_frame_equal(parts.history.sort("account_id"), history.sort("account_id"),
                       check_column_order=False)
    assert_frame_equal(parts.blocks.sort("account_id", "block"),
                       blocks.sort("account_id", "block"), check_column_order=False,
                       check_dtypes=False, **TOLERANCE)
    assert accounts.collect().height == history.height


def test_an_event_on_a_block_boundary_falls_in_the_block_polars_gives(tmp_path: Path) -> None:
    """Events at midnight, a microsecond after it and just before the end, in the DuckDB
    and polars block aggregates (blocks and distinct days are counted back from the end)."""
    end = dt.datetime(2026, 3, 1)
    tick = dt.timedelta(microseconds=1)
    times = [end - dt.timedelta(days=28), end - dt.timedelta(days=28) + tick,
             end - dt.timedelta(days=1), end - tick,
             end - dt.timedelta(days=56), end - dt.timedelta(days=29, hours=12)]
    frame = pl.DataFrame({"account_id": "a", "person_id": [f"p{i}" for i in range(len(times))],
                          "actor_type": "Customer", "occurred_at": times,
                          "kind": "feature_used", "feature": "f"})
    path = tmp_path / "edges.parquet"
    frame.write_parquet(path)
    accounts = pl.DataFrame({"account_id": ["a"]}).lazy()
    _, window = prepare_inputs(accounts, dt.date(2026, 2, 28), recent_weeks=4,
                               baseline_weeks=4)
    expected = block_frame(window_frame(prepare_activity(frame.lazy()), window), window)
    engine = parse_engine("duckdb")
    got = run_passes(open_activity(connect(engine), engine, str(path)), window).blocks
    assert_frame_equal(got.sort("block"), expected.collect().sort("block"),
                       check_column_order=False, check_dtypes=False)
    assert got["block"].max() == 2  # the event exactly at the window's start


# --- choosing an engine, and the errors users see --------------------------------------------


@pytest.mark.parametrize(("text", "kind", "url"), [
    (None, "polars", None), ("polars", "polars", None), ("DuckDB", "duckdb", None),
    ("spark", "spark", "local[*]"), ("local[4]", "spark", "local[4]"),
    ("spark://head:7077", "spark", "spark://head:7077"),
    ("postgresql+psycopg://ana@db/cx", "sql", "postgresql+psycopg://ana@db/cx"),
    ("duckdb:///data/events.duckdb", "duckdb", "duckdb:///data/events.duckdb"),
])
def test_an_engine_is_named_or_given_by_url(text: str | None, kind: str, url: str | None) -> None:
    assert parse_engine(text) == Engine(kind, url)


def test_an_unknown_engine_is_refused_with_exit_2(cli: Any, demo: Path) -> None:
    done = cli("signals", "--workspace", demo, "--engine", "oracle-ish")
    assert done.code == 2
    assert "unknown engine 'oracle-ish'" in done.stderr and "duckdb" in done.stderr


def test_an_unreachable_warehouse_is_named_with_its_password_masked(cli: Any,
                                                                     demo: Path) -> None:
    done = cli("signals", "--workspace", demo, "--engine",
               "postgresql://ana:s3cr3t@127.0.0.1:9/cx", "--activity-table", "events")
    assert done.code == 2
    assert "cannot reach" in done.stderr and "postgresql://ana:***@127.0.0.1:9/cx" in done.stderr
    assert "s3cr3t" not in done.stderr + done.stdout


def test_a_table_without_the_contracts_columns_is_refused_naming_them(cli: Any, demo: Path,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    load_tables(demo).activity.drop("kind", "actor_type").collect().write_parquet(path)
    done = cli("signals", "--workspace", demo, "--engine", "duckdb", "--activity-table", path)
    assert done.code == 2
    assert "lacks the activity contract's columns: actor_type, kind" in done.stderr


def test_a_missing_file_or_table_is_refused(cli: Any, demo: Path, tmp_path: Path) -> None:
    done = cli("trap", "--workspace", demo, "--engine", "duckdb",
               "--activity-table", tmp_path / "nothing.parquet")
    assert done.code == 2 and "does not exist" in done.stderr
    done = cli("signals", "--workspace", demo, "--engine", "duckdb",
               "--activity-table", "no_such_table")
    assert done.code == 2 and "cannot open the activity table 'no_such_table'" in done.stderr


def test_an_activity_table_needs_an_engine(cli: Any, demo: Path) -> None:
    done = cli("signals", "--workspace", demo, "--activity-table", "events")
    assert done.code == 2 and "add --engine" in done.stderr


def test_the_commands_on_duckdb_print_what_polars_prints(cli: Any, demo: Path,
                                                         tmp_path: Path) -> None:
    """`signals` (the same score model given to both) and `trap`, through the setting."""
    from playbooks.signals.score_model import save_model

    model = save_model(prior_model(), tmp_path)
    outs = {}
    for engine in ("polars", "duckdb"):
        out = tmp_path / f"{engine}.parquet"
        done = cli("signals", "--workspace", demo, "--score-model", model, "--out", out,
                   env={"PLAYBOOKS_ENGINE": engine})
        assert done.code == 0, done.stderr
        outs[engine] = pl.read_parquet(out)
    assert_frame_equal(outs["duckdb"], outs["polars"], **TOLERANCE)
    polars_trap = cli("trap", "--workspace", demo, "--json")
    duckdb_trap = cli("trap", "--workspace", demo, "--json", "--engine", "duckdb")
    assert duckdb_trap.code == polars_trap.code == 0
    assert duckdb_trap.stdout == polars_trap.stdout and '"automation_alone"' in duckdb_trap.stdout


COST_SECTION = "### What automation alone cost"


def test_the_review_pack_on_duckdb_reads_as_polars_writes_it(cli: Any, demo: Path,
                                                              tmp_path: Path) -> None:
    """Signals, gaps, efficiency series, needs, themes, repair, what automation alone cost
    and the drifting accounts' briefs: the Markdown pack is the same but for the minute it
    was made."""
    packs = {}
    for engine in ("polars", "duckdb"):
        done = cli("report", "--team", "Support", "--quarter", "2026Q4", "--workspace", demo,
                   "--out", tmp_path / f"{engine}.html", "--no-charts", "--without-assessment",
                   "--engine", engine)
        assert done.code == 0, done.stderr
        packs[engine] = [line for line in (tmp_path / f"{engine}.md").read_text().splitlines()
                         if not line.startswith("Generated")]
    assert packs["duckdb"] == packs["polars"]
    assert any("went quiet" in line for line in packs["duckdb"])
    cost = packs["duckdb"][packs["duckdb"].index(COST_SECTION):]
    assert "What automation alone cost was not estimated." not in cost
    assert any(line.startswith("- ") and "in the" in line and "weeks from" in line
               for line in cost), "no paired measure in the pack"


def test_feature_use_without_features_is_no_breadth_on_any_engine(demo: Path, as_of: dt.date,
                                                                   tmp_path: Path) -> None:
    """An export whose product events name no feature (the column empty, as in many real
    product-analytics exports) has no breadth-of-use series: polars and DuckDB agree."""
    path = tmp_path / "no_features.parquet"
    load_tables(demo).activity.with_columns(pl.lit(None, pl.String).alias("feature")) \
        .sink_parquet(path)
    expected = weekly_series(pl.scan_parquet(path), as_of=as_of)
    engine = parse_engine("duckdb")
    got = weekly_series_on(open_activity(connect(engine), engine, str(path)), as_of=as_of)
    assert "breadth_of_use" not in set(expected["measure"])
    assert {"people_engaged", "questions_per_account"} <= set(expected["measure"])
    assert_frame_equal(got, expected, **TOLERANCE)


@pytest.mark.parametrize("kind", ["duckdb", "spark"])
def test_a_workspace_of_several_activity_sources_reads_as_one_table(
        kind: str, demo: Path, as_of: dt.date, tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    """A workspace with activity from several tools (a file per source, their optional
    columns differing) is one activity table on every engine, as polars reads it."""
    activity = load_tables(demo).activity.collect()
    half = activity.height // 2
    first, second = tmp_path / "helpdesk.parquet", tmp_path / "product.parquet"
    activity.head(half).drop("question_text", "feature").write_parquet(first)
    activity.tail(activity.height - half).write_parquet(second)
    both = pl.concat([pl.scan_parquet(first), pl.scan_parquet(second)],
                     how="diagonal_relaxed")
    expected = list_continuity_gaps(both, as_of=as_of)
    if kind == "spark":
        engine, con = request.getfixturevalue("spark_engine")
    else:
        engine = parse_engine(kind)
        con = connect(engine)
    table = open_activity(con, engine, [first, second])
    assert table.count().to_pyarrow().as_py() == activity.height
    assert expected.height > 0
    assert_frame_equal(list_continuity_gaps_on(table, as_of=as_of), expected, **TOLERANCE)


def test_an_engine_table_that_capitalises_its_actors_reads_as_the_imported_one(
        demo: Path, as_of: dt.date, tmp_path: Path) -> None:
    """A warehouse table is not checked against the contract on its way in: "Customer" and
    "STAFF" there read as the imported workspace's "customer" and "staff" in every pass."""
    path = tmp_path / "capitalised.parquet"
    load_tables(demo).activity.with_columns(pl.col("actor_type").str.to_titlecase()) \
        .sink_parquet(path)
    engine = parse_engine("duckdb")
    table = open_activity(connect(engine), engine, str(path))
    assert_frame_equal(weekly_series_on(table, as_of=as_of),
                       weekly_series(load_tables(demo).activity, as_of=as_of), **TOLERANCE)
    assert_frame_equal(list_continuity_gaps_on(table, as_of=as_of),
                       list_continuity_gaps(load_tables(demo).activity, as_of=as_of),
                       **TOLERANCE)
