"""The data page: a broken upload names what is wrong and changes nothing; a good one imports."""

from __future__ import annotations

from pathlib import Path

from playbooks.app.main import page_path


def test_data_page_shows_the_demo_workspace(pages, workspace: Path) -> None:
    at = pages.open(page_path("data"), timeout=120)
    assert any("demo data" in m.value for m in at.markdown)
    assert at.button(key="data_demo").disabled
