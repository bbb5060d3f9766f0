"""The self-assessment page: answers saved as given, found again in a new session."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path
from playbooks.assessment.bank import load_question_bank
from playbooks.store import Store

APP = str(Path(__file__).resolve().parents[2] / "app.py")
BANK = load_question_bank()
DIMS = list(BANK.dimensions.values())


def open_assessment(pages, team: str, new: bool) -> AppTest:
    at = pages.open(page_path("assessment"))
    if new:
        pages.run(at.selectbox(key="assess_team_choice").set_value("+ Add a team"))
        pages.run(at.text_input(key="assess_new_team").input(team))
        pages.run(at.button(key="assess_start").click())
    else:
        pages.run(at.selectbox(key="assess_team_choice").set_value(team))
    return at


def test_answers_are_saved_and_found_again(pages, workspace: Path) -> None:
    at = open_assessment(pages, "Support", new=True)
    url = f"sqlite:///{workspace / 'playbooks.db'}"
    with Store(url) as store:
        (record,) = store.list_assessments("Support")
    first, second = DIMS[0].statements[:2]
    pages.run(at.radio(key=f"assess_{record.id}_{first.id}").set_value(3))
    pages.run(at.radio(key=f"assess_{record.id}_{second.id}").set_value(2))
    with Store(url) as store:
        assert store.get_assessment(record.id).levels == {first.id: 3, second.id: 2}

    again = open_assessment(pages, "Support", new=False)
    assert again.radio(key=f"assess_{record.id}_{first.id}").value == 3
    assert again.radio(key=f"assess_{record.id}_{second.id}").value == 2
    assert any("2 of 28" in p.proto.text for p in again.get("progress"))


def test_results_show_profile_gaps_and_plays(pages, workspace: Path) -> None:
    at = open_assessment(pages, "Success", new=True)
    with Store(f"sqlite:///{workspace / 'playbooks.db'}") as store:
        (record,) = store.list_assessments("Success")
        for i, statement in enumerate(BANK.statements):
            record = store.save_answer(record.id, statement, 1 + i % 4,
                                       expected_version=record.version)
    pages.run(at)
    for _ in DIMS:
        pages.run(at.button(key="assess_next").click())
    assert any(s.value.startswith("Results for Success") for s in at.subheader)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert any("Self-assessment profile" in json.dumps(s) for s in specs)
    assert at.expander, "plays to run first"
    labels = [e.label for e in at.expander]
    assert any("you said level" in label and "the data:" in label for label in labels)


def test_stale_save_is_refused_and_newer_answer_kept(pages, workspace: Path) -> None:
    at = open_assessment(pages, "Education", new=True)
    url = f"sqlite:///{workspace / 'playbooks.db'}"
    statement = DIMS[0].statements[0]
    with Store(url) as store:
        (record,) = store.list_assessments("Education")
        store.save_answer(record.id, statement.id, 4, expected_version=record.version,
                          by="someone else")
    pages.run(at.radio(key=f"assess_{record.id}_{statement.id}").set_value(1))
    assert any("Someone else saved this assessment first" in w.value for w in at.warning)
    with Store(url) as store:
        assert store.get_assessment(record.id).levels[statement.id] == 4


def _results(pages, workspace: Path, team: str) -> AppTest:
    at = open_assessment(pages, team, new=True)
    with Store(f"sqlite:///{workspace / 'playbooks.db'}") as store:
        (record,) = store.list_assessments(team)
        for statement in BANK.statements:
            record = store.save_answer(record.id, statement, 2, expected_version=record.version)
    pages.run(at)
    for _ in DIMS:
        pages.run(at.button(key="assess_next").click())
    return at


def test_an_action_can_be_due_in_each_of_the_next_four_quarters(pages, workspace: Path) -> None:
    import datetime as dt

    at = _results(pages, workspace, "Planning")
    due = [s for s in at.selectbox if s.key and s.key.startswith("assess_due_")]
    assert due, "every play offers a due quarter"
    today = dt.date.today()
    index = today.year * 4 + (today.month - 1) // 3
    expected = [f"{i // 4}Q{i % 4 + 1}" for i in range(index, index + 4)]
    for box in due:
        assert list(box.options) == expected


def test_a_play_says_what_to_do_who_owns_it_the_first_step_and_how_to_know(
        pages, workspace: Path) -> None:
    from playbooks.framework.model import load_knowledge

    plays = {p.title: p for p in load_knowledge().plays.values()}
    at = _results(pages, workspace, "Guidance")
    shown = [(plays[e.label.split(" · raises ")[0]], e) for e in at.expander
             if e.label.split(" · raises ")[0] in plays]
    assert len(shown) == 3
    for play, expander in shown:
        texts = [m.value for m in expander.markdown] + [c.value for c in expander.caption]
        assert any(play.description[:40] in t for t in texts)
        for label, value in (("Usually owned by:", play.owner),
                             ("First step this quarter:", play.first_step),
                             ("You will know it worked when:", play.success_sign)):
            assert any(t.startswith(f"**{label}** ") and value[:30] in t for t in texts), label
    # every answer is 2, so every dimension is a gap: the three plays raise three of them
    raised = [expander.label.split(" · raises ")[1] for _, expander in shown]
    assert len(set(raised)) == 3
    assert not [t for t in raised if "_" in t]
    progress = " ".join(p.proto.text for p in at.get("progress"))
    assert "version" not in progress and "last saved" in progress


def test_a_broken_database_url_shows_one_friendly_error_and_stops(
        pages, monkeypatch) -> None:
    monkeypatch.setenv("PLAYBOOKS_DATABASE_URL", "nosuchdb://nowhere/none")
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(page_path("assessment"))
    pages.run(at, expect_errors=["Could not open the saved assessments"])
    assert len(at.error) == 1
    assert not at.get("progress")
