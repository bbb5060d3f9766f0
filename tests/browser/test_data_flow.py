"""Uploading exports in the browser: a broken file is refused precisely with the workspace
unchanged; markup in an account name is shown as text, never rendered."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import polars as pl
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from playbooks.demo import generate_demo
from playbooks.signals import compute_signals

TIMEOUT = 60_000
MARKUP = '<img src=x onerror="window.pwned=1"> **Acme** [click](http://example.invalid)'


def _settle(page: Page) -> None:
    page.wait_for_timeout(200)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT)


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("*.parquet"))}


def _choose(page: Page, label: str, typed: str, option: str) -> None:
    """Pick `option` in the select box `label` by typing `typed`, as a user does; once more
    if the list closed under the click (a rerun of the page redraws the box)."""
    for _ in range(3):
        page.get_by_test_id("stSelectbox").filter(has_text=label).click()
        page.keyboard.type(typed)
        try:
            page.get_by_role("option", name=option).click(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            _settle(page)
            continue
        _settle(page)
        return
    raise AssertionError(f"the option {option!r} of {label!r} could not be chosen")


def _upload(page: Page, label: str, path: Path) -> None:
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=label)
    uploader.locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_text(path.name).first).to_be_visible(timeout=TIMEOUT)
    _settle(page)


def test_missing_column_is_named_and_nothing_changes(page: Page, app_url: str,
                                                     app_workspace: Path, tmp_path: Path,
                                                     screenshot) -> None:
    # This test's own starting state, whatever the session's earlier tests left: the demo.
    generate_demo(app_workspace, accounts=300)
    page.goto(f"{app_url}/data")
    expect(page.get_by_text("The workspace holds demo data")).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    before = _fingerprint(app_workspace)
    assert "accounts.parquet" in before

    broken = tmp_path / "crm_accounts.csv"
    pl.read_parquet(app_workspace / "accounts.parquet").head(30).drop("owner").write_csv(broken)
    _upload(page, "Accounts", broken)
    page.get_by_role("button", name="Check the files").click()
    expect(page.get_by_text("Required columns missing: owner").first).to_be_visible(
        timeout=TIMEOUT)
    page.get_by_role("button", name="Import into the workspace").click()
    expect(page.get_by_text(re.compile(r"^Nothing was imported: crm_accounts"))).to_be_visible(
        timeout=TIMEOUT)
    _settle(page)
    screenshot("missing_column")
    assert _fingerprint(app_workspace) == before


def test_markup_in_an_account_name_stays_text(page: Page, app_url: str, tmp_path: Path,
                                              screenshot) -> None:
    demo = tmp_path / "export"
    generate_demo(demo, accounts=120, weeks=52, seed=99)
    accounts = pl.read_parquet(demo / "accounts.parquet")
    activity = pl.read_parquet(demo / "activity.parquet")
    flagged = compute_signals(accounts, activity).filter(pl.col("looks_healthy_drifting"))
    target = flagged["account_id"][0]
    accounts = accounts.with_columns(
        name=pl.when(pl.col("account_id") == target).then(pl.lit(MARKUP))
        .otherwise(pl.col("name")))
    accounts.write_csv(tmp_path / "accounts.csv")
    activity.write_parquet(tmp_path / "activity.parquet")

    page.goto(f"{app_url}/data")
    expect(page.get_by_text("The workspace holds").first).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    _upload(page, "Accounts", tmp_path / "accounts.csv")
    _upload(page, "Activity", tmp_path / "activity.parquet")
    page.get_by_role("button", name="Import into the workspace").click()
    expect(page.get_by_text("Imported. Every page now uses your data.")).to_be_visible(
        timeout=TIMEOUT)

    page.goto(f"{app_url}/signals")
    expect(page.get_by_role("heading", name="Drifting accounts")).to_be_visible(timeout=TIMEOUT)
    _settle(page)
    _choose(page, "Account", target, f"({target})")
    heading = page.locator("h4", has_text="**Acme**")
    expect(heading).to_be_visible(timeout=TIMEOUT)
    expect(heading).to_contain_text("<img src=x")
    screenshot("markup_inert")
    assert page.locator("img[src='x']").count() == 0
    assert page.get_by_role("link", name="click").count() == 0
    links = page.locator("a[href*='example']:not([href^='#'])")
    assert links.count() == 0, [links.nth(i).evaluate("e => e.outerHTML")
                                for i in range(links.count())]
    assert page.evaluate("() => window.pwned === undefined")
