"""What automation alone cost with the activity on an engine equals polars' answer: DuckDB, a
local Spark session, PostgreSQL.

The engine reads the events of the kinds the follow-ups follow and counts each account's
customer actions per day; the rest is polars' code. On a demo large enough to estimate
effects, the effects (estimate, bootstrap interval, counts, sentences) and the paired
measures must equal what polars computes from the workspace's files; the two tables the
engine hands back must hold the same rows as polars' own.
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
from playbooks.engines.connect import connect, parse_engine
from playbooks.engines.cost import followed_on, relationship_cost_on
from playbooks.engines.run import workspace_activity_files
from playbooks.engines.table import open_activity
from playbooks.trap import trap_view
from playbooks.trap.cost import RelationshipCost, relationship_cost
from playbooks.trap.followed import DAILY_SCHEMA, ROW_SCHEMA, followed
from playbooks.vocabulary.activity import as_of_date


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("engines-cost") / "ws"
    generate_demo(folder, accounts=400, seed=5150)
    return folder


@pytest.fixture(scope="module")
def as_of(demo: Path) -> dt.date:
    return as_of_date(load_tables(demo).activity, None)


@pytest.fixture(scope="module")
def series(demo: Path, as_of: dt.date) -> pl.DataFrame:
    return trap_view(load_tables(demo).activity, as_of=as_of).series


@pytest.fixture(scope="module")
def expected(demo: Path, as_of: dt.date, series: pl.DataFrame) -> RelationshipCost:
    tables = load_tables(demo)
    return relationship_cost(tables.activity, tables.accounts, series, as_of=as_of)




@pytest.mark.parametrize("engine_table", ENGINES, indirect=True)
def test_what_automation_alone_cost_on_an_engine_equals_polars(
        engine_table: Any, demo: Path, as_of: dt.date, series: pl.DataFrame,
        expected: RelationshipCost) -> None:
    got = relationship_cost_on(engine_table, load_tables(demo).accounts, series, as_of=as_of)
    assert expected.effects.height > 0 and expected.pairs.height > 0
    assert_frame_equal(got.effects, expected.effects)
    assert_frame_equal(got.pairs, expected.pairs)


def test_the_tables_an_engine_hands_back_hold_polars_rows(demo: Path, as_of: dt.date) -> None:
    """The followed events and the daily actions from DuckDB are polars' own (in any order),
    and hold far fewer rows than the activity table."""
    engine = parse_engine("duckdb")
    table = open_activity(connect(engine), engine, workspace_activity_files(str(demo)))
    got = followed_on(table, as_of=as_of)
    want = followed(load_tables(demo).activity, as_of)
    assert dict(got.rows.schema) == dict(want.rows.schema) == ROW_SCHEMA
    assert dict(got.daily.schema) == dict(want.daily.schema) == DAILY_SCHEMA
    columns = list(want.rows.columns)
    assert_frame_equal(got.rows.sort(columns, nulls_last=True),
                       want.rows.sort(columns, nulls_last=True))
    assert_frame_equal(got.daily, want.daily)  # both sorted by account, then day
    events = load_tables(demo).activity.select(pl.len()).collect().item()
    assert 0 < got.rows.height < events / 2 and got.daily["n"].sum() < events


def test_nothing_asked_reads_nothing(demo: Path, as_of: dt.date,
                                     series: pl.DataFrame) -> None:
    """Neither the effects nor the pairs: both frames empty, with their columns."""
    engine = parse_engine("duckdb")
    table = open_activity(connect(engine), engine, workspace_activity_files(str(demo)))
    got = relationship_cost_on(table, None, series, as_of=as_of, effects=False, pairs=False)
    want = relationship_cost(load_tables(demo).activity, None, series, as_of=as_of,
                             effects=False, pairs=False)
    assert got.effects.is_empty() and got.pairs.is_empty()
    assert got.effects.schema == want.effects.schema and got.pairs.schema == want.pairs.schema
