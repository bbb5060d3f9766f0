"""The workspace folder: import exports into it atomically, say what it holds, load its tables.

A workspace holds one Parquet file per contract (`accounts.parquet`, `activity.parquet`,
`health_snapshots.parquet`), a `demo.json` marker when the data is the generated demo, and
whatever later features keep beside them (the assessment store). An import checks the file
against its contract while writing a temporary copy in the workspace, and only swaps it in
(`os.replace`) when every rule passed, so a failed import leaves the previous data untouched.
Reading an export is `playbooks.data.reading`'s job, column mappings `playbooks.data.mapping`'s;
their public functions are importable from here too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from playbooks import settings
from playbooks.data.checks import referenced_tables
from playbooks.data.conform import DTYPES
from playbooks.data.contracts import Contract, load_contract, load_contracts
from playbooks.data.mapping import load_mapping, normalise_column, suggest_mapping
from playbooks.data.reading import file_chunks, read_file
from playbooks.data.validation import DEFAULT_CHUNK_ROWS, ValidationReport, validate_chunks
from playbooks.errors import InputError, PlaybooksError

__all__ = ["DEMO_MARKER", "TABLES", "ImportRejected", "MissingTables", "TableStatus",
           "WorkspaceStatus", "WorkspaceTables", "file_chunks", "import_files", "load_mapping",
           "load_tables", "normalise_column", "read_file", "resolve_workspace",
           "suggest_mapping", "validate_file", "workspace_status"]

DEMO_MARKER = "demo.json"
TABLES = ("accounts", "activity", "health_snapshots")


class ImportRejected(PlaybooksError):
    """A file was read but broke its contract; nothing in the workspace changed."""

    exit_code = 1

    def __init__(self, message: str, reports: list[ValidationReport]) -> None:
        super().__init__(message, problems=[r.to_text() for r in reports if not r.valid])
        self.reports = reports


def resolve_workspace(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the workspace folder: the given path, else $PLAYBOOKS_WORKSPACE, else ./workspace."""
    folder = Path(path).expanduser() if path else settings.workspace()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"The workspace {folder} is a file, not a folder.")
    return folder


# --- importing --------------------------------------------------------------------------


def validate_file(path: str | os.PathLike[str], contract: Contract | str, *,
                  related: dict[str, pl.DataFrame] | None = None,
                  mapping: dict[str, str] | None = None, gx: str = "sample",
                  now: dt.datetime | None = None,
                  chunk_rows: int = DEFAULT_CHUNK_ROWS) -> ValidationReport:
    """Check a CSV or Parquet file against a contract, reading it in chunks."""
    if isinstance(contract, str):
        contract = load_contract(contract)
    chunks = file_chunks(path, mapping=mapping, contract=contract, chunk_rows=chunk_rows)
    return validate_chunks(chunks, contract, related=related, source=Path(path).name,
                           now=now, gx=gx)


def import_files(files: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]],
                 workspace: str | os.PathLike[str] | None = None, *,
                 mappings: dict[str, dict[str, str]] | None = None,
                 replace_demo: bool = False, gx: str = "sample",
                 now: dt.datetime | None = None) -> list[ValidationReport]:
    """Check files against their contracts and swap them into the workspace, all or nothing.

    Args:
        files: {table: path}, or a list of paths named after their tables (accounts.csv).
        mappings: per table, a column mapping (export name -> contract name).
        replace_demo: allow importing into a workspace holding demo data; the demo tables
            and marker are removed once the import succeeds.

    Raises ImportRejected (exit code 1) when a file breaks its contract and InputError when a
    file cannot be read; in both cases the workspace is left exactly as it was.
    """
    folder = resolve_workspace(workspace)
    known = load_contracts()
    jobs = _import_jobs(files, known)
    if (folder / DEMO_MARKER).exists() and not replace_demo:
        raise InputError(f"The workspace {folder} holds demo data. Import into another folder "
                         "(--workspace), or pass --replace-demo to replace the demo data.")
    folder.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[Path, Path]] = []
    try:
        reports = _check_into_temps(jobs, folder, known, temps, mappings or {}, gx, now)
        if not all(r.valid for r in reports):
            failed = [r.source for r in reports if not r.valid]
            verb = "breaks its contract" if len(failed) == 1 else "break their contracts"
            raise ImportRejected(f"Nothing was imported: {', '.join(failed)} {verb} "
                                 f"(the workspace {folder} is unchanged).", reports)
        for temp, final in temps:
            os.replace(temp, final)
        temps = []
        if (folder / DEMO_MARKER).exists():
            _remove_demo(folder, keep={c.name for c, _ in jobs})
    finally:
        for temp, _final in temps:
            temp.unlink(missing_ok=True)
    return reports


