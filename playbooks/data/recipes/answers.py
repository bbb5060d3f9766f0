"""Answers about an export no recipe knows, turned into a recipe (and saved for next time).

For a file no shipped recipe recognises, the user says which export column feeds which
contract column (the column matching), and, where the file does not say it, fixed values for
every row (`kind: ticket_opened`, `actor_type: customer`), value maps (`Priority: {High: ...}`)
and how rows name their account (`account: {domain: Requester Email}`). `recipe_from_answers`
turns those answers into a recipe (`schema.Recipe`), so the file is read, checked and matched
to accounts exactly as a known tool's export is; `save_workspace_recipe` keeps it in the
workspace (`recipes/NAME.yaml`), where `import` recognises the next export of the same shape.

An answers file (YAML) is a column mapping with these keys:

    columns:          # export column -> contract column
      Submitted At: occurred_at
      Respondent: person_id
    constants:        # contract column -> the same value on every row
      kind: survey_response
      source_function: customer_success
    value_maps:       # export column -> {export value: contract value}
      Channel: {Web: help_center, Email: support_agent}
    account:          # how rows name their account (instead of an account_id column)
      domain: Respondent Email      # or id / alt_id / name: COLUMN

A person's column is kept only as a pseudonymous id (a hash), never as the address itself.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from playbooks.data.contracts import load_contract
from playbooks.data.recipes.catalogue import check_against_contract, parse_recipe
from playbooks.data.recipes.schema import ACCOUNT_REF_KINDS, Recipe
from playbooks.data.recipes.text_files import header_delimiter
from playbooks.errors import InputError, KnowledgeError
from playbooks.userfiles.limits import MAPPING, read_user_bytes
from playbooks.userfiles.structured import load_user_yaml

RECIPES_FOLDER = "recipes"
"""The workspace's own recipes: `<workspace>/recipes/NAME.yaml`."""
KEYS = ("columns", "constants", "value_maps", "account")
_DISTINCT_KINDS = 40  # at most this many kinds read from a kind column


@dataclass(frozen=True)
class Answers:
    """What the user said about one export: columns, fixed values, value maps, account."""

    table: str
    columns: Mapping[str, str] = field(default_factory=dict)  # export column -> contract
    constants: Mapping[str, Any] = field(default_factory=dict)
    value_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    account: tuple[str, str] | None = None  # (id | alt_id | domain | name, export column)


def load_answers(path: str | os.PathLike[str], table: str) -> Answers | None:
    """Read an answers file; None when it is a plain column mapping (renames only).

    Raises InputError naming the file and key of anything else.
    """
    source = Path(path)
    text = read_user_bytes(source, MAPPING).decode("utf-8-sig", errors="replace")
    data = load_user_yaml(text, f"{source.name}: not readable as YAML") \
        if source.suffix.lower() != ".csv" else None
    if not isinstance(data, dict) or not set(data) & {"constants", "value_maps", "account"}:
        return None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InputError(f"{source.name}: {unknown[0]}: not a key of an answers file; its keys "
                         f"are {', '.join(KEYS)}.")
    return Answers(
        table,
        columns=_text_map(data.get("columns"), source, "columns"),
        constants=_plain(data.get("constants"), source, "constants"),
        value_maps={column: _text_map(values, source, f"value_maps.{column}")
                    for column, values in _plain(data.get("value_maps"), source,
                                                 "value_maps").items()},
        account=_account(data.get("account"), source),
    )


def recipe_from_answers(answers: Answers, export: Path, *, name: str, source: str,
                        tool: str | None = None) -> Recipe:
    """Return the recipe the answers make for `export` (CSV, or JSON lines by its suffix).

    Raises InputError naming the answer that does not fit the contract or the file.
    """
    header = _header(export)
    fields = {f.name: f for f in load_contract(answers.table).fields}
    for column, target in answers.columns.items():
        if column not in header:
            raise InputError(f"columns.{column}: {export.name} has no column '{column}'; its "
                             f"columns are: {', '.join(header[:30])}.")
        if target not in fields:
            raise InputError(f"columns.{column}: '{target}' is not a column of the "
                             f"{answers.table} table; its columns are: {', '.join(fields)}.")
    by_target = {target: column for column, target in answers.columns.items()}
    columns: dict[str, Any] = {}
    for target, column in by_target.items():
        if target == "kind":
            continue
        if column in answers.value_maps:
            columns[target] = {"map": column}
        elif target == "person_id":
            columns[target] = {"hash": column}
        else:
            columns[target] = {"column": column}
    data: dict[str, Any] = {
        "id": name, "tool": tool or export.stem, "table": answers.table,
        "source": source,
        "written_from": f"the answers given for {export.name} in the column matching step",
        "description": f"Made from the answers given for {export.name}: which column feeds "
                       "which contract column, the fixed values and the value maps.",
        "recognise": {"all_columns": sorted({*answers.columns, *answers.value_maps,
                                             *([answers.account[1]] if answers.account else [])})},
        "read": _read_options(export, header),
        "value_maps": {column: {"values": dict(values)}
                       for column, values in answers.value_maps.items()},
    }
    if answers.account and "account_id" not in by_target:
        kind, column = answers.account
        ref: dict[str, Any] = {"kind": kind, "column": column}
        if kind == "domain":
            ref = {"kind": kind, "domain_of": column}
        data["account_refs"] = [ref]
    data["events"] = _events(answers, export, columns, by_target)
    try:
        recipe = Recipe.model_validate(data)
        check_against_contract(recipe, export.name)
    except KnowledgeError as error:
        raise InputError(f"{export.name}: the answers do not fit the {answers.table} table",
                         problems=[_in_answers(p) for p in error.problems]) from None
    except ValueError as error:
        raise InputError(f"{export.name}: the answers do not make a recipe: {error}") from None
    return recipe


