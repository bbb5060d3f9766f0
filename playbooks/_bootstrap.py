"""Create the project's virtual environment when needed, then run a command inside it.

This module uses the standard library only (and `playbooks.settings`, which does too): it runs
before any dependency is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

from playbooks import settings

ROOT = Path(__file__).resolve().parent.parent
VENV = settings.venv_dir(ROOT)
STAMP = VENV / ".playbooks-installed"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _wanted_stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def _inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV


def ensure_venv() -> Path:
    """Create or refresh `.venv` with the project and its development extras installed."""
    python = _venv_python()
    wanted = _wanted_stamp()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before anything else checks it
        sys.exit(f"CX Playbooks needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not python.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing CX Playbooks and its dependencies (first run only, about a minute) ...",
          flush=True)
    log = VENV / "install.log"
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    with open(log, "w") as handle:
        for args in (["--upgrade", "pip"], ["-e", f"{ROOT}[dev]"]):
            done = subprocess.run([*pip, *args], stdout=handle, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                handle.flush()
                tail = log.read_text(errors="replace").splitlines()[-25:]
                sys.exit("Installing the dependencies failed; the end of the log "
                         f"({log}):\n" + "\n".join(tail))
    STAMP.write_text(wanted)
    print("Installed.", flush=True)
    return python


def main(argv: list[str]) -> None:
    """Run `python -m playbooks ARGS` inside the project's environment."""
    if _inside_venv() or settings.no_bootstrap():
        from playbooks.cli import main as cli_main

        cli_main(argv)
        return
    python = ensure_venv()
    os.chdir(ROOT)
    completed = subprocess.run([str(python), "-m", "playbooks", *argv])
    sys.exit(completed.returncode)
