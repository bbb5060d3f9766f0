"""Read a company's export robustly: CSV or Parquet, in chunks, columns renamed to the contract.

A file is refused, with a message naming it (and the row and column where known), when it is
empty, binary, mislabelled, not UTF-8, ragged or has no data rows. Every CSV column is read as
text; the conversion to contract types is `playbooks.data.conform`'s.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data.contracts import Contract, load_contract
from playbooks.data.mapping import exact_column_name
from playbooks.data.validation import DEFAULT_CHUNK_ROWS
from playbooks.errors import InputError

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
    contract column's name in other case or spacing ("Account ID" for `account_id`), to that
    name; nothing else is renamed (an alias or a similar name is `suggest_mapping`'s to offer).
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
            wanted = exact_column_name(column)
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
