"""The quarterly review page: the same sections as the pack, and its three downloads."""

from __future__ import annotations

import json
from pathlib import Path

from page_text import codes_shown
from streamlit.testing.v1 import AppTest

from playbooks.app.main import page_path
from playbooks.assessment.bank import load_question_bank
from playbooks.store import Store, answers_from_levels

TEAM = "Support <b>EMEA</b>"


def open_review(pages) -> AppTest:
    return pages.open(page_path("review"), timeout=120)


def _seed(workspace: Path) -> None:
    ids = list(load_question_bank().statement_dimension)
    with Store(f"sqlite:///{workspace / 'playbooks.db'}") as store:
        store.new_assessment(TEAM, "2026Q3", answers=answers_from_levels({i: 2 for i in ids}))
        store.new_assessment(TEAM, "2026Q4", answers=answers_from_levels({i: 3 for i in ids}))
        store.add_action(TEAM, "=cmd|' /C calc'!A0", owner="Ana", due_quarter="2027Q1")


def test_the_review_shows_every_section_and_offers_three_downloads(pages,
                                                                   workspace: Path) -> None:
    _seed(workspace)
    at = open_review(pages)
    pages.run(at.selectbox(key="review_team").set_value(TEAM))
    pages.run(at.selectbox(key="review_quarter").set_value("2026Q4"))
    headers = [h.value for h in at.header]
    assert headers == ["1. Self-assessment", "2. Journey-map findings",
                       "3. Accounts that look healthy but are drifting", "4. Continuity gaps",
                       "5. Repeated-question themes", "6. Efficiency beside relationship",
                       "7. Action plan"]
    specs = [json.dumps(json.loads(c.proto.spec)) for c in at.get("vega_lite_chart")]
    assert any("Self-assessment profile" in s for s in specs)
    assert any("Portfolio" in s for s in specs)
    assert any("In 2026Q3 it was 2" in m.value.replace("\\", "") for m in at.markdown)
    assert any("Efficiency beside relationship: The company as a whole" in s for s in specs)
    assert any("came back or went quiet" in s for s in specs)
    subheaders = [h.value for h in at.subheader]
    assert "Personal needs answered by automation alone" in subheaders
    assert "After something went wrong" in subheaders
    lines = [m.value.replace("\\", "") for m in at.markdown]
    assert any("escalation or incident episodes" in line for line in lines)
    assert any("efficiency improved while the relationship weakened" in line
               or "No period in which efficiency improved" in line for line in lines)
    assert any("got only an automated answer" in w.value.replace("\\", "") for w in at.warning)
    assert any("Came back" in d.value.columns for d in at.dataframe)
    downloads = at.get("download_button")
    assert len(downloads) == 3
    labels = " ".join(d.proto.label for d in downloads)
    assert "HTML" in labels and "Markdown" in labels and "CSV" in labels
    # The HTML pack is drawn on the click: a rerun started by that same click could drop the
    # drawn file before it reached the browser, so that button must only download.
    html = next(d for d in downloads if "HTML" in d.proto.label)
    assert html.proto.ignore_rerun and html.proto.deferred_file_id


def test_a_team_without_an_assessment_gets_a_plain_note(pages, workspace: Path) -> None:
    _seed(workspace)
    at = open_review(pages)
    pages.run(at.selectbox(key="review_team").set_value(TEAM))
    pages.run(at.selectbox(key="review_quarter").set_value("2025Q4"))
    assert any("has no self-assessment for 2025Q4" in i.value for i in at.info)
    assert any("example map" in i.value for i in at.info)


def test_with_no_team_saved_yet_the_page_asks_for_one(pages) -> None:
    at = open_review(pages)
    assert any("Choose or type a team" in i.value for i in at.info)
    pages.run(at.text_input(key="review_team_name").input("Newcomers"))
    assert any("Newcomers has no self-assessment" in i.value for i in at.info)


def test_the_review_opens_on_the_latest_quarter_the_team_assessed(pages,
                                                                  workspace: Path) -> None:
    import datetime as dt

    today = dt.date.today()
    index = today.year * 4 + (today.month - 1) // 3 + 1  # next quarter, past the usual default
    latest = f"{index // 4}Q{index % 4 + 1}"
    _seed(workspace)
    with Store(f"sqlite:///{workspace / 'playbooks.db'}") as store:
        store.new_assessment(TEAM, latest)
    at = open_review(pages)
    pages.run(at.selectbox(key="review_team").set_value(TEAM))
    assert at.selectbox(key="review_quarter").value == latest
    assert [t.label for t in at.tabs][0] == "1. Self-assessment"
    for frame in at.dataframe:
        assert not any("_" in c for c in frame.value.columns), list(frame.value.columns)


def test_the_review_shows_names_not_codes(pages, workspace: Path) -> None:
    _seed(workspace)
    at = open_review(pages)
    pages.run(at.selectbox(key="review_team").set_value(TEAM))
    assert not codes_shown(at)  # stages, segments: the knowledge's and the demo's names
    assert len(at.tabs) == 7, "one tab per section, not one very long page"
    plan = next(d.value for d in at.dataframe if "Overdue" in d.value.columns)
    assert set(plan["Overdue"]) <= {"yes", "no"}
