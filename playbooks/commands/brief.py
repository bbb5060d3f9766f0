"""`playbooks brief ACCOUNT`: before anyone reaches out, what happened with the account across
every function since the last personal touch, and what to avoid.

Exit codes: 0 done; 2 an account the workspace does not know, or a workspace without data.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from playbooks.commands.options import AsOf, Workspace, parse_as_of
from playbooks.errors import InputError


def register(app: typer.Typer) -> None:
    """Add `brief` to the command line."""
    app.command("brief")(brief_command)


def brief_command(
    account: Annotated[str, typer.Argument(help="The account's id or its exact name.")],
    workspace: Workspace = None,
    as_of: AsOf = None,
    as_json: bool = typer.Option(False, "--json", help="Print the brief as JSON."),
) -> None:
    """Print one account's brief: tickets, escalations, questions and whether anyone answered,
    automated messages, people who went quiet and what to avoid, since the last personal
    touch."""
    import polars as pl

    from playbooks.data.workspace import load_tables
    from playbooks.signals.brief import account_brief
    from playbooks.vocabulary.activity import resolve_as_of

    tables = load_tables(workspace)
    accounts = tables.accounts.select("account_id", "name").collect()
    found = accounts.filter((pl.col("account_id") == account) | (pl.col("name") == account))
    if found.is_empty():
        raise InputError(f"No account with the id or name {account!r} in the workspace.")
    if found.height > 1:
        raise InputError(f"{found.height} accounts are named {account!r}; give the id instead: "
                         + ", ".join(found["account_id"].to_list()) + ".")
    account_id, name = found.row(0)
    day = resolve_as_of(tables.activity, parse_as_of(as_of))
    rows = tables.activity.filter(pl.col("account_id") == account_id).collect()
    brief = account_brief(rows, account_id, as_of=day, name=name)
    if as_json:
        typer.echo(json.dumps(brief.to_dict(), indent=2, ensure_ascii=False))
        return
    typer.echo(f"{brief.name} ({brief.account_id}), as of {day:%d %b %Y}")
    for line in brief.lines():
        typer.echo(("  " if not line.startswith("Since") else "") + line)
