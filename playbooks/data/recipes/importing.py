"""Import exports with their recipes: recognise each file, convert it, import, save the matches.

`import_exports` is `playbooks.data.workspace.import_files` for files as tools export them.
Each file is given its recipe (`--recipe NAME` for every file, `FILE=NAME` for one, `FILE=none`
for the column matching; NAME may be a recipe file, `my_tool.yaml`), or the one shipped recipe
that recognises it; a Parquet file, a file with a
column mapping and a file no recipe fits are imported as before, by matching columns. A file
with a recipe is converted (`convert.convert_export`) into a temporary contract-shaped Parquet
in the workspace, imported into the recipe's source (unless `--source` says otherwise) with
the tool, recipe and original file recorded, and the account crosswalk is saved once the
import has succeeded. (The workspace cannot call recipes itself: the crosswalk store imports
the workspace, so this wrapper sits above both.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data.crosswalk import merge_crosswalk
from playbooks.data.crosswalk_store import load_crosswalk, save_crosswalk
from playbooks.data.import_safety import disk_errors, workspace_lock
from playbooks.data.mapping import normalise_column
from playbooks.data.recipes.answers import (
    Answers,
    recipe_from_answers,
    save_workspace_recipe,
    workspace_recipes,
)
from playbooks.data.recipes.catalogue import parse_recipe, shipped_recipes
from playbooks.data.recipes.convert import (
    TEMP_PREFIX,
    ConvertedExport,
    convert_export,
    workspace_accounts,
)
from playbooks.data.recipes.recognise import recognise
from playbooks.data.recipes.schema import Recipe
from playbooks.data.sources import Origin, default_source
from playbooks.data.workspace import (
    ImportRejected,
    ImportResult,
    import_files,
    read_file,
    resolve_workspace,
)
from playbooks.errors import InputError, PlaybooksError

NO_RECIPE = "none"
RECIPE_FILE_SUFFIXES = (".yaml", ".yml")
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".jsonl", ".json", ".ndjson", ".gz", ""}


@dataclass
class ExportsImport:
    """What `import_exports` did: the import's result, and per file the recipe used."""

    result: ImportResult
    converted: list[ConvertedExport] = field(default_factory=list)
    recipe_lines: list[str] = field(default_factory=list)

    def file_name(self, imported: str) -> str:
        """Return the export's own name for a file the import names (a converted copy)."""
        for converted in self.converted:
            if converted.path.name == imported:
                return converted.original_file
        return imported


def recipe_choices(
    files: Sequence[Path], given: Sequence[str | os.PathLike[str]]
) -> dict[Path, str]:
    """Turn --recipe values (NAME for every file, or FILE=NAME) into a recipe name per file.

    A path object (`Path("my_tool.yaml")`) is a recipe file for every file.
    """
    chosen: dict[Path, str] = {}
    by_name = {f.name: f for f in files} | {str(f): f for f in files}
    for given_value in given:
        value = os.fspath(given_value)
        if not isinstance(given_value, str):
            chosen |= {f: value for f in files if f not in chosen}
            continue
        file_part, _, name = value.rpartition("=")
        if not name.strip():
            raise InputError(f"--recipe takes NAME or FILE=NAME, not '{value}'.")
        if not file_part:
            chosen |= {f: name.strip() for f in files if f not in chosen}
        elif file_part in by_name:
            chosen[by_name[file_part]] = name.strip()
        else:
            raise InputError(f"--recipe {value}: {file_part} is not one of the files imported.")
    return chosen


def _recipe_for(
    path: Path, chosen: str | None, known: dict[str, Recipe], table: str | None, mapped: bool
) -> tuple[Recipe | None, str]:
    if chosen is not None:
        if chosen == NO_RECIPE:
            return None, ""
        if chosen.lower().endswith(RECIPE_FILE_SUFFIXES):
            recipe_file = Path(chosen)
            if not recipe_file.is_file():
                raise InputError(f"--recipe {chosen}: there is no such recipe file.")
            return parse_recipe(recipe_file), "chosen with --recipe"
        if chosen not in known:
            raise InputError(
                f"--recipe {chosen}: there is no such recipe; recipes are "
                f"{', '.join(known)} (or {NO_RECIPE} for column matching, or a recipe "
                "file such as my_tool.yaml)."
            )
        return known[chosen], "chosen with --recipe"
    if mapped or path.suffix.lower() not in _TEXT_SUFFIXES or not path.is_file():
        return None, ""
    match = recognise(path, known.values())
    if match is None or (table is not None and match.recipe.table != table):
        return None, ""
    return match.recipe, match.reason


