"""The app with an engine chosen (PLAYBOOKS_ENGINE): the pages run their passes there and say
so; an engine that cannot be used is a readable message, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.app.main import page_path


def test_the_pages_read_the_activity_on_duckdb(pages, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYBOOKS_ENGINE", "duckdb")
    at = pages.open(page_path("start"), timeout=120)
    assert any("read on the duckdb engine" in c.value for c in at.caption)
    at = pages.open(page_path("signals"), timeout=120)
    assert any(s.value == "Drifting accounts" for s in at.subheader)
    options = at.selectbox(key="signals_account").options
    assert options
    pages.run(at.selectbox(key="signals_account").select_index(0))
    assert any(t.value.startswith("• ") for t in at.text)  # the account's brief, from DuckDB


def test_an_unknown_engine_is_named_on_the_page(pages,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYBOOKS_ENGINE", "oracle-ish")
    # The page escapes Markdown in messages: PLAYBOOKS\_ENGINE.
    at = pages.open(page_path("start"),
                    expect_errors=["PLAYBOOKS\\_ENGINE is set to an unknown engine"])
    assert not at.exception


def test_an_empty_workspace_reading_an_engine_table_asks_for_the_accounts(
        pages, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No demo is made up when the activity lives in an engine's table: it would not match."""
    monkeypatch.setenv("PLAYBOOKS_ENGINE", f"duckdb:///{tmp_path / 'events.duckdb'}")
    monkeypatch.setenv("PLAYBOOKS_ACTIVITY_TABLE", "activity")
    at = pages.open(page_path("signals"))
    assert any("Import your accounts table" in i.value for i in at.info)
    assert not (workspace / "activity.parquet").exists()
    assert not (workspace / "accounts.parquet").exists()
    at = pages.open(page_path("data"))
    assert any("Import your accounts table" in i.value for i in at.info)
    assert any("not read while PLAYBOOKS" in c.value for c in at.caption)
    assert at.get("file_uploader")  # the way on is there
