"""Data: bring in your own exports (CSV or Parquet), map their columns, check them against the
data contracts, and import them; or go back to the demo workspace."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from playbooks import settings
from playbooks.app.answers_form import answers_form
from playbooks.app.common import (
    clear_workspace_caches,
    demo_size,
    engine_note,
    ensure_workspace,
    failed_checks_only,
    friendly_errors,
    plain,
    preview_exports,
    review_account_matches,
    workspace_path,
    workspace_stamp,
)
from playbooks.data.contracts import Contract, load_contracts
from playbooks.data.recipes.answers import Answers, recipe_from_answers
from playbooks.data.recipes.convert import convert_export
from playbooks.data.recipes.importing import import_exports
from playbooks.data.sources import Origin, default_source
from playbooks.data.validation import example_text
from playbooks.data.workspace import (
    TABLES,
    ImportRejected,
    ValidationReport,
    file_chunks,
    import_files,
    suggest_mapping,
    validate_file,
    workspace_status,
)

KEY = "data_"
NONE = "— not in my file —"
LABELS = {"accounts": "Accounts", "activity": "Activity (one row per event)",
          "health_snapshots": "Health score history (optional)"}

FLASH = KEY + "flash"

st.title("Your data")
st.caption("Bring exports from your CRM, help desk, product analytics, community and event "
           "tools. Nothing is imported until every file passes its checks, and a failed import "
           "leaves your current data exactly as it was.")

contracts = load_contracts()
ensure_workspace(stop=False)
status = workspace_status(workspace_path())
with st.container(border=True):
    kind = "demo data (a generated example company)" if status.is_demo else "your own data"
    st.markdown(f"**The workspace holds {kind}.**")
    st.dataframe(pl.DataFrame([{
        "Table": LABELS.get(t.name, t.name), "Rows": t.rows if t.exists else None,
        "Sources": ", ".join(t.sources),
        "Last changed (UTC)": t.last_import.strftime("%Y-%m-%d %H:%M") if t.last_import else "",
    } for t in status.tables.values()]), hide_index=True, width="stretch")
    if on_engine := engine_note():
        st.caption(on_engine + (" An activity table imported here is not read while "
                                "PLAYBOOKS_ACTIVITY_TABLE names the engine's."
                                if settings.activity_table() else ""))


def _stash(upload) -> Path:
    """Keep an uploaded file in this session's private folder (never in the workspace)."""
    folder = st.session_state.setdefault(KEY + "tmp", tempfile.mkdtemp(prefix="playbooks-up-"))
    name = Path(upload.name).name
    if not Path(name).suffix:
        name += ".csv"
    path = Path(folder) / str(upload.file_id) / name  # under its own name, as the user knows it
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(upload.getvalue())
    return path


def _sample(path: Path) -> pl.DataFrame:
    """The file's first rows as written: its columns, and values to judge suggestions by."""
    return next(iter(file_chunks(path, chunk_rows=50)())).head(200)


def _business_names(contract: Contract) -> Callable[[str], str]:
    """Return a function writing the contract's column names in a text as its business names."""
    names = {f.name: f.business_name for f in contract.fields}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return lambda text: pattern.sub(lambda m: f"'{names[m.group(1)]}'", str(text)).replace(
        "''", "'")


def _check_answered(path: Path, answers: Answers, source: str, table: str) -> ValidationReport:
    """Check a file read with the answers: its converted rows, under the file's own name."""
    recipe = recipe_from_answers(answers, path, name="answers_check", source=source or "default")
    converted = convert_export(path, recipe, folder=workspace_path())
    try:
        report = validate_file(converted.path, contracts[table])
    finally:
        converted.discard()
    return replace(report, source=path.name)


if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon=":material/check_circle:")

st.subheader("Exports from your tools")
st.caption("Drop the exports as your tools write them (a Salesforce account report, Zendesk "
           "tickets, ...). Each file's tool is recognised from its header and converted by its "
           "recipe; you see what it becomes and which accounts it matches before anything is "
           "imported.")
exports = st.file_uploader("Exports from your tools", type=["csv", "txt", "tsv", "jsonl", "json"],
                           accept_multiple_files=True, key=KEY + "upload_exports")
