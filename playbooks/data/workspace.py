"""Import exports into a workspace, source by source, all or nothing.

A workspace's tables are unions of sources (see `playbooks.data.sources` for the layout, the
manifest `sources.json` and how a workspace is read). An import checks each file against its
contract while writing it, as a temporary Parquet file, into its table's folder; merges it
with the source's rows when extending (skipping rows whose key the source has); names the
result after its hash; and, only when every file passed, replaces the manifest in one
`os.replace`: that is the commit point. Before it, readers still see the previous manifest's
files, untouched; a refused or killed import leaves only files no manifest lists, removed at
the next import. Files that only the previous manifest listed are removed after the commit.
The workspace is locked throughout (`import_safety`). One Parquet file per source keeps readers
fast and an import's cost proportional to the sources it touches. Reading an export is
`playbooks.data.reading`'s job, column mappings `playbooks.data.mapping`'s.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data import import_safety as safety
from playbooks.data.checks import referenced_tables
from playbooks.data.conform import DTYPES
from playbooks.data.contracts import Contract, load_contract, load_contracts
from playbooks.data.mapping import load_mapping, normalise_column, suggest_mapping
from playbooks.data.reading import file_chunks, read_file
from playbooks.data.sources import (
    DEMO_MARKER,
    DEMO_SOURCE,
    MANIFEST,
    TABLES,
    UNMATCHED_NO_ACCOUNT,
    MissingTables,
    Origin,
    Source,
    SourceFile,
    TableStatus,
    WorkspaceStatus,
    WorkspaceTables,
    check_source_name,
    default_source,
    describe_sources,
    file_record,
    file_sha256,
    load_tables,
    read_sources,
    remove_unlisted_files,
    resolve_workspace,
    source_rows,
    source_stats,
    workspace_status,
    write_sources,
)
from playbooks.data.validation import DEFAULT_CHUNK_ROWS, ValidationReport, validate_chunks
from playbooks.errors import InputError, PlaybooksError

__all__ = ["DEMO_MARKER", "KEYS", "TABLES", "ImportFiles", "ImportRejected", "ImportResult",
           "MissingTables", "Origin", "SourceChange", "TableStatus", "WorkspaceStatus",
           "WorkspaceTables", "describe_sources", "file_chunks", "import_files", "load_mapping",
           "load_tables", "normalise_column", "read_file", "read_sources", "resolve_workspace",
           "suggest_mapping", "validate_file", "workspace_status"]

ImportFiles = (Mapping[str, str | os.PathLike[str]]
               | Sequence[str | os.PathLike[str] | tuple[str, str | os.PathLike[str]]])
"""What `import_files` takes: {table: path}, or paths and (table, path) pairs."""

KEYS = {"accounts": ("account_id",), "activity": ("event_id",),
        "health_snapshots": ("account_id", "week")}
"""Per table, the columns that identify a row: extending a source skips rows it has."""


@dataclass(frozen=True)
class SourceChange:
    """What an import did to one source: its rows before and after, and whether it changed."""

    source: str
    table: str
    file: str
    rows_before: int
    rows_after: int
    changed: bool


@dataclass(frozen=True)
class ImportResult:
    """An import's reports (one per file; iterating yields them), what it did to each source
    it touched, and the (table, source) pairs it left untouched."""

    reports: list[ValidationReport]
    changes: list[SourceChange]
    untouched: list[tuple[str, str]]

    def __iter__(self) -> Iterator[ValidationReport]:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)


class ImportRejected(PlaybooksError):
    """A file was read but broke its contract; nothing in the workspace changed."""

    exit_code = 1

    def __init__(self, message: str, reports: list[ValidationReport]) -> None:
        super().__init__(message, problems=[r.to_text() for r in reports if not r.valid])
        self.reports = reports


def validate_file(path: str | os.PathLike[str], contract: Contract | str, *,
                  related: dict[str, pl.DataFrame] | None = None,
                  mapping: dict[str, str] | None = None, gx: str = "sample",
                  now: dt.datetime | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS
                  ) -> ValidationReport:
    """Check a CSV or Parquet file against a contract, reading it in chunks."""
    if isinstance(contract, str):
        contract = load_contract(contract)
    chunks = file_chunks(path, mapping=mapping, contract=contract, chunk_rows=chunk_rows)
    return validate_chunks(chunks, contract, related=related, source=Path(path).name,
                           now=now, gx=gx)


def import_files(files: ImportFiles, workspace: str | os.PathLike[str] | None = None, *,
                 origins: Mapping[Path, Origin] | Mapping[str, Origin] | None = None,
                 extend: bool = False, mappings: dict[str, dict[str, str]] | None = None,
                 replace_demo: bool = False, gx: str = "sample",
                 now: dt.datetime | None = None, allow_orphans: bool = False) -> ImportResult:
    """Check files against their contracts and swap them into their sources, all or nothing.

    Args:
        files: {table: path}; or a list of paths named after their tables (accounts.csv)
            and of (table, path) pairs, so one table can take several files.
        origins: per file path, where it came from (`Origin`); a file without one feeds the
            source named after the file (`default` for a file named after its table).
        extend: add the rows to the source's rows instead of replacing them, skipping rows
            whose key (event_id; account_id; account_id and week) the source already has.
        mappings: per table, a column mapping (export name -> contract name).
        replace_demo: allow importing into a workspace holding demo data; the demo's
            sources and marker are removed once the import succeeds.
        allow_orphans: import new accounts even if other tables' rows then name none.

    Only the sources named are touched. Returns an ImportResult (iterating it yields the
    validation reports). Raises ImportRejected (exit code 1) when a file breaks its contract
    and InputError when a file cannot be read; in both cases the workspace is left exactly
    as it was.
    """
    folder = resolve_workspace(workspace)
    known = load_contracts()
    jobs = _import_jobs(files, known, {Path(k): v for k, v in (origins or {}).items()})
    with safety.workspace_lock(folder), safety.disk_errors(folder):
        return _import_locked(jobs, folder, mappings or {}, extend, replace_demo, gx, now,
                              allow_orphans)


def _import_locked(jobs: list[tuple[Contract, Path, Origin]], folder: Path,
                   mappings: dict[str, dict[str, str]], extend: bool, replace_demo: bool,
                   gx: str, now: dt.datetime | None, allow_orphans: bool) -> ImportResult:
    current = read_sources(folder) if folder.is_dir() else []
    demo = (folder / DEMO_MARKER).exists() and any(s.source == DEMO_SOURCE for s in current)
    if demo and not replace_demo:
        raise InputError(f"The workspace {folder} holds demo data. Import into another folder "
                         "(--workspace), or pass --replace-demo to replace the demo data.")
    folder.mkdir(parents=True, exist_ok=True)
    remove_unlisted_files(folder, current)
    safety.remove_stale_demo_files(folder, current)
    planned = {(s.table, s.source): s for s in current if not (demo and s.source == DEMO_SOURCE)}
    created: list[Path] = []
    committed = False
    try:
        reports, changes = _import_into(jobs, folder, planned, created, mappings,
                                        extend, gx, now)
        if not all(r.valid for r in reports):
            failed = [r.source for r in reports if not r.valid]
            verb = "breaks its contract" if len(failed) == 1 else "break their contracts"
            raise ImportRejected(f"Nothing was imported: {', '.join(failed)} {verb} "
                                 f"(the workspace {folder} is unchanged).", reports)
        if not allow_orphans:
            safety.refuse_orphans(folder, current, planned)
        safety.fault_point("data-written")
        if demo or not (folder / MANIFEST).exists() or \
                planned != {(s.table, s.source): s for s in current}:
            write_sources(folder, planned.values())
        committed = True
        safety.fault_point("manifest-written")
    finally:
        for path in created:
            if not committed or path.name.startswith(".import-"):
                path.unlink(missing_ok=True)
        for table in TABLES:
            if not committed and (folder / table).is_dir() and \
                    not any((folder / table).iterdir()):
                (folder / table).rmdir()
    listed = {s.path for s in planned.values()}
    for old in current:
        if old.path not in listed:
            (folder / old.path).unlink(missing_ok=True)
    safety.fault_point("old-files-removed")
    if demo:
        (folder / "labels.csv").unlink(missing_ok=True)
        (folder / DEMO_MARKER).unlink(missing_ok=True)
    touched = {(c.table, c.source) for c in changes}
    return ImportResult(reports, changes, [key for key in planned if key not in touched])


def _import_jobs(files: ImportFiles, known: dict[str, Contract],
                 origins: dict[Path, Origin]) -> list[tuple[Contract, Path, Origin]]:
    """Pair each file with its contract and origin, in the order tables must be imported."""
    pairs: list[tuple[str | None, Path]] = []
    if isinstance(files, Mapping):
        pairs = [(_checked_table(t, known), Path(p)) for t, p in files.items()]
    else:
        for given in files:
            if isinstance(given, tuple):
                pairs.append((_checked_table(given[0], known), Path(given[1])))
            else:
                pairs.append((None, Path(given)))
    jobs = []
    for table, path in pairs:
        if not path.exists():
            raise InputError(f"{path}: no such file.")
        contract = known[table] if table else _table_for(path, known)
        origin = origins.get(path) or Origin(default_source(path, contract.name))
        check_source_name(origin.source)
        jobs.append((contract, path, origin))
    order = {name: index for index, name in enumerate(TABLES)}
    jobs.sort(key=lambda job: order.get(job[0].name, 99))
    return jobs


def _import_into(jobs: list[tuple[Contract, Path, Origin]], folder: Path,
                 planned: dict[tuple[str, str], Source], created: list[Path],
                 mappings: dict[str, dict[str, str]], extend: bool, gx: str,
                 now: dt.datetime | None) -> tuple[list[ValidationReport], list[SourceChange]]:
    """Check each file into a new data file of its source, updating `planned` as it goes.

    Several files into one source in one import add up (the first replaces the source's
    rows unless `extend`). A table other tables refer to (accounts) is checked first; later
    files are checked against the planned union of its sources, new ones included. New data
    files are listed in `created` (so a refused import can remove them); the manifest is not
    written here.
    """
    reports, changes = [], []
    filled: set[tuple[str, str]] = set()  # sources an earlier file of this import fed
    for contract, path, origin in jobs:
        table = contract.name
        related = _gather_related(contract, path, folder, planned)
        (folder / table).mkdir(exist_ok=True)
        temp = folder / table / f".import-{uuid.uuid4().hex}.parquet"
        created.append(temp)
        report = _validate_and_write(path, contract, temp, related, mappings.get(table),
                                     gx, now)
        reports.append(report)
        if not report.valid:
            continue
        old = planned.get((table, origin.source))
        before = source_rows(folder, old)
        adding = extend or (table, origin.source) in filled
        data = _merged(folder, old, temp, table, created) if adding and old else temp
        _refuse_shared_keys(folder, planned, table, origin.source, data, path)
        record = file_record(path, origin, now)
        ids = related["accounts"]["account_id"] if "accounts" in related else None
        entry = _entry(folder, old, data, origin, table, record, adding, ids, created)
        planned[(table, origin.source)] = entry
        filled.add((table, origin.source))
        changes.append(SourceChange(origin.source, table, path.name, before, entry.rows or 0,
                                    entry != old))
    return reports, changes


def _entry(folder: Path, old: Source | None, data: Path, origin: Origin, table: str,
           record: SourceFile, extend: bool, ids: pl.Series | None,
           created: list[Path]) -> Source:
    """Return the source's new manifest entry; the old one unchanged when its data is."""
    digest = file_sha256(data)
    if old is not None and (old.data_sha256 or file_sha256(folder / old.path)) == digest:
        known_files = {f.sha256 for f in old.files}
        files = (old.files if record.sha256 in known_files
                 else (*old.files, record) if extend else (record,))
        rows = old.rows if old.rows is not None else source_rows(folder, old)
        return replace(old, files=files, data_sha256=digest, rows=rows,
                       tool=origin.tool or old.tool, recipe=origin.recipe or old.recipe)
    final = folder / table / f"{origin.source}.{digest[:16]}.parquet"
    if final.exists():
        data.unlink()
    else:
        os.replace(data, final)
        created.append(final)
    stats = source_stats(pl.scan_parquet(final), table, ids)
    reasons = Counter(stats["unmatched_reasons"]) + Counter(origin.unmatched)
    if extend and old:
        reasons += Counter({k: n for k, n in old.unmatched_reasons.items()
                            if k != UNMATCHED_NO_ACCOUNT})
    stats |= {"unmatched": sum(reasons.values()),
              "unmatched_reasons": dict(sorted(reasons.items()))}
    files = (*old.files, record) if extend and old else (record,)
    return Source(origin.source, table, final.relative_to(folder).as_posix(),
                  origin.tool or (old.tool if old else None),
                  origin.recipe or (old.recipe if old else None), files, digest, **stats)


