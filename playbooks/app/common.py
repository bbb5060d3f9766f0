"""What every page shares: cached loaders and readable error messages."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import streamlit as st

from playbooks.errors import PlaybooksError, mask_credentials
from playbooks.framework.model import Knowledge, load_knowledge
from playbooks.results import heavy
from playbooks.results.store import Stamp
from playbooks.results.store import workspace_stamp as stamp_of


@st.cache_resource(show_spinner=False)
def knowledge() -> Knowledge:
    """The decision framework, loaded once per server (with the company's plugins)."""
    from playbooks.plugins import load_plugins

    load_plugins()
    return load_knowledge()


@contextmanager
def friendly_errors(action: str, *, stop: bool = False) -> Iterator[None]:
    """Show a readable message instead of a traceback; details only on request.

    `stop=True` ends the page after the message, for a block the rest of the page needs.
    """
    try:
        yield
    except PlaybooksError as error:
        st.error(f"Could not {action}: {plain(mask_credentials(error.message))}",
                 icon=":material/error:")
        for problem in error.problems:
            st.text(f"• {mask_credentials(problem)}")
        if stop:
            st.stop()
    except Exception as error:  # noqa: BLE001 - the last guard before a user sees a traceback
        st.error(f"Something went wrong while trying to {action}. Your data is unchanged.",
                 icon=":material/error:")
        with st.expander("Technical details"):
            st.code(mask_credentials("".join(traceback.format_exception(error))),
                    language=None)
        if stop:
            st.stop()


@st.cache_resource(show_spinner=False)
def _store(url: str):
    from playbooks.store import Store

    return Store(url)


def store():
    """The store for saved assessments, journey maps and plans (one per database URL)."""
    from playbooks.store.settings import resolve_database_url

    return _store(resolve_database_url(None))


@st.cache_resource(show_spinner=False)
def question_bank():
    """The self-assessment question bank, loaded once per server."""
    from playbooks.assessment.bank import load_question_bank

    return load_question_bank()


# --- the workspace -----------------------------------------------------------------------------


def workspace_path():
    """The workspace folder: PLAYBOOKS_WORKSPACE, else ./workspace."""
    from playbooks.data.workspace import resolve_workspace

    return resolve_workspace(None)


def demo_size() -> int:
    """How many accounts a first-run demo workspace gets (PLAYBOOKS_DEMO_ACCOUNTS)."""
    from playbooks import settings

    return settings.demo_accounts()


def ensure_workspace(*, stop: bool = True) -> None:
    """Give a first run a working demo workspace, with a spinner while it is generated.

    When the activity lives in an engine's table (PLAYBOOKS_ACTIVITY_TABLE) a demo would not
    match it: the page says to import the accounts instead, and stops there when `stop`.
    """
    from playbooks import settings
    from playbooks.data.workspace import workspace_status
    from playbooks.demo import ensure_demo_workspace

    folder = workspace_path()
    if workspace_status(folder).has_data:
        return
    note = engine_note()
    if settings.activity_table() and note:
        st.info(f"{note} Import your accounts table on the Your data page (in the "
                "menu) to see them; the activity itself stays where it is.",
                icon=":material/database:")
        if stop:
            st.stop()
        return
    with st.spinner("Preparing a demo workspace so you can explore with realistic data ..."):
        ensure_demo_workspace(folder, accounts=demo_size())


def workspace_stamp() -> Stamp:
    """The workspace folder and its tables' and manifest's modification times: a cache key
    that changes whenever an import or a new demo replaces a table or a source."""
    return stamp_of(workspace_path())


def engine_note() -> str | None:
    """Where the activity is read when an engine is chosen (PLAYBOOKS_ENGINE), in words; None
    with polars, the default."""
    from playbooks import settings
    from playbooks.engines.connect import POLARS, configured_engine
    from playbooks.errors import mask_url

    engine = configured_engine()
    if engine.kind == POLARS:
        return None
    table = settings.activity_table()
    where = f"the table {mask_url(table)}" if table else "the workspace's activity files"
    return (f"The activity is read on the {engine.label} engine, from {where}: only small "
            "per-account and per-week tables come back to the app.")


@st.cache_resource(show_spinner=False, max_entries=2)
def inputs(stamp: Stamp) -> heavy.Inputs:
    """A workspace version's tables and as-of date, read once, when a result needs them."""
    return heavy.Inputs(stamp)


def workspace_as_of(stamp: Stamp):  # noqa: ANN201 - a date
    """The date every result of a workspace is computed as of: its latest event's date, read
    once per workspace version and passed to each computation."""
    return inputs(stamp).as_of()


@st.cache_resource(show_spinner=False, max_entries=2)
def accounts_table(stamp: Stamp) -> pl.DataFrame:
    """The accounts table of a workspace alone (without reading the activity)."""
    return inputs(stamp).accounts()


@st.cache_resource(show_spinner=False, max_entries=32)
def account_activity(stamp: Stamp, account_id: str) -> pl.DataFrame:
    """One account's activity rows, read for that account only (from the workspace's files
    or the engine's table)."""
    return inputs(stamp).events_of([account_id])


@st.cache_resource(show_spinner="Computing account signals ...", max_entries=4)
def signals(stamp: Stamp) -> pl.DataFrame:
    """Per-account signals of a workspace (kept per workspace version), with the company's
    custom signals from PLAYBOOKS_PLUGINS."""
    return heavy.account_signals(inputs(stamp))


@st.cache_resource(show_spinner=False, max_entries=16)
def account_series(stamp: Stamp, account_id: str):
    """One account's relationship signals per block, as the engine counts them."""
    from playbooks.plugins import load_plugins
    from playbooks.signals import account_block_series

    load_plugins()
    return account_block_series(accounts_table(stamp).lazy(),
                                account_activity(stamp, account_id).lazy(),
                                account_ids=[account_id], as_of=workspace_as_of(stamp),
                                relationship_only=True)


@st.cache_resource(show_spinner="Grouping repeated questions ...", max_entries=2)
def themes(stamp: Stamp) -> pl.DataFrame:
    """Repeated-question themes of a workspace."""
    return heavy.question_themes(inputs(stamp))


@st.cache_resource(show_spinner=False, max_entries=2)
def continuity_gaps(stamp: Stamp) -> pl.DataFrame:
    """Continuity gaps of a workspace, one row per gap."""
    return heavy.continuity_gaps(inputs(stamp))


_MARKDOWN_SPECIAL = "\\`*_{}[]()<>#+-.!|~$:"
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www|mailto)|@")


