"""A workspace's tables are unions of sources; importing one source never touches another."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbooks.data.sources import (
    MANIFEST,
    Origin,
    read_sources,
    scan_table,
    source_stats,
)
from playbooks.data.workspace import ImportRejected, import_files, load_tables, workspace_status
from playbooks.errors import InputError

ACCOUNTS = """account_id,name,segment,owner,annual_value,contract_start,renewal_date,lifecycle_stage
A1,Acme,smb,Jo Berg,1200,2022-01-01,2027-01-01,adoption
A2,Beta,enterprise,Jo Berg,90000,2021-05-01,2027-05-01,renewal
A3,Gamma,mid_market,Sam Kim,30000,2023-03-15,2027-03-15,expansion
"""
HEADER = ("event_id,account_id,person_id,actor_type,occurred_at,source_function,kind,"
          "channel,automated,feature,question_text\n")
HELPDESK = HEADER + (
    "H1,A1,p1,customer,2025-03-01 10:00:00,support,question_asked,support_agent,false,,"
    "How do I export the report to CSV?\n"
    "H2,A2,p2,customer,2025-03-02 11:00:00,support,ticket_opened,support_agent,false,,\n"
    "H3,A2,p2,customer,2025-03-04 12:00:00,support,ticket_closed,support_agent,false,,\n"
)
HELPDESK_AGAIN = HEADER + (
    "H1,A1,p1,customer,2025-03-01 10:00:00,support,question_asked,support_agent,false,,"
    "How do I export the report to CSV?\n"
    "H4,A3,p3,customer,2025-04-09 09:30:00,support,question_asked,support_agent,false,,"
    "Where is SSO set up?\n"
)
CHAT = HEADER + (
    "C1,A3,p3,customer,2025-02-10 09:00:00,support,question_asked,ai_assistant,false,,"
    "Can I pay yearly?\n"
    "C2,A3,bot-1,bot,2025-02-10 09:01:00,support,assistant_answer,ai_assistant,true,,\n"
)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _source(folder: Path, table: str, name: str) -> pl.DataFrame:
    sources = [s for s in read_sources(folder) if s.table == table and s.source == name]
    assert len(sources) == 1, sources
    return pl.read_parquet(folder / sources[0].path)


def _expected(text: str) -> list[dict[str, object]]:
    """The rows of a CSV as the contract stores them (only the columns the CSV has)."""
    frame = pl.read_csv(text.encode(), infer_schema=False)
    return [{k: (v if v != "" else None) for k, v in row.items()} for row in frame.to_dicts()]


def _stored(frame: pl.DataFrame, columns: list[str]) -> list[dict[str, object]]:
    shown = frame.select(columns).with_columns(
        pl.col("occurred_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.col("automated").cast(pl.String).str.to_lowercase())
    return shown.to_dicts()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    import_files({"accounts": _file(tmp_path, "accounts.csv", ACCOUNTS)}, folder, gx="off")
    return folder


def test_helpdesk_then_chat_then_helpdesk_again_touches_only_its_source(tmp_path, workspace):
    columns = HEADER.strip().split(",")
    helpdesk = _file(tmp_path, "helpdesk.csv", HELPDESK)
    chat = _file(tmp_path, "chat.csv", CHAT)
    first = import_files([("activity", helpdesk)], workspace, gx="off")
    assert [(c.source, c.rows_before, c.rows_after) for c in first.changes] == [
        ("helpdesk", 0, 3)]
    assert _stored(_source(workspace, "activity", "helpdesk"), columns) == _expected(HELPDESK)

    second = import_files([("activity", chat)], workspace,
                          origins={chat: Origin("chat", tool="Intercom")}, gx="off")
    assert ("activity", "helpdesk") in second.untouched
    assert _stored(_source(workspace, "activity", "helpdesk"), columns) == _expected(HELPDESK)
    assert _stored(_source(workspace, "activity", "chat"), columns) == _expected(CHAT)
    chat_entry = [s for s in read_sources(workspace) if s.source == "chat"]
    chat_bytes = _snapshot(workspace)[chat_entry[0].path]

    again = _file(tmp_path, "helpdesk_march.csv", HELPDESK_AGAIN)
    third = import_files([("activity", again)], workspace,
                         origins={again: Origin("helpdesk")}, gx="off")
    assert [(c.source, c.rows_before, c.rows_after) for c in third.changes] == [
        ("helpdesk", 3, 2)]
    assert sorted(third.untouched) == [("accounts", "default"), ("activity", "chat")]
    assert _stored(_source(workspace, "activity", "helpdesk"), columns) == _expected(
        HELPDESK_AGAIN)
    assert _stored(_source(workspace, "activity", "chat"), columns) == _expected(CHAT)
    assert [s for s in read_sources(workspace) if s.source == "chat"] == chat_entry
    assert _snapshot(workspace)[chat_entry[0].path] == chat_bytes
    union = load_tables(workspace).activity.collect()
    assert sorted(union["event_id"]) == ["C1", "C2", "H1", "H4"]
    # only the files the manifest lists remain
    listed = {s.path for s in read_sources(workspace)} | {MANIFEST}
    assert set(_snapshot(workspace)) == listed


@pytest.mark.parametrize("extend", [False, True], ids=["replace", "extend"])
def test_the_same_file_twice_changes_nothing(tmp_path, workspace, extend):
    helpdesk = _file(tmp_path, "helpdesk.csv", HELPDESK)
    import_files([("activity", helpdesk)], workspace, gx="off")
    before = _snapshot(workspace)
    result = import_files([("activity", helpdesk)], workspace, extend=extend, gx="off")
    assert _snapshot(workspace) == before
    assert [(c.rows_before, c.rows_after, c.changed) for c in result.changes] == [
        (3, 3, False)]


def test_extend_adds_only_rows_whose_event_id_is_new(tmp_path, workspace):
    import_files([("activity", _file(tmp_path, "helpdesk.csv", HELPDESK))], workspace,
                 gx="off")
    again = _file(tmp_path, "helpdesk_march.csv", HELPDESK_AGAIN)
    result = import_files([("activity", again)], workspace, extend=True,
                          origins={again: Origin("helpdesk")}, gx="off")
    assert [(c.rows_before, c.rows_after) for c in result.changes] == [(3, 4)]
    stored = _source(workspace, "activity", "helpdesk")
    assert stored["event_id"].to_list() == ["H1", "H2", "H3", "H4"]
    entry = [s for s in read_sources(workspace) if s.source == "helpdesk"][0]
    assert [f.name for f in entry.files] == ["helpdesk.csv", "helpdesk_march.csv"]
    assert entry.rows == 4 and entry.first == "2025-03-01" and entry.last == "2025-04-09"


def test_two_activity_files_in_one_command(tmp_path, workspace, cli):
    helpdesk = _file(tmp_path, "helpdesk.csv", HELPDESK)
    chat = _file(tmp_path, "chat.csv", CHAT)
    done = cli("import", str(helpdesk), str(chat), "--table", "activity",
               "--workspace", str(workspace))
    assert done.code == 0, done.stderr
    assert "helpdesk.csv -> source helpdesk (activity): 0 rows before, 3 after" in done.stdout
    assert "chat.csv -> source chat (activity): 0 rows before, 2 after" in done.stdout
    assert "Left untouched: default (accounts)" in done.stdout
    assert load_tables(workspace).activity.collect().height == 5

    other = tmp_path / "other"
    cli("import", str(tmp_path / "in" / "accounts.csv"), "--workspace", str(other))
    done = cli("import", str(helpdesk), str(chat), "--table", "activity", "--source",
               "support", "--extend", "--workspace", str(other))
    assert done.code == 0, done.stderr
    assert [s.source for s in read_sources(other) if s.table == "activity"] == ["support"]
    assert _source(other, "activity", "support")["event_id"].to_list() == [
        "H1", "H2", "H3", "C1", "C2"]


def test_several_files_into_one_source_add_up_and_replace_what_it_held(tmp_path, workspace):
    import_files([("activity", _file(tmp_path, "old.csv", HELPDESK_AGAIN))], workspace,
                 origins={tmp_path / "in" / "old.csv": Origin("support")}, gx="off")
    helpdesk = _file(tmp_path, "helpdesk.csv", HELPDESK)
    chat = _file(tmp_path, "chat.csv", CHAT)
    result = import_files([("activity", helpdesk), ("activity", chat)], workspace,
                          origins={helpdesk: Origin("support"), chat: Origin("support")},
                          gx="off")
    assert [(c.file, c.rows_before, c.rows_after) for c in result.changes] == [
        ("helpdesk.csv", 2, 3), ("chat.csv", 3, 5)]
    assert _source(workspace, "activity", "support")["event_id"].to_list() == [
        "H1", "H2", "H3", "C1", "C2"]
    entry = [s for s in read_sources(workspace) if s.source == "support"][0]
    assert [f.name for f in entry.files] == ["helpdesk.csv", "chat.csv"]


def test_unusable_source_names_and_manifests_are_named(tmp_path, workspace, cli):
    helpdesk = _file(tmp_path, "helpdesk.csv", HELPDESK)
    done = cli("import", str(helpdesk), "--table", "activity", "--source", "Help Desk",
               "--workspace", str(workspace))
    assert done.code == 2 and "'Help Desk' is not a usable source name" in done.stderr
    done = cli("import", str(helpdesk), "--table", "activity", "--source", "other.csv=x",
               "--workspace", str(workspace))
    assert done.code == 2 and "other.csv is not one of the files imported" in done.stderr
    manifest = json.loads((workspace / MANIFEST).read_text(encoding="utf-8"))
    manifest["sources"][0]["path"] = "../outside.parquet"
    (workspace / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError, match="damaged .*names ../outside.parquet"):
        import_files([("activity", helpdesk)], workspace, gx="off")
    (workspace / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="sources.json: the workspace manifest is damaged"):
        load_tables(workspace)
    done = cli("sources", "--workspace", str(workspace))
    assert done.code == 2 and "sources.json" in done.stderr


def test_a_refused_file_leaves_every_source_unchanged(tmp_path, workspace):
    import_files([("activity", _file(tmp_path, "helpdesk.csv", HELPDESK)),
                  ("activity", _file(tmp_path, "chat.csv", CHAT))], workspace, gx="off")
    before = _snapshot(workspace)
    good = _file(tmp_path, "helpdesk_march.csv", HELPDESK_AGAIN)
    broken = _file(tmp_path, "chat_broken.csv", CHAT.replace(",A3,", ",A77,", 1))
    with pytest.raises(ImportRejected, match="chat_broken.csv"):
        import_files([("activity", good), ("activity", broken)], workspace,
                     origins={good: Origin("helpdesk"), broken: Origin("chat")}, gx="off")
    assert _snapshot(workspace) == before


def test_rows_another_source_holds_are_refused(tmp_path, workspace):
    import_files([("activity", _file(tmp_path, "helpdesk.csv", HELPDESK))], workspace,
                 gx="off")
    before = _snapshot(workspace)
    copy = _file(tmp_path, "tickets.csv", HELPDESK)
    with pytest.raises(InputError) as caught:
        import_files([("activity", copy)], workspace, gx="off")
    message = str(caught.value)
    for word in ("tickets.csv", "3 rows", "event_id", "'helpdesk'", "H1", "--source helpdesk"):
        assert word in message, message
    assert _snapshot(workspace) == before
    crm = _file(tmp_path, "crm.csv", ACCOUNTS)
    with pytest.raises(InputError, match="'default' of the accounts table"):
        import_files([("accounts", crm)], workspace, gx="off")
    assert _snapshot(workspace) == before


def test_sources_json_has_exactly_the_documented_form(tmp_path, workspace, cli):
    chat = _file(tmp_path, "chat.csv", CHAT)
    import_files([("activity", chat)], workspace, origins={chat: Origin("chat", tool="Intercom")},
                 gx="off")
    done = cli("sources", "--workspace", str(workspace), "--json")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout) == {"sources": [
        {"source": "default", "tool": None, "table": "accounts", "rows": 3, "first": None,
         "last": None, "kinds": None, "unmatched": 0, "unmatched_reasons": {}},
        {"source": "chat", "tool": "intercom", "table": "activity", "rows": 2,
         "first": "2025-02-10", "last": "2025-02-10",
         "kinds": {"assistant_answer": 1, "question_asked": 1}, "unmatched": 0,
         "unmatched_reasons": {}},
    ]}
    text = cli("sources", "--workspace", str(workspace))
    assert "chat -> activity, tool Intercom: 2 rows, 2025-02-10 to 2025-02-10" in text.stdout
    assert "file chat.csv:" in text.stdout and "kinds: assistant_answer 1" in text.stdout


def test_unmatched_rows_are_counted_with_their_reason():
    frame = pl.LazyFrame({"account_id": ["A1", "A9", "A9", "A2"], "kind": ["x"] * 4})
    stats = source_stats(frame, "activity", pl.Series(["A1", "A2"]))
    assert stats["unmatched"] == 2 and stats["unmatched_reasons"] == {"no such account": 2}
    assert stats["kinds"] == {"x": 4} and stats["rows"] == 4


def test_rows_a_conversion_could_not_match_are_recorded_with_their_reasons(tmp_path, workspace,
                                                                          cli):
    chat = _file(tmp_path, "chat.csv", CHAT)
    origin = Origin("chat", tool="Intercom", recipe="intercom_conversations",
                    original_file="conversations.csv",
                    unmatched={"no account with domain example.org": 4, "no company name": 1})
    import_files([("activity", chat)], workspace, origins={chat: origin}, gx="off")
    described = json.loads(cli("sources", "--workspace", str(workspace), "--json").stdout)
    chat_source = described["sources"][1]
    assert chat_source["unmatched"] == 5
    assert chat_source["unmatched_reasons"] == {"no account with domain example.org": 4,
                                                "no company name": 1}
    text = cli("sources", "--workspace", str(workspace)).stdout
    assert "file conversations.csv (read with the recipe intercom_conversations)" in text
    assert "chat.csv" not in text  # the converted copy's name is the workspace's business
    assert "unmatched rows: 5 (no account with domain example.org: 4, no company name: 1)" in text


def test_a_workspace_made_before_sources_reads_as_default_and_keeps_it(tmp_path, workspace):
    import_files([("activity", _file(tmp_path, "activity.csv", HELPDESK))], workspace, gx="off")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for table in ("accounts", "activity"):
        frame = scan_table(workspace, read_sources(workspace), table)
        assert frame is not None
        frame.collect().write_parquet(legacy / f"{table}.parquet")
    tables = load_tables(legacy)
    assert tables.activity.collect().height == 3
    assert [(s.table, s.source) for s in read_sources(legacy)] == [
        ("accounts", "default"), ("activity", "default")]
    activity_bytes = (legacy / "activity.parquet").read_bytes()
    import_files([("activity", _file(tmp_path, "chat.csv", CHAT))], legacy, gx="off")
    assert (legacy / "activity.parquet").read_bytes() == activity_bytes
    assert sorted(load_tables(legacy).activity.collect()["event_id"]) == [
        "C1", "C2", "H1", "H2", "H3"]
    assert workspace_status(legacy).tables["activity"].sources == ("chat", "default")


def test_readers_see_the_union_of_sources(tmp_path, workspace):
    from playbooks.signals import compute_signals

    helpdesk = _file(tmp_path, "helpdesk.csv", HELPDESK)
    chat = _file(tmp_path, "chat.csv", CHAT)
    import_files([("activity", helpdesk), ("activity", chat)], workspace, gx="off")
    tables = load_tables(workspace)
    both = pl.concat([_source(workspace, "activity", "helpdesk"),
                      _source(workspace, "activity", "chat")])
    seen = compute_signals(tables.accounts, tables.activity).sort("account_id")
    expected = compute_signals(tables.accounts.collect(), both).sort("account_id")
    assert seen.equals(expected)
    alone = compute_signals(tables.accounts.collect(), _source(workspace, "activity", "chat"))
    assert not seen.equals(alone.sort("account_id"))


def test_what_a_killed_import_left_is_ignored_then_removed(tmp_path, workspace):
    import_files([("activity", _file(tmp_path, "helpdesk.csv", HELPDESK))], workspace,
                 gx="off")
    stale = [workspace / "activity" / ".import-dead.parquet",
             workspace / "activity" / "chat.0123456789abcdef.parquet",
             workspace / ".import-dead.json"]
    for path in stale:
        path.write_bytes(b"half written")
    assert load_tables(workspace).activity.collect().height == 3
    import_files([("activity", _file(tmp_path, "chat.csv", CHAT))], workspace, gx="off")
    assert not any(path.exists() for path in stale)
    assert load_tables(workspace).activity.collect().height == 5


def test_the_demo_is_one_source_replaced_as_a_whole(tmp_path, cli):
    from playbooks.demo import generate_demo

    folder = tmp_path / "demo"
    generate_demo(folder, accounts=20, weeks=4, seed=1)
    sources = json.loads(cli("sources", "--workspace", str(folder), "--json").stdout)["sources"]
    assert [(s["source"], s["table"]) for s in sources] == [
        ("demo", "accounts"), ("demo", "activity"), ("demo", "health_snapshots")]
    assert sum(sources[1]["kinds"].values()) == sources[1]["rows"] > 0
    import_files({"accounts": _file(tmp_path, "accounts.csv", ACCOUNTS),
                  "activity": _file(tmp_path, "activity.csv", HELPDESK)}, folder,
                 replace_demo=True, gx="off")
    status = workspace_status(folder)
    assert not status.is_demo and not status.tables["health_snapshots"].exists
    assert [(s.table, s.source) for s in status.sources] == [
        ("accounts", "default"), ("activity", "default")]
    assert not (folder / "activity.parquet").exists() and not (folder / "labels.csv").exists()


def test_an_import_killed_before_the_manifest_leaves_the_previous_data(tmp_path, workspace):
    import subprocess
    import sys

    import_files([("activity", _file(tmp_path, "helpdesk.csv", HELPDESK))], workspace,
                 gx="off")
    before = _snapshot(workspace)
    chat = _file(tmp_path, "chat.csv", CHAT)
    again = _file(tmp_path, "helpdesk_march.csv", HELPDESK_AGAIN)
    script = (
        "import os, sys\n"
        "import playbooks.data.workspace as w\n"
        "w.write_sources = lambda *a, **k: os._exit(9)\n"
        "w.import_files([('activity', sys.argv[2]), ('activity', sys.argv[3])], sys.argv[1],\n"
        "               origins={sys.argv[3]: w.Origin('helpdesk')}, gx='off')\n")
    done = subprocess.run([sys.executable, "-c", script, str(workspace), str(chat), str(again)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    left = set(_snapshot(workspace)) - set(before)
    assert left  # the new sources' files were written, then the process died
    assert {k: v for k, v in _snapshot(workspace).items() if k in before} == before
    assert sorted(load_tables(workspace).activity.collect()["event_id"]) == ["H1", "H2", "H3"]
    import_files([("activity", chat)], workspace, gx="off")
    assert set(_snapshot(workspace)) == {s.path for s in read_sources(workspace)} | {MANIFEST}


EVENTS = [line for line in (HELPDESK + HELPDESK_AGAIN[len(HEADER):] + CHAT[len(HEADER):])
          .splitlines()[1:]]
UNIQUE = list(dict.fromkeys(EVENTS))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.sets(st.sampled_from(range(len(UNIQUE))), min_size=1),
       second=st.sets(st.sampled_from(range(len(UNIQUE))), min_size=1),
       swap=st.booleans())
def test_extending_is_a_union_in_any_order_and_idempotent(tmp_path_factory, first, second,
                                                          swap):
    folder = tmp_path_factory.mktemp("prop")
    import_files({"accounts": _file(folder, "accounts.csv", ACCOUNTS)}, folder / "ws", gx="off")
    files = [_file(folder, f"part{i}.csv", HEADER + "".join(UNIQUE[j] + "\n" for j in sorted(part)))
             for i, part in enumerate((first, second))]
    if swap:
        files.reverse()
    for path in files:
        import_files([("activity", path)], folder / "ws", extend=True,
                     origins={path: Origin("support")}, gx="off")
    ids = sorted(load_tables(folder / "ws").activity.collect()["event_id"])
    assert ids == sorted(UNIQUE[j].split(",")[0] for j in first | second)
    before = _snapshot(folder / "ws")
    import_files([("activity", files[0])], folder / "ws", extend=True,
                 origins={files[0]: Origin("support")}, gx="off")
    assert _snapshot(folder / "ws") == before