def save_workspace_recipe(recipe: Recipe, workspace: Path, shipped: Mapping[str, Recipe]) -> Path:
    """Write `recipe` to `<workspace>/recipes/<id>.yaml` and return the path.

    Refuses a shipped recipe's id. The file is written to a temporary name and renamed into
    place, then read back through the recipe schema.
    """
    if recipe.id in shipped:
        raise InputError(f"--save-recipe {recipe.id}: a shipped recipe has that name; choose "
                         "another.")
    folder = workspace / RECIPES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{recipe.id}.yaml"
    temporary = folder / f".{recipe.id}.yaml.tmp"
    data = recipe.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    temporary.write_text("# Saved by playbooks import --save-recipe; edit it like any recipe.\n"
                         + yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                         encoding="utf-8")
    os.replace(temporary, path)
    parse_recipe(path)
    return path


def workspace_recipes(workspace: Path) -> dict[str, Recipe]:
    """Return the workspace's own recipes by id (none when it has no recipes folder)."""
    folder = workspace / RECIPES_FOLDER
    if not folder.is_dir():
        return {}
    return {recipe.id: recipe for recipe in
            (parse_recipe(path) for path in sorted(folder.glob("*.yaml")))}


def _events(answers: Answers, export: Path, columns: dict[str, Any],
            by_target: Mapping[str, str]) -> list[dict[str, Any]]:
    """One event per kind: the fixed kind, or one per value of the kind column."""
    constants = {k: v for k, v in answers.constants.items() if k != "kind"}
    base: dict[str, Any] = {"columns": columns, "constants": constants}
    if answers.table != "activity":
        return [base]
    if "event_id" in by_target:
        columns.pop("event_id", None)
        base["id_from"] = [by_target["event_id"]]
    else:  # no id in the file: the row's own values make it (the same row, the same id)
        base["id_from"] = sorted(by_target.values())
    if "kind" in answers.constants:
        return [{**base, "kind": str(answers.constants["kind"])}]
    column = by_target.get("kind")
    if column is None:
        raise InputError(f"{export.name}: say which kind of event its rows are: a fixed value "
                         "(constants: kind: ...) or the column that says it (columns).")
    values = _distinct(export, column)
    mapped = {k.strip().lower(): v for k, v in answers.value_maps.get(column, {}).items()}
    kinds: dict[str, list[str]] = {}
    for value in values:
        kinds.setdefault(mapped.get(value.strip().lower(), value.strip()), []).append(value)
    return [{**base, "kind": kind, "where": [{"column": column, "in": sorted(raw)}]}
            for kind, raw in sorted(kinds.items())]


def _in_answers(problem: str) -> str:
    """Name a problem by the answers' keys, not the keys of the recipe they made."""
    problem = re.sub(r"^events\[\d+\]\.kind", "kind (constants, or the kind column's value map)",
                     problem)
    return re.sub(r"^events\[\d+\]\.(columns|constants)\.", r"\1: ", problem)


def _header(export: Path) -> list[str]:
    if export.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return pl.scan_ndjson(export, infer_schema_length=1_000).collect_schema().names()
    with export.open(encoding="utf-8-sig", errors="replace") as handle:
        line = handle.readline()
    row = next(csv.reader([line.rstrip("\r\n")], delimiter=header_delimiter(line, ",")), [])
    return [c.strip() for c in row]


def _read_options(export: Path, header: list[str]) -> dict[str, Any]:
    if export.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return {"format": "jsonl"}
    with export.open("rb") as handle:
        head = handle.read(1 << 16)
    options: dict[str, Any] = {"format": "csv"}
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not merely a character cut at the end of the sample
            options["encoding"] = "windows-1252"
    first = head.decode("utf-8", errors="replace").splitlines()[0] if head else ""
    delimiter = header_delimiter(first, ",")
    if delimiter != ",":
        options["delimiter"] = delimiter
    return options


def _distinct(export: Path, column: str) -> list[str]:
    if export.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        frame = pl.scan_ndjson(export, infer_schema_length=1_000)
    else:
        with export.open(encoding="utf-8-sig", errors="replace") as handle:
            delimiter = header_delimiter(handle.readline(), ",")
        frame = pl.scan_csv(export, separator=delimiter, infer_schema=False,
                            encoding="utf8-lossy")
    values = (frame.select(pl.col(column).cast(pl.String).str.strip_chars()).drop_nulls()
              .unique().head(_DISTINCT_KINDS + 1).collect().to_series().to_list())
    if len(values) > _DISTINCT_KINDS:
        raise InputError(f"{export.name}: column '{column}' has more than {_DISTINCT_KINDS} "
                         "different values; a kind column holds a few (map them to kinds).")
    return [v for v in values if v]


def _text_map(value: object, source: Path, key: str) -> dict[str, str]:
    plain = _plain(value, source, key)
    bad = [k for k, v in plain.items() if not isinstance(v, str | int | float | bool)]
    if bad:
        raise InputError(f"{source.name}: {key}.{bad[0]}: expected a single value.")
    return {str(k).strip(): str(v).strip() for k, v in plain.items()}


def _plain(value: object, source: Path, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{source.name}: {key}: expected lines like 'name: value'.")
    return {str(k): v for k, v in value.items()}


def _account(value: object, source: Path) -> tuple[str, str] | None:
    plain = _plain(value, source, "account")
    if not plain:
        return None
    if len(plain) != 1 or next(iter(plain)) not in ACCOUNT_REF_KINDS:
        raise InputError(f"{source.name}: account: give one of {', '.join(ACCOUNT_REF_KINDS)} "
                         "with the export column, e.g. 'domain: Requester Email'.")
    kind, column = next(iter(plain.items()))
    return kind, str(column)
