"""`playbooks accounts matches|accept|reject`: review how exports' references became accounts.

When an export names accounts by something other than the account id (another system's id,
an email domain, a company name), the import resolves each reference through the account
crosswalk saved in the workspace (`crosswalk.parquet`). These commands list its matches and
record the user's decisions, which later imports reuse.

Exit codes: 0 done; 2 input that cannot be used (an unknown reference, a missing account,
an unreadable crosswalk).
"""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer

from playbooks.commands.options import Workspace
from playbooks.errors import InputError

_STATUS_HELP = "Show only one status: uncertain, unmatched or matched."
_KIND_HELP = "The kind of reference: id, email, domain, website or name."


def register(app: typer.Typer) -> None:
    """Add the `accounts` group (matches, accept, reject) to the command line."""
    accounts = typer.Typer(help="Review how exports' account references were matched.",
                           no_args_is_help=True)
    accounts.command("matches")(accounts_matches)
    accounts.command("accept")(accounts_accept)
    accounts.command("reject")(accounts_reject)
    app.add_typer(accounts, name="accounts")


def accounts_matches(
    workspace: Workspace = None,
    status: Annotated[str | None, typer.Option("--status", help=_STATUS_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as JSON.")] = False,
) -> None:
    """List the account matches of the workspace's crosswalk, uncertain and unmatched first."""
    import polars as pl

    from playbooks.data.crosswalk_store import STATUSES, crosswalk_path, load_crosswalk

    if status is not None and status not in STATUSES:
        raise InputError(f"--status must be uncertain, unmatched or matched, not '{status}'.")
    crosswalk = load_crosswalk(workspace)
    if crosswalk is None:
        if as_json:
            typer.echo("[]")
        else:
            typer.echo(f"No account matches yet ({crosswalk_path(workspace)} does not exist): "
                       "they are made when an import names accounts by another system's id, "
                       "an email domain or a company name.")
        return
    rows = crosswalk.with_status(status)
    if as_json:
        typer.echo(json.dumps(rows.to_dicts(), indent=2, default=str))
        return
    counts = crosswalk.table.group_by("status").agg(
        references=pl.len(), rows=pl.col("rows").sum())
    for item in counts.sort("status").iter_rows(named=True):
        noun = "reference" if item["references"] == 1 else "references"
        typer.echo(f"{item['status']}: {item['references']:,} {noun} "
                   f"({item['rows'] or 0:,} export rows)")
    for row in rows.iter_rows(named=True):
        target = row["account_id"] or "-"
        how = row["method"] or "-"
        score = f" {row['score']:.0f}" if row["score"] is not None else ""
        note = f"  ({row['reason']})" if row["reason"] else ""
        decided = f" [{row['decision']} by {row['decided_by']}]" if row["decision"] else ""
        typer.echo(f"{row['status']:<9} {row['ref_kind']} '{row['ref']}' -> {target} "
                   f"[{how}{score}]{decided}{note}")


def accounts_accept(
    ref_kind: Annotated[str, typer.Argument(help=_KIND_HELP)],
    ref: Annotated[str, typer.Argument(help="The reference as the export shows it.")],
    account: Annotated[str | None, typer.Option(
        "--account", help="Match it to this account id instead of the suggested one.")] = None,
    workspace: Workspace = None,
) -> None:
    """Accept a match (the suggested account, or --account): later imports reuse it."""
    _decide(ref_kind, ref, "accepted", account, workspace)


def accounts_reject(
    ref_kind: Annotated[str, typer.Argument(help=_KIND_HELP)],
    ref: Annotated[str, typer.Argument(help="The reference as the export shows it.")],
    workspace: Workspace = None,
) -> None:
    """Reject a suggested match: the reference stays unmatched on later imports."""
    _decide(ref_kind, ref, "rejected", None, workspace)


def _decide(ref_kind: str, ref: str, decision: str, account: str | None,
            workspace: str | None) -> None:
    import polars as pl

    from playbooks.data.crosswalk_store import (
        crosswalk_path,
        decide_match,
        load_crosswalk,
        save_crosswalk,
    )
    from playbooks.data.sources import read_sources, scan_table

    crosswalk = load_crosswalk(workspace)
    if crosswalk is None:
        raise InputError(f"There is no account crosswalk yet ({crosswalk_path(workspace)}); "
                         "import an export that names accounts first.")
    folder = crosswalk_path(workspace).parent
    stored = scan_table(folder, read_sources(folder), "accounts") if folder.is_dir() else None
    known = None
    if stored is not None:
        known = set(stored.select("account_id").collect()["account_id"])
    updated = decide_match(crosswalk, ref_kind, ref, decision, account_id=account,
                           by=getpass.getuser(), known_accounts=known)
    save_crosswalk(updated, workspace)
    row = updated.table.filter((pl.col("ref_kind") == ref_kind) & (pl.col("ref") == ref))
    if decision == "accepted":
        typer.echo(f"Accepted: {ref_kind} '{ref}' is account {row['account_id'][0]}.")
    else:
        typer.echo(f"Rejected: {ref_kind} '{ref}' stays unmatched.")
