"""Where a workspace's rows came from: sources, their files and the manifest that lists them.

A table (accounts, activity, health snapshots) is the union of its sources: the help desk,
the chat tool, the community, product analytics, ... Each source of a table is one Parquet
file, `<workspace>/<table>/<source>.<hash>.parquet`, named after the hash of its bytes so a
new version never overwrites the file readers use. `<workspace>/sources.json`, the manifest,
lists every source: its table, tool, recipe, data file, the export files it came from (name,
size, sha256, imported_at) and what the import counted (rows, date range, rows per event kind,
rows not matched to an account and why). The manifest is the commit point of an import: the
new files are written first, then the manifest is replaced in one `os.replace`, then files no
source lists any more are removed; a killed import leaves only files the manifest does not
name, which the next import removes.

Two layouts come without a manifest or keep top-level files: a workspace made before sources
existed (`accounts.parquet`, `activity.parquet`, ... at the top) reads as the source `default`
of each table, and the demo writes its tables at the top as the source `demo`. Readers see one
Parquet file per source, so a workspace with one source per table reads exactly as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from playbooks import settings
from playbooks.data.source_stats import UNMATCHED_NO_ACCOUNT, source_stats
from playbooks.errors import InputError

__all__ = ["DEFAULT_SOURCE", "DEMO_MARKER", "DEMO_SOURCE", "MANIFEST", "TABLES",
           "UNMATCHED_NO_ACCOUNT", "MissingTables", "Origin", "Source", "SourceFile",
           "TableStatus", "WorkspaceStatus", "WorkspaceTables", "check_source_name",
           "default_source", "describe_sources", "file_record", "file_sha256", "load_tables",
           "read_sources", "remove_unlisted_files", "resolve_workspace", "scan_table",
           "source_rows", "source_stats", "workspace_status", "write_sources"]

MANIFEST = "sources.json"
DEMO_MARKER = "demo.json"
TABLES = ("accounts", "activity", "health_snapshots")
DEFAULT_SOURCE = "default"
DEMO_SOURCE = "demo"
_MAX_MANIFEST_BYTES = 16 * 1024 * 1024
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Origin:
    """Where one imported file came from.

    Args:
        source: the source it feeds (`helpdesk`, `chat`, ...): lower-case letters, digits,
            `_` and `-`. Importing into a source replaces (or with `extend`, adds to) that
            source's rows and no other source's.
        tool: the tool that exported it (`Zendesk`), shown by `playbooks sources`.
        recipe: the recipe that turned the export into contract rows, if one did.
        original_file: the export's own file name when the file imported is a converted copy
            (the name, size and hash recorded are then still those of the imported file).
        unmatched: rows of the export left out because they could not be matched to an
            account, counted by reason (free text, e.g. from the account crosswalk); recorded
            with the source beside the rows whose account is not in the accounts table.
    """

    source: str
    tool: str | None = None
    recipe: str | None = None
    original_file: str | None = None
    unmatched: Mapping[str, int] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class SourceFile:
    """One export file a source was built from."""

    name: str
    size: int
    sha256: str
    imported_at: str
    original_file: str | None = None


@dataclass(frozen=True)
class Source:
    """One source of one table, as the manifest records it (counts are None until known)."""

    source: str
    table: str
    path: str
    tool: str | None = None
    recipe: str | None = None
    files: tuple[SourceFile, ...] = ()
    data_sha256: str | None = None
    rows: int | None = None
    first: str | None = None
    last: str | None = None
    kinds: dict[str, int] | None = None
    unmatched: int | None = None
    unmatched_reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = [asdict(f) for f in self.files]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        files = tuple(SourceFile(**f) for f in data.get("files", ()))
        return cls(**{**data, "files": files})


def default_source(path: str | os.PathLike[str], table: str) -> str:
    """Return the source a file feeds when none is given: its name, or `default` when the
    file is named after its table (accounts.csv), as imports did before sources existed."""
    stem = re.sub(r"[^a-z0-9_-]+", "_", Path(path).stem.strip().lower()).strip("_-")
    if not stem or stem == table:
        return DEFAULT_SOURCE
    return stem[:64]


def check_source_name(name: str) -> str:
    """Return the source name, or raise InputError saying what a source name may hold."""
    if not _NAME.match(name):
        raise InputError(f"'{name}' is not a usable source name: use up to 64 lower-case "
                         "letters, digits, '_' or '-', starting with a letter or digit.")
    return name


def resolve_workspace(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the workspace folder: the given path, else $PLAYBOOKS_WORKSPACE, else ./workspace."""
    folder = Path(path).expanduser() if path else settings.workspace()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"The workspace {folder} is a file, not a folder.")
    return folder


