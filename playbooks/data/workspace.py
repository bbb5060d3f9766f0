"""The workspace folder: read exports robustly, map their columns, import them atomically.

A workspace holds one Parquet file per contract (`accounts.parquet`, `activity.parquet`,
`health_snapshots.parquet`), a `demo.json` marker when the data is the generated demo, and
whatever later features keep beside them (the assessment store). An import checks the file
against its contract while writing a temporary copy in the workspace, and only swaps it in
(`os.replace`) when every rule passed, so a failed import leaves the previous data untouched.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from playbooks import settings
from playbooks.data.contracts import Contract, load_contract, load_contracts
from playbooks.data.validation import DEFAULT_CHUNK_ROWS, ValidationReport, validate_chunks
from playbooks.errors import InputError, PlaybooksError

DEMO_MARKER = "demo.json"
TABLES = ("accounts", "activity", "health_snapshots")
_CSV_BLOCK_BYTES = 32 << 20
_MAGIC = {
    b"PK\x03\x04": "a zip archive or an Excel workbook (.xlsx)",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls) or another Office file",
    b"PAR1": "a Parquet file",
    b"\x1f\x8b": "a gzip-compressed file",
    b"\x89PNG": "a PNG image",
    b"SQLite format 3": "a SQLite database",
}


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


# --- reading files --------------------------------------------------------------------------


def _file_kind(path: Path) -> str:
    """Say whether a file is CSV or Parquet, refusing empty, binary and mislabelled files."""
    if not path.exists():
        raise InputError(f"{path}: no such file.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file.")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty (0 bytes); export it again.")
    with path.open("rb") as handle:
        head = handle.read(8192)
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        if not head.startswith(b"PAR1"):
            raise InputError(f"{path.name}: the name says Parquet but the content is not a "
                             "Parquet file.")
        return "parquet"
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            if magic == b"PAR1":
                return "parquet"
            raise InputError(f"{path.name}: this is {what}, not a CSV text file. Save or "
                             "export it as CSV (UTF-8) and try again.")
    if b"\x00" in head:
        raise InputError(f"{path.name}: this is a binary file, not a CSV text file (it "
                         "contains zero bytes). Export the data as CSV (UTF-8).")
    return "csv"


def _csv_layout(path: Path) -> tuple[list[str], str]:
    """Read the header row and guess the delimiter; refuse header-only and unnamed columns."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = text.splitlines()
    non_blank = [line for line in lines if line.strip()]
    if not non_blank:
        raise InputError(f"{path.name}: the file holds only blank lines.")
    try:
        delimiter = csv.Sniffer().sniff("\n".join(non_blank[:20]), delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader([non_blank[0]], delimiter=delimiter))
    names = [h.strip() for h in header]
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        raise InputError(f"{path.name}: header column {blank[0]} has no name; every column "
                         "needs a name in the first row.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"{path.name}: the header names column '{repeated[0]}' more than once.")
    fits_in_head = len(head) < (1 << 16)
    if fits_in_head and len(non_blank) == 1:
        raise InputError(f"{path.name}: the file has a header row ({', '.join(names[:6])}"
                         f"{', ...' if len(names) > 6 else ''}) but no data rows.")
    return names, delimiter


def _find_bad_utf8(path: Path, names: list[str], delimiter: str) -> InputError:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as error:
                text = raw.decode("utf-8", errors="replace")
                before = raw[: error.start].decode("utf-8", errors="replace")
                column_index = before.count(delimiter)
                column = names[column_index] if column_index < len(names) else "?"
                snippet = raw[max(0, error.start - 12): error.end + 12]
                return InputError(
                    f"{path.name}: the file is not UTF-8 text: row {line_number - 1} "
                    f"(line {line_number}), column '{column}' holds bytes that are not UTF-8 "
                    f"near {snippet!r}. It was probably saved as Latin-1/Windows-1252; save it "
                    "as CSV UTF-8 and try again.",
                    problems=[f"line {line_number}: {text.strip()[:120]}"])
    return InputError(f"{path.name}: the file is not valid UTF-8 text.")


def _csv_chunks(path: Path) -> Callable[[], Iterator[pl.DataFrame]]:
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names, delimiter = _csv_layout(path)

    def chunks() -> Iterator[pl.DataFrame]:
        ragged: list[str] = []

        def on_invalid(row: Any) -> str:
            if len(ragged) < 5:
                where = f"row {row.number - 1} (line {row.number})" if row.number else "a row"
                ragged.append(f"{where} has {row.actual_columns} fields, the header has "
                              f"{row.expected_columns}: {str(row.text)[:80]!r}")
            else:
                ragged.append("")
            return "skip"

        rows = 0
        try:
            reader = pa_csv.open_csv(
                path,
                read_options=pa_csv.ReadOptions(block_size=_CSV_BLOCK_BYTES, use_threads=False,
                                                column_names=names, skip_rows=1),
                parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                  invalid_row_handler=on_invalid),
                convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                      strings_can_be_null=True),
            )
            for batch in reader:
                if ragged:
                    break
                rows += batch.num_rows
                yield pl.from_arrow(pa.Table.from_batches([batch]))  # type: ignore[misc]
        except pa.ArrowInvalid as error:
            if "UTF8" in str(error) or "utf8" in str(error).lower():
                raise _find_bad_utf8(path, names, delimiter) from error
            raise InputError(f"{path.name}: could not be read as CSV: {error}") from error
        if ragged:
            count = len(ragged)
            raise InputError(f"{path.name}: {count if count < 6 else 'more than 5'} "
                             f"{'row has' if count == 1 else 'rows have'} a different number "
                             "of fields than the header (a ragged CSV); nothing was imported.",
                             problems=[r for r in ragged if r])
        if rows == 0:
            raise InputError(f"{path.name}: the file has a header row but no data rows.")

    return chunks


