"""Starting the app for a browser test: a free port, and waiting for its health check."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import IO

import pytest


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(server: subprocess.Popen, url: str, log: IO[str], *, seconds: float,
                       what: str = "the app") -> None:
    """Wait until the Streamlit server at `url` answers its health check; fail the test with
    the end of its log when it stops or does not answer within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            log.close()
            tail = Path(log.name).read_text(errors="replace")[-4000:]
            pytest.fail(f"{what} did not start ({log.name}):\n{tail}", pytrace=False)
        time.sleep(0.3)
