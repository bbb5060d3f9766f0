"""Every page renders without an exception and its main interactions work (AppTest)."""

from __future__ import annotations

import json

import pytest

from playbooks.app.main import page_path


def test_start_page(pages) -> None:
    at = pages.open(page_path("start"))
    assert at.title[0].value == "CX Playbooks"


def test_the_start_page_points_to_every_page_with_one_line_each(pages) -> None:
    from playbooks.app.main import PAGES

    at = pages.open(page_path("start"))
    links = [link.proto.page for link in at.get("page_link")]
    others = [name for name, _, _ in PAGES if name != "start"]
    assert sorted(links) == sorted(others), "every page once"
    labels = [link.proto.label for link in at.get("page_link")]
    numbered = [label for label in labels if label[0].isdigit()]
    assert numbered == sorted(numbered, key=lambda label: int(label.split(".")[0]))
    captions = [c.value for c in at.caption]
    assert sum(len(c) > 30 for c in captions) >= len(others), "a line for each page"


def test_advisor_defaults_and_interaction(pages) -> None:
    at = pages.open(page_path("advisor"))
    assert any("Best fit" in s.value for s in at.subheader)
    at.selectbox(key="advisor_need").set_value("judgment")
    at.radio(key="advisor_stakes").set_value("consequential")
    at.checkbox(key="advisor_org_risk").check()
    pages.run(at)
    assert any(s.value == "Best fit: Customer success manager" for s in at.subheader)
    assert at.warning, "a person or peer must be reachable for this moment"


def test_advisor_off_hours_information(pages) -> None:
    at = pages.open(page_path("advisor"))
    at.checkbox(key="advisor_off_hours").check()
    pages.run(at)
    assert any(s.value == "Best fit: AI assistant" for s in at.subheader)
    assert any("person" in i.value for i in at.info)


def test_journey_page_shows_findings_and_heatmap(pages) -> None:
    at = pages.open(page_path("journey"))
    titles = [e.label for e in at.expander]
    assert any("Automation alone where a person or peer is needed" in t for t in titles)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert any("How well each channel fits each need" in json.dumps(s) for s in specs)
    assert at.get("download_button")


@pytest.mark.parametrize("page", [page_path("start"), page_path("advisor"),
                                  page_path("assessment"), page_path("signals"),
                                  page_path("journey")])
def test_no_page_raises(pages, page: str) -> None:
    pages.open(page)


def test_journey_map_is_saved_and_reopened(pages, workspace) -> None:
    at = pages.open(page_path("journey"))
    at.text_input(key="journey_save_name").input("Acme journey")
    pages.run(at.button(key="FormSubmitter:journey_save_form-Save").click())
    assert any("Saved 'Acme journey' (version 1)" in s.value for s in at.success)
    again = pages.open(page_path("journey"))
    assert "Acme journey" in again.selectbox(key="journey_pick").options
    again.selectbox(key="journey_pick").set_value("Acme journey")
    pages.run(again.button(key="journey_open").click())
    assert again.text_input(key="journey_save_name").value == "Acme journey"


def test_opening_a_saved_map_fills_save_as_and_team(pages, workspace) -> None:
    from playbooks.advice.journey import EXAMPLE_JOURNEY, load_journey_map
    from playbooks.store import Store

    with Store(f"sqlite:///{workspace / 'playbooks.db'}") as store:
        store.save_journey_map("Renewals map", load_journey_map(EXAMPLE_JOURNEY).to_records(),
                               team="Customer Success EMEA")
    at = pages.open(page_path("journey"))
    assert at.text_input(key="journey_save_name").value == "Our journey"
    at.selectbox(key="journey_pick").set_value("Renewals map")
    pages.run(at.button(key="journey_open").click())
    assert at.text_input(key="journey_save_name").value == "Renewals map"
    assert at.text_input(key="journey_save_team").value == "Customer Success EMEA"
    at.selectbox(key="journey_pick").set_value("The example journey (B2B software)")
    pages.run(at.button(key="journey_open").click())
    assert at.text_input(key="journey_save_name").value == "Our journey"
    assert at.text_input(key="journey_save_team").value == ""


@pytest.mark.parametrize("page", ["start", "advisor"])
def test_a_page_shows_names_not_codes(pages, page: str) -> None:
    from page_text import codes_shown

    assert not codes_shown(pages.open(page_path(page)))