def import_exports(
    files: Sequence[Path],
    workspace: str | os.PathLike[str] | None = None,
    *,
    recipes: Sequence[str | os.PathLike[str]] = (),
    table: str | None = None,
    origins: Mapping[Path, Origin] | None = None,
    mappings: dict[str, dict[str, str]] | None = None,
    answers: Mapping[Path, Answers] | None = None,
    save_recipes: Mapping[Path, str] | None = None,
    tables: Mapping[Path, str] | None = None,
    **options: Any,
) -> ExportsImport:
    """Import files as `import_files` does, each known tool's export through its recipe.

    Args:
        files: the files; a file without a recipe is named after its table (or `table`).
        recipes: --recipe values (NAME for every file, FILE=NAME for one, FILE=none); NAME
            may be a recipe file (`.yaml`), and a path object is a recipe file for every file.
        table: the table of every file, when given (a recipe for another table is refused).
        origins: per file, its --source (a recipe's own source is the default).
        answers: per file, the answers of the column matching step (`answers.Answers`): the
            file is read through the recipe they make.
        save_recipes: per answered file, the name to keep the recipe its answers make under,
            in the workspace (once the import has succeeded), so the next such export is
            recognised.
        tables: per file without a recipe, its table (else `table`, else its name says it).
        options: passed on to `import_files` (extend, replace_demo, gx, now).
    """
    folder = resolve_workspace(workspace)
    with workspace_lock(folder), disk_errors(folder):  # conversion, import, matches as one
        return _import_exports(files, folder, recipes, table, origins, mappings, answers,
                               save_recipes, tables, options)


def _import_exports(files: Sequence[Path], folder: Path,
                    recipes: Sequence[str | os.PathLike[str]], table: str | None,
                    origins: Mapping[Path, Origin] | None,
                    mappings: dict[str, dict[str, str]] | None,
                    answers: Mapping[Path, Answers] | None,
                    save_recipes: Mapping[Path, str] | None, tables: Mapping[Path, str] | None,
                    options: dict[str, Any]) -> ExportsImport:
    for stale in folder.glob(f"{TEMP_PREFIX}*"):  # converted copies a killed import left
        stale.unlink(missing_ok=True)
    shipped = shipped_recipes()
    known = shipped | workspace_recipes(folder)
    chosen = recipe_choices(files, recipes)
    given = dict(origins or {})
    made: dict[Path, Recipe] = {}
    saving = dict(save_recipes or {})
    for path, name in saving.items():
        if name in shipped:
            raise InputError(f"--save-recipe {name}: a shipped recipe has that name; choose "
                             "another.")
        if path not in (answers or {}):
            raise InputError(f"--save-recipe keeps the answers given for {path.name} "
                             "(--mapping); there are none.")
    for path, answered in (answers or {}).items():
        source = given[path].source if path in given else default_source(path, answered.table)
        made[path] = recipe_from_answers(answered, path, name=saving.get(path) or
                                         _answers_id(path), source=source)
    plan: list[tuple[Path, Recipe | None, str]] = []
    for path in files:
        if path in made:
            plan.append((path, made[path], "read with your answers"))
            continue
        recipe, reason = _recipe_for(path, chosen.get(path), known, table, bool(mappings))
        if recipe is not None and table is not None and recipe.table != table:
            raise InputError(
                f"{path.name}: the recipe {recipe.id} makes {recipe.table} rows, not {table}."
            )
        plan.append((path, recipe, reason))
    done = ExportsImport(ImportResult([], [], []))
    named: list[Path | tuple[str, Path]] = []
    merged: dict[Path, Origin] = {}
    accounts: pl.DataFrame | None = None
    order = {"accounts": 0, "health_snapshots": 1, "activity": 2}
    try:
        for path, recipe, reason in sorted(
            plan, key=lambda p: order.get(p[1].table if p[1] else "", -1)
        ):
            if recipe is None:
                chosen_table = (tables or {}).get(path) or table
                named.append((chosen_table, path) if chosen_table else path)
                if path in given:
                    merged[path] = given[path]
                if _is_accounts(path, chosen_table):
                    accounts = read_file(path, contract="accounts")
                continue
            if recipe.table != "accounts" and accounts is None:
                accounts = workspace_accounts(folder)
            converted = convert_export(path, recipe, folder=folder, accounts=accounts)
            done.converted.append(converted)
            if recipe.table == "accounts":
                accounts = pl.read_parquet(converted.path)
            origin = Origin(
                recipe.source, recipe.tool, recipe.id, path.name, converted.unmatched_reasons
            )
            if path in given:
                origin = replace(origin, source=given[path].source)
            merged[converted.path] = origin
            named.append((recipe.table, converted.path))
            line = f"{path.name}: {recipe.tool} (recipe {recipe.id})"
            if reason and reason not in ("chosen with --recipe", "read with your answers"):
                line += f": {reason}"
            line += _left_out(converted, recipe)
            done.recipe_lines.append(line + ".")
        try:
            done.result = import_files(named, folder, origins=merged, mappings=mappings,
                                       **options)
        except PlaybooksError as error:
            _name_exports_in(error, done.converted)
            raise
        saved = load_crosswalk(folder)
        resolved = [c.resolution for c in done.converted if c.resolution is not None]
        for resolution in resolved:
            saved = merge_crosswalk(saved, resolution)
        if resolved and saved is not None:
            save_crosswalk(saved, folder)
        for recipe in (made[p] for p in saving):
            path = save_workspace_recipe(recipe, folder, shipped)
            done.recipe_lines.append(f"Saved the recipe {recipe.id} in {path}: the next export "
                                     "of this shape is recognised by it.")
    finally:
        for converted in done.converted:
            converted.discard()
    return done


