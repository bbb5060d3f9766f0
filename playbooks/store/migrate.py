"""Opening the store's database and keeping its schema: the engine for a URL, and the
packaged Alembic migrations in `migrations/` applied up or down."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = threading.Lock()
_ADVISORY_LOCK_KEY = 7_260_517_001  # any fixed number: "playbooks store migrations"


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` with the packaged Alembic migrations."""
    _run_alembic(engine, "upgrade", revision)


def downgrade_schema(engine: Engine, revision: str = "base") -> None:
    """Take the schema back down to `revision` (`base` drops every table of the store)."""
    _run_alembic(engine, "downgrade", revision)


def _run_alembic(engine: Engine, action: str, revision: str) -> None:
    """Run one Alembic command. Alembic keeps its context in module globals, so one command
    runs at a time per process; on PostgreSQL an advisory lock also keeps two processes
    from migrating the same database at once."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with _MIGRATION_LOCK, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("select pg_advisory_xact_lock(:key)"),
                               {"key": _ADVISORY_LOCK_KEY})
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def make_engine(url: str) -> Engine:
    """Create the engine for a store URL: SQLite with foreign keys on and full sync (its
    folder made if needed), or any other database with connections checked before use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)
