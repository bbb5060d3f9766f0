"""Column mappings: which export column feeds which contract column, from a file or suggested."""

from __future__ import annotations

import csv
import difflib
import os
import re
from pathlib import Path

import yaml

from playbooks.data.contracts import Contract, load_contract
from playbooks.errors import InputError


def normalise_column(name: str) -> str:
    """Return a header as a contract would name it: lower case, runs of other characters as `_`."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def load_mapping(path: str | os.PathLike[str]) -> dict[str, str]:
    """Load a column mapping (export name -> contract name) from a YAML or CSV file.

    YAML: a mapping `Export Column: contract_column` (optionally under a `columns:` key).
    CSV: two columns with the header `export_column,contract_column`.
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: no such mapping file.")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{source.name}: the mapping file is not UTF-8 text.") from error
    if source.suffix.lower() == ".csv":
        rows = list(csv.reader(text.splitlines()))
        if not rows or [c.strip() for c in rows[0][:2]] != ["export_column", "contract_column"]:
            raise InputError(f"{source.name}: a CSV mapping needs the header "
                             "'export_column,contract_column'.")
        mapping = {}
        for number, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise InputError(f"{source.name}: line {number} needs exactly two filled "
                                 "columns: export_column,contract_column.")
            mapping[row[0].strip()] = row[1].strip()
        return mapping
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"{source.name}: not readable as YAML: {error}") from error
    if isinstance(data, dict) and set(data) == {"columns"}:
        data = data["columns"]
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in data.items()):
        raise InputError(f"{source.name}: a mapping file holds lines like "
                         "'Export Column: contract_column'.")
    return {k.strip(): v.strip() for k, v in data.items()}


def suggest_mapping(columns: list[str], contract: Contract | str, *,
                    cutoff: float = 0.75) -> dict[str, str]:
    """Suggest which export column feeds which contract column, by name similarity.

    Exact names win, then the contract's aliases, then the closest name by `difflib`; each
    contract column is used at most once. Columns with no good match are left out.
    """
    if isinstance(contract, str):
        contract = load_contract(contract)
    candidates: list[tuple[float, str, str]] = []
    for column in columns:
        wanted = normalise_column(column)
        for item in contract.fields:
            names = [normalise_column(item.name), normalise_column(item.business_name)]
            aliases = [normalise_column(a) for a in item.aliases]
            if wanted == names[0]:
                score = 3.0
            elif wanted in names or wanted in aliases:
                score = 2.0
            else:
                score = max(difflib.SequenceMatcher(None, wanted, n).ratio()
                            for n in names + aliases)
            if score >= cutoff:
                candidates.append((score, column, item.name))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _score, column, target in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if column in mapping or target in used:
            continue
        mapping[column] = target
        used.add(target)
    return {c: mapping[c] for c in columns if c in mapping}
