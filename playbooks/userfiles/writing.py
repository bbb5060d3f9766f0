"""Files the product writes: always to a temporary name beside the target, then renamed into
place, so a full disk or a crash leaves the earlier file (or none), never half a file; and
every CSV through one writer that keeps spreadsheet formulas inert."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from playbooks.errors import InputError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """Return a CSV cell that a spreadsheet shows as text, never runs as a formula.

    A cell starting with =, +, -, @, a tab or a carriage return (also after leading spaces)
    gets a single quote in front. Numbers are written as they are (a negative number is not
    a formula).
    """
    text = "" if value is None else str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv_rows(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]], *,
                   lineterminator: str = "\r\n") -> int:
    """Write the header and rows to an open text file, every cell neutralised; return the
    number of rows written."""
    writer = csv.writer(handle, lineterminator=lineterminator)
    writer.writerow([neutralise_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
        count += 1
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *,
             lineterminator: str = "\r\n") -> str:
    """Render rows as formula-safe CSV text."""
    out = io.StringIO()
    write_csv_rows(out, header, rows, lineterminator=lineterminator)
    return out.getvalue()


def write_csv(path: Path | str, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
              lineterminator: str = "\r\n") -> int:
    """Write formula-safe CSV to `path` (renamed into place once complete); return the rows."""
    with atomic_output(path, newline="") as handle:
        return write_csv_rows(handle, header, rows, lineterminator=lineterminator)


@contextmanager
def atomic_output(path: Path | str, *, encoding: str = "utf-8",
                  newline: str | None = None) -> Iterator[IO[str]]:
    """Open a temporary file beside `path` for writing text; rename it to `path` on success.

    On any error the temporary file is removed and an earlier file at `path` is kept as it
    was; a failure to write (a full disk, no permission) becomes an InputError naming `path`.
    """
    with atomic_path(path) as temporary:
        try:
            with temporary.open("w", encoding=encoding, newline=newline) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise InputError(f"cannot write {path}: {error.strerror or error}; nothing was "
                             "written there (an earlier file is kept as it was)") from None


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Give a temporary path beside `path` for a writer that takes a file name (Parquet, say);
    rename it to `path` once the block ends without error, else remove it."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: this is a folder; give the name of a file to write")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                                 suffix=".tmp")
        os.close(descriptor)
    except OSError as error:
        raise InputError(f"cannot write {target}: {error.strerror or error}") from None
    try:
        yield Path(temporary)
        os.chmod(temporary, _file_mode(target))
        os.replace(temporary, target)
    except OSError as error:
        raise InputError(f"cannot write {target}: {error.strerror or error}; nothing was "
                         "written there (an earlier file is kept as it was)") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _file_mode(target: Path) -> int:
    """The permissions the file gets: those of the file it replaces, else the usual ones."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def write_text_atomic(path: Path | str, text: str, *, encoding: str = "utf-8",
                      newline: str | None = None) -> None:
    """Write text to `path` through a temporary file renamed into place."""
    with atomic_output(path, encoding=encoding, newline=newline) as handle:
        handle.write(text)


def restore_cell(text: str) -> str:
    """Undo `neutralise_cell` on a cell read back from a CSV the product wrote."""
    if text.startswith("'") and text[1:].lstrip(" ").startswith(FORMULA_STARTS):
        return text[1:]
    return text
