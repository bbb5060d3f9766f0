"""How big a user file may be, and reading one whole within that limit.

Each kind of file has its own limit (`FileKind`); PLAYBOOKS_MAX_INPUT_MB, when set, is the
limit for every kind. A path that is missing, a folder, or over the limit is refused with a
message naming it, before anything is read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from playbooks import settings
from playbooks.errors import InputError, PlaybooksError

MB = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    """A kind of user file: what users call it and how many megabytes it may hold."""

    name: str
    megabytes: float

    def limit(self) -> int:
        """Return the size limit in bytes: PLAYBOOKS_MAX_INPUT_MB if set, else this kind's."""
        chosen = settings.max_input_mb()
        return int((self.megabytes if chosen is None else chosen) * MB)


JOURNEY_MAP = FileKind("journey map", 1)
KNOWLEDGE = FileKind("knowledge file", 1)
RECIPE = FileKind("recipe", 1)
MAPPING = FileKind("mapping file", 1)
ASSESSMENT = FileKind("assessment export", 20)
QUESTIONS = FileKind("question file", 200)
TABLE = FileKind("table", 200)  # signals or themes handed back to a command


def excerpt(value: object, limit: int = 60, *, quote: bool = True) -> str:
    """Show a value in a message, cut to `limit` characters (`'abc...' (5,000 characters)`).

    Text is quoted like `repr` unless `quote` is false; other values are shown by `repr`.
    """
    text = value if isinstance(value, str) else repr(value)
    shown = text[:limit]
    if isinstance(value, str) and quote:
        shown = repr(shown)
    return shown if len(text) <= limit else f"{shown}... ({len(text):,} characters)"


def _size_words(size: float) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB / 10 else f"{size / 1024:,.1f} KB"


def too_big_message(source: str, kind: FileKind, limit: int) -> str:
    """The message for a file over its size limit."""
    return (f"{source}: this {kind.name} is larger than the {_size_words(limit)} limit; "
            f"nothing was read. Split it, or raise the limit with "
            f"{settings.MAX_INPUT_MB.name} (in megabytes).")


def check_input_file(path: Path, kind: FileKind,
                     error_type: type[PlaybooksError] = InputError) -> int:
    """Refuse a missing path, a folder or a file over the kind's limit; return its size."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error_type(f"{path}: no such file") from None
    except OSError as error:
        raise error_type(f"{path}: cannot read the file ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error_type(f"{path}: this is a folder, not a file; give the {kind.name} itself")
    limit = kind.limit()
    if stat.S_ISREG(info.st_mode) and info.st_size > limit:
        raise error_type(too_big_message(str(path), kind, limit))
    return info.st_size


def check_size(raw: bytes, source: str, kind: FileKind,
               error_type: type[PlaybooksError] = InputError) -> None:
    """Refuse bytes already in memory (an upload, say) over the kind's limit."""
    limit = kind.limit()
    if len(raw) > limit:
        raise error_type(too_big_message(source, kind, limit))


def read_user_bytes(path: Path | str, kind: FileKind,
                    error_type: type[PlaybooksError] = InputError) -> bytes:
    """Read a user file whole, refusing it (naming it) when missing, a folder or too big.

    At most the limit plus one byte is ever read, so a pipe or a device that never ends is
    refused like a large file.
    """
    path = Path(path)
    check_input_file(path, kind, error_type)
    limit = kind.limit()
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except IsADirectoryError:
        raise error_type(f"{path}: this is a folder, not a file; give the {kind.name} "
                         "itself") from None
    except OSError as error:
        raise error_type(f"{path}: cannot read the file ({error.strerror})") from None
    except MemoryError:
        raise error_type(f"{path}: not enough memory to read this {kind.name}") from None
    if len(raw) > limit:
        raise error_type(too_big_message(str(path), kind, limit))
    return raw


def decode_text(raw: bytes, source: str, error_type: type[PlaybooksError] = InputError) -> str:
    """Decode UTF-8 text (a leading byte-order mark dropped); refuse binary data or other
    encodings, naming the source."""
    if b"\x00" in raw[:4096]:
        raise error_type(f"{source}: this is not a text file (it contains binary data)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise error_type(f"{source}: not UTF-8 text (invalid byte at position {error.start}); "
                         "save the file as UTF-8") from None


def read_user_text(path: Path | str, kind: FileKind,
                   error_type: type[PlaybooksError] = InputError) -> str:
    """Read a user file whole as UTF-8 text, within the kind's size limit."""
    return decode_text(read_user_bytes(path, kind, error_type), str(path), error_type)


def is_folder(path: str | os.PathLike[str]) -> bool:
    """Say whether a path names a folder (False for anything unreadable)."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False