routed: dict[str, UploadedFile] = {}  # exports no recipe knows, under the table picked
if exports:
    stashed: dict[Path, str] = {}
    with friendly_errors("read the exports"):
        stashed = {_stash(upload): upload.name for upload in exports}
    # One preview per set of files and workspace version: a replaced file is read again.
    seen = (tuple(upload.file_id for upload in exports), workspace_stamp())
    previews = st.session_state.get(KEY + "previews", {}).get(seen, [])
    if stashed and not previews:
        with friendly_errors("preview the exports"), st.spinner("Reading the exports ..."):
            previews = preview_exports(list(stashed), workspace_path())
            st.session_state[KEY + "previews"] = {seen: previews}
    for preview in previews:
        with st.container(border=True):
            if preview.recipe_id is None:
                st.markdown(f"**{plain(preview.file)}**: no recipe recognises this file.")
                table = st.selectbox("What it holds, to match its columns to ours below",
                                     [None, *TABLES], format_func=lambda t: LABELS.get(t, "—"),
                                     key=f"{KEY}table_{preview.file}")
                upload = next(u for u in exports if u.name == preview.file)
                if table is not None:
                    routed.setdefault(table, upload)
                continue
            st.markdown(f"**{plain(preview.file)}**: {plain(preview.label)}")
            st.caption(f"Why: {plain(preview.reason)}.")
            kept = f"{preview.rows_out:,} row(s) for the {preview.table} table"
            st.markdown(f"{preview.rows_in:,} row(s) in the file become {kept}.")
            if preview.left_out:
                why = "; ".join(f"{reason} ({n:,})" for reason, n in preview.left_out.items())
                st.markdown(f"Left out, naming no known account: {plain(why)}.")
            elif preview.table != "accounts":
                st.markdown("Every row matches one of your accounts.")
            if preview.rows is not None:
                st.dataframe(preview.rows, hide_index=True, width="stretch")
            if preview.matches is not None and preview.matches.height:
                uncertain = preview.matches.filter(pl.col("Match") == "uncertain").height
                with st.expander(f"How its {preview.matches.height:,} account reference(s) "
                                 f"match ({uncertain:,} uncertain, to review after importing)"):
                    st.dataframe(preview.matches, hide_index=True, width="stretch")
    ready = [p for p in previews if p.recipe_id is not None]
    if ready and st.button("Import these exports", type="primary", key=KEY + "import_exports"):
        names = {p.file for p in ready}
        with friendly_errors("import the exports"), st.spinner("Importing ..."):
            try:
                imported = import_exports([p for p in stashed if p.name in names],
                                          workspace_path(), replace_demo=True)
            except ImportRejected as rejected:
                raise failed_checks_only(rejected) from None
            clear_workspace_caches()
            st.session_state[FLASH] = ("Imported. Every page now uses your data. "
                                       + " ".join(imported.recipe_lines))
        if FLASH in st.session_state:
            st.rerun()  # the workspace status above and every page read the new data

st.subheader("1. Upload your exports")
st.caption("CSV (UTF-8, with a header row) or Parquet; up to 200 MB each. Upload accounts and "
           "activity together the first time, since activity is checked against accounts.")
uploads = {}
cols = st.columns(len(TABLES))
for col, table in zip(cols, TABLES, strict=True):
    uploads[table] = col.file_uploader(LABELS[table], type=["csv", "parquet"],
                                       key=f"{KEY}upload_{table}")

chosen = {t: u for t, u in uploads.items() if u is not None}
for table, upload in routed.items():
    chosen.setdefault(table, upload)
if not chosen:
    st.info("Upload at least one file to continue.")