def _import_jobs(files: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]],
                 known: dict[str, Contract]) -> list[tuple[Contract, Path]]:
    """Pair each file with its contract, in the order tables must be imported."""
    for given in (files.values() if isinstance(files, Mapping) else files):
        if not Path(given).exists():
            raise InputError(f"{given}: no such file.")
    if isinstance(files, Mapping):
        jobs = [(known[_checked_table(t, known)], Path(p)) for t, p in files.items()]
    else:
        jobs = [(_table_for(Path(p), known), Path(p)) for p in files]
    order = {name: index for index, name in enumerate(TABLES)}
    jobs.sort(key=lambda job: order.get(job[0].name, 99))
    return jobs


def _check_into_temps(jobs: list[tuple[Contract, Path]], folder: Path,
                      known: dict[str, Contract], temps: list[tuple[Path, Path]],
                      mappings: dict[str, dict[str, str]], gx: str,
                      now: dt.datetime | None) -> list[ValidationReport]:
    """Check each file and write it to a temporary file in the workspace (listed in `temps`).

    A table other tables refer to (accounts) is checked first; once valid, the later files
    are checked against the new copy instead of the one in the workspace.
    """
    referenced = referenced_tables(r for c in known.values() for r in c.rules)
    related: dict[str, pl.DataFrame] = {}
    reports = []
    for contract, path in jobs:
        _gather_related(contract, path, folder, related)
        temp = folder / f".import-{contract.name}-{uuid.uuid4().hex}.parquet"
        temps.append((temp, folder / f"{contract.name}.parquet"))
        report = _validate_and_write(path, contract, temp, related,
                                     mappings.get(contract.name), gx, now)
        reports.append(report)
        if report.valid and contract.name in referenced:
            related[contract.name] = pl.read_parquet(temp)
    return reports


def _gather_related(contract: Contract, path: Path, folder: Path,
                    related: dict[str, pl.DataFrame]) -> None:
    """Add the tables the contract refers to from the workspace; refuse when one is absent."""
    needs = referenced_tables(contract.rules)
    for table in needs - set(related):
        existing = folder / f"{table}.parquet"
        if existing.exists() and not (folder / DEMO_MARKER).exists():
            related[table] = pl.read_parquet(existing)
    if needs - set(related):
        missing = ", ".join(sorted(needs - set(related)))
        raise InputError(f"{path.name}: import the {missing} table first (or in the "
                         f"same command), so its {contract.name} can be checked "
                         "against it.")


def _table_for(path: Path, known: dict[str, Contract]) -> Contract:
    name = normalise_column(path.stem)
    if name not in known:
        raise InputError(f"{path.name}: cannot tell which table this is; pass the table name "
                         f"(one of {', '.join(known)}).")
    return known[name]


def _checked_table(table: str, known: dict[str, Contract]) -> str:
    if table not in known:
        raise InputError(f"There is no table called '{table}'; tables are {', '.join(known)}.")
    return table


def _validate_and_write(path: Path, contract: Contract, temp: Path,
                        related: dict[str, pl.DataFrame], mapping: dict[str, str] | None,
                        gx: str, now: dt.datetime | None) -> ValidationReport:
    import pyarrow.parquet as pq

    writer: list[Any] = []
    order = contract.column_names

    def write(chunk: pl.DataFrame) -> None:
        for item in contract.fields:
            if item.name not in chunk.columns:
                chunk = chunk.with_columns(pl.lit(None, dtype=DTYPES[item.physical_type])
                                           .alias(item.name))
        extra = [c for c in chunk.columns if c not in order]
        table = chunk.select(order + extra).to_arrow()
        if not writer:
            writer.append(pq.ParquetWriter(temp, table.schema, compression="zstd"))
        writer[0].write_table(table.cast(writer[0].schema))

    chunks = file_chunks(path, mapping=mapping, contract=contract)
    try:
        report = validate_chunks(chunks, contract, related=related, source=path.name, now=now,
                                 gx=gx, on_chunk=write)
    finally:
        if writer:
            writer[0].close()
    return report


