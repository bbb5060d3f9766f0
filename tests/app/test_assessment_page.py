"""The self-assessment page: answers saved as given, found again in a new session."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path
from playbooks.assessment.bank import load_question_bank
from playbooks.store import Store

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
