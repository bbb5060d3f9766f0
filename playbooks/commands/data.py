"""Commands over the input data: validate a file, import files, generate the demo workspace."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from playbooks.commands.options import Workspace
from playbooks.errors import InputError

if TYPE_CHECKING:
    from playbooks.data.contracts import Contract
    from playbooks.data.datetimes import DateOptions
    from playbooks.data.sources import Origin
    from playbooks.data.validation import ValidationReport

_DATE_FORMAT_HELP = ("COLUMN=FORMAT: read a date column in one format (YYYY-MM-DD, MM/DD/YYYY, "
                     "DD/MM/YYYY, DD.MM.YYYY, epoch-s, epoch-ms, serial, ... or a pattern such "
                     "as '%d %b %Y'); repeat for several columns.")
_TIMEZONE_HELP = ("Time zone of times written without an offset, e.g. Europe/Berlin "
                  "(default: UTC).")
_DECIMAL_COMMA_HELP = "Numbers are written with a decimal comma (1.234,5)."
DateFormats = Annotated[list[str] | None, typer.Option("--date-format", help=_DATE_FORMAT_HELP)]
Timezone = Annotated[str | None, typer.Option("--timezone", help=_TIMEZONE_HELP)]
DecimalComma = Annotated[bool, typer.Option("--decimal-comma", help=_DECIMAL_COMMA_HELP)]


def _date_options(date_format: list[str] | None, timezone: str | None,
                  decimal_comma: bool) -> DateOptions:
    """Turn `--date-format COLUMN=FORMAT`, `--timezone` and `--decimal-comma` into options."""
    from playbooks.data.datetimes import DateOptions

    formats = {}
    for given in date_format or []:
        column, sep, spec = given.partition("=")
        if not sep or not column.strip() or not spec.strip():
            raise InputError(f"--date-format takes COLUMN=FORMAT, e.g. occurred_at=DD/MM/YYYY; "
                             f"not '{given}'.")
        formats[column.strip()] = spec.strip()
    return DateOptions(formats=formats, timezone=timezone, decimal_comma=decimal_comma)


def _mapping_hints(report: ValidationReport, contract: Contract) -> list[str]:
    """Say which of the file's other columns look like its missing contract columns.

    Such a column is never renamed unasked; the user maps it (--mapping) if the hint is right.
    """
    from playbooks.data.mapping import suggest_mapping

    missing = {r.columns[0] for r in report.results if r.check == "type" and r.status == "not run"}
    found = suggest_mapping(report.extra_columns, contract)
    hints = [f"Column '{d.column}' looks like {d.target} ({d.reason}, {d.confidence:.0%}); "
             "if it is, map it: --mapping FILE with a line "
             f"'{d.column}: {d.target}'." for d in found.details.values()
             if d.target in missing]
    return hints


def source_origins(files: list[Path], given: list[str]) -> dict[Path, Origin]:
    """Turn --source values (NAME for every file, or FILE=NAME) into origins per file."""
    from playbooks.data.sources import Origin

    origins: dict[Path, Origin] = {}
    by_name = {f.name: f for f in files} | {str(f): f for f in files}
    for value in given:
        file_part, _, name = value.rpartition("=")
        if not file_part:
            origins |= {f: Origin(name) for f in files if f not in origins}
            continue
        if file_part not in by_name:
            raise InputError(f"--source {value}: {file_part} is not one of the files imported.")
        origins[by_name[file_part]] = Origin(name)
    return origins


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
        workspace: Workspace = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        gx: Annotated[
            str, typer.Option("--gx", help="great-expectations cross-check: sample, full or off.")
        ] = "sample",
        date_format: DateFormats = None,
        timezone: Timezone = None,
        decimal_comma: DecimalComma = False,
    ) -> None:
        """Check a file against its data contract: exit 0 valid, 1 invalid, 2 unreadable."""
        from playbooks.data.checks import referenced_tables
        from playbooks.data.contracts import load_contract
        from playbooks.data.datetimes import date_options
        from playbooks.data.sources import read_sources, scan_table
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
                folder = resolve_workspace(workspace)
                stored = (scan_table(folder, read_sources(folder), "accounts")
                          if folder.is_dir() else None)
                if stored is not None:
                    related = {"accounts": stored.select("account_id").collect()}
        with date_options(_date_options(date_format, timezone, decimal_comma)):
            report = validate_file(
                file, chosen, related=related, mapping=load_mapping(mapping) if mapping else None,
                gx=gx,
            )
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
        else:
            typer.echo(report.to_text())
            for hint in _mapping_hints(report, chosen):
                typer.echo(hint)
        raise typer.Exit(0 if report.valid else 1)

    @app.command("import")
    def import_command(
        files: Annotated[
            list[Path],
            typer.Argument(
                help="Files named after their tables (accounts.csv, activity.parquet, ...), "
                "or any name with --table."
            ),
        ],
        table: Annotated[
            str | None,
            typer.Option(
                "--table",
                "-t",
                help="Table of the files when their names do not say it (applies to every file).",
            ),
        ] = None,
        source: Annotated[
            list[str] | None,
            typer.Option(
                "--source",
                "-s",
                help="Source the files feed (helpdesk, chat, ...): NAME for every file, or "
                "FILE=NAME per file (repeat). Default: the file's name, or 'default' for a "
                "file named after its table.",
            ),
        ] = None,
        extend: Annotated[
            bool,
            typer.Option(
                "--extend",
                help="Add the rows to the source's rows (skipping rows it has) instead of "
                "replacing them.",
            ),
        ] = False,
        mapping: Annotated[
            Path | None,
            typer.Option("--mapping", help="Column mapping file (YAML or CSV) for the file; "
                         "in YAML it may also give fixed values (constants), value maps "
                         "(value_maps) and how rows name their account (account)."),
        ] = None,
        allow_orphans: Annotated[
            bool,
            typer.Option("--allow-orphans", help="Import new accounts even when rows of the "
                         "other tables would then name no account (refused otherwise)."),
        ] = False,
        save_recipe: Annotated[
            str | None,
            typer.Option("--save-recipe", help="Keep the --mapping answers as a recipe of the "
                         "workspace under this name (lower case, digits, _), so the next "
                         "export of this shape imports without them."),
        ] = None,
        recipe: Annotated[
            list[str] | None,
            typer.Option(
                "--recipe",
                "-r",
                help="Recipe of the files (see `playbooks recipes list`, or a recipe file such "
                "as my_tool.yaml): NAME for every file, or FILE=NAME per file (FILE=none: match "
                "columns). Default: the recipe that recognises the file, if any.",
            ),
        ] = None,
        workspace: Workspace = None,
        replace_demo: Annotated[
            bool, typer.Option("--replace-demo", help="Replace the demo data in the workspace.")
        ] = False,
        date_format: DateFormats = None,
        timezone: Timezone = None,
        decimal_comma: DecimalComma = False,
    ) -> None:
        """Check files against their contracts and swap them into their sources, all or none.

        Importing into a source replaces that source's rows (or adds to them with --extend)
        and never touches another source's.
        """
        from playbooks.data.datetimes import date_options
        from playbooks.data.recipes.answers import Answers, load_answers
        from playbooks.data.recipes.importing import import_exports
        from playbooks.data.recipes.schema import TABLES
        from playbooks.data.workspace import (
            load_mapping,
            normalise_column,
            resolve_workspace,
        )

        if mapping and len(files) != 1:
            raise InputError(
                "--mapping applies to a single file; import files one by one to map each."
            )
        target = table or normalise_column(files[0].stem)
        answers = load_answers(mapping, target) if mapping else None
        if answers is None and mapping and save_recipe:
            answers = Answers(target, columns=load_mapping(mapping))
        if answers is not None and target not in TABLES:
            raise InputError(f"{files[0].name}: say which table its rows are for with --table "
                             f"({', '.join(TABLES)}).")
        mappings = ({target: load_mapping(mapping)} if mapping and answers is None else None)
        if save_recipe and answers is None:
            raise InputError("--save-recipe keeps your answers for a file: give them with "
                             "--mapping FILE (columns, constants, value_maps, account).")
        origins = source_origins(files, source or [])
        with date_options(_date_options(date_format, timezone, decimal_comma)):
            done = import_exports(files, workspace, recipes=recipe or [], table=table,
                                  origins=origins, extend=extend, mappings=mappings,
                                  answers={files[0]: answers} if answers else None,
                                  save_recipes={files[0]: save_recipe} if save_recipe else None,
                                  replace_demo=replace_demo, allow_orphans=allow_orphans)
        result = done.result
        for line in done.recipe_lines:
            typer.echo(line)
        typer.echo(f"Imported into {resolve_workspace(workspace)}:")
        for change in result.changes:
            what = "unchanged" if not change.changed else (
                f"{change.rows_before:,} rows before, {change.rows_after:,} after")
            typer.echo(f"  {done.file_name(change.file)} -> source {change.source} "
                       f"({change.table}): {what}.")
        if result.untouched:
            kept = ", ".join(f"{name} ({table})" for table, name in result.untouched)
            typer.echo(f"Left untouched: {kept}.")
        from playbooks.results.prepare import prepare_after_change

        prepare_after_change(resolve_workspace(workspace), typer.echo)

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
        workspace: Workspace = None,
        replace_data: Annotated[
            bool,
            typer.Option("--replace-data", help="Replace imported data in the folder."),
        ] = False,
        automation_cost: Annotated[
            float | None,
            typer.Option(
                "--automation-cost",
                help="The cost automation has in the demo: the relative extra decline an "
                "account suffers at full exposure (after a judgment, reassurance or peer "
                "question meets automation alone, it asks that much less in that function), "
                "0 to 1; 0 = no cost (default: a moderate 0.3).",
            ),
        ] = None,
    ) -> None:
        """Generate a complete demo workspace of a believable B2B software company."""
        from playbooks.data.workspace import resolve_workspace
        from playbooks.demo import DEFAULT_AUTOMATION_COST, generate_demo

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
                               protect_imported=not replace_data,
                               automation_cost=DEFAULT_AUTOMATION_COST
                               if automation_cost is None else automation_cost)
        typer.echo(
            f"Demo workspace written to {result.out_dir}: {result.accounts:,} accounts, "
            f"{result.events:,} events over {result.weeks} weeks up to {result.as_of}; "
            f"planted automation cost {result.automation_cost:g} (demo.json)."
        )
        from playbooks.results.prepare import prepare_after_change

        prepare_after_change(result.out_dir, typer.echo)
