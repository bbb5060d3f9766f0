"""Every environment setting CX Playbooks reads, declared once: name, default and help.

Each setting is a `Setting` record; a typed accessor beside it reads and checks its value
(`workspace()`, `database_url()`, `demo_accounts()`, ...), so no other module reads a
`PLAYBOOKS_*` variable itself. The README's settings tables are generated from `SETTINGS`
and `TEST_SETTINGS` (`update_readme`), and a test fails when they drift.

This module uses the standard library only (and `playbooks.errors`, which does too): the
bootstrap that creates the virtual environment reads its settings from here before any
dependency is installed. An empty value counts as unset.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playbooks.errors import InputError


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, its default (as the docs show it) and its help."""

    name: str
    default: str
    help: str

    def value(self) -> str | None:
        """Return the variable's value with surrounding spaces removed, or None when unset."""
        text = os.environ.get(self.name, "").strip()
        return text or None


WORKSPACE = Setting(
    "PLAYBOOKS_WORKSPACE", "./workspace",
    "The workspace folder: the imported tables, the demo data and, by default, the store "
    "(playbooks.db). A command's `--workspace` option wins over it.")
DATABASE_URL = Setting(
    "PLAYBOOKS_DATABASE_URL", "SQLite file playbooks.db in the workspace",
    "SQLAlchemy URL of the store of assessments, journey maps and action items. For a shared "
    "server use e.g. postgresql+psycopg://user:password@host/dbname (postgresql:// works too).")
KNOWLEDGE_OVERLAY = Setting(
    "PLAYBOOKS_KNOWLEDGE_OVERLAY", "none",
    "Your own knowledge files (YAML files or folders of them) laid over the shipped ones, "
    "separated by the system's path separator (`:`, on Windows `;`).")
PLUGINS = Setting(
    "PLAYBOOKS_PLUGINS", "none",
    "Your own Python files (.py) or module names, separated by the system's path separator; "
    "the command line and the app import them at start-up to register custom signals and "
    "rules.")
CONTRACTS = Setting(
    "PLAYBOOKS_CONTRACTS", "the shipped data_contracts folder",
    "A folder of data contract files to use instead of the shipped ones.")
DEMO_ACCOUNTS = Setting(
    "PLAYBOOKS_DEMO_ACCOUNTS", "2000",
    "How many accounts the demo workspace gets that the app generates on its first run "
    "(a whole number; below 50 counts as 50).")
DEBUG = Setting(
    "PLAYBOOKS_DEBUG", "off",
    "`1` shows the full details (the traceback) of an unexpected error on the command line.")
VENV = Setting(
    "PLAYBOOKS_VENV", ".venv in the project folder",
    "Where `python3 -m playbooks` creates and keeps its virtual environment.")
NO_BOOTSTRAP = Setting(
    "PLAYBOOKS_NO_BOOTSTRAP", "off",
    "`1` makes `python3 -m playbooks` run in the current Python instead of creating or using "
    "its virtual environment.")

MAX_INPUT_MB = Setting(
    "PLAYBOOKS_MAX_INPUT_MB", "per kind of file: 1 for journey maps, knowledge files, recipes "
    "and mappings, 20 for assessments, 200 for question files and tables",
    "The largest journey map, knowledge overlay, recipe, mapping, assessment or question file "
    "read (in megabytes); a larger file is refused with a message. Set, it is the limit for "
    "every kind.")
CURRENCY = Setting(
    "PLAYBOOKS_CURRENCY", "none",
    "The currency of the accounts' annual values (a code or sign such as EUR, USD or £), "
    "shown beside every amount of money in the app and the review pack.")

LOCK_WAIT = Setting(
    "PLAYBOOKS_LOCK_WAIT", "60",
    "How many seconds an import (or the demo) waits for another one changing the same "
    "workspace to finish before it is refused.")

PREPARE_RESULTS = Setting(
    "PLAYBOOKS_PREPARE_RESULTS", "on",
    "The app's heavy results (account signals, question themes, efficiency beside "
    "relationship) are computed once, right after an import or a new demo, and kept in the "
    "workspace's .results folder; `0` leaves them to the first page that needs them.")

