"""A leader loads a journey map written in the company's own words (a measure and a channel
the framework does not know), reads how each was understood, and confirms the channel."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

TIMEOUT = 30_000
# A map in the company's own words (open_rate, handle_time, the channel "email").
OWN_MAP = (Path(__file__).resolve().parents[1] / "cases" / "journey" / "own_words.csv")\
    .read_text(encoding="utf-8")


def _settle(page: Page) -> None:
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT)


def test_own_words_are_read_and_a_channel_confirmed(page: Page, app_url: str, tmp_path: Path,
                                                     screenshot) -> None:
    own = tmp_path / "our_journey.csv"
    own.write_text(OWN_MAP, encoding="utf-8")
    page.goto(f"{app_url}/journey")
    expect(page.get_by_role("heading", name="Journey map")).to_be_visible(timeout=TIMEOUT)
    page.get_by_text("Load a journey map from a file").click()
    page.locator("input[type=file]").set_input_files(str(own))
    _settle(page)
    page.get_by_role("button", name="Replace the table with this file").click()
    _settle(page)
    expect(page.get_by_role("heading", name="Your own measures and channels")).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_text("read as an efficiency measure because its name says 'open'")
           ).to_be_visible()
    expect(page.get_by_text("is read as Vendor content")).to_be_visible()
    screenshot("own-words")
    choice = page.get_by_test_id("stSelectbox").filter(has_text="Read 'email' in row 1 as")
    choice.click()
    page.keyboard.type("Customer success")
    page.get_by_role("option", name="Customer success manager").click()
    _settle(page)
    page.get_by_role("button", name="Confirm").click()
    _settle(page)
    expect(page.get_by_text("Row 1 now uses Customer success manager instead of 'email'")
           ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    screenshot("channel-confirmed")
