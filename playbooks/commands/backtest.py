"""The backtest command: fit the score to the workspace's own history and print its card."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from playbooks.commands.options import AsOf, Workspace, parse_as_of
from playbooks.commands.signals import AccountsFile, ActivityFile, read_tables


def register(app: typer.Typer) -> None:
    """Add `backtest` to the command line."""
    app.command("backtest")(backtest_command)


def backtest_command(
    workspace: Workspace = None,
    accounts: AccountsFile = None,
    activity: ActivityFile = None,
    as_of: AsOf = None,
    horizon_weeks: Annotated[int | None, typer.Option(
        "--horizon-weeks", help="Weeks after each cut-off in which an account doing nothing "
                                "counts as going quiet (default: 12 or 26, from the data's "
                                "own pace).")] = None,
    as_json: bool = typer.Option(False, "--json", help="Print the card as JSON."),
) -> None:
    """Fit the disengagement score to past cut-offs and show how well it, days since the last
    activity and the health score predicted who went quiet. The fitted score and the card are
    saved in the workspace, where `playbooks signals` and the app use them."""
    from playbooks.data.workspace import resolve_workspace
    from playbooks.signals.card import backtest_card, save_card
    from playbooks.signals.learn import data_key, fit_history
    from playbooks.signals.score_model import save_model
    from playbooks.vocabulary.activity import as_of_date

    day = parse_as_of(as_of)
    tables = read_tables(workspace, accounts, activity)
    history = fit_history(tables["accounts"], tables["activity"], as_of=day,
                          horizon_weeks=horizon_weeks, health=tables.get("health"))
    card = backtest_card(history)
    folder: Path | None = resolve_workspace(workspace) if activity is None else None
    if folder is not None:
        resolved = as_of_date(tables["activity"], day)
        model = history.model
        key = data_key(tables["accounts"], tables["activity"], resolved)
        if horizon_weeks is None:  # the saved score is the one with the default horizon
            save_model(replace(model, fitted={**model.fitted, "key": key}), folder)
        save_card(card, folder)
    if as_json:
        typer.echo(json.dumps(card.to_dict(), indent=2))
        return
    typer.echo(card.to_text())
    if folder is not None:
        typer.echo(f"\nSaved the score and this card in {folder}.")
