"""Text files as exports come: compressed or not, which encoding, which delimiter.

The reader (`reader.opened_export`) asks these before it reads: a gzip file is expanded (its
size bounded), the encoding is UTF-8 (with or without a byte-order mark) or else
Windows-1252, and a CSV saved again with semicolons or tabs is read with them.
"""

from __future__ import annotations

import codecs
import gzip
import shutil
import zlib
from pathlib import Path

from playbooks.data.recipes.schema import ReadOptions
from playbooks.errors import InputError


def text_encoding(path: Path, options: ReadOptions) -> str:
    """Return how to decode the export: `utf-8-sig` (a byte-order mark), `utf-8`, or `cp1252`.

    Whatever the recipe says, a file that is valid UTF-8 is read as UTF-8 (a tool's export
    saved again by a spreadsheet changes its encoding) and one that is not as Windows-1252. A
    JSON lines export is UTF-8 by definition: only its byte-order mark is looked for.
    """
    with path.open("rb") as handle:
        if handle.read(3) == b"\xef\xbb\xbf":
            return "utf-8-sig"
        if options.format == "jsonl":
            return "utf-8"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def copy_without_bom(path: Path, out: Path) -> None:
    with path.open("rb") as source, out.open("wb") as target:
        source.read(3)
        shutil.copyfileobj(source, target, 1 << 22)


def header_delimiter(header: str, given: str) -> str:
    """Return the delimiter of a CSV header line: the recipe's, unless the line has none of it
    and has semicolons or tabs (a spreadsheet saving the export again in another locale)."""
    if given in header:
        return given
    return max((";", "\t", ","), key=header.count) if any(d in header for d in ";\t,") \
        else given


def is_gzip(path: Path) -> bool:
    """Tell whether a file is gzip-compressed (by its first bytes, whatever its name)."""
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def read_head(path: Path, size: int) -> bytes:
    """Return the first `size` bytes of the file's text (expanded, when it is compressed)."""
    if path.is_file() and is_gzip(path):
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read(size)
        except (OSError, EOFError, zlib.error):
            return b""
    with path.open("rb") as handle:
        return handle.read(size)


def expand_gzip(path: Path, out: Path, limit: int) -> None:
    """Expand a gzip file to `out`, refusing a broken one or one that expands too far."""
    written = 0
    try:
        with gzip.open(path, "rb") as source, out.open("wb") as target:
            while chunk := source.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise InputError(
                        f"{path.name}: expands to more than the {limit >> 30} GiB an "
                        "export may be; export a shorter period."
                    )
                target.write(chunk)
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"{path.name}: not a readable gzip file ({error}).") from None
