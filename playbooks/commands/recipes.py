"""Commands over tool recipes: list the shipped ones, check a company's own, write the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from playbooks.commands.options import Workspace
from playbooks.errors import InputError


def register(app: typer.Typer) -> None:
    """Add `recipes list`, `recipes check` and `recipes docs` to the command line."""
    recipes = typer.Typer(
        help="Tool recipes: how known tools' exports become contract rows.", no_args_is_help=True
    )
    recipes.command("list")(list_recipes)
    recipes.command("check")(check_recipe)
    recipes.command("docs")(recipes_docs)
    app.add_typer(recipes, name="recipes")


def list_recipes(workspace: Workspace = None) -> None:
    """List the shipped recipes and the workspace's own: name, tool, table and source."""
    from playbooks.data.recipes.answers import workspace_recipes
    from playbooks.data.recipes.catalogue import shipped_recipes
    from playbooks.data.sources import resolve_workspace

    shipped = shipped_recipes()
    own = workspace_recipes(resolve_workspace(workspace))
    width = max(len(r) for r in [*shipped, *own])
    for recipe in shipped.values():
        typer.echo(
            f"{recipe.id:<{width}}  {recipe.tool} -> {recipe.table} (source {recipe.source})"
        )
    for recipe in own.values():
        typer.echo(f"{recipe.id:<{width}}  {recipe.tool} -> {recipe.table} (source "
                   f"{recipe.source}; this workspace's own recipe)")


def check_recipe(
    file: Annotated[Path, typer.Argument(help="The recipe (YAML) to check.")],
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="An export to run the recipe on; prints the rows per kind and the first rows.",
        ),
    ] = None,
) -> None:
    """Check a recipe file (keys, kinds, columns); with --export, show what it makes of one."""
    from playbooks.data.recipes.catalogue import parse_recipe
    from playbooks.data.recipes.engine import convert_rows
    from playbooks.data.recipes.recognise import fits

    if not file.is_file():
        raise InputError(f"{file}: no such file.")
    recipe = parse_recipe(file)
    typer.echo(f"{file}: the recipe {recipe.id} ({recipe.tool} -> {recipe.table}) is valid.")
    if export is None:
        return
    with export.open("rb") as handle:
        reason = fits(handle.read(1 << 16), recipe)
    typer.echo(
        f"{export.name}: "
        + (
            f"recognised: {reason}."
            if reason
            else "not recognised by the recipe's `recognise` block."
        )
    )
    rows = convert_rows(export, recipe)
    typer.echo(f"{export.name}: {rows.height:,} rows.")
    if "kind" in rows.columns:
        for kind, count in sorted(rows.group_by("kind").len().iter_rows()):
            typer.echo(f"  {kind}: {count:,}")
    typer.echo(str(rows.head(5)))


def recipes_docs(
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of printing.")
    ] = None,
) -> None:
    """Print (or write) the recipes reference page generated from the schema and recipes."""
    from playbooks.data.recipes.catalogue import shipped_recipes
    from playbooks.data.recipes.docs import render_recipes_markdown

    text = render_recipes_markdown(shipped_recipes().values())
    if out is None:
        typer.echo(text, nl=False)
        return
    if out.is_dir():
        raise InputError(f"{out}: is a folder; give a file name such as docs/recipes.md")
    out.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {out}")
