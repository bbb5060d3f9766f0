"""Shared test fixtures."""

# --- store databases (playbooks.store): SQLite always, PostgreSQL when a server is reachable ---

import os
import uuid

import pytest

POSTGRES_URL_ENV = "PLAYBOOKS_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "PLAYBOOKS_REQUIRE_POSTGRES"
LOCAL_POSTGRES_URL = "postgresql+psycopg:///postgres?host=/var/run/postgresql"


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV) or LOCAL_POSTGRES_URL
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


@pytest.fixture(scope="session")
def postgres_database_url():
    """Create a fresh PostgreSQL database for this test session and drop it afterwards.

    The server is PLAYBOOKS_TEST_POSTGRES_URL (any database on it; used only to create and drop
    the test database), else the local server on /var/run/postgresql. If none can be reached
    the PostgreSQL tests are skipped, unless PLAYBOOKS_REQUIRE_POSTGRES=1 makes that a failure.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(_postgres_server_url())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"playbooks_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure means no usable server
        admin.dispose()
        reason = (f"no PostgreSQL server reachable at "
                  f"{server.render_as_string(hide_password=True)} "
                  f"({type(error).__name__}: {str(error).strip().splitlines()[0]}); set "
                  f"{POSTGRES_URL_ENV} to a server URL to run the PostgreSQL store tests")
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """An empty database for one test: a SQLite file, or the session's PostgreSQL database
    emptied before the test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'playbooks.db'}"
    url = request.getfixturevalue("postgres_database_url")
    _empty_postgres(url)
    return url
