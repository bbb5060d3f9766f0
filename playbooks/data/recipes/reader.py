"""Open an export the way its recipe says: CSV or JSON lines, encoding, sections, footers.

The export is scanned lazily by polars, every column as text, with a row number (`ROW`: 1 is
the first row after the header, as messages name rows). A plain UTF-8 CSV (with or without a
byte-order mark) is scanned in place; a Windows-1252 file, a report whose table is one block
among several, or one with footer lines is first copied, line by line, to a UTF-8 file in a
temporary folder that lives as long as the `opened_export` block. Limits: the file's size
(`MAX_EXPORT_BYTES`), a line's length while copying (`MAX_LINE_BYTES`) and how far a section
title is looked for (`SECTION_SEARCH_LINES`).
"""

from __future__ import annotations

import collections
import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data.recipes.schema import ReadOptions, Recipe
from playbooks.data.recipes.text_files import (
    copy_without_bom,
    expand_gzip,
    header_delimiter,
    is_gzip,
    read_head,
    text_encoding,
)
from playbooks.errors import InputError

ROW = "__row"
MAX_NESTING = 16
"""How deep objects may nest in a JSON lines export."""
MAX_EXPORT_BYTES = 20 << 30
MAX_LINE_BYTES = 1 << 20
SECTION_SEARCH_LINES = 10_000
_BINARY = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"PAR1", b"\x1f\x8b", b"\x89PNG")


@dataclass(frozen=True)
class OpenedExport:
    """An export as a lazy frame of text columns plus `ROW`, and its header's column names."""

    frame: pl.LazyFrame
    columns: list[str]


@contextlib.contextmanager
def opened_export(
    path: Path, recipe: Recipe, *, workdir: Path | None = None
) -> Iterator[OpenedExport]:
    """Open `path` as `recipe` reads it; refuse a file it cannot read, naming file and column.

    A gzip-compressed export (`events.json.gz`, as Amplitude and Segment write them) is
    expanded into a temporary folder first, refused when it expands past the size an export
    may have.
    """
    _check_file(path)
    options = recipe.read
    with contextlib.ExitStack() as stack:
        source = path
        packed = is_gzip(path)
        if packed:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=workdir)))
            source = folder / "expanded"
            expand_gzip(path, source, MAX_EXPORT_BYTES)
        encoding = text_encoding(source, options)
        if options.section is None:
            options = _with_delimiter(source, options, encoding)
        if options.format == "jsonl" and encoding == "utf-8-sig":  # a BOM JSON does not allow
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=workdir)))
            copy_without_bom(source, folder / "export.jsonl")
            source = folder / "export.jsonl"
        if options.format == "csv" and (
            packed
            or encoding == "cp1252"
            or options.section
            or options.footer_lines
            or options.footer_from
        ):
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=workdir)))
            _copy_table(source, folder / "export.csv", options, shown=path.name,
                        encoding=encoding)
            source = folder / "export.csv"
            options = _with_delimiter(source, options.model_copy(update={"skip_rows": 0}),
                                      "utf-8")
        frame = _scan(source, path, options)
        try:
            columns = frame.collect_schema().names()
        except pl.exceptions.PolarsError as error:
            raise InputError(
                f"{path.name}: could not be read as {_what(options)}: {error}"
            ) from None
        columns = [c for c in columns if c != ROW]
        if options.format == "jsonl":  # parse only the fields the recipe reads: faster
            _check_depth(frame.collect_schema(), path)
            wanted = _pruned(frame.collect_schema(), recipe.columns_used())
            frame = pl.scan_ndjson(source, schema=wanted, row_index_name=ROW,
                                   row_index_offset=1)
        frame = _select_used(frame, columns, recipe, path)
        yield OpenedExport(frame, columns)


def _what(options: ReadOptions) -> str:
    return "JSON lines" if options.format == "jsonl" else "CSV"


