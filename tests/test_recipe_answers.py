"""The column matching step's answers: fixed values, value maps, accounts, saved as a recipe."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from playbooks.data.recipes.answers import Answers, load_answers, recipe_from_answers
from playbooks.data.recipes.engine import convert_rows
from playbooks.errors import InputError

COMPANY = Path(__file__).resolve().parent / "data" / "exports" / "company"
SURVEY = """Response ID,Submitted At,Respondent Email,Company,Question,Channel,Type
r1,2026-11-02 10:00:00,ana@northwindlogistics.com,Northwind,How likely are you to renew?,Web,Q
r2,2026-11-03 11:30:00,bo@contoso.com,Contoso,Can we get a training?,Email,Q
r3,2026-11-04 09:15:00,cy@gmail.com,,Thanks for the session,Web,Praise
"""
ANSWERS = """columns:
  Response ID: event_id
  Submitted At: occurred_at
  Respondent Email: person_id
  Question: question_text
  Channel: channel
constants:
  kind: question_asked
  source_function: customer_success
  actor_type: customer
  automated: false
value_maps:
  Channel: {Web: help_center, Email: support_agent}
account:
  domain: Respondent Email
"""


def _files(tmp_path: Path, answers: str = ANSWERS, survey: str = SURVEY) -> tuple[Path, Path]:
    export = tmp_path / "survey.csv"
    export.write_text(survey, encoding="utf-8")
    given = tmp_path / "answers.yaml"
    given.write_text(answers, encoding="utf-8")
    return export, given


@pytest.fixture
def workspace(tmp_path: Path, cli) -> Path:
    folder = tmp_path / "ws"
    done = cli("import", str(COMPANY / "salesforce_accounts.csv"), "--workspace", str(folder))
    assert done.code == 0, done.stderr
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_answers_make_rows_like_a_recipe_with_hashed_people(tmp_path) -> None:
    export, given = _files(tmp_path)
    answers = load_answers(given, "activity")
    assert answers is not None and answers.account == ("domain", "Respondent Email")
    recipe = recipe_from_answers(answers, export, name="our_survey", source="survey")
    rows = convert_rows(export, recipe)
    assert rows.get_column("event_id").to_list() == [
        "survey-r1-question_asked", "survey-r2-question_asked", "survey-r3-question_asked"]
    assert rows.get_column("channel").to_list() == ["help_center", "support_agent", "help_center"]
    assert rows.get_column("account_ref").to_list() == [
        "northwindlogistics.com", "contoso.com", "gmail.com"]
    digest = hashlib.sha256(b"ana@northwindlogistics.com").hexdigest()[:16]
    assert rows.get_column("person_id")[0] == f"p-{digest}"
    assert not any("@" in str(v) for v in rows.get_column("person_id").to_list())


def test_import_with_answers_saves_a_recipe_that_recognises_the_next_export(
        tmp_path, workspace, cli) -> None:
    export, given = _files(tmp_path)
    done = cli("import", str(export), "--table", "activity", "--mapping", str(given),
               "--save-recipe", "our_survey", "--workspace", str(workspace))
    assert done.code == 0, done.stderr
    assert "Saved the recipe our_survey" in done.stdout
    assert "1 row made from it names no known account and was left out: free-mail" in done.stdout
    saved = workspace / "recipes" / "our_survey.yaml"
    assert saved.is_file()
    activity = pl.read_parquet(next((workspace / "activity").glob("*.parquet")))
    assert sorted(activity.get_column("account_id").to_list()) == [
        "0013600001Kq9ZbAAJ", "0013600001TbRx4AAF"]
    again = cli("import", str(export), "--workspace", str(workspace))  # no flag at all
    assert again.code == 0, again.stderr
    assert "(recipe our_survey)" in again.stdout and "unchanged" in again.stdout
    listed = cli("recipes", "list", "--workspace", str(workspace))
    assert "our_survey" in listed.stdout


def test_a_kind_column_with_a_value_map_makes_one_event_per_kind(tmp_path) -> None:
    answers = ANSWERS.replace("  kind: question_asked\n", "").replace(
        "  Channel: channel\n", "  Channel: channel\n  Type: kind\n").replace(
        "value_maps:\n", "value_maps:\n  Type: {Q: question_asked, Praise: review}\n")
    export, given = _files(tmp_path, answers)
    loaded = load_answers(given, "activity")
    assert loaded is not None
    rows = convert_rows(export, recipe_from_answers(loaded, export, name="x", source="survey"))
    assert dict(rows.group_by("kind").len().iter_rows()) == {"question_asked": 2, "review": 1}


def test_a_value_the_value_map_misses_is_refused_naming_row_and_value(
        tmp_path, workspace, cli) -> None:
    export, given = _files(tmp_path, survey=SURVEY.replace(",Email,Q", ",Phone,Q"))
    before = _snapshot(workspace)
    done = cli("import", str(export), "--table", "activity", "--mapping", str(given),
               "--save-recipe", "our_survey", "--workspace", str(workspace))
    assert done.code == 2
    assert "row 2, column 'Channel': 'Phone' is not in the recipe's value map" in done.stderr
    assert _snapshot(workspace) == before  # nothing imported, no recipe saved


@pytest.mark.parametrize(("answers", "said"), [
    (ANSWERS + "colour: red\n", "colour: not a key of an answers file"),
    (ANSWERS.replace("domain: Respondent", "email: Respondent"), "account: give one of id"),
    (ANSWERS.replace("Question: question_text", "Questions: question_text"),
     "columns.Questions: survey.csv has no column 'Questions'"),
    (ANSWERS.replace("Question: question_text", "Question: the_question"),
     "columns.Question: 'the_question' is not a column of the activity table"),
    (ANSWERS.replace("actor_type: customer", "actor_type: robot"),
     "constants: actor_type: 'robot' is not one of"),
])
def test_answers_that_do_not_fit_are_refused_naming_the_key(tmp_path, workspace, cli, answers,
                                                            said) -> None:
    export, given = _files(tmp_path, answers)
    before = _snapshot(workspace)
    done = cli("import", str(export), "--table", "activity", "--mapping", str(given),
               "--workspace", str(workspace))
    assert done.code == 2
    assert said in done.stderr
    assert _snapshot(workspace) == before


def test_save_recipe_refuses_a_shipped_name_and_needs_answers(tmp_path, workspace, cli) -> None:
    export, given = _files(tmp_path)
    done = cli("import", str(export), "--table", "activity", "--mapping", str(given),
               "--save-recipe", "zendesk_tickets", "--workspace", str(workspace))
    assert done.code == 2 and "a shipped recipe has that name" in done.stderr
    assert not (workspace / "recipes").exists()
    alone = cli("import", str(export), "--table", "activity", "--save-recipe", "x",
                "--workspace", str(workspace))
    assert alone.code == 2 and "--mapping" in alone.stderr


def test_answers_need_a_kind_for_activity(tmp_path) -> None:
    export, given = _files(tmp_path, ANSWERS.replace("  kind: question_asked\n", ""))
    loaded = load_answers(given, "activity")
    assert loaded is not None
    with pytest.raises(InputError, match="say which kind of event its rows are"):
        recipe_from_answers(loaded, export, name="x", source="survey")


def test_a_plain_mapping_is_not_answers(tmp_path) -> None:
    plain = tmp_path / "mapping.yaml"
    plain.write_text("Submitted At: occurred_at\n", encoding="utf-8")
    assert load_answers(plain, "activity") is None
    assert Answers("activity").constants == {}
