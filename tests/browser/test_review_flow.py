"""The quarterly review page in Chromium: its sections, and the HTML pack drawn when asked for."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from playbooks.assessment.bank import load_question_bank
from playbooks.store import Store, answers_from_levels

TIMEOUT = 60_000
TEAM = "Support Nordics"
FIRST = "Support Aland"  # listed before TEAM, so choosing TEAM reruns the page


def wait_until_settled(page: Page) -> None:
    """Wait until the page's run has finished and nothing on it is left from an earlier run."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=TIMEOUT)
    expect(page.locator("[data-testid=stElementContainer][data-stale=true]")).to_have_count(
        0, timeout=TIMEOUT)


def test_the_html_pack_downloads_when_asked_for(page: Page, app_url: str, app_workspace: Path,
                                                tmp_path: Path, screenshot) -> None:
    ids = list(load_question_bank().statement_dimension)
    with Store(f"sqlite:///{app_workspace / 'playbooks.db'}") as store:
        for team, level in ((FIRST, 2), (TEAM, 3)):
            if not store.list_assessments(team):
                store.new_assessment(team, "2026Q4",
                                     answers=answers_from_levels({i: level for i in ids}))
    page.goto(f"{app_url}/review")
    expect(page.get_by_role("heading", name="Quarterly review")).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=TEAM).click()
    # The buttons drawn before the choice are still shown while the page reruns for TEAM: a
    # click on them would ask for the other team's pack.
    wait_until_settled(page)
    expect(page.get_by_role("heading", name="1. Self-assessment")).to_be_visible(
        timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download:
        page.get_by_role("button", name="HTML report", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    html = saved.read_text()
    assert saved.name == "review-support-nordics-2026Q4.html"
    assert html.lstrip().lower().startswith("<!doctype html") and TEAM in html
    assert "<svg" in html  # the charts, drawn for the pack
    expect(page.get_by_text("Traceback")).to_have_count(0)
    screenshot("review")
