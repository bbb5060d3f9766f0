"""Each app test gets its own empty workspace and store, and one way to open and run pages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    monkeypatch.setenv("PLAYBOOKS_WORKSPACE", str(folder))
    monkeypatch.setenv("PLAYBOOKS_DATABASE_URL", f"sqlite:///{folder / 'playbooks.db'}")
    return folder


@pytest.fixture(autouse=True)
def small_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the first-run demo workspace small in app tests."""
    monkeypatch.setenv("PLAYBOOKS_DEMO_ACCOUNTS", "150")


def check_page(at: AppTest, *, expect_errors: Sequence[str] = ()) -> None:
    """Fail if the last run raised, or showed an `st.error` other than the expected ones.

    `expect_errors` are parts of the error texts the test expects; each must appear in one
    error shown, and every error shown must contain one of them.
    """
    raised = [f"{e.value}\n" + "\n".join(e.stack_trace[-6:]) for e in at.exception]
    assert not raised, "the page raised:\n" + "\n---\n".join(raised)
    shown = [e.value for e in at.error]
    unexpected = [text for text in shown if not any(part in text for part in expect_errors)]
    missing = [part for part in expect_errors if not any(part in text for text in shown)]
    assert not unexpected and not missing, (
        f"st.error shown but not expected: {unexpected}; expected but not shown: {missing}"
        + "".join(f"\ndetails: {c.value}" for c in at.code if unexpected))


class Pages:
    """Open and run the app's pages, checking every run with `check_page`."""

    def open(self, page: str, *, timeout: float = 60, expect_errors: Sequence[str] = ()
             ) -> AppTest:
        """Start the app on its start page, then switch to `page` (a `page_path`)."""
        at = AppTest.from_file(APP, default_timeout=timeout)
        if page == page_path("start"):
            return self.run(at, expect_errors=expect_errors)
        self.run(at)
        at.switch_page(page)
        return self.run(at, expect_errors=expect_errors)

    def run(self, target: Any, *, expect_errors: Sequence[str] = ()) -> AppTest:
        """Run the app (an AppTest, or a widget after a change such as `.click()`) and check
        the result."""
        at = target.run()
        check_page(at, expect_errors=expect_errors)
        return at


@pytest.fixture
def pages() -> Pages:
    """Open and run app pages; every run fails on an exception or an unexpected `st.error`."""
    return Pages()