def plain(text: object) -> str:
    """Make user-provided text safe for places that render Markdown (titles, captions): escape
    every Markdown character and break the words that would turn into automatic links (with a
    zero-width space), so an account name or a question never becomes a link, image or markup."""
    escaped = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in str(text))
    return _AUTOLINK.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], escaped)


# --- account matches -------------------------------------------------------------------------


def review_account_matches(folder: Path, key: str, limit: int = 50) -> None:
    """List the crosswalk's uncertain account matches, each with Accept and Reject buttons.

    A decision is saved in the workspace's crosswalk at once (as `playbooks accounts
    accept|reject` does) and later imports reuse it. Button keys are `{key}accept_{kind}_{ref}`
    and `{key}reject_{kind}_{ref}`.
    """
    import getpass

    from playbooks.data.crosswalk_store import decide_match, load_crosswalk, save_crosswalk

    crosswalk = load_crosswalk(folder)
    waiting = crosswalk.with_status("uncertain") if crosswalk is not None else None
    if crosswalk is None or waiting is None or not waiting.height:
        st.caption("No account matches wait for review.")
        return
    unmatched = crosswalk.with_status("unmatched")
    st.markdown(f"**{waiting.height:,} uncertain match(es) wait for you**; "
                f"{unmatched.height:,} reference(s) matched no account "
                "(`playbooks accounts matches --status unmatched` lists them).")
    for row in waiting.head(limit).iter_rows(named=True):
        text, accept, reject = st.columns([6, 1, 1])
        score = f"{row['score']:.0f}" if row["score"] is not None else "?"
        text.markdown(f"{plain(row['ref_kind'])} **{plain(row['ref'])}** → account "
                      f"**{plain(row['account_id'])}** (score {score}; {plain(row['reason'])})")
        suffix = f"{row['ref_kind']}_{row['ref']}"
        decision = None
        if accept.button("Accept", key=f"{key}accept_{suffix}"):
            decision = "accepted"
        if reject.button("Reject", key=f"{key}reject_{suffix}"):
            decision = "rejected"
        if decision is not None:
            updated = decide_match(crosswalk, row["ref_kind"], row["ref"], decision,
                                   by=getpass.getuser())
            save_crosswalk(updated, folder)
            st.rerun()
    if waiting.height > limit:
        st.caption(f"Showing the first {limit}; `playbooks accounts matches --status uncertain` "
                   "lists them all.")


