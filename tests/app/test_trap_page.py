"""The efficiency-beside-relationship page on a first-run demo workspace."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_trap() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(page_path("trap"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _specs(at: AppTest) -> list[str]:
    return [json.dumps(json.loads(c.proto.spec)) for c in at.get("vega_lite_chart")]


def test_page_shows_the_signature_need_mix_and_repair_charts() -> None:
    at = open_trap()
    specs = _specs(at)
    assert any("Efficiency beside relationship" in s for s in specs)
    assert any("What customers needed" in s for s in specs)
    assert any("came back or went quiet" in s for s in specs)
    headers = [s.value for s in at.subheader]
    assert "Where efficiency rose while the relationship fell" in headers
    assert "After something went wrong" in headers


def test_choosing_a_function_and_a_window_redraws_without_error() -> None:
    at = open_trap()
    options = at.selectbox(key="trap_function").options
    assert "Support" in options and "The company as a whole" in options
    at.selectbox(key="trap_function").select("support").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Support" in s for s in _specs(at))
    at.slider(key="trap_window").set_value(14).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("14 days" in m.value for m in at.markdown)