ENGINE = Setting(
    "PLAYBOOKS_ENGINE", "polars",
    "Where the passes over the activity table run: polars (the workspace's files), duckdb "
    "(files larger than memory, spilling to disk), spark or local[N] (a local Spark session), "
    "spark://HOST:PORT (a Spark cluster), or a warehouse URL such as "
    "postgresql://user@host/db (see docs/engines.md). The app's pages run their passes "
    "there too; a command's `--engine` wins over it.")
ACTIVITY_TABLE = Setting(
    "PLAYBOOKS_ACTIVITY_TABLE", "the workspace's activity files",
    "The activity table the engine reads: a table it holds (`table` or `schema.table`) or a "
    "Parquet or CSV file; the app's pages read it too, so the workspace needs only its "
    "accounts. A command's `--activity-table` wins over it.")

SETTINGS = (WORKSPACE, DATABASE_URL, KNOWLEDGE_OVERLAY, PLUGINS, CONTRACTS, DEMO_ACCOUNTS,
            DEBUG, VENV, NO_BOOTSTRAP, MAX_INPUT_MB, CURRENCY, LOCK_WAIT, PREPARE_RESULTS,
            ENGINE, ACTIVITY_TABLE)

# Read by the test suite only (tests/, set by .ci/run or by hand).
TEST_POSTGRES_URL = Setting(
    "PLAYBOOKS_TEST_POSTGRES_URL", "the local server on /var/run/postgresql",
    "A PostgreSQL server for the store tests (any database on it; they create and drop their "
    "own). When none can be reached, those tests are skipped.")
REQUIRE_POSTGRES = Setting(
    "PLAYBOOKS_REQUIRE_POSTGRES", "off",
    "`1` makes skipped PostgreSQL tests a failure (CI sets it).")
REQUIRE_BROWSER = Setting(
    "PLAYBOOKS_REQUIRE_BROWSER", "off",
    "`1` makes skipped browser tests a failure (CI sets it).")
CHROMIUM = Setting(
    "PLAYBOOKS_CHROMIUM", "chromium on the PATH, else /usr/bin/chromium",
    "The Chromium binary the browser tests drive.")
UPDATE_SNAPSHOTS = Setting(
    "PLAYBOOKS_UPDATE_SNAPSHOTS", "off",
    "`1` makes the snapshot tests rewrite tests/snapshots/ instead of comparing with it "
    "(to accept an intended change).")

FAULT_AT = Setting(
    "PLAYBOOKS_FAULT_AT", "off",
    "A step of the import (data-written, manifest-written, old-files-removed) at which the "
    "process ends at once, as a kill would: the tests prove a kill at each leaves the "
    "workspace whole.")

TEST_SETTINGS = (TEST_POSTGRES_URL, REQUIRE_POSTGRES, REQUIRE_BROWSER, CHROMIUM,
                 UPDATE_SNAPSHOTS, FAULT_AT)

DEFAULT_DEMO_ACCOUNTS = 2000
MIN_DEMO_ACCOUNTS = 50
_OFF = frozenset({"0", "false", "no", "off"})


# --- typed accessors ----------------------------------------------------------------------------


def workspace() -> Path:
    """Return the workspace folder: PLAYBOOKS_WORKSPACE, else ./workspace."""
    return Path(WORKSPACE.value() or WORKSPACE.default).expanduser()


def database_url() -> str | None:
    """Return the store URL set in PLAYBOOKS_DATABASE_URL, or None (the workspace's file).

    The store checks the URL (`playbooks.store.settings.resolve_database_url`).
    """
    return DATABASE_URL.value()


def knowledge_overlays() -> list[str]:
    """Return the overlay paths named in PLAYBOOKS_KNOWLEDGE_OVERLAY, in order."""
    return split_path_list(KNOWLEDGE_OVERLAY.value() or "")


def plugins() -> list[str]:
    """Return the plugin files and modules named in PLAYBOOKS_PLUGINS, in order."""
    return split_path_list(PLUGINS.value() or "")


def contracts_dir_override() -> Path | None:
    """Return the contracts folder set in PLAYBOOKS_CONTRACTS, or None for the shipped one."""
    chosen = CONTRACTS.value()
    return Path(chosen).expanduser() if chosen else None


