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
DEV_EXTRA = "dev"
# Commands that need the development tools (pytest, playwright, ruff, mypy, ...); every other
# command gets the project and what it needs to run, without them.
DEV_COMMANDS = frozenset({"test"})


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _pyproject_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def _inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV


def _in_checkout() -> bool:
    """Say whether this package runs from a source checkout (an installed one has no venv)."""
    return (ROOT / "pyproject.toml").is_file()


def _installed() -> tuple[str, frozenset[str]] | None:
    """Read the stamp: the pyproject.toml hash installed from, and the extras installed."""
    try:
        words = STAMP.read_text().split()
    except OSError:
        return None
    if not words:
        return None
    # A stamp with the hash alone comes from a bootstrap that always installed the dev extra.
    extras = frozenset(words[1].split(",")) - {"-"} if len(words) > 1 else frozenset({DEV_EXTRA})
    return words[0], extras


def extras_for(argv: list[str]) -> frozenset[str]:
    """Return the extras the command in `argv` needs: `dev` for the tests, else none."""
    return frozenset({DEV_EXTRA}) if argv[:1] and argv[0] in DEV_COMMANDS else frozenset()


def ensure_venv(extras: frozenset[str] = frozenset()) -> Path:
    """Create or refresh `.venv` with the project and the given extras installed.

    A stamp records the pyproject.toml it was installed from and the extras, so a later run
    starts at once; an environment missing an extra (made for the app, now running the tests)
    is upgraded, and one whose pyproject.toml changed is reinstalled with the extras it had.
    """
    python = _venv_python()
    wanted = _pyproject_hash()
    installed = _installed() if python.exists() else None
    if installed is not None and installed[0] == wanted and extras <= installed[1]:
        return python
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before anything else checks it
        sys.exit(f"CX Playbooks needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not python.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    extras = extras | (installed[1] if installed is not None else frozenset())
    if installed is None:
        print("Installing CX Playbooks and its dependencies (first run only, about a minute) ...",
              flush=True)
    elif installed[0] == wanted:
        print("Adding the development tools the tests need (once, about a minute) ...", flush=True)
    else:
        print("pyproject.toml changed: updating the environment ...", flush=True)
    target = f"{ROOT}[{','.join(sorted(extras))}]" if extras else str(ROOT)
    log = VENV / "install.log"
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    with open(log, "w") as handle:
        for args in (["--upgrade", "pip"], ["-e", target]):
            done = subprocess.run([*pip, *args], stdout=handle, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                handle.flush()
                tail = log.read_text(errors="replace").splitlines()[-25:]
                sys.exit("Installing the dependencies failed; the end of the log "
                         f"({log}):\n" + "\n".join(tail))
    STAMP.write_text(f"{wanted} {','.join(sorted(extras)) or '-'}\n")
    print("Installed.", flush=True)
    return python


def main(argv: list[str]) -> None:
    """Run `python -m playbooks ARGS` inside the project's environment.

    Installed from a wheel (no checkout around it), the package already has its environment:
    the command line runs at once.
    """
    if _inside_venv() or settings.no_bootstrap() or not _in_checkout():
        from playbooks.cli import main as cli_main

        cli_main(argv)
        return
    python = ensure_venv(extras_for(argv))
    os.chdir(ROOT)
    command = [str(python), "-m", "playbooks", *argv]
    if os.name == "posix":  # become the command, so a stop request reaches it directly
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(command[0], command)
    completed = subprocess.run(command)
    sys.exit(completed.returncode)
