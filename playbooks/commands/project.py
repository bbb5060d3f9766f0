"""Commands that run the project itself: the app and the test suite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import typer

from playbooks import settings
from playbooks.errors import InputError

ROOT = Path(__file__).resolve().parents[2]  # the source checkout, when running from one
APP_ENTRY = Path(__file__).resolve().parents[1] / "app" / "main.py"

# The app's Streamlit settings, the same as the checkout's `.streamlit/config.toml` (a test
# keeps the two equal). Streamlit reads that file only from the folder it starts in, so
# `playbooks app` passes these as flags; flags given to `playbooks app` win over them.
STREAMLIT_CONFIG: dict[str, dict[str, str | int | bool]] = {
    "browser": {"gatherUsageStats": False},
    "server": {"headless": True, "address": "localhost", "fileWatcherType": "none",
               "runOnSave": False, "maxUploadSize": 200},
    "client": {"showErrorDetails": "none", "toolbarMode": "minimal"},
    "theme": {"base": "light"},
}
_ALL_ADDRESSES = {"", "0.0.0.0", "::"}


def streamlit_flags(port: int, extra: Sequence[str]) -> list[str]:
    """Return the `streamlit run` flags: the app's settings and port, then `extra`, which wins.

    A setting named in `extra` (`--server.port 8611` or `--server.port=8611`) is left out of
    the defaults, so each setting is given once.
    """
    given = set(given_options(extra))
    defaults: dict[str, str | int | bool] = {
        f"{section}.{key}": value
        for section, options in STREAMLIT_CONFIG.items() for key, value in options.items()}
    defaults["server.port"] = port
    flags = [f"--{name}={_flag_value(value)}" for name, value in defaults.items()
             if name not in given]
    return [*flags, *extra]


def given_options(args: Sequence[str]) -> dict[str, str]:
    """Return the dotted Streamlit options in `args` (`--server.port=8611`), name to value."""
    found: dict[str, str] = {}
    for index, arg in enumerate(args):
        if arg == "--":  # what follows goes to the app's script, not to Streamlit
            break
        if not arg.startswith("--") or "." not in arg.split("=", 1)[0]:
            continue
        name, equals, value = arg[2:].partition("=")
        if not equals:
            following = args[index + 1] if index + 1 < len(args) else ""
            value = "" if following.startswith("--") else following
        found[name] = value
    return found


def app_url(flags: Sequence[str]) -> str:
    """Return the address the app serves, read from the `streamlit run` flags it gets."""
    options = given_options(flags)
    address = options.get("server.address", "localhost")
    shown = "localhost" if address in _ALL_ADDRESSES else address
    if ":" in shown:
        shown = f"[{shown}]"
    url = f"http://{shown}:{options.get('server.port', '8501')}"
    base = options.get("server.baseUrlPath", "").strip("/")
    url += f"/{base}/" if base else ""
    if address in _ALL_ADDRESSES:
        url += " (and on this machine's network addresses)"
    return url


def _flag_value(value: str | int | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def run_server(command: Sequence[str], env: dict[str, str]) -> int:
    """Run the server until it ends; a stop request (SIGTERM, Ctrl+C) is passed on to it.

    Without that, stopping `playbooks app` would leave Streamlit serving on its own.
    """
    server = subprocess.Popen(list(command), env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        while True:
            try:
                return server.wait()
            except KeyboardInterrupt:  # Ctrl+C reaches the server too; make sure it ends
                server.terminate()
    finally:
        signal.signal(signal.SIGTERM, previous)


def register(app: typer.Typer) -> None:
    """Add `app` and `test` to the command line."""

    @app.command("app", context_settings={"allow_extra_args": True,
                                          "ignore_unknown_options": True})
    def run_app(
        ctx: typer.Context,
        port: int = typer.Option(8501, help="Port to serve the app on."),
        workspace: str = typer.Option(
            None, "--workspace", "-w",
            help="Workspace folder (default: $PLAYBOOKS_WORKSPACE, else ./workspace)."),
    ) -> None:
        """Start the browser app (on a demo workspace unless you point it at your own).

        Streamlit options such as `--server.address 0.0.0.0` or `--server.port 8611` are
        passed on to Streamlit.
        """
        if not APP_ENTRY.exists():
            raise InputError(f"The app's entry file {APP_ENTRY} is missing; reinstall CX "
                             "Playbooks.")
        env = dict(os.environ)
        if workspace:
            folder = Path(workspace).expanduser().resolve()
            if folder.exists() and not folder.is_dir():
                raise InputError(f"The workspace {folder} is a file, not a folder.")
            env[settings.WORKSPACE.name] = str(folder)
        flags = streamlit_flags(port, ctx.args)
        command = [sys.executable, "-m", "streamlit", "run", str(APP_ENTRY), *flags]
        typer.echo(f"Starting CX Playbooks on {app_url(flags)} (Ctrl+C to stop)")
        raise typer.Exit(run_server(command, env))

    @app.command("test", context_settings={"allow_extra_args": True,
                                           "ignore_unknown_options": True})
    def run_tests(ctx: typer.Context) -> None:
        """Run the whole test suite (extra arguments go to pytest)."""
        if not (ROOT / "tests").is_dir() or not (ROOT / "pyproject.toml").is_file():
            raise InputError("The test suite comes with the source checkout, not with the "
                             "installed package; run `python3 -m playbooks test` in a clone of "
                             "the repository.")
        command = [sys.executable, "-m", "pytest", *ctx.args]
        raise typer.Exit(subprocess.run(command, cwd=ROOT).returncode)
