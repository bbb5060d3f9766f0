"""The `sources` command: where a workspace's rows came from, source by source."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from playbooks.commands.options import Workspace


def register(app: typer.Typer) -> None:
    """Add `sources` to the command line."""
    app.command("sources")(sources_command)


def sources_command(
    workspace: Workspace = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sources as JSON.")] = False,
) -> None:
    """List each source: tool, files and when, table, rows, dates, kinds, unmatched rows."""
    from playbooks.data.sources import describe_sources, read_sources, resolve_workspace

    folder = resolve_workspace(workspace)
    sources = read_sources(folder) if folder.is_dir() else []
    described = describe_sources(folder, sources)
    if as_json:
        typer.echo(json.dumps({"sources": described}, indent=2))
        return
    if not described:
        typer.echo(f"The workspace {folder} has no sources yet; import your exports with "
                   "`playbooks import` or create the demo with `playbooks demo`.")
        return
    typer.echo(f"Sources of the workspace {folder}:")
    for item, source in zip(described, sources, strict=True):
        typer.echo("")
        typer.echo(_headline(item, source.tool))
        for file in source.files:
            how = f" (read with the recipe {source.recipe})" if file.original_file else ""
            typer.echo(f"  file {file.original_file or file.name}{how}: imported "
                       f"{file.imported_at}")
        if item["kinds"]:
            typer.echo("  kinds: " + ", ".join(f"{k} {n:,}" for k, n in item["kinds"].items()))
        if item["unmatched"]:
            reasons = ", ".join(f"{r}: {n:,}" for r, n in item["unmatched_reasons"].items())
            typer.echo(f"  unmatched rows: {item['unmatched']:,} ({reasons})")


def _headline(item: dict[str, Any], tool_name: str | None) -> str:
    tool = f", tool {tool_name}" if tool_name else ""
    span = f", {item['first']} to {item['last']}" if item["first"] else ""
    return f"{item['source']} -> {item['table']}{tool}: {item['rows']:,} rows{span}"
