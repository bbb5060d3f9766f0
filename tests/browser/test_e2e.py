"""End-to-end flows in Chromium against `streamlit run`."""

from __future__ import annotations

from playwright.sync_api import Page, expect

TIMEOUT = 30_000


def _wait_ready(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp']", timeout=TIMEOUT)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT)


def test_start_page_opens(page: Page, app_url: str, screenshot) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="CX Playbooks")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Traceback")).to_have_count(0)
    screenshot("start")


def test_advisor_ranks_the_success_manager_for_risky_judgment(page: Page, app_url: str,
                                                              screenshot) -> None:
    page.goto(f"{app_url}/advisor")
    expect(page.get_by_role("heading", name="Channel advisor")).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Judgment: What should we do, given our situation?").click()
    page.get_by_text("Consequential", exact=True).click()
    page.get_by_text("Internal politics or buy-in are part of the problem").click()
    expect(page.get_by_role("heading", name="Best fit: Customer success manager")).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_text("A person or a peer must be reachable")).to_be_visible()
    screenshot("judgment")


def test_journey_map_shows_findings(page: Page, app_url: str, screenshot) -> None:
    page.goto(f"{app_url}/journey")
    expect(page.get_by_role("heading", name="Findings")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Automation alone where a person or peer is needed").first
           ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Traceback")).to_have_count(0)
    screenshot("findings")