# --- exports from tools ----------------------------------------------------------------------


@dataclass
class ExportPreview:
    """What an export becomes before it is imported: its recipe, first rows and account matches."""

    file: str
    recipe_id: str | None = None
    tool: str = ""
    table: str = ""
    reason: str = ""
    rows: pl.DataFrame | None = None
    rows_in: int = 0
    rows_out: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    matches: pl.DataFrame | None = None

    @property
    def label(self) -> str:
        """The tool and recipe in plain words, e.g. "Zendesk tickets (recipe zendesk_tickets)"."""
        return f"{self.tool} (recipe {self.recipe_id})" if self.recipe_id else "no recipe"


def preview_exports(paths: list[Path], folder: Path, head: int = 20) -> list[ExportPreview]:
    """Recognise each export and convert it as `import_exports` would, without importing.

    Accounts exports are converted first, so an activity export uploaded beside them is matched
    against those accounts (else against the workspace's). Each preview keeps the first `head`
    rows under the contract's business names; the converted copies are removed at once.
    """
    from playbooks.data.contracts import load_contract
    from playbooks.data.recipes.catalogue import shipped_recipes
    from playbooks.data.recipes.convert import convert_export, workspace_accounts
    from playbooks.data.recipes.recognise import recognise

    known = shipped_recipes().values()
    found = [(path, recognise(path, known)) for path in paths]
    previews = {path: ExportPreview(path.name) for path in paths}
    accounts = None
    order = {"accounts": 0, "health_snapshots": 1, "activity": 2}
    for path, match in sorted(found, key=lambda f: order.get(f[1].recipe.table if f[1] else "", 3)):
        if match is None:
            continue
        recipe = match.recipe
        if recipe.table != "accounts" and accounts is None:
            accounts = workspace_accounts(folder)
        converted = convert_export(path, recipe, folder=folder, accounts=accounts)
        try:
            frame = pl.read_parquet(converted.path)
        finally:
            converted.discard()
        if recipe.table == "accounts":
            accounts = frame
        names = {f.name: f.business_name or f.name for f in load_contract(recipe.table).fields}
        previews[path] = ExportPreview(
            path.name, recipe.id, recipe.tool, recipe.table, match.reason,
            frame.head(head).rename({c: names.get(c, c) for c in frame.columns}),
            converted.rows_in, converted.rows_out, converted.unmatched_reasons,
            _plain_matches(converted.resolution))
    return [previews[path] for path in paths]


_MATCH_COLUMNS = {"ref_kind": "Named by", "ref": "As the export names it",
                  "account_id": "Account ID", "status": "Match", "reason": "Why", "rows": "Rows"}


def _plain_matches(resolution: pl.DataFrame | None) -> pl.DataFrame | None:
    if resolution is None:
        return None
    return resolution.select(list(_MATCH_COLUMNS)).rename(_MATCH_COLUMNS)


def clear_workspace_caches() -> None:
    """Forget every cached workspace result, so each page reads the workspace as it is now,
    and start preparing the new workspace version's heavy results in the background."""
    from playbooks.results.prepare import prepare_in_background

    st.cache_resource.clear()
    st.cache_data.clear()
    prepare_in_background(workspace_path())


def failed_checks_only(error: PlaybooksError) -> PlaybooksError:
    """The import's error with only the failed checks listed under each file (the export is
    already named by its own name: `import_exports` does that for the command line too)."""
    problems = [
        "\n".join(line for line in problem.splitlines() if not line.lstrip().startswith("ok "))
        for problem in error.problems
    ]
    return PlaybooksError(error.message, problems=problems)