else:
    st.subheader("2. Match your columns to ours")
    st.caption("We suggest a match for a column only when we are sure of it (by its name, a "
               "known alias, and its values); the others are left for you to pick.")
    paths: dict[str, Path] = {}
    mappings: dict[str, dict[str, str]] = {}
    origins: dict[Path, Origin] = {}
    answered: dict[Path, Answers] = {}  # files read with fixed values, value maps, ...
    saving: dict[Path, str] = {}
    readable = True
    for table, upload in chosen.items():
        contract = contracts[table]
        sample: pl.DataFrame | None = None
        with friendly_errors(f"read {upload.name}"):
            paths[table] = _stash(upload)
            sample = _sample(paths[table])
        if sample is None:
            paths.pop(table, None)
            readable = False
            continue
        columns = list(sample.columns)
        found = suggest_mapping(columns, contract, samples=sample)
        suggested = {target: source for source, target in found.items()}
        with st.expander(f"{plain(upload.name)} → {LABELS[table]}", expanded=True):
            source = st.text_input(
                "Source", value=default_source(upload.name, table), key=f"{KEY}source_{table}",
                help="Where these rows come from (helpdesk, chat, crm, ...). Importing replaces "
                "this source's rows and keeps every other source's.")
            origins[paths[table]] = Origin(source.strip(), original_file=upload.name)
            mapping = {}
            matched_all: dict[str, str] = {}  # with the columns named as ours
            grid = st.columns(3)
            for i, field in enumerate(contract.fields):
                options = [NONE, *columns]
                default = suggested.get(field.name)
                picked = grid[i % 3].selectbox(
                    f"{field.business_name}{' (required)' if field.required else ''}",
                    options, index=options.index(default) if default in options else 0,
                    help=field.description, key=f"{KEY}map_{table}_{field.name}")
                if picked != NONE and picked != field.name:
                    mapping[picked] = field.name
                if picked != NONE:
                    matched_all[picked] = field.name
            named = _business_names(contract)
            matched = [f"{plain(d.column)} → {named(d.target)} ({d.confidence:.0%}: "
                       f"{named(d.reason)})" for d in found.details.values() if d.target]
            unmatched = [f"{plain(d.column)} ({named(d.reason)})"
                         for d in found.details.values() if d.target is None]
            if matched:
                st.caption("Suggested: " + "; ".join(matched) + ".")
            if unmatched:
                st.caption("Not matched, pick them above if they belong: "
                           + "; ".join(unmatched) + ".")
            mappings[table] = mapping
            given, save_as = answers_form(table, contract, sample, matched_all,
                                          f"{KEY}answers_{table}_")
            if given is not None:
                answered[paths[table]] = given
                if save_as:
                    saving[paths[table]] = save_as

    if readable and paths:
        st.subheader("3. Check and import")
        check, do_import = st.columns(2)
        if check.button("Check the files", key=KEY + "check"):
            for table, path in paths.items():
                with friendly_errors(f"check {chosen[table].name}"):
                    if path in answered:  # read through the recipe the answers make
                        checked = _check_answered(path, answered[path], origins[path].source,
                                                  table)
                    else:
                        checked = validate_file(path, contracts[table],
                                                mapping=mappings.get(table))
                    st.session_state[f"{KEY}report_{table}"] = checked
        if do_import.button("Import into the workspace", type="primary", key=KEY + "import"):
            with friendly_errors("import the files"):
                try:
                    if answered:
                        imported = import_exports(
                            list(paths.values()), workspace_path(), origins=origins,
                            mappings={t: m for t, m in mappings.items()
                                      if paths[t] not in answered},
                            answers=answered, save_recipes=saving,
                            tables={p: t for t, p in paths.items()}, replace_demo=True)
                        reports = [replace(r, source=imported.file_name(Path(r.source).name))
                                   for r in imported.result]
                        said = " ".join(imported.recipe_lines)
                    else:
                        reports = list(import_files(paths, workspace_path(), mappings=mappings,
                                                    origins=origins, replace_demo=True))
                        said = ""
                    for done in reports:
                        st.session_state[f"{KEY}report_{done.contract}"] = done
                    clear_workspace_caches()
                    st.session_state[FLASH] = ("Imported. Every page now uses your data. "
                                               + plain(said))
                except ImportRejected as rejected:
                    for refused in rejected.reports:
                        st.session_state[f"{KEY}report_{refused.contract}"] = refused
                    st.error(rejected.message, icon=":material/block:")
            if FLASH in st.session_state:
                st.rerun()  # the workspace status above and every page read the new data

        for table in paths:
            report = st.session_state.get(f"{KEY}report_{table}")
            if report is None:
                continue
            if report.valid:
                st.success(f"{plain(report.source)}: passes every check of the {table} contract "
                           f"({report.rows:,} rows).")
            else:
                st.error(f"{plain(report.source)}: {len(report.failed)} check(s) failed. Fix them "
                         "in your export (or the column matches above) before importing.")
                for result in report.failed:
                    st.text(f"✗ {result.message}")
                    if result.examples:
                        st.text("   e.g. " + "; ".join(
                            example_text(e) for e in result.examples[:5]))
            with st.expander(f"Every check for {plain(report.source)}"):
                st.dataframe(pl.DataFrame([{
                    "Check": r.rule_id, "Result": r.status, "Failing rows": r.failing_rows,
                    "Share": f"{r.share:.1%}", "What it means": r.message,
                } for r in report.results]), hide_index=True, width="stretch")

st.subheader("Account matches to review")
st.caption("When an export names accounts by another system's id, an email domain or a company "
           "name, each is matched to one of your accounts. Close but uncertain matches wait "
           "here: accept or reject each; later imports remember your choice.")
with friendly_errors("read the account matches"):
    review_account_matches(workspace_path(), KEY + "match_")

st.subheader("Go back to the demo workspace")
st.caption("Replaces whatever the workspace holds with a freshly generated example company.")
sure = st.checkbox("I understand this replaces the data in the workspace",
                   key=KEY + "confirm_demo", disabled=status.is_demo)
if st.button("Use the demo workspace", disabled=status.is_demo or not sure, key=KEY + "demo"):
    with friendly_errors("create the demo workspace"), st.spinner("Generating the demo ..."):
        from playbooks.demo import generate_demo

        generate_demo(workspace_path(), accounts=demo_size())
        clear_workspace_caches()
        st.rerun()
