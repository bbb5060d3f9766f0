"""The account signals page on a first-run demo workspace."""

from __future__ import annotations

import json
from pathlib import Path

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
