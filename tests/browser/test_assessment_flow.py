"""A leader completes a self-assessment in the browser, reloads, and finds every answer kept."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from playbooks.assessment.bank import load_question_bank

TIMEOUT = 30_000
BANK = load_question_bank()
LABELS = {step.level: step.label for step in BANK.scale}
TOTAL = len(BANK.statements)


def _settle(page: Page) -> None:
    """Wait until Streamlit has finished the rerun the last interaction started."""
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT)


def _click_button(page: Page, name: str) -> None:
    """Click the one button called `name`, once a rerun's stale copy of it has gone."""
    button = page.get_by_role("button", name=name)
    expect(button).to_have_count(1, timeout=TIMEOUT)
    button.click()


def _open(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/assessment")
    expect(page.get_by_role("heading", name="Self-assessment")).to_be_visible(timeout=TIMEOUT)


def test_complete_reload_and_find_answers(page: Page, app_url: str, screenshot) -> None:
    _open(page, app_url)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="+ Add a team").click()
    _settle(page)
    page.get_by_label("New team name").fill("Support EMEA")
    page.get_by_label("New team name").press("Enter")
    _settle(page)
    page.get_by_role("button", name="Start the").click()
    _settle(page)

    chosen = {}
    for step, dim in enumerate(BANK.dimensions.values()):
        expect(page.get_by_role("heading", name=f"Step {step + 1} of")).to_be_visible(
            timeout=TIMEOUT)
        for i, statement in enumerate(dim.statements):
            level = 1 + (step + i) % 4
            group = page.get_by_role("radiogroup", name=statement.text)
            group.get_by_text(LABELS[level], exact=True).click()
            chosen[statement.id] = level
            # The progress line is drawn from the store: it moves once the answer is saved.
            expect(page.get_by_text(f"{len(chosen)} of {TOTAL} statements answered")
                   ).to_be_visible(timeout=TIMEOUT)
            _settle(page)
        if step == 1:
            screenshot("dimension")
        _click_button(page, "See the results" if step == len(BANK.dimensions) - 1 else "Next")
        _settle(page)
    expect(page.get_by_role("heading", name="Results for Support EMEA")).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_text(f"{len(chosen)} of {len(chosen)} statements answered")).to_be_visible()
    screenshot("results")

    page.reload()
    _open(page, app_url)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Support EMEA").click()
    _settle(page)
    expect(page.get_by_text(f"{len(chosen)} of {len(chosen)} statements answered")).to_be_visible(
        timeout=TIMEOUT)
    # Every answer is still there: walk the steps and read the checked option of each statement.
    page.get_by_text(next(iter(BANK.dimensions.values())).title, exact=True).first.click()
    _settle(page)
    for step, dim in enumerate(BANK.dimensions.values()):
        for statement in dim.statements:
            group = page.get_by_role("radiogroup", name=statement.text)
            checked = group.locator("input[type=radio]:checked")
            expect(checked).to_have_count(1)
            label = group.locator("label:has(input[type=radio]:checked)")
            expect(label).to_have_text(LABELS[chosen[statement.id]])
        if step < len(BANK.dimensions) - 1:
            _click_button(page, "Next")
            _settle(page)
    screenshot("after_reload")
