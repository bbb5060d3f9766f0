"""A real browser against a real server: `streamlit run app.py` on a free localhost port,
driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("PLAYBOOKS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser test `browser` and `slow` (`pytest -m "not slow"` leaves them out)."""
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Use Debian's Chromium; Playwright's own browser download does not work offline."""
    if not Path(CHROMIUM).exists():
        reason = (f"no Chromium at {CHROMIUM}; install Debian's `chromium` package (the CI "
                  "script does) or set PLAYBOOKS_CHROMIUM")
        if os.environ.get("PLAYBOOKS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PLAYBOOKS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def app_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace folder the app under test uses (a demo is generated on first visit)."""
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, app_workspace: Path) -> Iterator[str]:
    """Start the app on a fresh workspace and wait until it answers its health check."""
    port = free_port()
    workspace = app_workspace
    env = {**os.environ, "PLAYBOOKS_WORKSPACE": str(workspace),
           "PLAYBOOKS_DEMO_ACCOUNTS": "300",
           "PLAYBOOKS_DATABASE_URL": f"sqlite:///{workspace / 'playbooks.db'}"}
    log = open(tmp_path_factory.mktemp("server") / "streamlit.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
         "--browser.gatherUsageStats=false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(server, url, log, seconds=90)
    yield url
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture
def screenshot(page, request: pytest.FixtureRequest):
    """Save a full-page screenshot under tests/artifacts/ named after the test."""

    def take(label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
