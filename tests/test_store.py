"""The store against SQLite and a real PostgreSQL server (the `database_url` fixture)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from playbooks.assessment.bank import load_question_bank
from playbooks.errors import InputError
from playbooks.store import NotFoundError, StaleVersionError, Store, resolve_database_url
from playbooks.store.exchange import export_assessment, import_assessment
from playbooks.store.migrate import downgrade_schema, upgrade_schema
from playbooks.store.models import Base

BANK = load_question_bank()
STATEMENTS = list(BANK.statement_dimension)
TABLES = {"teams", "assessments", "answers", "journey_maps", "action_items"}


@pytest.fixture
def store(database_url):
    with Store(database_url) as opened:
        yield opened


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {t: connection.execute(text(f"select count(*) from {t}")).scalar_one()
                  for t in sorted(TABLES)}
    engine.dispose()
    return counts


# --- migrations -----------------------------------------------------------------------------


def test_migrations_take_an_empty_database_to_head_and_match_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(database_url)
    assert not set(inspect(engine).get_table_names()) & TABLES
    upgrade_schema(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == "0001"
        assert compare_metadata(context, Base.metadata) == []
    upgrade_schema(engine)  # at head already: nothing to do, nothing breaks
    downgrade_schema(engine)
    assert not set(inspect(engine).get_table_names()) & TABLES
    engine.dispose()


def test_opening_a_store_migrates_it(database_url):
    Store(database_url).close()
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


# --- assessments and answers -----------------------------------------------------------------


def test_answers_are_saved_one_at_a_time_and_read_back(store):
    record = store.new_assessment("Support", "2026q4", by="ana")
    assert (record.team, record.quarter, record.status, record.version) == (
        "Support", "2026Q4", "draft", 1)
    record = store.save_answer(record.id, STATEMENTS[0], 3, expected_version=1, by="ana")
    record = store.save_answer(record.id, STATEMENTS[1], 2, expected_version=2, by="ana",
                               note="only for enterprise accounts")
    record = store.save_answer(record.id, STATEMENTS[0], 4, expected_version=3, by="ana")
    again = store.get_assessment(record.id)
    assert again.version == 4
    assert again.levels == {STATEMENTS[0]: 4, STATEMENTS[1]: 2}
    assert again.answers[STATEMENTS[1]].note == "only for enterprise accounts"
    assert again.answers[STATEMENTS[0]].answered_at.tzinfo is not None
    assert store.find_assessment("Support", "2026Q4").id == record.id
    assert store.find_assessment("Support", "2026Q3") is None


def test_assessments_are_listed_and_the_previous_quarter_found(store):
    q3 = store.new_assessment("Support", "2026Q3")
    store.new_assessment("Success", "2026Q4")
    q4 = store.new_assessment("Support", "2026Q4")
    assert [(r.team, r.quarter) for r in store.list_assessments()] == [
        ("Success", "2026Q4"), ("Support", "2026Q3"), ("Support", "2026Q4")]
    assert store.previous_assessment(q4).id == q3.id
    assert store.previous_assessment(q3) is None
    assert [t.name for t in store.list_teams()] == ["Success", "Support"]


def test_a_stale_save_is_refused_and_no_answer_is_lost(database_url):
    with Store(database_url) as first, Store(database_url) as second:
        created = first.new_assessment("Support", "2026Q4", by="ana")
        ana_copy = first.get_assessment(created.id)
        ben_copy = second.get_assessment(created.id)
        first.save_answer(created.id, STATEMENTS[0], 4, expected_version=ana_copy.version,
                          by="ana")
        with pytest.raises(StaleVersionError) as raised:
            second.save_answer(created.id, STATEMENTS[0], 1,
                               expected_version=ben_copy.version, by="ben")
        message = str(raised.value)
        assert "changed by ana" in message and "version 2" in message
        assert "not saved" in message and raised.value.exit_code == 1
        assert raised.value.current_version == 2 and raised.value.changed_by == "ana"
        kept = second.get_assessment(created.id)
        assert kept.levels == {STATEMENTS[0]: 4} and kept.version == 2
        # Ben reloads and answers another statement: both answers are kept.
        second.save_answer(created.id, STATEMENTS[1], 2, expected_version=kept.version,
                           by="ben")
        final = first.get_assessment(created.id)
        assert final.levels == {STATEMENTS[0]: 4, STATEMENTS[1]: 2}
        assert final.updated_by == "ben"


def test_two_people_answering_at_the_same_time_lose_nothing(database_url):
    """Each saves through its own connection, retrying on a refused stale save."""
    import threading

    with Store(database_url) as setup:
        assessment_id = setup.new_assessment("Support", "2026Q4").id
    halves = {"ana": STATEMENTS[0:8], "ben": STATEMENTS[8:16]}
    refused = {"ana": 0, "ben": 0}
    errors: list[BaseException] = []

    def answer(person: str) -> None:
        try:
            with Store(database_url) as store:
                version = store.get_assessment(assessment_id).version
                for statement in halves[person]:
                    while True:
                        try:
                            version = store.save_answer(assessment_id, statement, 2,
                                                        expected_version=version,
                                                        by=person).version
                            break
                        except StaleVersionError as stale:
                            refused[person] += 1
                            version = stale.current_version
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=answer, args=(p,)) for p in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    with Store(database_url) as store:
        record = store.get_assessment(assessment_id)
    assert set(record.answers) == set(STATEMENTS[:16])
    assert record.version == 17  # one version per saved answer, none overwritten


@pytest.mark.parametrize(("statement", "level", "expected"), [
    ("no_such.statement", 3, "unknown statement id 'no_such.statement'"),
    (STATEMENTS[0], 5, "level 5 is outside the scale 1 to 4"),
    (STATEMENTS[0], 0, "level 0 is outside the scale 1 to 4"),
    (STATEMENTS[0], True, "outside the scale"),
])
def test_an_answer_outside_the_bank_is_refused_and_nothing_written(store, statement, level,
                                                                   expected):
    record = store.new_assessment("Support", "2026Q4")
    before = _counts(store.url)
    with pytest.raises(InputError) as raised:
        store.save_answer(record.id, statement, level, expected_version=1)
    assert expected in str(raised.value)
    assert _counts(store.url) == before
    assert store.get_assessment(record.id).version == 1


def test_a_quarter_that_is_not_a_quarter_is_refused_and_nothing_written(store):
    before = _counts(store.url)
    for bad in ("2026Q5", "2026-Q4", "Q4", ""):
        with pytest.raises(InputError, match="not a quarter"):
            store.new_assessment("Support", bad)
    with pytest.raises(InputError, match="not a quarter"):
        store.add_action("Support", "Fix it", owner="ana", due_quarter="2026Q5")
    assert _counts(store.url) == before


def test_a_second_assessment_for_the_same_quarter_is_refused(store):
    store.new_assessment("Support", "2026Q4")
    with pytest.raises(InputError, match="already has an assessment for 2026Q4"):
        store.new_assessment("Support", "2026Q4")


def test_a_final_assessment_takes_no_more_answers(store):
    record = store.new_assessment("Support", "2026Q4")
    record = store.finalise_assessment(record.id, expected_version=1, by="ana")
    assert record.status == "final"
    with pytest.raises(InputError, match="is final"):
        store.save_answer(record.id, STATEMENTS[0], 3, expected_version=record.version)


def test_a_missing_assessment_is_reported(store):
    with pytest.raises(NotFoundError, match="no assessment 999"):
        store.get_assessment(999)


# --- killed between saves --------------------------------------------------------------------

KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from playbooks.store import Store
    store = Store(sys.argv[1])
    record = store.new_assessment("Support", "2026Q4", by="script")
    version = record.version
    for statement in sys.argv[2:]:
        version = store.save_answer(record.id, statement, 3, expected_version=version).version
        print("saved", statement, flush=True)
        time.sleep(0.2)
    print("finished", flush=True)
    time.sleep(60)
""")