def _left_out(converted: ConvertedExport, recipe: Recipe) -> str:
    """Say which of the export's rows made no contract rows, and why."""
    said = ""
    skipped = converted.filtered_out + converted.no_event
    if skipped:
        said += (f"; {_rows(skipped)} of {converted.rows_in:,} "
                 f"{_verb(skipped, 'makes', 'make')} no {recipe.table} rows by the recipe's "
                 f"rules ({_rule_summary(recipe)})")
    if converted.unmatched:
        why = "; ".join(f"{r} ({n:,})" for r, n in converted.unmatched_reasons.items())
        said += (f"; {_rows(converted.unmatched)} made from it "
                 f"{_verb(converted.unmatched, 'names', 'name')} no known account and "
                 f"{_verb(converted.unmatched, 'was', 'were')} left out: {why} (see "
                 "`playbooks accounts matches`)")
    return said


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _verb(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _rule_summary(recipe: Recipe) -> str:
    """Name the export columns the recipe's filters and event conditions test."""
    tested = [c.column for c in recipe.filters]
    tested += [c.column for e in recipe.events for c in e.where]
    shown = ", ".join(dict.fromkeys(tested)) or "its conditions"
    return f"tested on {shown}; `playbooks recipes docs` says what they keep"


def _answers_id(path: Path) -> str:
    """Return a recipe id for answers not saved: `answers_` and the file's name."""
    return "answers_" + (normalise_column(path.stem) or "file")


def _name_exports_in(error: PlaybooksError, converted: Sequence[ConvertedExport]) -> None:
    """Name each export in a refused import's message by its own name, not its converted copy,
    and its failing rows by the export's own row numbers (1 = the first row after the header).
    """
    def rename(text: str) -> str:
        for item in converted:
            own = f"{item.original_file} (read with the recipe {item.recipe_id})"
            text = text.replace(str(item.path), item.path.name).replace(item.path.name, own)
        return text

    if isinstance(error, ImportRejected):
        by_name = {item.path.name: item for item in converted}
        for report in error.reports:
            item = by_name.get(Path(report.source).name)
            if item is None:
                continue
            report.source = item.path.name
            for result in report.results:
                for example in result.examples:
                    if isinstance(example.get("row"), int):
                        example["row"] = item.export_row(example["row"])
        error.problems = [r.to_text() for r in error.reports if not r.valid]
    error.message = rename(error.message)
    error.problems = [rename(problem) for problem in error.problems]
    error.args = (error.message,)


def _is_accounts(path: Path, table: str | None) -> bool:
    return (table or normalise_column(path.stem)) == "accounts"
