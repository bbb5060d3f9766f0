"""Shared test fixtures."""

# --- store databases (playbooks.store): SQLite always, PostgreSQL when a server is reachable ---

import io
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

import pytest
from engine_tables import engine_table, spark_engine  # noqa: F401 - fixtures for every module

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


# --- the command line, run in this process ------------------------------------------------------


class CliResult(NamedTuple):
    """What one run of `playbooks ...` gave: its exit code, standard output and standard error."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Standard output followed by standard error."""
        return self.stdout + self.stderr


@pytest.fixture(autouse=True)
def results_on_demand(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports and demos in tests leave the app's heavy results to the page or test that needs
    them (preparing them takes seconds even on tiny data); a test of the preparation turns
    PLAYBOOKS_PREPARE_RESULTS back on."""
    monkeypatch.setenv("PLAYBOOKS_PREPARE_RESULTS", "0")


@pytest.fixture(autouse=True)
def extension_registries() -> Iterator[None]:
    """Leave the registries that plugins and tests fill as they were before each test.

    Running the command line in-process loads PLAYBOOKS_PLUGINS into this interpreter, and
    tests register custom signals, contract rules and journey rules of their own: without this
    a registration would leak into every later test, and tests would depend on their order.
    """
    from playbooks import plugins
    from playbooks.advice.rules import RULES
    from playbooks.data.contracts import CUSTOM_RULES
    from playbooks.signals.custom import CUSTOM_SIGNALS

    loaded = plugins.LOADED
    was_loaded, signals, rules = set(loaded), dict(CUSTOM_SIGNALS), dict(RULES)
    contract_rules = {contract: dict(found) for contract, found in CUSTOM_RULES.items()}
    modules = set(sys.modules)
    yield
    loaded.clear()
    loaded.update(was_loaded)
    CUSTOM_SIGNALS.clear()
    CUSTOM_SIGNALS.update(signals)
    RULES.clear()
    RULES.update(rules)
    CUSTOM_RULES.clear()
    CUSTOM_RULES.update({contract: dict(found) for contract, found in contract_rules.items()})
    for name in set(sys.modules) - modules:
        if name.startswith("playbooks_plugin_"):  # plugin files, imported under a made-up name
            del sys.modules[name]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[Callable[..., CliResult]]:
    """Run `playbooks ARGS` in this process, as `playbooks.cli.main(ARGS)`, and return a
    CliResult; `env` sets (or, with None, removes) environment variables for the rest of the
    test, `input` is what the command reads on standard input.

    Tests that are about a separate process (plugins loaded at start-up, start-up cost) start
    one with `sys.executable -m playbooks.cli` instead: the environment under test, never the
    bootstrap of `python -m playbooks`, which may create a second `.venv`.
    """
    from playbooks.cli import main
    from playbooks.framework.overlays import OVERLAY_ENV
    from playbooks.questions.classify import default_classifier

    overlaid = False

    def run(*args: object, env: Mapping[str, str | None] | None = None,
            input: str | None = None) -> CliResult:
        nonlocal overlaid
        for name, value in (env or {}).items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        if env and OVERLAY_ENV in env:
            overlaid = True
            default_classifier.cache_clear()  # built once per process, from the knowledge
        if input is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(input))
        capsys.readouterr()  # keep only what this run prints
        code: object = 0
        try:
            main([str(arg) for arg in args])
        except SystemExit as exited:
            code = exited.code
        out, err = capsys.readouterr()
        if code is None:
            code = 0
        elif not isinstance(code, int):  # sys.exit("message") prints it and exits with 1
            err, code = f"{err}{code}\n", 1
        return CliResult(code, out, err)

    yield run
    if overlaid:
        default_classifier.cache_clear()
