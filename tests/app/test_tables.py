"""App tables: a long table shows its first rows and offers every row as a download."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _long_table(rows: int) -> None:
    import polars as pl

    from playbooks.app.tables import show_first

    show_first(pl.DataFrame({"Account": [f"A{i}" for i in range(rows)]}), "accounts",
               key="all", rows=5)


def test_a_long_table_shows_its_first_rows_and_offers_them_all() -> None:
    at = AppTest.from_function(_long_table, args=(12,)).run()
    assert not at.exception
    assert at.dataframe[0].value.shape == (5, 1)
    assert any("The first 5 of 12 accounts" in c.value for c in at.caption)
    assert at.get("download_button")[0].proto.label == "Download all 12 accounts (CSV)"


def test_a_short_table_is_shown_whole_without_a_download() -> None:
    at = AppTest.from_function(_long_table, args=(4,)).run()
    assert at.dataframe[0].value.shape == (4, 1)
    assert not at.get("download_button") and not at.caption
