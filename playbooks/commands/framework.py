"""Commands over the decision framework: recommend and diagnose."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the framework commands."""
