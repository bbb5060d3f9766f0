"""Each app test gets its own empty workspace and store."""

from __future__ import annotations

from pathlib import Path

import pytest


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