def _merged(folder: Path, old: Source, temp: Path, table: str, created: list[Path]) -> Path:
    """Return the source's rows plus the new rows whose key it lacks (its own file if none)."""
    keys = list(KEYS[table])
    existing = pl.scan_parquet(folder / old.path)
    fresh = pl.scan_parquet(temp).join(existing.select(keys), on=keys, how="anti",
                                       maintain_order="left")
    if fresh.select(pl.len()).collect().item() == 0:
        return folder / old.path
    merged = temp.with_name(f".import-{uuid.uuid4().hex}.parquet")
    created.append(merged)
    pl.concat([existing, fresh], how="diagonal_relaxed").sink_parquet(merged,
                                                                      compression="zstd")
    return merged


def _refuse_shared_keys(folder: Path, planned: dict[tuple[str, str], Source], table: str,
                        source: str, data: Path, path: Path) -> None:
    """Refuse rows whose key another source of the table already holds: the union would
    count them twice (an account listed by two sources, an event imported under two names)."""
    keys = list(KEYS[table])
    new = pl.scan_parquet(data).select(keys)
    for (other_table, other), entry in planned.items():
        if other_table != table or other == source:
            continue
        shared = new.join(pl.scan_parquet(folder / entry.path).select(keys), on=keys,
                          how="semi").collect()
        if shared.height:
            examples = ", ".join("/".join(str(v) for v in row)
                                 for row in shared.head(3).rows())
            raise InputError(f"{path.name}: the source '{other}' of the {table} table already "
                             f"holds {shared.height:,} rows of it, by {' and '.join(keys)} "
                             f"(e.g. {examples}); import the file into '{other}' "
                             f"(--source {other}, with --extend to add to it), or remove "
                             "those rows.")


def _gather_related(contract: Contract, path: Path, folder: Path,
                    planned: dict[tuple[str, str], Source]) -> dict[str, pl.DataFrame]:
    """Return the tables the contract refers to, as planned; refuse when one is absent."""
    related = {}
    for table in sorted(referenced_tables(contract.rules)):
        files = [folder / s.path for s in planned.values() if s.table == table]
        if not files:
            raise InputError(f"{path.name}: import the {table} table first (or in the "
                             f"same command), so its {contract.name} can be checked "
                             "against it.")
        related[table] = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
    return related


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
