"""CSV read a row at a time with limits: at most `max_rows` rows, no value longer than
`max_field` characters, and every row as long as the header, each refused naming the line."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from playbooks.errors import InputError
from playbooks.userfiles.limits import FileKind, check_input_file, excerpt

MAX_FIELD = 64 * 1024  # characters in one value
MAX_ROWS = 100_000


def iter_csv_rows(lines: Iterable[str], source: str, *, max_rows: int = MAX_ROWS,
                  max_field: int = MAX_FIELD) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, values) for each row of CSV text, skipping blank lines.

    Raises InputError naming the source and line for a value over `max_field` characters,
    more than `max_rows` rows, or text the CSV reader cannot split.
    """
    reader = csv.reader(lines)
    count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            detail = ("a value is longer than the CSV reader takes"
                      if "field limit" in str(error) else str(error))
            raise InputError(f"{source}: line {reader.line_num}: {detail}; nothing was read "
                             "from it") from None
        if not any(cell.strip() for cell in cells):
            continue
        longest = max(len(cell) for cell in cells)
        if longest > max_field:
            raise InputError(f"{source}: line {reader.line_num}: a value is {longest:,} "
                             f"characters long, over the {max_field:,}-character limit")
        count += 1
        if count > max_rows:
            raise InputError(f"{source}: more than {max_rows:,} rows; nothing was read from it")
        yield reader.line_num, cells


def split_csv_header(lines: Iterable[str], source: str, *, max_rows: int = MAX_ROWS,
                     max_field: int = MAX_FIELD
                     ) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Read the header row; return it and an iterator of (line number, {column: value}).

    A row with more or fewer values than the header, a column named twice or an empty file
    is refused, naming the line.
    """
    rows = iter_csv_rows(lines, source, max_rows=max_rows + 1, max_field=max_field)
    first = next(rows, None)
    if first is None:
        raise InputError(f"{source}: the file is empty; expected a header row")
    header = [name.strip() for name in first[1]]
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise InputError(f"{source}: line {first[0]}: the column(s) "
                         f"{', '.join(excerpt(n) for n in twice)} appear more than once")

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        for line, cells in rows:
            if len(cells) != len(header):
                raise InputError(f"{source}: line {line}: {len(cells)} values, but the header "
                                 f"has {len(header)} columns; nothing was read from it")
            yield line, dict(zip(header, cells, strict=True))

    return header, records()


def read_csv_records(path: Path, kind: FileKind, *, max_rows: int = MAX_ROWS,
                     max_field: int = MAX_FIELD) -> tuple[list[str], list[tuple[int, dict]]]:
    """Read a CSV file (UTF-8, a byte-order mark allowed) within the kind's size limit.

    Returns the header and (line number, record) for each row; the file is read a row at a
    time, so memory follows the rows kept, not the file.
    """
    check_input_file(path, kind)
    source = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header, rows = split_csv_header(handle, source, max_rows=max_rows,
                                            max_field=max_field)
            return header, list(rows)
    except UnicodeDecodeError as error:
        raise InputError(f"{source}: not UTF-8 text (invalid byte at position {error.start}); "
                         "save the file as UTF-8") from None
    except OSError as error:
        raise InputError(f"{source}: cannot read the file ({error.strerror})") from None
