"""The activity table on an engine: opened, checked against the activity contract, typed.

Only the contract's columns that the passes read are selected, so an engine with a columnar
store (Parquet, a warehouse) reads those columns and no others.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from playbooks.engines.connect import Engine, is_file_name
from playbooks.errors import InputError, mask_credentials
from playbooks.signals.inputs import ACTIVITY_COLUMNS

# The optional columns the passes read, with what stands in when a table has none.
OPTIONAL_COLUMNS = {"feature": "string", "automated": "boolean", "source_function": "string",
                    "channel": "string", "question_text": "string"}
TRUE_WORDS = ("true", "1", "yes", "y", "t")


def open_activity(con: Any, engine: Engine, where: str | Sequence[Path]) -> Any:
    """Return the activity table on the engine, typed and reduced to the columns read.

    `where` is a table name (`table` or `schema.table`), a file or glob the engine reads
    (Parquet or CSV), or a list of Parquet files (a workspace's sources). Raises InputError
    for a missing table or file, and for a table missing the contract's columns (named).
    """
    if not isinstance(where, str) and len(where) > 1 and engine.kind != "duckdb":
        import ibis

        # Several sources (their optional columns may differ): each read and typed, then one
        # table of them all; DuckDB reads them together, matching columns by name.
        return ibis.union(*(open_activity(con, engine, [path]) for path in where))
    table = _read(con, engine, where)
    missing = [c for c in ACTIVITY_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"the activity table {_name(where)} lacks the activity contract's "
                         f"columns: {', '.join(missing)}.")
    return typed(table)


def typed(table: Any) -> Any:
    """The contract's columns as the passes expect them: strings, a timestamp, a flag."""
    import ibis

    schema = table.schema()
    columns: dict[str, Any] = {}
    for name in ("account_id", "person_id", "actor_type", "kind"):
        columns[name] = table[name].cast("string")
    # A table the product did not import may say "Customer": every pass reads the one word.
    columns["actor_type"] = columns["actor_type"].lower()
    occurred = table["occurred_at"]
    columns["occurred_at"] = (occurred if schema["occurred_at"].is_timestamp()
                              else occurred.cast("timestamp"))
    for name, kind in OPTIONAL_COLUMNS.items():
        if name not in table.columns:
            columns[name] = ibis.null(kind)
        elif name == "automated" and schema[name].is_string():
            columns[name] = table[name].strip().lower().isin(TRUE_WORDS)
        else:
            columns[name] = table[name].cast(kind)
    return table.select(**columns)


def _read(con: Any, engine: Engine, where: str | Sequence[Path]) -> Any:
    if not isinstance(where, str):
        files = [str(p) for p in where]
        if engine.kind == "sql":
            raise InputError("a warehouse reads its own tables: give the activity table's "
                             "name with --activity-table (or PLAYBOOKS_ACTIVITY_TABLE).")
        return _guarded(lambda: con.read_parquet(files if len(files) > 1 else files[0],
                                                 **_union(engine)), where)
    if is_file_name(where):
        if engine.kind == "sql":
            raise InputError(f"a warehouse reads its own tables, not the file {where}: give "
                             "the activity table's name (table or schema.table).")
        if not any(c in where for c in "*?[") and not Path(where).exists():
            raise InputError(f"the activity file {where} does not exist.")
        if where.lower().endswith((".csv", ".csv.gz")):
            return _guarded(lambda: con.read_csv(where), where)
        return _guarded(lambda: con.read_parquet(where), where)
    schema, _, name = where.rpartition(".")
    return _guarded(lambda: con.table(name, database=schema or None), where)


def _union(engine: Engine) -> dict[str, Any]:
    """Read several sources as one table, their columns matched by name (DuckDB)."""
    return {"union_by_name": True} if engine.kind == "duckdb" else {}


def _guarded(read: Any, where: str | Sequence[Path]) -> Any:
    try:
        return read()
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - a table the engine cannot open
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"cannot open the activity table {_name(where)}: "
                         f"{mask_credentials(text)}") from None


def _name(where: str | Sequence[Path]) -> str:
    if isinstance(where, str):
        return repr(where)
    return "of the workspace" if len(where) != 1 else str(where[0])
