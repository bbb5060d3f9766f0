"""`playbooks report`: write the quarterly review pack (HTML, Markdown and the actions CSV).

Exit codes: 0 written; 2 input that cannot be used (a quarter not like 2026Q4, an empty team,
an output file that cannot be written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from playbooks.errors import InputError

_WORKSPACE_HELP = "Workspace folder (default: $PLAYBOOKS_WORKSPACE, else ./workspace)."
_DB_HELP = ("Database URL of the saved assessments and plans (default: PLAYBOOKS_DATABASE_URL, "
            "else the workspace's playbooks.db).")


def register(app: typer.Typer) -> None:
    """Add `report` to the command line."""

    @app.command("report")
    def report_command(
        team: Annotated[str, typer.Option("--team", help="The team the review is for.")],
        quarter: Annotated[str, typer.Option("--quarter", help="The quarter, like 2026Q4.")],
        out: Annotated[Path, typer.Option(
            "--out", help="Output file: FILE.html (or the .html given), FILE.md beside it and "
                          "FILE-actions.csv.")],
        workspace: Annotated[str | None, typer.Option("--workspace", "-w",
                                                      help=_WORKSPACE_HELP)] = None,
        database_url: Annotated[str | None, typer.Option("--database-url",
                                                         help=_DB_HELP)] = None,
        no_charts: Annotated[bool, typer.Option(
            "--no-charts", help="Leave the charts out of the HTML (faster).")] = False,
    ) -> None:
        """Write the quarterly review pack for one team: self-assessment and its change since
        the last quarter, journey-map findings, drifting accounts, continuity gaps, repeated
        questions and the action plan."""
        from playbooks.review.files import write_review
        from playbooks.review.gather import build_review

        review = build_review(team, quarter, workspace=workspace, store=database_url)
        try:
            paths = write_review(review, out, charts=not no_charts)
        except OSError as error:
            raise InputError(f"cannot write the report to {out}: {error.strerror or error}") \
                from None
        for kind, path in paths.items():
            typer.echo(f"Wrote {kind}: {path}")
        notes = [n for n in (review.assessment.note if review.assessment.result is None else "",
                             review.data.note) if n]
        for note in notes:
            typer.echo(f"Note: {note}")