def test_answers_given_before_the_process_is_killed_are_all_kept(database_url, tmp_path):
    script = tmp_path / "answer.py"
    script.write_text(KILL_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), database_url, *STATEMENTS[:12]],
                               stdout=subprocess.PIPE, text=True)
    saved = []
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while len(saved) < 5 and time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, "the answering process ended early"
        saved.append(line.split()[1])
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with Store(database_url) as store:
        record = store.find_assessment("Support", "2026Q4")
        assert record is not None
        assert set(saved) <= set(record.answers)
        assert len(record.answers) < 12, "the process was not killed before it finished"
        assert record.version == len(record.answers) + 1


# --- export and import -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_export_imports_back_as_the_same_answers(store, tmp_path, fmt):
    record = store.new_assessment("Support", "2026Q3", by="ana")
    for version, statement in enumerate(STATEMENTS[:4], start=1):
        record = store.save_answer(record.id, statement, version, expected_version=version,
                                   by="ana", note="a, note" if version == 2 else None)
    path = tmp_path / f"export.{fmt}"
    path.write_text(export_assessment(record, store.bank, fmt))
    # import it under another team by editing the team column/field
    content = path.read_text().replace("Support", "Support EMEA")
    path.write_text(content)
    imported = import_assessment(store, path, by="ben")
    assert imported.team == "Support EMEA" and imported.quarter == "2026Q3"
    assert imported.levels == record.levels
    assert imported.answers[STATEMENTS[1]].note == "a, note"
    assert imported.answers[STATEMENTS[0]].answered_by == "ana"


