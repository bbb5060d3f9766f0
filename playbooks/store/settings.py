"""Where the store keeps its data: the URL from `playbooks.settings`, checked, or the
workspace's SQLite file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from playbooks import settings
from playbooks.errors import InputError

STORE_FILE = "playbooks.db"


def workspace_dir() -> Path:
    """Return the workspace folder (PLAYBOOKS_WORKSPACE or ./workspace)."""
    return settings.workspace()


def resolve_database_url(url: str | None = None) -> str:
    """Pick the store URL: the one given, else PLAYBOOKS_DATABASE_URL, else the workspace file.

    `postgresql://` and `postgres://` are read as the psycopg (version 3) driver.
    """
    chosen = url or settings.database_url() or ""
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
                         f"{parsed.get_backend_name()!r} ({settings.DATABASE_URL.name})")
    return chosen


def safe_url(url: str) -> str:
    """Return the URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable URL>"
