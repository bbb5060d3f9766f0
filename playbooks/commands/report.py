"""`playbooks report`: write the quarterly review pack (HTML, Markdown and the actions CSV).

Exit codes: 0 written; 2 input that cannot be used (a quarter not like 2026Q4, an empty team,
an output file that cannot be written, a store of assessments that cannot be reached unless
`--without-assessment` says to go on without it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from playbooks import settings
from playbooks.commands.options import use_workspace
from playbooks.commands.signals import ActivityTable, EngineName
from playbooks.errors import InputError

if TYPE_CHECKING:
    from playbooks.store import Store

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
        workspace: Annotated[str | None, typer.Option("--workspace", "-w", help=_WORKSPACE_HELP,
                                                      callback=use_workspace)] = None,
        database_url: Annotated[str | None, typer.Option("--database-url",
                                                         help=_DB_HELP)] = None,
        no_charts: Annotated[bool, typer.Option(
            "--no-charts", help="Leave the charts out of the HTML (faster).")] = False,
        without_assessment: Annotated[bool, typer.Option(
            "--without-assessment",
            help="Write the pack even when the store of assessments cannot be reached, "
                 "leaving the self-assessment, journey maps and plan out.")] = False,
        engine: EngineName = None,
        activity_table: ActivityTable = None,
    ) -> None:
        """Write the quarterly review pack for one team: self-assessment and its change since
        the last quarter, journey-map findings, drifting accounts, continuity gaps, repeated
        questions and the action plan."""
        from playbooks.engines.run import chosen_engine
        from playbooks.review.files import write_review
        from playbooks.review.gather import build_review

        chosen = chosen_engine(engine, activity_table)
        store, missing = _open_store(database_url, workspace, without_assessment)
        try:
            data = (None if chosen.kind == "polars"
                    else review_data_on_engine(chosen, activity_table, workspace))
            review = build_review(team, quarter, workspace=workspace, data=data,
                                  store=store if store is not None else database_url)
        finally:
            if store is not None:
                store.close()
        try:
            paths = write_review(review, out, charts=not no_charts)
        except InputError as error:
            raise InputError(f"cannot write the report to {out}: {error.message}") from None
        except OSError as error:
            raise InputError(f"cannot write the report to {out}: {error.strerror or error}") \
                from None
        if missing:
            typer.echo(f"WARNING: the pack has no self-assessment, journey maps or plan: "
                       f"{missing}", err=True)
        for kind, path in paths.items():
            typer.echo(f"Wrote {kind}: {path}")
        notes = [n for n in (review.assessment.note if review.assessment.result is None else "",
                             review.data.note) if n]
        for note in notes:
            typer.echo(f"Note: {note}")


def review_data_on_engine(engine: Any, activity_table: str | None,
                          workspace: str | None) -> Any:
    """The pack's account data with the passes on an engine: the signals (shipped starting
    score), the continuity gaps and the efficiency series there; the questions (themes,
    needs), the incidents with the contact after them (repair), the events the follow-ups
    follow with each account's actions per day (what automation alone cost) and the drifting
    accounts' own events brought back for the rest."""

    from playbooks.data.sources import load_accounts, load_health
    from playbooks.engines.cost import relationship_cost_on
    from playbooks.engines.run import (
        account_events,
        engine_activity,
        question_rows,
        repair_rows,
        trap_view_on,
    )
    from playbooks.engines.signals import compute_signals_on, latest_day, list_continuity_gaps_on
    from playbooks.questions.themes import find_themes
    from playbooks.review.model import ReviewData
    from playbooks.review.trap import trap_part
    from playbooks.trap import classified_questions, repair_after_incidents

    table = engine_activity(engine, activity_table, workspace)
    accounts = load_accounts(workspace).collect()  # the activity is the engine's table
    day = latest_day(table)
    signals = compute_signals_on(accounts.lazy(), table, as_of=day, health=load_health(workspace))
    questions = question_rows(table, as_of=day).collect()
    try:
        themes = find_themes(questions, as_of=day)
    except InputError:
        themes = None
    try:
        repair = repair_after_incidents(repair_rows(table, as_of=day), accounts, as_of=day)
    except InputError:
        repair = None
    view = trap_view_on(table, as_of=day)
    cost, note = None, ""
    if not view.series.is_empty():  # the followed events and the daily actions come back
        try:
            cost = relationship_cost_on(table, accounts, view.series, as_of=day,
                                        settings=view.settings)
        except InputError as error:
            note = error.message
    trap = trap_part(view, classified_questions(questions, as_of=day), repair, note=note,
                     cost=cost)
    drifting = signals.filter(signals["looks_healthy_drifting"])["account_id"].to_list()
    own = account_events(table, drifting) if drifting else None
    return ReviewData(accounts, signals, list_continuity_gaps_on(table, as_of=day), themes,
                      engine.label, trap, activity=own, as_of=day)


def _open_store(url: str | None, workspace: str | None,
                go_on: bool) -> tuple[Store | None, str]:
    """Open the store the pack reads (given, else set, else the workspace's file if any).

    When it cannot be opened, refuse (exit 2) unless `go_on`; then return no store and why.
    """
    from playbooks.data.workspace import resolve_workspace
    from playbooks.store import Store, StoreError
    from playbooks.store.settings import STORE_FILE

    chosen = url or settings.database_url()
    if not chosen:
        file = resolve_workspace(workspace) / STORE_FILE
        if not file.exists():
            return None, ""
        chosen = f"sqlite:///{file.resolve()}"
    try:
        return Store(chosen, create=False), ""
    except StoreError as error:
        if not go_on:
            raise StoreError(f"{error.message}\nThe review pack would leave out the "
                             "self-assessment, the journey maps and the action plan, so "
                             "nothing was written. Start the database or correct the URL, or "
                             "pass --without-assessment to write the pack without them.") \
                from None
        return None, error.message
