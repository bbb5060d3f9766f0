"""Commands over the input data: validate a file, import files, generate the demo workspace."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from playbooks.errors import InputError

_WORKSPACE_HELP = "Workspace folder (default: $PLAYBOOKS_WORKSPACE, else ./workspace)."


def register(app: typer.Typer) -> None:
    """Add `validate`, `import` and `demo` to the command line."""

    @app.command("validate")
    def validate_command(
        file: Annotated[Path, typer.Argument(help="CSV or Parquet file to check.")],
        contract: Annotated[
            str | None,
            typer.Option(
                "--contract",
                "-c",
                help="Contract name (accounts, activity, health_snapshots); "
                "default: from the file name.",
            ),
        ] = None,
        accounts: Annotated[
            Path | None,
            typer.Option(
                "--accounts",
                help="Accounts file to check account ids against "
                "(default: the workspace's accounts table).",
            ),
        ] = None,
        mapping: Annotated[
            Path | None, typer.Option("--mapping", help="Column mapping file (YAML or CSV).")
        ] = None,
        workspace: Annotated[
            str | None, typer.Option("--workspace", "-w", help=_WORKSPACE_HELP)
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        gx: Annotated[
            str, typer.Option("--gx", help="great-expectations cross-check: sample, full or off.")
        ] = "sample",
    ) -> None:
        """Check a file against its data contract: exit 0 valid, 1 invalid, 2 unreadable."""
        import polars as pl

        from playbooks.data.checks import referenced_tables
        from playbooks.data.contracts import load_contract
        from playbooks.data.workspace import (
            load_mapping,
            normalise_column,
            read_file,
            resolve_workspace,
            validate_file,
        )

        if gx not in {"sample", "full", "off"}:
            raise InputError(f"--gx must be sample, full or off, not '{gx}'.")
        chosen = load_contract(contract or normalise_column(file.stem))
        related = None
        if "accounts" in referenced_tables(chosen.rules):
            if accounts is not None:
                related = {"accounts": read_file(accounts, contract="accounts")}
            else:
                stored = resolve_workspace(workspace) / "accounts.parquet"
                if stored.exists():
                    related = {"accounts": pl.read_parquet(stored, columns=["account_id"])}
        report = validate_file(
            file, chosen, related=related, mapping=load_mapping(mapping) if mapping else None, gx=gx
        )
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
        else:
            typer.echo(report.to_text())
        raise typer.Exit(0 if report.valid else 1)

    @app.command("import")
    def import_command(
        files: Annotated[
            list[Path],
            typer.Argument(
                help="Files named after their tables (accounts.csv, activity.parquet, ...)."
            ),
        ],
        table: Annotated[
            str | None,
            typer.Option(
                "--table",
                "-t",
                help="Table of the file when importing one file whose name does not say it.",
            ),
        ] = None,
        mapping: Annotated[
            Path | None,
            typer.Option("--mapping", help="Column mapping file (YAML or CSV) for the file."),
        ] = None,
        workspace: Annotated[
            str | None, typer.Option("--workspace", "-w", help=_WORKSPACE_HELP)
        ] = None,
        replace_demo: Annotated[
            bool, typer.Option("--replace-demo", help="Replace the demo data in the workspace.")
        ] = False,
    ) -> None:
        """Check files against their contracts and swap them into the workspace, all or none."""
        from playbooks.data.workspace import (
            import_files,
            load_mapping,
            normalise_column,
            resolve_workspace,
        )

        if table and len(files) != 1:
            raise InputError(
                "--table applies to a single file; name files after their tables "
                "to import several at once."
            )
        if mapping and len(files) != 1:
            raise InputError(
                "--mapping applies to a single file; import files one by one to map each."
            )
        named = {(table or normalise_column(f.stem)): f for f in files}
        mappings = {next(iter(named)): load_mapping(mapping)} if mapping else None
        reports = import_files(named, workspace, mappings=mappings, replace_demo=replace_demo)
        folder = resolve_workspace(workspace)
        for report in reports:
            typer.echo(
                f"Imported {report.source} as {report.contract} "
                f"({report.rows:,} rows) into {folder}."
            )

    @app.command("demo")
    def demo_command(
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                help="Folder to write the demo workspace into (default: the workspace).",
            ),
        ] = None,
        accounts: Annotated[int, typer.Option("--accounts", help="Number of accounts.")] = 2_000,
        weeks: Annotated[int, typer.Option("--weeks", help="Weeks of history.")] = 104,
        seed: Annotated[
            int, typer.Option("--seed", help="Random seed; the same seed gives the same data.")
        ] = 7,
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of",
                help="Last day of the data, YYYY-MM-DD (default: the Monday on or before today).",
            ),
        ] = None,
        workspace: Annotated[
            str | None, typer.Option("--workspace", "-w", help=_WORKSPACE_HELP)
        ] = None,
        replace_data: Annotated[
            bool,
            typer.Option("--replace-data", help="Replace imported data in the folder."),
        ] = False,
    ) -> None:
        """Generate a complete demo workspace of a believable B2B software company."""
        from playbooks.data.workspace import resolve_workspace
        from playbooks.demo import generate_demo

        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError as error:
                raise InputError(
                    f"--as-of must be a date like 2026-03-02, not '{as_of}'."
                ) from error
        folder = out or resolve_workspace(workspace)
        result = generate_demo(folder, accounts=accounts, weeks=weeks, seed=seed, as_of=day,
                               protect_imported=not replace_data)
        typer.echo(
            f"Demo workspace written to {result.out_dir}: {result.accounts:,} accounts, "
            f"{result.events:,} events over {result.weeks} weeks up to {result.as_of}."
        )