def _with_delimiter(source: Path, options: ReadOptions, encoding: str) -> ReadOptions:
    """Return the options with the file's own delimiter (see `header_delimiter`)."""
    if options.format != "csv":
        return options
    with source.open(encoding=encoding, errors="replace", newline="") as handle:
        lines = [handle.readline() for _ in range(options.skip_rows + 1)]
    found = header_delimiter(lines[-1], options.delimiter)
    return options if found == options.delimiter else options.model_copy(
        update={"delimiter": found})


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path.name}: the file is empty (0 bytes); export it again.")
    if size > MAX_EXPORT_BYTES:
        raise InputError(
            f"{path.name}: the file is {size / (1 << 30):.1f} GiB, more than the "
            f"{MAX_EXPORT_BYTES >> 30} GiB an export may be; export a shorter period."
        )
    head = read_head(path, 8192)
    if head.startswith(_BINARY) or b"\x00" in head:
        raise InputError(
            f"{path.name}: this is a binary file (a spreadsheet, archive or similar), not a "
            "text export. Export it as CSV or JSON lines."
        )


def _scan(source: Path, original: Path, options: ReadOptions) -> pl.LazyFrame:
    if options.format == "jsonl":
        return pl.scan_ndjson(
            source, infer_schema_length=10_000, row_index_name=ROW, row_index_offset=1
        )
    plain = source == original
    return pl.scan_csv(
        source,
        separator=options.delimiter,
        skip_rows=options.skip_rows if plain else 0,
        infer_schema=False,
        encoding="utf8",
        row_index_name=ROW,
        row_index_offset=1,
        raise_if_empty=True,
    )


def _path(schema: pl.Schema, name: str) -> list[str] | None:
    """Return the keys leading to a column or a dotted path into objects (`context.traits.email`,
    at any depth; a key may itself contain dots); None if absent."""
    if name in schema:
        return [name]
    top_names = _folded(list(schema))
    if fold(name) in top_names:  # the same header written in other case or spacing
        return [top_names[fold(name)]]
    parts = name.split(".")
    for cut in range(1, len(parts)):
        top = top_names.get(fold(".".join(parts[:cut])))
        if top is None:
            continue
        dtype: Any = schema[top]
        keys, rest = [top], parts[cut:]
        while rest and isinstance(dtype, pl.Struct):
            fields = {f.name: f.dtype for f in dtype.fields}
            named = _folded(list(fields))
            size = next((n for n in range(len(rest), 0, -1)
                         if fold(".".join(rest[:n])) in named), 0)
            if not size:
                break
            key = named[fold(".".join(rest[:size]))]
            keys, dtype, rest = [*keys, key], fields[key], rest[size:]
        if not rest:
            return keys
    return None


def fold(name: str) -> str:
    """Return a column name as compared: case and runs of spaces ignored."""
    return " ".join(name.casefold().split())


def _folded(names: list[str]) -> dict[str, str]:
    """Map each folded name to the name itself (the first, where two fold alike)."""
    found: dict[str, str] = {}
    for name in names:
        found.setdefault(fold(name), name)
    return found


def _pruned(schema: pl.Schema, names: list[str]) -> dict[str, Any]:
    """Return `schema` with only the columns and object fields `names` lead to."""
    tree: dict[str, Any] = {}
    for name in names:
        keys = _path(schema, name)
        if keys is None or keys[0] == ROW:
            continue
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = None  # the whole value from here down

    def build(dtype: Any, node: dict[str, Any] | None) -> Any:
        if node is None or not isinstance(dtype, pl.Struct):
            return dtype
        fields = {f.name: f.dtype for f in dtype.fields}
        return pl.Struct({k: build(fields[k], sub) for k, sub in node.items()})

    return {k: build(schema[k], sub) for k, sub in tree.items()}


def _field(schema: pl.Schema, name: str) -> tuple[pl.Expr, Any] | None:
    """Return the expression and type of a column or of a dotted path; None if absent."""
    keys = _path(schema, name)
    if keys is None:
        return None
    dtype: Any = schema[keys[0]]
    expr = pl.col(keys[0])
    for key in keys[1:]:
        expr = expr.struct.field(key)
        dtype = {f.name: f.dtype for f in dtype.fields}[key]
    return expr, dtype


