"""One loader reads a workspace's tables and says how to create the ones it lacks."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from playbooks.data.workspace import MissingTables, load_tables
from playbooks.errors import InputError


def _write(folder: Path, *tables: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table in tables:
        pl.DataFrame({"account_id": ["A1", "A2"]}).write_parquet(folder / f"{table}.parquet")


def test_load_tables_scans_every_table_present(tmp_path: Path) -> None:
    _write(tmp_path, "accounts", "activity", "health_snapshots")
    tables = load_tables(tmp_path)
    assert tables.folder == tmp_path
    assert tables.accounts.collect().height == 2
    assert tables.activity.collect().height == 2
    assert tables.health is not None and tables.health.collect().height == 2


def test_health_snapshots_are_optional(tmp_path: Path) -> None:
    _write(tmp_path, "accounts", "activity")
    assert load_tables(tmp_path).health is None


def test_missing_tables_named_with_folder_and_remedy(tmp_path: Path) -> None:
    with pytest.raises(MissingTables) as caught:
        load_tables(tmp_path)
    error = caught.value
    assert isinstance(error, InputError)
    assert error.missing == ("accounts", "activity")
    message = str(error)
    assert str(tmp_path) in message and "accounts or activity" in message
    assert "playbooks import" in message and "playbooks demo" in message


def test_accounts_optional_when_not_needed(tmp_path: Path) -> None:
    _write(tmp_path, "activity")
    tables = load_tables(tmp_path, need_accounts=False)
    assert tables.accounts_if_present is None
    with pytest.raises(MissingTables, match="no accounts table"):
        _ = tables.accounts
    with pytest.raises(MissingTables, match="no accounts table"):
        load_tables(tmp_path)


def test_activity_always_needed(tmp_path: Path) -> None:
    _write(tmp_path, "accounts")
    with pytest.raises(MissingTables, match="no activity table"):
        load_tables(tmp_path, need_accounts=False)