def _remove_demo(folder: Path, keep: set[str]) -> None:
    for table in TABLES:
        if table not in keep:
            (folder / f"{table}.parquet").unlink(missing_ok=True)
    (folder / "labels.csv").unlink(missing_ok=True)
    (folder / DEMO_MARKER).unlink(missing_ok=True)


# --- status and loading ---------------------------------------------------------------------


@dataclass
class TableStatus:
    """One table of a workspace."""

    name: str
    exists: bool
    rows: int = 0
    last_import: dt.datetime | None = None


@dataclass
class WorkspaceStatus:
    """What a workspace holds."""

    path: Path
    exists: bool
    is_demo: bool
    demo: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, TableStatus] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return any(t.exists for t in self.tables.values())


def workspace_status(path: str | os.PathLike[str] | None = None) -> WorkspaceStatus:
    """Report which tables a workspace holds, their row counts, import times, demo or not."""
    import pyarrow.parquet as pq

    folder = resolve_workspace(path)
    marker = folder / DEMO_MARKER
    demo: dict[str, Any] = {}
    if marker.exists():
        try:
            demo = json.loads(marker.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            demo = {"note": "demo marker present but unreadable"}
    status = WorkspaceStatus(folder, folder.is_dir(), marker.exists(), demo)
    for table in TABLES:
        file = folder / f"{table}.parquet"
        if not file.exists():
            status.tables[table] = TableStatus(table, False)
            continue
        try:
            rows = pq.ParquetFile(file).metadata.num_rows
        except Exception:  # noqa: BLE001 - a damaged file shows as zero rows
            rows = 0
        modified = dt.datetime.fromtimestamp(file.stat().st_mtime, dt.UTC)
        status.tables[table] = TableStatus(table, True, rows, modified)
    return status


class MissingTables(InputError):
    """A workspace lacks tables a command needs; `missing` names them."""

    def __init__(self, folder: Path, missing: Sequence[str]) -> None:
        self.folder = folder
        self.missing = tuple(missing)
        files = ", ".join(str(folder / f"{t}.parquet") for t in self.missing)
        super().__init__(f"The workspace {folder} has no {' or '.join(self.missing)} table yet "
                         f"({files}); import your exports with `playbooks import` or create "
                         "the demo with `playbooks demo`.")


@dataclass(frozen=True)
class WorkspaceTables:
    """Lazy scans of a workspace's tables: activity always, accounts and health when present."""

    folder: Path
    activity: pl.LazyFrame
    accounts_if_present: pl.LazyFrame | None = None
    health: pl.LazyFrame | None = None

    @property
    def accounts(self) -> pl.LazyFrame:
        """Return the accounts table, or raise MissingTables when the workspace has none."""
        if self.accounts_if_present is None:
            raise MissingTables(self.folder, ["accounts"])
        return self.accounts_if_present


def load_tables(workspace: str | os.PathLike[str] | None = None, *,
                need_accounts: bool = True) -> WorkspaceTables:
    """Return lazy scans of a workspace's accounts, activity and health snapshots.

    The activity table is always needed, the accounts table unless `need_accounts` is False;
    the health snapshots are optional. Raises MissingTables (an InputError) naming the folder,
    the missing tables and how to create them.
    """
    folder = resolve_workspace(workspace)
    files = {table: folder / f"{table}.parquet" for table in TABLES}
    needed = ("accounts", "activity") if need_accounts else ("activity",)
    missing = [table for table in needed if not files[table].exists()]
    if missing:
        raise MissingTables(folder, missing)
    scans = {table: pl.scan_parquet(file) for table, file in files.items() if file.exists()}
    return WorkspaceTables(folder, scans["activity"], scans.get("accounts"),
                           scans.get("health_snapshots"))