def demo_accounts() -> int:
    """Return how many accounts a first-run demo workspace gets (PLAYBOOKS_DEMO_ACCOUNTS).

    Raises InputError when the value is not a whole number.
    """
    chosen = DEMO_ACCOUNTS.value()
    if chosen is None:
        return DEFAULT_DEMO_ACCOUNTS
    try:
        number = int(chosen)
    except ValueError:
        raise InputError(f"{DEMO_ACCOUNTS.name} must be a whole number of accounts, like "
                         f"{DEFAULT_DEMO_ACCOUNTS}; it is {chosen!r}.") from None
    return max(MIN_DEMO_ACCOUNTS, number)


def currency() -> str:
    """Return the currency of annual values (PLAYBOOKS_CURRENCY), or "" when none is set."""
    chosen = (CURRENCY.value() or "").strip()
    return "" if chosen.lower() in ("", "none") else chosen


def max_input_mb() -> float | None:
    """Return the file size limit set in PLAYBOOKS_MAX_INPUT_MB (megabytes), or None.

    Raises InputError when the value is not a positive number.
    """
    chosen = MAX_INPUT_MB.value()
    if chosen is None:
        return None
    try:
        number = float(chosen)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise InputError(f"{MAX_INPUT_MB.name} must be a positive number of megabytes, like "
                         f"50; it is {chosen!r}.")
    return number


def debug() -> bool:
    """Say whether PLAYBOOKS_DEBUG asks for full error details."""
    return is_on(DEBUG)


def prepare_results() -> bool:
    """Say whether heavy results are prepared right after an import or a new demo
    (PLAYBOOKS_PREPARE_RESULTS: on unless set to 0, false, no or off)."""
    return PREPARE_RESULTS.value() is None or is_on(PREPARE_RESULTS)


def engine() -> str:
    """Return the engine named in PLAYBOOKS_ENGINE, else `polars` (checked by the engines)."""
    return ENGINE.value() or ENGINE.default


def activity_table() -> str | None:
    """Return the activity table named in PLAYBOOKS_ACTIVITY_TABLE, or None (the workspace's
    files)."""
    return ACTIVITY_TABLE.value()


def venv_dir(project: Path) -> Path:
    """Return the bootstrap's virtual environment: PLAYBOOKS_VENV, else `project`/.venv."""
    return Path(VENV.value() or project / ".venv").expanduser().resolve()


def no_bootstrap() -> bool:
    """Say whether PLAYBOOKS_NO_BOOTSTRAP asks to run in the current Python."""
    return is_on(NO_BOOTSTRAP)


# --- helpers ------------------------------------------------------------------------------------


def is_on(setting: Setting) -> bool:
    """Read a switch: set and not one of 0, false, no or off (any case) means on.

    Never raises: switches are read while reporting other errors.
    """
    chosen = setting.value()
    return chosen is not None and chosen.lower() not in _OFF


def split_path_list(text: str) -> list[str]:
    """Split a list separated by the system's path separator, dropping empty items."""
    return [item.strip() for item in text.split(os.pathsep) if item.strip()]


def render_settings_table(settings: Sequence[Setting] = SETTINGS) -> str:
    """Render settings as the README's Markdown table (name, default, meaning)."""
    rows = ["| environment variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {s.default} | {s.help} |" for s in settings]
    return "\n".join(rows) + "\n"


README_BLOCKS = {"settings": SETTINGS, "test-settings": TEST_SETTINGS}


def update_readme(text: str) -> str:
    """Return the README text with each marker-delimited settings table regenerated.

    The blocks are `<!-- settings:start -->` ... `<!-- settings:end -->` (the settings) and
    the same with `test-settings` (the test suite's). Raises ValueError for a missing block.
    """
    for key, declared in README_BLOCKS.items():
        block = re.compile(rf"(<!-- {key}:start -->\n).*?(<!-- {key}:end -->)", re.DOTALL)
        found = block.search(text)
        if found is None:
            raise ValueError(f"the README has no <!-- {key}:start --> ... end block")
        text = text[:found.end(1)] + render_settings_table(declared) + text[found.start(2):]
    return text
