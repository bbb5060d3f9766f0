"""The account signals page on a first-run demo workspace."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_signals() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page_path("signals"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_first_run_builds_a_demo_and_shows_the_portfolio(workspace: Path) -> None:
    at = open_signals()
    assert (workspace / "activity.parquet").exists() and (workspace / "demo.json").exists()
    specs = [json.dumps(json.loads(c.proto.spec)) for c in at.get("vega_lite_chart")]
    assert any("Portfolio" in s for s in specs)
    assert any("Every touch across functions" in s for s in specs)
    assert any(s.value == "Drifting accounts" for s in at.subheader)


def test_opening_an_account_shows_its_reasons() -> None:
    at = open_signals()
    options = at.selectbox(key="signals_account").options
    assert options
    at.selectbox(key="signals_account").select_index(len(options) - 1).run()
    assert not at.exception
    assert any(t.value.startswith("• ") for t in at.text)


def test_filters_narrow_the_portfolio() -> None:
    at = open_signals()
    total = at.metric[0].value
    segment = at.multiselect(key="signals_segment").options[0]
    at.multiselect(key="signals_segment").select(segment).run()
    assert not at.exception
    assert int(at.metric[0].value.replace(",", "")) < int(total.replace(",", ""))
    at.toggle(key="signals_only_drifting").set_value(True).run()
    assert not at.exception
    assert at.metric[0].value == at.metric[1].value
