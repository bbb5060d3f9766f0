"""The account signals page on a first-run demo workspace."""

from __future__ import annotations

import json
from pathlib import Path

from page_text import codes_shown
from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path


def open_signals(pages) -> AppTest:
    return pages.open(page_path("signals"), timeout=120)


def test_first_run_builds_a_demo_and_shows_the_portfolio(pages, workspace: Path) -> None:
    at = open_signals(pages)
    assert (workspace / "activity.parquet").exists() and (workspace / "demo.json").exists()
    specs = [json.dumps(json.loads(c.proto.spec)) for c in at.get("vega_lite_chart")]
    assert any("Portfolio" in s for s in specs)
    assert any("Every touch across functions" in s for s in specs)
    assert any(s.value == "Drifting accounts" for s in at.subheader)


def test_opening_an_account_shows_its_reasons(pages) -> None:
    at = open_signals(pages)
    options = at.selectbox(key="signals_account").options
    assert options
    pages.run(at.selectbox(key="signals_account").select_index(len(options) - 1))
    assert any(t.value.startswith("• ") for t in at.text)


def test_filters_narrow_the_portfolio(pages) -> None:
    at = open_signals(pages)
    total = at.metric[0].value
    segment = at.multiselect(key="signals_segment").options[0]
    pages.run(at.multiselect(key="signals_segment").select(segment))
    assert int(at.metric[0].value.replace(",", "")) < int(total.replace(",", ""))
    pages.run(at.toggle(key="signals_only_drifting").set_value(True))
    assert at.metric[0].value == at.metric[1].value


def _no_codes_or_timestamps(at: AppTest) -> list:
    """Every table on the page, checked: names not codes, dates not timestamps."""
    import polars as pl

    frames = [pl.from_pandas(d.value) for d in at.dataframe]
    for frame in frames:
        for column in frame.columns:
            assert "_" not in column, f"a code as a column name: {column}"
            dtype = frame.schema[column]
            if isinstance(dtype, pl.Datetime):  # a date comes back from the page as midnight
                times = frame[column].drop_nulls()
                assert (times == times.dt.truncate("1d")).all(), f"{column} shows a timestamp"
            if dtype == pl.String:
                values = frame[column].drop_nulls().head(50).to_list()
                assert not any(v.islower() and "_" in v and " " not in v for v in values), (
                    f"{column} shows codes: {values[:3]}")
            if dtype.is_float():
                assert (frame[column].drop_nulls().round(1) == frame[column].drop_nulls()).all()
    return frames


def test_tables_show_business_names_dates_and_rounded_numbers(pages, monkeypatch) -> None:
    monkeypatch.setenv("PLAYBOOKS_CURRENCY", "EUR")
    at = open_signals(pages)
    frames = _no_codes_or_timestamps(at)
    assert any("Renewal date" in f.columns and "Annual value (EUR)" in f.columns
               for f in frames)
    assert any("What happened" in f.columns for f in frames)
    assert at.metric[2].value.endswith(" EUR")
    spec = next(json.loads(c.proto.spec) for c in at.get("vega_lite_chart")
                if "Portfolio" in c.proto.spec)
    assert "Annual value (EUR)" in json.dumps(spec)


def test_an_account_has_a_brief_before_anyone_reaches_out(pages) -> None:
    at = open_signals(pages)
    texts = [t.value for t in at.text]
    assert any(t.startswith("Since ") for t in texts)
    assert any(t.startswith("Tickets: ") for t in texts)
    assert any(t.startswith("Questions asked: ") for t in texts)
    assert any("brief" in d.proto.label for d in at.get("download_button"))


def test_an_account_is_described_in_words(pages) -> None:
    at = open_signals(pages)
    for index in range(len(at.selectbox(key="signals_account").options)):
        pages.run(at.selectbox(key="signals_account").select_index(index))
        assert not codes_shown(at)
