"""`playbooks assessment ...` and `playbooks actions ...`: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json

import polars as pl
import pytest

from playbooks.assessment.bank import load_question_bank

BANK = load_question_bank()
STATEMENTS = list(BANK.statement_dimension)


@pytest.fixture
def db(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PLAYBOOKS_DATABASE_URL", url)
    return url


@pytest.fixture
def run(cli):
    """`playbooks ARGS` in-process: (exit code, stdout, stderr), never with a traceback."""

    def call(*args: str):
        result = cli(*args)
        assert "Traceback" not in result.output
        return result

    return call


def test_a_quarter_is_answered_shown_and_compared_with_the_last(db, run):
    assert run("assessment", "new", "--team", "Support", "--quarter", "2026Q3")[0] == 0
    code, out, _ = run("assessment", "new", "--team", "Support", "--quarter", "2026q4",
                       "--by", "ana")
    assert code == 0 and "Started assessment 2 for Support, 2026Q4" in out
    for statement in BANK.dimensions["continuity"].statements:
        assert run("assessment", "answer", "1", statement.id, "1")[0] == 0
        assert run("assessment", "answer", "2", statement.id, "3", "--by", "ana")[0] == 0
    listening = BANK.dimensions["listening_loop"].statements[0].id
    code, out, _ = run("assessment", "answer", "2", listening, "1",
                       "--expected-version", "5")
    assert code == 0 and "version 6" in out
    code, out, _ = run("assessment", "show", "--team", "Support", "--quarter", "2026Q4")
    assert code == 0
    assert "Context carries across functions: level 3 Established" in out
    assert "Largest gaps:" in out and "Plays to run first:" in out
    assert "1. Turn repeated questions into fixes: raises 'Repeated questions" in out
    assert "close_the_listening_loop" not in out  # names, not ids
    for label in ("What to do:", "Usually owned by:", "First step this quarter:",
                  "You will know it worked when:"):
        assert f"     {label} " in out
    assert "Compared with 2026Q3:" in out
    assert "Context carries across functions: up (level 1 to 3)" in out
    assert "Assessment 2: Support, 2026Q4 (in progress, version 6" in out and "draft" not in out
    code, out, _ = run("assessment", "list")
    assert code == 0 and "2026Q3" in out and "5/28 answered" in out
    assert "in progress" in out and "draft" not in out


def test_show_puts_the_data_beside_the_answers(db, run, tmp_path):
    run("assessment", "new", "--team", "Support", "--quarter", "2026Q4")
    for statement in BANK.dimensions["listening_loop"].statements:
        run("assessment", "answer", "1", statement.id, "4")
    themes = tmp_path / "themes.csv"
    pl.DataFrame({"theme_id": ["t1", "t2", "t3"], "label": ["CSV export fails", "SSO", "Bills"],
                  "account_count": [9, 4, 2], "weeks_active": [12, 8, 1],
                  "recurring": [True, True, False]}).write_csv(themes)
    code, out, _ = run("assessment", "show", "1", "--themes", str(themes))
    assert code == 0
    assert ("data: The answer, level 4 (Embedded), implies at most 10% of repeated-question "
            "themes are still recurring after 6 weeks or more; the data: 67% (2 of 3 "
            "repeated-question themes): disagrees.") in " ".join(out.split())
    assert "No account signals loaded: no data for outreach right after a support issue." in out


def test_a_stale_answer_exits_1_and_names_who_changed_it(db, run):
    run("assessment", "new", "--team", "Support", "--quarter", "2026Q4")
    run("assessment", "answer", "1", STATEMENTS[0], "2", "--by", "ana")
    code, _, err = run("assessment", "answer", "1", STATEMENTS[1], "3",
                       "--expected-version", "1", "--by", "ben")
    assert code == 1
    assert "changed by ana" in err and "was not saved" in err


@pytest.mark.parametrize(("args", "message"), [
    (["assessment", "new", "--team", "Support", "--quarter", "2026Q5"],
     "'2026Q5' is not a quarter"),
    (["assessment", "answer", "1", "made.up", "3"], "unknown statement id 'made.up'"),
    (["assessment", "answer", "1", STATEMENTS[0], "7"], "level 7 is outside the scale 1 to 4"),
    (["assessment", "export", "1", "--format", "xml"], "export format 'xml'"),
    (["assessment", "show"], "give its id, or --team and --quarter"),
    (["actions", "add", "--team", "S", "--title", "t", "--owner", "o", "--due", "2027Q9"],
     "'2027Q9' is not a quarter"),
    (["actions", "list", "--status", "later"], "--status 'later'"),
])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(db, run, args, message):
    run("assessment", "new", "--team", "Support", "--quarter", "2026Q4")
    code, _, err = run(*args)
    assert code == 2, err
    assert err.startswith("Error: ") and message in err
    code, out, _ = run("assessment", "list")
    assert out.count("\n") == 1 and "0/28 answered" in out and " v1 " in out


@pytest.mark.parametrize("args", [
    ["assessment", "show", "42"],
    ["assessment", "show", "--team", "Nobody", "--quarter", "2026Q4"],
    ["actions", "done", "42"],
])
def test_something_missing_exits_1(db, run, args):
    code, _, err = run(*args)
    assert code == 1 and err.startswith("Error: ")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_round_trips(db, run, tmp_path, fmt):
    run("assessment", "new", "--team", "Support", "--quarter", "2026Q4")
    run("assessment", "answer", "1", STATEMENTS[0], "3")
    run("assessment", "answer", "1", STATEMENTS[5], "1", "--note", "only in EMEA")
    path = tmp_path / f"support.{fmt}"
    assert run("assessment", "export", "1", "--format", fmt, "--output", str(path))[0] == 0
    code, _, err = run("assessment", "import", str(path))
    assert code == 2 and "already has an assessment for 2026Q4" in err
    path.write_text(path.read_text().replace("2026Q4", "2027Q1"))
    code, out, _ = run("assessment", "import", str(path))
    assert code == 0 and "Imported assessment 2 for Support, 2027Q1 (2 answers)" in out
    code, out, _ = run("assessment", "export", "2")
    exported = json.loads(out)
    assert {a["statement_id"]: a["level"] for a in exported["answers"]} == {
        STATEMENTS[0]: 3, STATEMENTS[5]: 1}
    assert exported["question_bank"] == {"version": BANK.version,
                                         "fingerprint": BANK.fingerprint}


def test_an_import_from_another_bank_version_is_refused(db, run, tmp_path):
    run("assessment", "new", "--team", "Support", "--quarter", "2026Q4")
    path = tmp_path / "old.csv"
    run("assessment", "export", "1", "--format", "csv", "--output", str(path))
    path.write_text(path.read_text().replace("2026Q4", "2027Q1")
                    .replace(BANK.fingerprint, "00000000deadbeef"))
    code, _, err = run("assessment", "import", str(path))
    assert code == 2 and "(fingerprint 00000000deadbeef)" in err
    assert "nothing was imported" in err
    assert "2027Q1" not in run("assessment", "list")[1]


def test_actions_are_added_listed_and_done(db, run):
    code, out, _ = run("actions", "add", "--team", "Support", "--title",
                       "Monthly theme review", "--owner", "ana", "--due", "2027Q1",
                       "--dimension", "listening_loop")
    assert code == 0 and "Added action 1" in out
    code, out, _ = run("actions", "list")
    assert code == 0 and "Monthly theme review" in out and "(listening_loop)" in out
    assert run("actions", "done", "1")[0] == 0
    assert "No action items." in run("actions", "list")[1]
    assert "[x]" in run("actions", "list", "--status", "all")[1]


def test_the_real_command_line_reports_errors_without_a_traceback(db, cli):
    ok = cli("assessment", "new", "--team", "S", "--quarter", "2026Q4")
    assert ok.code == 0, ok.stderr
    bad = cli("assessment", "answer", "1", STATEMENTS[0], "9")
    assert bad.code == 2
    assert "level 9 is outside the scale" in bad.stderr and "Traceback" not in bad.stderr


def test_a_final_assessment_refuses_new_answers(db, run):
    run("assessment", "new", "--team", "Support", "--quarter", "2026Q4")
    run("assessment", "answer", "1", STATEMENTS[0], "2")
    code, out, _ = run("assessment", "finalise", "1")
    assert code == 0 and "is final, with 1 answers" in out
    code, _, err = run("assessment", "answer", "1", STATEMENTS[1], "3")
    assert code == 2 and "is final" in err


def test_show_can_print_json_for_scheduled_runs(db, run):
    run("assessment", "new", "--team", "Support", "--quarter", "2026Q3")
    run("assessment", "new", "--team", "Support", "--quarter", "2026Q4")
    run("assessment", "answer", "1", STATEMENTS[0], "1")
    run("assessment", "answer", "2", STATEMENTS[0], "3")
    code, out, _ = run("assessment", "show", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["assessment"]["quarter"] == "2026Q4" and data["compared_with"] == "2026Q3"
    first = BANK.statement_dimension[STATEMENTS[0]]
    assert data["result"]["dimensions"][first]["level"] == 3
    assert data["result"]["overall_level"] == 3
    moved = {c["dimension_id"]: c["direction"] for c in data["comparison"]["dimensions"]}
    assert moved[first] == "up"
    assert data["evidence"] is None
