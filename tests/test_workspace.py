"""Imports refuse broken files with a precise message and never touch the workspace."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from playbooks.data.sources import scan_table
from playbooks.data.workspace import (
    ImportRejected,
    import_files,
    load_mapping,
    load_tables,
    read_sources,
    resolve_workspace,
    suggest_mapping,
    workspace_status,
)
from playbooks.errors import InputError, PlaybooksError

ACCOUNTS = """account_id,name,segment,owner,annual_value,contract_start,renewal_date,lifecycle_stage
A1,Acme,smb,Jo Berg,1200,2022-01-01,2027-01-01,adoption
A2,Beta,enterprise,Jo Berg,90000,2021-05-01,2027-05-01,renewal
A3,Gamma,mid_market,Sam Kim,30000,2023-03-15,2027-03-15,expansion
"""
ACTIVITY_HEADER = ("event_id,account_id,person_id,actor_type,occurred_at,source_function,kind,"
                   "channel,automated,feature,question_text\n")
ACTIVITY = ACTIVITY_HEADER + (
    "E1,A1,p1,customer,2025-03-01 10:00:00,support,question_asked,support_agent,false,,"
    "How do I export the report to CSV?\n"
    "E2,A2,p2,customer,2025-03-02 11:00:00,product,feature_used,product,false,dashboards,\n"
    "E3,A3,bot-1,bot,2025-03-03 09:00:00,customer_success,automated_check_in,email,true,,\n"
)


def _csv(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    import_files({"accounts": _csv(tmp_path, "accounts.csv", ACCOUNTS),
                  "activity": _csv(tmp_path, "activity.csv", ACTIVITY)}, folder, gx="off")
    return folder


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _accounts(folder: Path) -> pl.DataFrame:
    table = scan_table(folder, read_sources(folder), "accounts")
    assert table is not None
    return table.collect()


def _replace_line(text: str, line: int, old: str, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[line] = lines[line].replace(old, new)
    return "".join(lines)


BROKEN = [
    # (id, table, file name, content, error type, words the message must contain)
    ("missing required column", "accounts", "accounts.csv",
     ACCOUNTS.replace(",lifecycle_stage", "").replace(",adoption", "").replace(",renewal\n", "\n")
     .replace(",expansion", ""), ImportRejected, ["columns_present", "lifecycle_stage"]),
    ("wrong type", "accounts", "accounts.csv", _replace_line(ACCOUNTS, 2, "90000", "lots"),
     ImportRejected, ["annual_value", "row 2", "'lots'"]),
    ("unknown source function", "activity", "activity.csv",
     _replace_line(ACTIVITY, 2, ",product,feature_used", ",billing,feature_used"),
     ImportRejected, ["source_function", "row 2", "'billing'"]),
    ("unknown kind", "activity", "activity.csv",
     _replace_line(ACTIVITY, 3, "automated_check_in", "nudge"),
     ImportRejected, ["kind", "row 3", "'nudge'"]),
    ("duplicate account ids", "accounts", "accounts.csv", _replace_line(ACCOUNTS, 3, "A3", "A1"),
     ImportRejected, ["account_id.unique", "row 1", "row 3", "'A1'"]),
    ("activity for unknown account", "activity", "activity.csv",
     _replace_line(ACTIVITY, 1, ",A1,", ",A77,"),
     ImportRejected, ["account_id.references", "row 1", "'A77'", "accounts table"]),
    ("timestamp in the future", "activity", "activity.csv",
     _replace_line(ACTIVITY, 2, "2025-03-02", "2091-03-02"),
     ImportRejected, ["occurred_at.not_in_future", "row 2", "2091-03-02"]),
    ("timestamp before 2000", "activity", "activity.csv",
     _replace_line(ACTIVITY, 3, "2025-03-03", "1998-03-03"),
     ImportRejected, ["occurred_at.range", "row 3", "1998-03-03"]),
    ("mixed date formats", "accounts", "accounts.csv",
     _replace_line(ACCOUNTS, 3, "2023-03-15,", "15/03/2023,"),
     InputError, ["mixes date formats", "contract_start", "row 1", "row 3", "15/03/2023"]),
    ("empty file", "accounts", "accounts.csv", "", InputError, ["accounts.csv", "empty"]),
    ("header only", "accounts", "accounts.csv", ACCOUNTS.splitlines()[0] + "\n", InputError,
     ["accounts.csv", "header row", "no data rows"]),
    ("not utf-8", "accounts", "accounts.csv",
     _replace_line(ACCOUNTS, 2, "Beta", "B\u00e9ta").encode("latin-1"), InputError,
     ["accounts.csv", "not UTF-8", "row 2", "'name'"]),
    ("ragged rows", "activity", "activity.csv", ACTIVITY + "E4,A1,p1,customer\n", InputError,
     ["activity.csv", "row 4", "4 fields", "header has 11"]),
    ("xlsx named .csv", "accounts", "accounts.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50,
     InputError, ["accounts.csv", "Excel", "not a CSV"]),
    ("binary named .csv", "accounts", "accounts.csv", bytes(range(256)) * 4, InputError,
     ["accounts.csv", "binary"]),
    ("text named .parquet", "accounts", "accounts.parquet", ACCOUNTS, InputError,
     ["accounts.parquet", "not a Parquet file"]),
]


@pytest.mark.parametrize(("table", "name", "content", "error", "words"),
                         [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_broken_input_is_refused_precisely_and_changes_nothing(tmp_path, workspace, table, name,
                                                                content, error, words):
    before = _snapshot(workspace)
    bad = _csv(tmp_path, name, content)
    with pytest.raises(error) as caught:
        import_files({table: bad}, workspace, gx="off")
    message = str(caught.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"
    assert _snapshot(workspace) == before
    assert not any(p.name.startswith(".import-") for p in workspace.rglob("*"))


def test_a_good_import_replaces_the_table_and_keeps_extra_columns(tmp_path, workspace):
    richer = ACCOUNTS.replace("lifecycle_stage\n", "lifecycle_stage,region\n").replace(
        "adoption\n", "adoption,EMEA\n").replace("renewal\n", "renewal,US\n").replace(
        "expansion\n", "expansion,APAC\n")
    import_files({"accounts": _csv(tmp_path, "accounts.csv", richer)}, workspace, gx="off")
    stored = load_tables(workspace).accounts.collect()
    assert stored["region"].to_list() == ["EMEA", "US", "APAC"]
    assert stored.schema["contract_start"] == pl.Date
    assert stored.schema["health_score"] == pl.Float64  # optional column added, empty
    assert stored.columns[:8] == ["account_id", "name", "segment", "owner", "annual_value",
                                  "contract_start", "renewal_date", "lifecycle_stage"]


def test_status_reports_tables_rows_and_demo_flag(workspace):
    status = workspace_status(workspace)
    assert status.exists and not status.is_demo
    assert status.tables["accounts"].rows == 3 and status.tables["activity"].rows == 3
    assert not status.tables["health_snapshots"].exists
    assert status.tables["accounts"].last_import is not None


def test_activity_needs_accounts_first(tmp_path):
    with pytest.raises(InputError, match="import the accounts table first"):
        import_files({"activity": _csv(tmp_path, "activity.csv", ACTIVITY)}, tmp_path / "new",
                     gx="off")


def test_mapping_files_rename_export_columns(tmp_path):
    export = ACCOUNTS.replace("account_id,name", "Company ID,Company Name", 1)
    yaml_map = _csv(tmp_path, "map.yaml", "Company ID: account_id\nCompany Name: name\n")
    csv_map = _csv(tmp_path, "map.csv",
                   "export_column,contract_column\nCompany ID,account_id\nCompany Name,name\n")
    assert load_mapping(yaml_map) == load_mapping(csv_map) == {"Company ID": "account_id",
                                                               "Company Name": "name"}
    folder = tmp_path / "ws"
    import_files({"accounts": _csv(tmp_path, "export.csv", export)}, folder,
                 mappings={"accounts": load_mapping(yaml_map)}, gx="off")
    assert _accounts(folder)["name"][0] == "Acme"


def test_mapping_to_an_unknown_column_is_named(tmp_path):
    with pytest.raises(InputError, match="'Nope'"):
        import_files({"accounts": _csv(tmp_path, "accounts.csv", ACCOUNTS)}, tmp_path / "ws",
                     mappings={"accounts": {"Nope": "account_id"}}, gx="off")


def test_suggest_mapping_matches_names_aliases_and_near_misses():
    suggested = suggest_mapping(["Account ID", "Company Name", "CSM", "ARR", "Start Date",
                                 "Renewal", "Stage", "Colour", "Notes"], "accounts")
    assert suggested == {"Account ID": "account_id", "Company Name": "name", "CSM": "owner",
                         "ARR": "annual_value", "Start Date": "contract_start",
                         "Renewal": "renewal_date", "Stage": "lifecycle_stage",
                         "Colour": "health_colour"}


def test_workspace_resolution_order(tmp_path, monkeypatch):
    monkeypatch.delenv("PLAYBOOKS_WORKSPACE", raising=False)
    assert resolve_workspace() == Path("workspace")
    monkeypatch.setenv("PLAYBOOKS_WORKSPACE", str(tmp_path / "env"))
    assert resolve_workspace() == tmp_path / "env"
    assert resolve_workspace(tmp_path / "flag") == tmp_path / "flag"


def test_demo_workspace_is_protected_unless_replaced(tmp_path):
    from playbooks.demo import generate_demo

    folder = tmp_path / "demo"
    generate_demo(folder, accounts=20, weeks=4, seed=1)
    with pytest.raises(InputError, match="demo data"):
        import_files({"accounts": _csv(tmp_path, "accounts.csv", ACCOUNTS)}, folder, gx="off")
    import_files({"accounts": _csv(tmp_path, "accounts.csv", ACCOUNTS),
                  "activity": _csv(tmp_path, "activity.csv", ACTIVITY)}, folder,
                 replace_demo=True, gx="off")
    status = workspace_status(folder)
    assert not status.is_demo and not status.tables["health_snapshots"].exists
    assert status.tables["accounts"].rows == 3


def test_cli_validate_exit_codes(tmp_path, workspace, cli):
    good = _csv(tmp_path, "accounts.csv", ACCOUNTS)
    bad = _csv(tmp_path, "bad.csv", _replace_line(ACCOUNTS, 2, "90000", "lots"))
    empty = _csv(tmp_path, "empty.csv", "")
    assert cli("validate", str(good), "--gx", "off").code == 0
    done = cli("validate", str(bad), "--contract", "accounts", "--gx", "off")
    assert done.code == 1
    assert "annual_value" in done.stdout
    done = cli("validate", str(empty), "--contract", "accounts")
    assert done.code == 2
    assert "empty" in done.stderr


def test_cli_validate_json_and_import(tmp_path, cli):
    import json

    good = _csv(tmp_path, "accounts.csv", ACCOUNTS)
    done = cli("validate", str(good), "--json", "--gx", "off")
    assert done.code == 0
    assert json.loads(done.stdout)["valid"] is True
    assert cli("import", str(good), "--workspace", str(tmp_path / "ws")).code == 0
    assert _accounts(tmp_path / "ws").height == 3
    bad = _csv(tmp_path, "activity.csv", _replace_line(ACTIVITY, 1, ",A1,", ",A77,"))
    done = cli("import", str(bad), "--workspace", str(tmp_path / "ws"))
    assert done.code == 1
    assert "A77" in done.stderr
    assert isinstance(ImportRejected("x", []), PlaybooksError)