def test_an_import_from_another_bank_version_is_refused_and_nothing_written(store, tmp_path):
    record = store.new_assessment("Support", "2026Q3")
    record = store.save_answer(record.id, STATEMENTS[0], 3, expected_version=1)
    data = json.loads(export_assessment(record, store.bank, "json"))
    data["team"] = "Elsewhere"
    data["question_bank"] = {"version": 2, "fingerprint": "0123456789abcdef"}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    before = _counts(store.url)
    with pytest.raises(InputError, match="question bank version 2") as raised:
        import_assessment(store, path)
    assert "nothing was imported" in str(raised.value)
    assert _counts(store.url) == before


def test_an_import_with_bad_answers_lists_every_problem_and_writes_nothing(store, tmp_path):
    record = store.new_assessment("Support", "2026Q3")
    data = json.loads(export_assessment(record, store.bank, "json"))
    data.update(team="Elsewhere", quarter="2026Q5", answers=[
        {"statement_id": "made.up", "level": 3},
        {"statement_id": STATEMENTS[0], "level": 7},
    ])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    before = _counts(store.url)
    with pytest.raises(InputError) as raised:
        import_assessment(store, path)
    problems = "\n".join(raised.value.problems)
    assert "'2026Q5' is not a quarter" in problems
    assert "unknown statement id 'made.up'" in problems
    assert "level 7 is outside the scale" in problems
    assert _counts(store.url) == before


# --- journey maps and action items -------------------------------------------------------------


def test_journey_maps_are_saved_and_stale_saves_refused(store):
    rows = [{"stage": "onboarding", "need": "judgment", "channel": "csm"}]
    saved = store.save_journey_map("Main journey", rows, team="Support", by="ana")
    assert (saved.version, saved.team, saved.rows) == (1, "Support", rows)
    updated = store.save_journey_map("Main journey", rows * 2, expected_version=1, by="ben")
    assert updated.version == 2
    with pytest.raises(StaleVersionError, match="changed by ben"):
        store.save_journey_map("Main journey", [], expected_version=1, by="ana")
    assert store.get_journey_map("Main journey").rows == rows * 2
    assert [m.name for m in store.list_journey_maps()] == ["Main journey"]
    with pytest.raises(InputError, match="plain JSON"):
        store.save_journey_map("Other", [{"when": object()}])


def test_action_items_are_added_listed_and_done(store):
    first = store.add_action("Support", "Review question themes monthly", owner="ana",
                             due_quarter="2027q1", dimension="listening_loop")
    store.add_action("Success", "Pause outreach after escalations", owner="ben",
                     due_quarter="2026Q4", finding="handoff_without_context@renewal")
    assert [a.title for a in store.list_actions()] == [
        "Pause outreach after escalations", "Review question themes monthly"]
    assert [a.id for a in store.list_actions(team="Support")] == [first.id]
    done = store.complete_action(first.id)
    assert done.status == "done" and done.done_at is not None
    assert store.complete_action(first.id).done_at == done.done_at
    assert [a.status for a in store.list_actions(status="open")] == ["open"]
    with pytest.raises(InputError, match="unknown dimension 'nope'"):
        store.add_action("Support", "x", owner="ana", due_quarter="2027Q1", dimension="nope")
    with pytest.raises(NotFoundError):
        store.complete_action(999)


# --- settings --------------------------------------------------------------------------------


def test_the_default_store_is_a_sqlite_file_in_the_workspace(monkeypatch, tmp_path):
    monkeypatch.delenv("PLAYBOOKS_DATABASE_URL", raising=False)
    monkeypatch.setenv("PLAYBOOKS_WORKSPACE", str(tmp_path / "ws"))
    assert resolve_database_url() == f"sqlite:///{(tmp_path / 'ws' / 'playbooks.db').resolve()}"
    monkeypatch.setenv("PLAYBOOKS_DATABASE_URL", "postgresql://db.example/playbooks")
    assert resolve_database_url() == "postgresql+psycopg://db.example/playbooks"
    assert resolve_database_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(InputError, match="SQLite and PostgreSQL"):
        resolve_database_url("mysql://db.example/x")


def test_an_unreachable_server_is_a_plain_error():
    from playbooks.store import StoreError

    with pytest.raises(StoreError, match="cannot use the database"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_the_store_file_is_created_inside_the_workspace(monkeypatch, tmp_path):
    monkeypatch.delenv("PLAYBOOKS_DATABASE_URL", raising=False)
    monkeypatch.setenv("PLAYBOOKS_WORKSPACE", str(tmp_path / "ws"))
    with Store() as store:
        store.new_assessment("Support", "2026Q4")
    assert Path(tmp_path / "ws" / "playbooks.db").is_file()
