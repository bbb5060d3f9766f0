"""Where the store keeps its data: the URL from `playbooks.settings`, checked, or the
workspace's SQLite file."""

from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from playbooks import settings
from playbooks.errors import InputError, mask_url
from playbooks.store.records import StoreMissingError

STORE_FILE = "playbooks.db"
_AT_IN_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^/:@]*):"
                             r"(?P<password>.*)@(?P<rest>[^@]*)$")


def workspace_dir() -> Path:
    """Return the workspace folder (PLAYBOOKS_WORKSPACE or ./workspace)."""
    return settings.workspace()


def resolve_database_url(url: str | None = None) -> str:
    """Pick the store URL: the one given, else PLAYBOOKS_DATABASE_URL, else the workspace file.

    `postgresql://` and `postgres://` are read as the psycopg (version 3) driver, and so is
    `postgresql+psycopg2://` when psycopg2 is not installed. Messages never show a password.
    """
    chosen = url or settings.database_url() or ""
    if not chosen.strip():
        return f"sqlite:///{(workspace_dir() / STORE_FILE).resolve()}"
    chosen = chosen.strip()
    for prefix in ("postgresql://", "postgres://"):
        if chosen.startswith(prefix):
            chosen = "postgresql+psycopg://" + chosen[len(prefix):]
    chosen = _encode_at_in_password(chosen)
    if chosen.startswith("postgresql+psycopg2://") and find_spec("psycopg2") is None:
        chosen = "postgresql+psycopg://" + chosen[len("postgresql+psycopg2://"):]
    shown = safe_url(chosen)
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise InputError(f"{shown!r} is not a database URL; expected e.g. "
                         "sqlite:///path/to/playbooks.db or postgresql://host/dbname") from None
    except ValueError:
        raise InputError(f"{shown!r}: the port must be a number, like host:5432") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InputError(f"the store supports SQLite and PostgreSQL, not {backend!r} "
                         f"({settings.DATABASE_URL.name})")
    try:
        parsed.get_dialect().import_dbapi()
    except (ImportError, NoSuchModuleError):
        raise InputError(f"{shown!r}: the database driver {parsed.get_driver_name()!r} is not "
                         "installed; use postgresql://... (the psycopg driver, installed with "
                         "CX Playbooks) or sqlite:///...") from None
    return chosen


def _encode_at_in_password(url: str) -> str:
    """Percent-encode the @ of a password written as is (`user:p@ss@host`), which would
    otherwise be read as the end of the password and put its tail in the host name."""
    found = _AT_IN_PASSWORD.match(url)
    if found is None or "@" not in found["password"]:
        return url
    return (f"{found['head']}{found['user']}:{quote(found['password'], safe='')}@"
            f"{found['rest']}")


def safe_url(url: str) -> str:
    """Return the URL with any password hidden, for messages (`playbooks.errors.mask_url`)."""
    return mask_url(url)


def sqlite_file(url: str) -> Path | None:
    """Return the file a SQLite URL names, or None for another database or one in memory."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def refuse_missing_file(url: str) -> None:
    """Raise StoreMissingError when a SQLite URL names a file that does not exist."""
    path = sqlite_file(url)
    if path is None or path.exists():
        return
    folder = path.parent.exists()
    where = "" if folder else f" (the folder {path.parent} does not exist either)"
    raise StoreMissingError(f"there is no database at {path} yet{where}; nothing was "
                            "created. Check the database URL, or save something first.",
                            folder_exists=folder)
