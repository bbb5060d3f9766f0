"""A demo's activity table on each engine the engine tests compare with polars: DuckDB, a
local Spark session and PostgreSQL (the store tests' server).

`engine_table` is a fixture parametrised indirectly with an engine's name (one of `ENGINES`);
it reads the requesting module's `demo` fixture (a workspace folder). `spark_engine` starts
one local Spark session per module (its start-up takes seconds) and stops it after.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from playbooks.data.sources import load_tables
from playbooks.engines.connect import connect, parse_engine
from playbooks.engines.run import workspace_activity_files
from playbooks.engines.table import open_activity

ENGINES = ["duckdb", "spark", pytest.param("postgresql", marks=pytest.mark.postgres)]


def load_into_postgres(url: str, activity: pl.DataFrame) -> None:
    """Write the demo's activity to the table `activity` of the test database."""
    import ibis

    con = ibis.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    con.create_table("activity", activity.to_arrow(), overwrite=True)
    con.disconnect()


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[Any]:
    """One local Spark session for the module, stopped after."""
    engine = parse_engine("local[2]")
    con = connect(engine)
    yield engine, con
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()


@pytest.fixture
def engine_table(request: pytest.FixtureRequest, demo: Path) -> Any:
    """The demo's activity table on the engine the test is parametrised with."""
    kind = request.param
    if kind == "duckdb":
        engine = parse_engine("duckdb")
        return open_activity(connect(engine), engine, workspace_activity_files(str(demo)))
    if kind == "spark":
        engine, con = request.getfixturevalue("spark_engine")
        return open_activity(con, engine, workspace_activity_files(str(demo)))
    url = request.getfixturevalue("postgres_database_url")
    load_into_postgres(url, load_tables(demo).activity.collect())
    engine = parse_engine(url)
    return open_activity(connect(engine), engine, "activity")