def _select_used(
    frame: pl.LazyFrame, columns: list[str], recipe: Recipe, path: Path
) -> pl.LazyFrame:
    """Keep the columns the recipe reads, as trimmed text (empty text as null)."""
    schema = frame.collect_schema()
    picked = [pl.col(ROW)]
    missing = []
    for name in recipe.columns_used():
        found = _field(schema, name)
        if found is None:
            if name in recipe.optional_columns:
                picked.append(pl.lit(None, dtype=pl.String).alias(name))
            else:
                missing.append(name)
            continue
        expr, dtype = found
        if isinstance(dtype, pl.List | pl.Array):
            expr = expr.list.first() if isinstance(dtype, pl.List) else expr.arr.first()
            dtype = dtype.inner
        if isinstance(dtype, pl.List | pl.Struct | pl.Array):
            raise InputError(
                f"{path.name}: column '{name}' holds lists or objects, not values; name one "
                "of its fields (`column.field`) in the recipe."
            )
        text = expr.cast(pl.String).str.strip_chars()
        picked.append(pl.when(text.str.len_bytes() > 0).then(text).alias(name))
    if missing:
        shown = ", ".join(columns[:30]) + (", ..." if len(columns) > 30 else "")
        raise InputError(
            f"{path.name}: the recipe {recipe.id} ({recipe.tool}) needs the column"
            f"{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}, which "
            f"the file does not have. Its columns are: {shown}."
        )
    return frame.select(picked)


def _depth(dtype: Any) -> int:
    if isinstance(dtype, pl.Struct):
        return 1 + max((_depth(f.dtype) for f in dtype.fields), default=0)
    if isinstance(dtype, pl.List | pl.Array):
        return 1 + _depth(dtype.inner)
    return 0


def _check_depth(schema: pl.Schema, path: Path) -> None:
    """Refuse objects nested deeper than an export needs (a hostile or broken file)."""
    deepest = max((_depth(t) for t in schema.values()), default=0)
    if deepest > MAX_NESTING:
        raise InputError(
            f"{path.name}: its objects are nested {deepest} levels deep, more than the "
            f"{MAX_NESTING} an export may have; this is not a tool's event export."
        )


def _copy_table(path: Path, out: Path, options: ReadOptions, *, shown: str | None = None,
                encoding: str = "utf-8-sig") -> None:
    """Copy the table part of `path` to `out` as UTF-8: after the section title, without the
    preamble, the lines after the table's end and the footer lines. Messages name the file
    `shown` (the export as the user knows it), else `path`."""
    name = shown or path.name
    section = options.section
    footer: collections.deque[str] = collections.deque()
    blanks: list[str] = []
    started = section is None
    header_seen = False
    with (
        path.open(encoding=encoding, newline="") as source,
        out.open("w", encoding="utf-8", newline="") as target,
    ):
        try:
            for number, line in enumerate(source, start=1):
                if len(line) > MAX_LINE_BYTES:
                    raise InputError(
                        f"{name}: line {number} is longer than "
                        f"{MAX_LINE_BYTES >> 20} MiB; this is not a table export."
                    )
                bare = line.strip().strip(options.delimiter + ',;\t"').strip()
                if not started:
                    if number <= options.skip_rows:
                        continue
                    if section is not None and bare == section.start:
                        started = True
                    elif number > SECTION_SEARCH_LINES:
                        break
                    continue
                if section is not None:
                    if not header_seen and not bare:
                        continue  # blank lines between the title and the header
                    end = section.end or ""
                    if header_seen and (bare == end or (not end and not bare)):
                        break
                elif number <= options.skip_rows:
                    continue
                if header_seen and options.footer_from and bare.startswith(options.footer_from):
                    break
                if header_seen and not bare and options.footer_from:
                    blanks.append(line)  # kept only if a row follows (not a footer or the end)
                    continue
                header_seen = True
                for held in [*blanks, line]:
                    footer.append(held)
                    if len(footer) > options.footer_lines:
                        target.write(footer.popleft())
                blanks.clear()
        except UnicodeDecodeError as error:
            raise InputError(
                f"{name}: the file is neither UTF-8 nor Windows-1252 text (byte "
                f"{error.start} of a line: {error.reason}); export it again as UTF-8."
            ) from None
    if section is not None and not started:
        raise InputError(
            f"{name}: the section '{section.start}' the recipe looks for is not in the "
            f"first {SECTION_SEARCH_LINES:,} lines."
        )