def read_sources(folder: Path) -> list[Source]:
    """Return the workspace's sources: the manifest's, else the top-level tables present."""
    manifest = folder / MANIFEST
    if not manifest.exists():
        name = DEMO_SOURCE if (folder / DEMO_MARKER).exists() else DEFAULT_SOURCE
        return [Source(name, table, f"{table}.parquet") for table in TABLES
                if (folder / f"{table}.parquet").exists()]
    if manifest.stat().st_size > _MAX_MANIFEST_BYTES:
        raise InputError(f"{manifest}: larger than {_MAX_MANIFEST_BYTES // 2**20} MB; this is "
                         "not a workspace manifest.")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        sources = [Source.from_dict(item) for item in data["sources"]]
        for item in sources:
            where = Path(item.path)
            if where.is_absolute() or ".." in where.parts or item.table not in TABLES:
                raise ValueError(f"source '{item.source}' names {item.path} in {item.table}")
        return sources
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InputError(f"{manifest}: the workspace manifest is damaged ({error}); import "
                         "your exports into a new workspace folder.") from error


def write_sources(folder: Path, sources: Iterable[Source]) -> None:
    """Replace the manifest atomically (temporary file, fsync, os.replace)."""
    ordered = sorted(sources, key=lambda s: (TABLES.index(s.table), s.source))
    text = json.dumps({"version": 1, "sources": [s.to_dict() for s in ordered]}, indent=2)
    temp = folder / f".import-{uuid.uuid4().hex}.json"
    try:
        with temp.open("w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, folder / MANIFEST)
    finally:
        temp.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    """Return the sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_rows(folder: Path, source: Source | None) -> int:
    """Return a source's rows: as recorded, else from its Parquet metadata (0 for None)."""
    import pyarrow.parquet as pq

    if source is None:
        return 0
    if source.rows is not None:
        return source.rows
    return int(pq.ParquetFile(folder / source.path).metadata.num_rows)


def file_record(path: Path, origin: Origin | None, now: dt.datetime | None = None) -> SourceFile:
    """Describe an imported file: name, size, sha256, when, and the export it came from."""
    when = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    return SourceFile(path.name, path.stat().st_size, file_sha256(path), when,
                      origin.original_file if origin else None)


def remove_unlisted_files(folder: Path, sources: list[Source]) -> None:
    """Remove what killed imports left: temporary files and data files no source lists."""
    listed = {s.path for s in sources}
    for temp in folder.glob(".import-*"):
        temp.unlink(missing_ok=True)
    for table in TABLES:
        if (folder / table).is_dir():
            for path in (folder / table).glob("*"):
                name = f"{table}/{path.name}"
                if path.is_file() and (path.name.startswith(".import-") or
                                       (path.suffix == ".parquet" and name not in listed)):
                    path.unlink(missing_ok=True)


def describe_sources(folder: Path, sources: Sequence[Source] | None = None) -> list[dict[str, Any]]:
    """Return every source as `playbooks sources --json` prints it, counting what the
    manifest does not record (a legacy or demo workspace) from the files themselves."""
    sources = list(read_sources(folder) if sources is None else sources)
    ids: pl.Series | None = None
    accounts = [folder / s.path for s in sources if s.table == "accounts"]
    if accounts:
        ids = pl.concat([pl.scan_parquet(p).select("account_id") for p in accounts]) \
            .collect()["account_id"]
    described = []
    for item in sources:
        if item.rows is None:
            counted = source_stats(pl.scan_parquet(folder / item.path), item.table, ids)
            item = replace(item, **counted)
        described.append({
            "source": item.source, "tool": item.recipe or _slug(item.tool),
            "table": item.table, "rows": item.rows, "first": item.first, "last": item.last,
            "kinds": item.kinds if item.table == "activity" else None,
            "unmatched": item.unmatched or 0, "unmatched_reasons": dict(item.unmatched_reasons),
        })
    return described


def _slug(name: str | None) -> str | None:
    """Return a tool's name as an id (`Zendesk tickets` -> `zendesk_tickets`)."""
    if not name:
        return None
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or None


# --- what a workspace holds, and loading it ------------------------------------------------


@dataclass
class TableStatus:
    """One table of a workspace: its rows over every source, and the sources' names."""

    name: str
    exists: bool
    rows: int = 0
    last_import: dt.datetime | None = None
    sources: tuple[str, ...] = ()


@dataclass
class WorkspaceStatus:
    """What a workspace holds."""

    path: Path
    exists: bool
    is_demo: bool
    demo: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, TableStatus] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return any(t.exists for t in self.tables.values())


