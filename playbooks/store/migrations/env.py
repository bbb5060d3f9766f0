"""Alembic environment for the store. `playbooks.store.migrate` hands over a connection in
`config.attributes["connection"]`; the command-line alembic can use `sqlalchemy.url` instead."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from playbooks.store.models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=conn, target_metadata=Base.metadata,
                      render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url") or "").connect() as conn:
        _run(conn)
        conn.commit()
