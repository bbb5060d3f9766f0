"""Where the store keeps its data, declared as settings (name, default, help) in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from playbooks.errors import InputError


@dataclass(frozen=True)
class Setting:
    """One environment setting the store reads."""

    name: str
    default: str
    help: str


DATABASE_URL = Setting(
    "PLAYBOOKS_DATABASE_URL",
    "sqlite:///<workspace>/playbooks.db",
    "SQLAlchemy URL of the store. Unset: a SQLite file in the workspace. For a shared server "
    "use e.g. postgresql+psycopg://user:password@host/dbname (postgresql:// works too).",
)
WORKSPACE = Setting(
    "PLAYBOOKS_WORKSPACE",
    "./workspace",
    "Folder for the workspace; the default store is playbooks.db inside it.",
)
SETTINGS = (DATABASE_URL, WORKSPACE)
STORE_FILE = "playbooks.db"


def workspace_dir() -> Path:
    """Return the workspace folder (PLAYBOOKS_WORKSPACE or ./workspace)."""
    return Path(os.environ.get(WORKSPACE.name) or WORKSPACE.default).expanduser()


def resolve_database_url(url: str | None = None) -> str:
    """Pick the store URL: the one given, else PLAYBOOKS_DATABASE_URL, else the workspace file.

    `postgresql://` and `postgres://` are read as the psycopg (version 3) driver.
    """
    chosen = url or os.environ.get(DATABASE_URL.name) or ""
    if not chosen.strip():
        return f"sqlite:///{(workspace_dir() / STORE_FILE).resolve()}"
    chosen = chosen.strip()
    for prefix in ("postgresql://", "postgres://"):
        if chosen.startswith(prefix):
            chosen = "postgresql+psycopg://" + chosen[len(prefix):]
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise InputError(f"{chosen!r} is not a database URL; expected e.g. "
                         "sqlite:///path/to/playbooks.db or postgresql://host/dbname") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError(f"the store supports SQLite and PostgreSQL, not "
                         f"{parsed.get_backend_name()!r} ({DATABASE_URL.name})")
    return chosen


def safe_url(url: str) -> str:
    """Return the URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable URL>"
