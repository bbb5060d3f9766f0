"""The efficiency-beside-relationship page in Chromium against `streamlit run`."""

from __future__ import annotations

from playwright.sync_api import Page, expect

TIMEOUT = 120_000


def _settle(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp']", timeout=TIMEOUT)
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT)


def test_trap_page_opens_with_charts_and_findings(page: Page, app_url: str, screenshot) -> None:
    page.goto(f"{app_url}/trap")
    expect(page.get_by_role("heading", name="Efficiency and relationship")).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="After something went wrong")).to_be_visible(
        timeout=TIMEOUT)
    _settle(page)
    expect(page.get_by_role("heading", name="Where efficiency rose while the relationship fell")
           ).to_be_visible()
    expect(page.get_by_role("heading", name="The need behind each question")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=TIMEOUT)
    assert page.get_by_test_id("stVegaLiteChart").count() >= 3
    expect(page.get_by_text("Traceback")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot("trap")
