"""The data page: a broken upload names what is wrong and changes nothing; a good one imports."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_data_page_shows_the_demo_workspace(workspace: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page_path("data"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("demo data" in m.value for m in at.markdown)
    assert at.button(key="data_demo").disabled