def workspace_status(path: str | os.PathLike[str] | None = None) -> WorkspaceStatus:
    """Report which tables and sources a workspace holds, rows, import times, demo or not."""
    folder = resolve_workspace(path)
    marker = folder / DEMO_MARKER
    demo: dict[str, Any] = {}
    if marker.exists():
        try:
            demo = json.loads(marker.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            demo = {"note": "demo marker present but unreadable"}
    sources = read_sources(folder) if folder.is_dir() else []
    is_demo = marker.exists() and any(s.source == DEMO_SOURCE for s in sources)
    status = WorkspaceStatus(folder, folder.is_dir(), is_demo, demo, sources=sources)
    for table in TABLES:
        mine = [s for s in sources if s.table == table and (folder / s.path).exists()]
        if not mine:
            status.tables[table] = TableStatus(table, False)
            continue
        rows = 0
        for item in mine:
            with contextlib.suppress(Exception):  # a damaged file counts as zero rows
                rows += source_rows(folder, item)
        times = [dt.datetime.fromisoformat(f.imported_at) for s in mine for f in s.files]
        times += [dt.datetime.fromtimestamp((folder / s.path).stat().st_mtime, dt.UTC)
                  for s in mine if not s.files]
        status.tables[table] = TableStatus(table, True, rows, max(times),
                                           tuple(s.source for s in mine))
    return status


class MissingTables(InputError):
    """A workspace lacks tables a command needs; `missing` names them."""

    def __init__(self, folder: Path, missing: Sequence[str]) -> None:
        self.folder = folder
        self.missing = tuple(missing)
        super().__init__(f"The workspace {folder} has no {' or '.join(self.missing)} table yet; "
                         "import your exports with `playbooks import` or create the demo with "
                         "`playbooks demo`.")


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


def scan_table(folder: Path, sources: Sequence[Source], table: str) -> pl.LazyFrame | None:
    """Return the union of a table's sources as one lazy frame (None when it has none)."""
    files = [folder / s.path for s in sources if s.table == table]
    for file in files:
        if not file.exists():
            raise InputError(f"The workspace manifest {folder / MANIFEST} lists {file}, which "
                             "is missing; import that source again.")
    if not files:
        return None
    if len(files) == 1:
        return pl.scan_parquet(files[0])
    return pl.concat([pl.scan_parquet(f) for f in files], how="diagonal_relaxed")


def load_tables(workspace: str | os.PathLike[str] | None = None, *,
                need_accounts: bool = True) -> WorkspaceTables:
    """Return lazy scans of a workspace's accounts, activity and health snapshots, each the
    union of its sources.

    The activity table is always needed, the accounts table unless `need_accounts` is False;
    the health snapshots are optional. Raises MissingTables (an InputError) naming the folder,
    the missing tables and how to create them.
    """
    folder = resolve_workspace(workspace)
    sources = read_sources(folder) if folder.is_dir() else []
    scans = {table: scan_table(folder, sources, table) for table in TABLES}
    needed = ("accounts", "activity") if need_accounts else ("activity",)
    missing = [table for table in needed if scans[table] is None]
    if missing:
        raise MissingTables(folder, missing)
    activity = scans["activity"]
    assert activity is not None
    return WorkspaceTables(folder, activity, scans["accounts"], scans["health_snapshots"])


def load_accounts(workspace: str | os.PathLike[str] | None = None) -> pl.LazyFrame:
    """Return a lazy scan of a workspace's accounts table, the union of its sources, whether
    or not the workspace holds the activity (it may live on an engine: PLAYBOOKS_ENGINE).

    Raises MissingTables when the workspace has no accounts table.
    """
    folder = resolve_workspace(workspace)
    accounts = scan_table(folder, read_sources(folder) if folder.is_dir() else [], "accounts")
    if accounts is None:
        raise MissingTables(folder, ["accounts"])
    return accounts


def load_health(workspace: str | os.PathLike[str] | None = None) -> pl.LazyFrame | None:
    """Return a lazy scan of a workspace's health snapshots, or None when it has none."""
    folder = resolve_workspace(workspace)
    return scan_table(folder, read_sources(folder) if folder.is_dir() else [],
                      "health_snapshots")
