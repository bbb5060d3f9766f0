"""Which engine runs the passes over the activity table, and how to reach its table.

An engine is named as the command line's `--engine` (or `PLAYBOOKS_ENGINE`) names it:
`polars` (the default: the workspace's files, read by polars), `duckdb` (the same files or a
large Parquet file, spilling to disk past its memory limit; `duckdb:///path.duckdb` for a
DuckDB database), `spark` or `local[*]` (a local Spark session), `spark://host:7077` (a Spark
cluster), or a warehouse by its SQLAlchemy-style URL (`postgresql://user@host/db`, and the
other databases Ibis reaches). The activity table is then a file the engine reads (Parquet or
CSV) or a table the engine holds (`schema.table`).
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbooks.errors import InputError, mask_credentials, mask_url

POLARS = "polars"
KINDS = ("polars", "duckdb", "spark", "sql")
ENGINE_HELP = ("polars (default), duckdb, spark (a local session), local[N], "
               "spark://HOST:PORT or a warehouse URL such as postgresql://user@host/db")
_SPARK_LOCAL = re.compile(r"^local(\[(\*|\d+)(,\d+)?\])?$")
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9.\-]*)(\+[A-Za-z0-9_\-]+)?://")
_FILE_SUFFIXES = (".parquet", ".pq", ".csv", ".csv.gz")


@dataclass(frozen=True)
class Engine:
    """An engine as chosen: its kind (polars, duckdb, spark or sql) and where it is."""

    kind: str
    url: str | None = None

    @property
    def label(self) -> str:
        """The engine as shown to users, any password masked."""
        return self.kind if self.url is None else f"{self.kind} ({mask_url(self.url)})"


def parse_engine(text: str | None) -> Engine:
    """Read an engine name or URL; None or empty means polars.

    Raises InputError (exit 2) for a name that is none of the engines.
    """
    name = (text or POLARS).strip()
    lowered = name.lower()
    if lowered in (POLARS, "duckdb"):
        return Engine(lowered)
    if lowered == "spark":
        return Engine("spark", "local[*]")
    if _SPARK_LOCAL.match(lowered):
        return Engine("spark", lowered)
    url = _URL.match(name)
    if url is not None:
        scheme = url["scheme"].lower()
        if scheme == "spark":
            return Engine("spark", name)
        if scheme == "duckdb":
            return Engine("duckdb", name)
        return Engine("sql", name)
    raise InputError(f"unknown engine {mask_credentials(name)!r}: use {ENGINE_HELP}.")


def configured_engine() -> Engine:
    """The engine PLAYBOOKS_ENGINE names (polars when unset).

    Raises InputError naming the setting when it names none of the engines.
    """
    from playbooks import settings

    try:
        return parse_engine(settings.engine())
    except InputError as error:
        raise InputError(f"{settings.ENGINE.name} is set to an {error}") from None


def duckdb_memory_limit() -> str:
    """Half the machine's memory, in whole gigabytes, as DuckDB's memory limit."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "4GB"
    return f"{max(1, total // 2 // 1024**3)}GB"


def spill_folder() -> Path:
    """The folder where DuckDB writes what does not fit in its memory limit."""
    return Path(tempfile.gettempdir()) / "playbooks-duckdb-spill"


def connect(engine: Engine, *, memory_limit: str | None = None,
            threads: int | None = None) -> Any:
    """Open an Ibis connection to the engine (not for polars).

    DuckDB gets a memory limit (default: half the machine's memory) and a folder to spill
    to, so a file larger than memory is still read. Raises InputError naming the engine,
    password masked, when it cannot be reached or its client library is not installed.
    """
    if engine.kind == POLARS:
        raise InputError("the polars engine reads the workspace's files itself.")
    ibis = _ibis()
    try:
        if engine.kind == "duckdb":
            folder = spill_folder()
            folder.mkdir(parents=True, exist_ok=True)
            path = re.sub(r"^duckdb:/*", "/", engine.url) if engine.url else ":memory:"
            options: dict[str, Any] = {"memory_limit": memory_limit or duckdb_memory_limit(),
                                       "temp_directory": str(folder)}
            if threads:
                options["threads"] = threads
            # A database file is only read: the app and its preparing process both open it.
            return ibis.duckdb.connect(path, read_only=path != ":memory:", **options)
        if engine.kind == "spark":
            return ibis.pyspark.connect(spark_session(engine.url or "local[*]"))
        return ibis.connect(re.sub(r"^([A-Za-z][A-Za-z0-9.\-]*)\+[A-Za-z0-9_\-]+://", r"\1://",
                                   engine.url or ""))
    except InputError:
        raise
    except ImportError as error:
        raise InputError(f"the {engine.kind} engine needs a library that is not installed "
                         f"({error.name or error}); install CX Playbooks with its "
                         f"'{'spark' if engine.kind == 'spark' else 'warehouse'}' extra.") \
            from None
    except Exception as error:  # noqa: BLE001 - any failure to connect is the user's to fix
        raise InputError(f"cannot reach the {engine.label} engine: "
                         f"{mask_credentials(_first_line(error))}") from None


def spark_session(master: str) -> Any:
    """Start (or reuse) a Spark session on `master`, times read as UTC; a local session
    may take half the machine's memory.

    A cluster URL is checked first, so an unreachable master is a plain error rather than a
    long wait.
    """
    from pyspark.sql import SparkSession

    if master.startswith("spark://"):
        host, _, port = master[len("spark://"):].split(",")[0].partition(":")
        try:
            socket.create_connection((host, int(port or 7077)), timeout=5).close()
        except (OSError, ValueError) as error:
            raise InputError(f"cannot reach the Spark master at {mask_url(master)}: "
                             f"{error}") from None
    builder = SparkSession.builder.master(master).appName("CX Playbooks")
    if master.startswith("local"):  # the session runs in this machine's memory
        builder = builder.config("spark.driver.memory", duckdb_memory_limit().replace("B", ""))
    return (builder
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(max(2, (os.cpu_count() or 2) * 2)))
            .getOrCreate())


def is_file_name(text: str) -> bool:
    """Whether `--activity-table` names a file (or files) rather than an engine's table."""
    return (text.lower().endswith(_FILE_SUFFIXES) or "*" in text or "/" in text
            or Path(text).exists())


def _ibis() -> Any:
    try:
        import ibis
    except ImportError:
        raise InputError("the duckdb, spark and warehouse engines need Ibis; install CX "
                         "Playbooks with its dependencies (pip install -e .).") from None
    return ibis


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")
