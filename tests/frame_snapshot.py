"""Readable snapshots of engine output: one JSON file per case under tests/snapshots/.

A snapshot holds a frame's columns, dtypes and every row, with values canonicalised so the file
is stable across polars versions (floats to 10 significant digits, dates in ISO format). A
test compares a fresh frame with its snapshot cell by cell; on a difference the assertion
message is a small table of the rows and columns that changed, old beside new. To accept an
intended change, run the test with PLAYBOOKS_UPDATE_SNAPSHOTS=1: it rewrites the files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import polars as pl

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE_ENV = "PLAYBOOKS_UPDATE_SNAPSHOTS"
MAX_LINES = 20
MAX_WIDTH = 28


def canonical_value(value: Any) -> Any:
    """One value as a snapshot stores it: floats to 10 significant digits, dates as ISO text."""
    if isinstance(value, float):
        return format(value, ".10g")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [canonical_value(v) for v in value]
    return value


def canonical_frame(frame: pl.DataFrame) -> dict[str, list[Any]]:
    """The frame as a snapshot stores it: columns, dtypes and rows of canonical values."""
    return {"columns": frame.columns, "dtypes": [str(t) for t in frame.dtypes],
            "rows": [[canonical_value(v) for v in row] for row in frame.iter_rows()]}


def write_snapshot(path: Path, snapshot: dict[str, list[Any]]) -> None:
    """Write a snapshot with one row per line, so a change shows as a small diff in git."""
    rows = ",\n".join(f"  {json.dumps(row, ensure_ascii=False)}" for row in snapshot["rows"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{{"columns": {json.dumps(snapshot["columns"])},\n'
                    f' "dtypes": {json.dumps(snapshot["dtypes"])},\n'
                    f' "rows": [\n{rows}\n ]}}\n', encoding="utf-8")


def read_snapshot(path: Path) -> dict[str, list[Any]]:
    """Read a snapshot written by `write_snapshot`."""
    return json.loads(path.read_text(encoding="utf-8"))


def assert_matches_snapshot(frame: pl.DataFrame, name: str) -> None:
    """Fail, with a table of what changed, unless the frame equals snapshot `name`."""
    path = SNAPSHOTS / f"{name}.json"
    new = canonical_frame(frame)
    if os.environ.get(UPDATE_ENV) == "1":
        write_snapshot(path, new)
        return
    assert path.exists(), f"no snapshot {path}; run with {UPDATE_ENV}=1 to write it"
    old = read_snapshot(path)
    problems = describe_changes(old, new)
    assert not problems, (f"{path.name} no longer matches the output:\n" + "\n".join(problems)
                          + f"\n(if the change is intended, rerun with {UPDATE_ENV}=1)")


def describe_changes(old: dict[str, list[Any]], new: dict[str, list[Any]]) -> list[str]:
    """Lines saying how `new` differs from `old`: columns, row count, then changed cells."""
    lines = []
    old_types = dict(zip(old["columns"], old["dtypes"], strict=True))
    new_types = dict(zip(new["columns"], new["dtypes"], strict=True))
    gone = [c for c in old["columns"] if c not in new_types]
    added = [c for c in new["columns"] if c not in old_types]
    if gone:
        lines.append(f"columns removed: {', '.join(gone)}")
    if added:
        lines.append(f"columns added: {', '.join(added)}")
    for column, dtype in new_types.items():
        if column in old_types and old_types[column] != dtype:
            lines.append(f"dtype of {column}: {old_types[column]} -> {dtype}")
    common = [c for c in new["columns"] if c in old_types]
    if [c for c in old["columns"] if c in new_types] != common:
        lines.append(f"column order: {old['columns']} -> {new['columns']}")
    if len(old["rows"]) != len(new["rows"]):
        lines.append(f"rows: {len(old['rows'])} -> {len(new['rows'])}")
    return lines + _cell_table(old, new, common)


def _cell_table(old: dict[str, list[Any]], new: dict[str, list[Any]], common: list[str]
                ) -> list[str]:
    """The changed cells of the rows both frames have, as an aligned table (old -> new)."""
    at_old = {c: i for i, c in enumerate(old["columns"])}
    at_new = {c: i for i, c in enumerate(new["columns"])}
    key = new["columns"][0] if new["columns"] else None
    changes = []
    for index, (before, after) in enumerate(zip(old["rows"], new["rows"], strict=False)):
        for column in common:
            if before[at_old[column]] != after[at_new[column]]:
                changes.append((str(index), _cell(after[0]) if key else "", column,
                                _cell(before[at_old[column]]), _cell(after[at_new[column]])))
    if not changes:
        return []
    rows = {change[0] for change in changes}
    columns = sorted({change[2] for change in changes}, key=common.index)
    header = ("row", key or "", "column", "old", "new")
    shown = [header, *changes[:MAX_LINES - 3]]
    widths = [max(len(line[i]) for line in shown) for i in range(len(header))]
    lines = [f"{len(changes)} cells differ in {len(rows)} rows and {len(columns)} columns "
             f"({', '.join(columns)}):"]
    lines += ["  ".join(part.ljust(width) for part, width in zip(line, widths, strict=True))
              .rstrip() for line in shown]
    if len(changes) > len(shown) - 1:
        lines.append(f"... and {len(changes) - (len(shown) - 1)} more")
    return lines


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_WIDTH else text[:MAX_WIDTH - 3] + "..."
