"""The efficiency-beside-relationship page on a first-run demo workspace."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path


def open_trap(pages) -> AppTest:
    return pages.open(page_path("trap"), timeout=180)


def _specs(at: AppTest) -> list[str]:
    return [json.dumps(json.loads(c.proto.spec)) for c in at.get("vega_lite_chart")]


def test_page_shows_the_signature_need_mix_and_repair_charts(pages) -> None:
    at = open_trap(pages)
    specs = _specs(at)
    assert any("Efficiency beside relationship" in s for s in specs)
    assert any("What customers needed" in s for s in specs)
    assert any("came back or went quiet" in s for s in specs)
    headers = [s.value for s in at.subheader]
    assert "Where efficiency rose while the relationship fell" in headers
    assert "After something went wrong" in headers
    assert "What automation alone cost" in headers
    assert "Each efficiency measure beside the relationship measure it can cost" in headers
    told = [m.value for m in (*at.warning, *at.info, *at.markdown)]
    assert any("against the same weeks" in t or "the first 12 weeks" in t for t in told)
    assert any("interval" in t or "Too few comparable accounts" in t for t in told)


def test_choosing_a_function_and_a_window_redraws_without_error(pages) -> None:
    at = open_trap(pages)
    options = at.selectbox(key="trap_function").options
    assert "Support" in options and "The company as a whole" in options
    pages.run(at.selectbox(key="trap_function").select("support"))
    assert any("Support" in s for s in _specs(at))
    pages.run(at.slider(key="trap_window").set_value(14))
    assert any("14 days" in m.value for m in at.markdown)
