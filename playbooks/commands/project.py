"""Commands that run the project itself: the app and the test suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from playbooks.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def register(app: typer.Typer) -> None:
    """Add `app` and `test` to the command line."""

    @app.command("app", context_settings={"allow_extra_args": True,
                                          "ignore_unknown_options": True})
    def run_app(
        ctx: typer.Context,
        port: int = typer.Option(8501, help="Port to serve the app on."),
    ) -> None:
        """Start the browser app (on a demo workspace unless you point it at your own)."""
        entry = ROOT / "app.py"
        if not entry.exists():
            raise InputError(f"The app entry file {entry} is missing; run this from a source "
                             "checkout.")
        command = [sys.executable, "-m", "streamlit", "run", str(entry),
                   f"--server.port={port}", *ctx.args]
        typer.echo(f"Starting CX Playbooks on http://localhost:{port} (Ctrl+C to stop)")
        raise typer.Exit(subprocess.run(command, cwd=ROOT).returncode)

    @app.command("test", context_settings={"allow_extra_args": True,
                                           "ignore_unknown_options": True})
    def run_tests(ctx: typer.Context) -> None:
        """Run the whole test suite (extra arguments go to pytest)."""
        command = [sys.executable, "-m", "pytest", *ctx.args]
        raise typer.Exit(subprocess.run(command, cwd=ROOT).returncode)
