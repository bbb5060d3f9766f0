"""A leader brings a CRM export and a help-desk export as the tools wrote them: the page names
each file's tool and recipe, shows what it becomes, imports both, and the workspace then holds
the accounts (source crm) and their activity (source helpdesk)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from playbooks.data.workspace import load_tables, workspace_status
from playbooks.demo import generate_demo

TIMEOUT = 90_000
EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports" / "company"
CRM = EXPORTS / "salesforce_accounts.csv"
HELPDESK = EXPORTS / "zendesk_tickets.csv"


def _settle(page: Page) -> None:
    page.wait_for_timeout(200)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT)


@pytest.fixture
def demo_workspace(app_workspace: Path, tmp_path: Path) -> Iterator[Path]:
    """The app's workspace as a fresh demo (whatever earlier tests imported), given back as it
    was afterwards so later tests see the same data (the saved-work database is left alone)."""
    kept = tmp_path / "kept"
    kept.mkdir()
    data = [p for p in app_workspace.iterdir() if not p.name.startswith("playbooks.db")]
    for path in data:
        shutil.move(str(path), kept / path.name)
    generate_demo(app_workspace, accounts=60)
    yield app_workspace
    for path in app_workspace.iterdir():
        if not path.name.startswith("playbooks.db"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for path in kept.iterdir():
        shutil.move(str(path), app_workspace / path.name)


def test_a_crm_and_a_helpdesk_export_are_imported_through_their_recipes(
        page: Page, app_url: str, demo_workspace: Path, screenshot) -> None:
    app_workspace = demo_workspace
    page.goto(f"{app_url}/data")
    expect(page.get_by_text("The workspace holds demo data").first).to_be_visible(
        timeout=TIMEOUT)
    _settle(page)

    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Exports from your tools")
    uploader.locator("input[type=file]").set_input_files([str(CRM), str(HELPDESK)])
    expect(page.get_by_text("Salesforce account report (recipe salesforce_accounts)")
           ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Zendesk tickets (recipe zendesk_tickets)")).to_be_visible(
        timeout=TIMEOUT)
    _settle(page)
    # The file's own name, what it becomes, and the help-desk rows with a free-mail requester
    # named as left out, all before the import.
    expect(page.get_by_text(re.compile(r"^salesforce_accounts\.csv")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Left out, naming no known account: free"))
           ).to_be_visible()
    expect(page.get_by_text("13 row(s) in the file become 20 row(s) for the activity table.")
           ).to_be_visible()
    # The status, the two previews and, for the help-desk export, its account matches.
    expect(page.get_by_test_id("stDataFrame")).to_have_count(4)
    expect(page.get_by_text("How its 7 account reference(s) match (0 uncertain")).to_be_visible()
    screenshot("previewed")

    page.get_by_role("button", name="Import these exports").click()
    expect(page.get_by_text(re.compile(r"^Imported\. Every page now uses your data\."))
           ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("The workspace holds your own data")).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    screenshot("imported")

    status = workspace_status(app_workspace)
    assert not status.is_demo
    assert status.tables["accounts"].sources == ("crm",)
    assert status.tables["activity"].sources == ("helpdesk",)
    loaded = load_tables(app_workspace)
    accounts = loaded.accounts.collect()
    activity = loaded.activity.collect()
    assert accounts.height == 6
    assert "0013600001Kq9ZbAAJ" in accounts["account_id"].to_list()
    assert activity.height == 20  # as the preview said
    assert activity.filter(pl.col("event_id").str.contains("7101")).height >= 1
    assert set(activity["account_id"].to_list()) <= set(accounts["account_id"].to_list())
    assert not list(app_workspace.glob(".recipe-*"))


SURVEY = """Response ID,Submitted At,Respondent Email,Question
r1,2026-11-02 10:00:00,ana@northwindlogistics.com,How do we add a second admin?
r2,2026-11-03 11:30:00,bo@contoso.com,Can we get a training for new staff?
r3,2026-11-04 09:15:00,cy@contoso.com,Where is the renewal quote?
"""


def _choose(page: Page, label: str, option: str | re.Pattern[str]) -> None:
    """Pick an option of the select box whose label is exactly `label`."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    choice = page.get_by_role("option", name=option).first
    for _ in range(3):  # a rerun may redraw the box as it opens: open it again
        box.locator("input").click()
        try:
            choice.wait_for(timeout=3_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's timeout; tried again
            page.keyboard.press("Escape")
            _settle(page)
    choice.click()
    _settle(page)


def test_an_unknown_export_is_read_with_fixed_values_and_saved_as_a_recipe(
        page: Page, app_url: str, demo_workspace: Path, tmp_path: Path, screenshot) -> None:
    """A survey tool no recipe knows: the leader picks its table, matches its columns, says
    what every row is (a customer's question, by email), and keeps the answers as a recipe."""
    from playbooks.data.recipes.importing import import_exports

    app_workspace = demo_workspace
    import_exports([CRM], app_workspace, replace_demo=True)
    survey = tmp_path / "survey.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    page.goto(f"{app_url}/data")
    expect(page.get_by_text("The workspace holds your own data").first).to_be_visible(
        timeout=TIMEOUT)
    _settle(page)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Exports from your tools")
    uploader.locator("input[type=file]").set_input_files([str(survey)])
    expect(page.get_by_text("no recipe recognises this file")).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    _choose(page, "What it holds, to match its columns to ours below",
            "Activity (one row per event)")
    expect(page.get_by_text("2. Match your columns to ours")).to_be_visible(timeout=TIMEOUT)
    for label, column in [("Event ID (required)", "Response ID"),
                          ("When (required)", "Submitted At"),
                          ("Person (required)", "Respondent Email"),
                          ("Question text", "Question")]:
        _choose(page, label, re.compile(f"^{column}$"))
    for label, value in [("Actor type", "^customer"), ("Function", "^customer success"),
                         ("Kind of event", "^question asked"), ("Channel", "^help center"),
                         ("Automated", "^no$")]:
        _choose(page, label, re.compile(value))
    _choose(page, "The column", re.compile("^Respondent Email$"))
    page.get_by_text("Keep these answers as a recipe for the next export of this shape").click()
    _settle(page)
    name = page.get_by_label("Name of the recipe")
    name.fill("our_survey")
    name.press("Enter")
    _settle(page)
    page.get_by_role("button", name="Check the files").click()
    expect(page.get_by_text("survey.csv: passes every check of the activity contract "
                            "(3 rows).")).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    screenshot("answered")
    page.get_by_role("button", name="Import into the workspace").click()
    expect(page.get_by_text(re.compile(r"^Imported\. Every page now uses your data\."))
           ).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    expect(page.get_by_text("survey.csv: passes every check of the activity contract "
                            "(3 rows).")).to_be_visible()
    expect(page.get_by_text(".recipe-")).to_have_count(0)  # the file's own name only
    screenshot("imported")

    assert (app_workspace / "recipes" / "our_survey.yaml").is_file()
    activity = load_tables(app_workspace).activity.collect()
    assert activity.height == 3
    assert sorted(set(activity["account_id"].to_list())) == [
        "0013600001Kq9ZbAAJ", "0013600001TbRx4AAF"]
    assert set(activity["kind"].to_list()) == {"question_asked"}
    assert not any("@" in p for p in activity["person_id"].to_list())