def _parquet_chunks(path: Path, chunk_rows: int) -> Callable[[], Iterator[pl.DataFrame]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(f"{path.name}: not a readable Parquet file ({error}).") from error
    if meta.num_rows == 0:
        raise InputError(f"{path.name}: the Parquet file has columns but no rows.")

    total = meta.num_rows

    def chunks() -> Iterator[pl.DataFrame]:
        # polars reads only the row groups a slice needs, and faster than pyarrow batches.
        scan = pl.scan_parquet(path)
        try:
            for offset in range(0, total, chunk_rows):
                yield scan.slice(offset, chunk_rows).collect()
        except (pl.exceptions.PolarsError, OSError) as error:
            raise InputError(f"{path.name}: the Parquet file is damaged ({error}).") from error

    return chunks


def file_chunks(path: str | os.PathLike[str], *, mapping: dict[str, str] | None = None,
                contract: Contract | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                ) -> Callable[[], Iterator[pl.DataFrame]]:
    """Return a function yielding a CSV or Parquet file in chunks, columns renamed.

    Columns are renamed by `mapping` (export name -> contract name) and, where a header is a
    contract column written differently ("Account ID" for `account_id`), by normalising it.
    Raises InputError naming the file (and row and column where known) when it cannot be read.
    """
    source = Path(path)
    kind = _file_kind(source)
    raw = _parquet_chunks(source, chunk_rows) if kind == "parquet" else _csv_chunks(source)

    def chunks() -> Iterator[pl.DataFrame]:
        renames: dict[str, str] | None = None
        for chunk in raw():
            if renames is None:
                renames = _renames(list(chunk.columns), mapping, contract, source.name)
            yield chunk.rename(renames) if renames else chunk

    return chunks


def read_file(path: str | os.PathLike[str], *, mapping: dict[str, str] | None = None,
              contract: Contract | str | None = None) -> pl.DataFrame:
    """Read a whole CSV or Parquet file (all CSV columns as text), columns renamed."""
    if isinstance(contract, str):
        contract = load_contract(contract)
    return pl.concat(list(file_chunks(path, mapping=mapping, contract=contract)()),
                     how="vertical_relaxed")


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _renames(columns: list[str], mapping: dict[str, str] | None, contract: Contract | None,
             source: str) -> dict[str, str]:
    renames = {}
    for export, target in (mapping or {}).items():
        if export not in columns:
            raise InputError(f"The column mapping names '{export}', but {source} has no such "
                             f"column. Its columns are: {', '.join(columns)}.")
        if contract is not None and target not in contract.column_names:
            raise InputError(f"The column mapping sends '{export}' to '{target}', which is not "
                             f"a column of the {contract.name} contract.")
        renames[export] = target
    if contract is not None:
        taken = set(renames.values()) | {c for c in columns if c not in renames}
        for column in columns:
            wanted = _normalise(column)
            if column in renames or column in contract.column_names:
                continue
            if wanted in contract.column_names and wanted not in taken:
                renames[column] = wanted
                taken.add(wanted)
    targets = list(renames.values()) + [c for c in columns if c not in renames]
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        raise InputError(f"{source}: after mapping, two columns are both called "
                         f"'{repeated[0]}'; map only one of them.")
    return renames


# --- column mapping -------------------------------------------------------------------------


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
        wanted = _normalise(column)
        for item in contract.fields:
            names = [_normalise(item.name), _normalise(item.business_name)]
            aliases = [_normalise(a) for a in item.aliases]
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


# --- importing --------------------------------------------------------------------------


def _table_for(path: Path, table: str | None, known: dict[str, Contract]) -> Contract:
    name = table or _normalise(path.stem)
    if name not in known:
        raise InputError(f"{path.name}: cannot tell which table this is; pass the table name "
                         f"(one of {', '.join(known)}).")
    return known[name]


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
    for given in (files.values() if isinstance(files, Mapping) else files):
        if not Path(given).exists():
            raise InputError(f"{given}: no such file.")
    if isinstance(files, Mapping):
        jobs = [(known[_checked_table(t, known)], Path(p)) for t, p in files.items()]
    else:
        jobs = [(_table_for(Path(p), None, known), Path(p)) for p in files]
    order = {name: index for index, name in enumerate(TABLES)}
    jobs.sort(key=lambda job: order.get(job[0].name, 99))
    if (folder / DEMO_MARKER).exists() and not replace_demo:
        raise InputError(f"The workspace {folder} holds demo data. Import into another folder "
                         "(--workspace), or pass --replace-demo to replace the demo data.")
    folder.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[Path, Path]] = []
    reports: list[ValidationReport] = []
    related: dict[str, pl.DataFrame] = {}
    try:
        for contract, path in jobs:
            needs = {r.params["table"] for r in contract.rules if r.check == "references"}
            for table in needs - set(related):
                existing = folder / f"{table}.parquet"
                if existing.exists() and not (folder / DEMO_MARKER).exists():
                    related[table] = pl.read_parquet(existing)
            if needs - set(related):
                missing = ", ".join(sorted(needs - set(related)))
                raise InputError(f"{path.name}: import the {missing} table first (or in the "
                                 f"same command), so its {contract.name} can be checked "
                                 "against it.")
            temp = folder / f".import-{contract.name}-{uuid.uuid4().hex}.parquet"
            temps.append((temp, folder / f"{contract.name}.parquet"))
            report = _validate_and_write(path, contract, temp, related,
                                         (mappings or {}).get(contract.name), gx, now)
            reports.append(report)
            if report.valid and contract.name in {r.params.get("table") for c in known.values()
                                                  for r in c.rules if r.check == "references"}:
                related[contract.name] = pl.read_parquet(temp)
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
                from playbooks.data.conform import DTYPES as _DTYPES

                chunk = chunk.with_columns(pl.lit(None, dtype=_DTYPES[item.physical_type])
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
