"""The review pack opens from disk in headless Chromium with no network at all: every request
that is not a file: URL is blocked and recorded, and none may be attempted."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from playbooks.assessment.bank import load_question_bank
from playbooks.demo import generate_demo
from playbooks.review.files import write_review
from playbooks.review.gather import build_review
from playbooks.review.sentences import SECTION_TITLES
from playbooks.store import Store, answers_from_levels

TEAM = "Support <img src=x onerror=\"window.pwned=1\">"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pack")
    generate_demo(folder / "workspace", accounts=120, weeks=52, seed=5)
    ids = list(load_question_bank().statement_dimension)
    with Store(f"sqlite:///{folder / 'store.db'}") as store:
        store.new_assessment(TEAM, "2026Q3", answers=answers_from_levels({i: 2 for i in ids}))
        store.new_assessment(TEAM, "2026Q4", answers=answers_from_levels(
            {i: 3 if n % 3 else 1 for n, i in enumerate(ids)}))
        store.add_action(TEAM, "<script>window.pwned=2</script>Pair renewals with a person",
                         owner="=Ana", due_quarter="2027Q1")
        review = build_review(TEAM, "2026Q4", workspace=folder / "workspace", store=store)
    return write_review(review, folder / "review")["html"]


def test_the_pack_renders_offline_with_its_charts(page: Page, pack: Path, screenshot) -> None:
    attempted: list[str] = []

    def guard(route, request) -> None:  # noqa: ANN001 - Playwright's Route and Request
        if request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("request", lambda r: None if r.url.startswith("file:") else attempted.append(r.url))
    page.goto(pack.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    assert attempted == [], f"the report tried to reach: {attempted}"
    ids = page.evaluate("() => [...document.querySelectorAll('section')].map(s => s.id)")
    assert set(SECTION_TITLES) <= set(ids), ids  # the seven sections (a backtest card may join)
    assert page.locator("svg").count() >= 5  # + efficiency beside relationship, repair
    trap = page.locator("#trap svg").first.bounding_box()
    assert trap and trap["width"] > 300 and trap["height"] > 200, "the signature chart is drawn"
    box = page.locator("#assessment svg").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100, "the profile chart is drawn"
    assert page.evaluate("() => window.pwned") is None, "markup in user text never ran"
    assert page.get_by_text("Pair renewals with a person").count() == 1
    assert page.locator("h1").inner_text().startswith("Quarterly review: Support <img")
    screenshot("report")
    page.emulate_media(media="print")
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('nav')).display") == "none"
    pdf = pack.with_suffix(".pdf")
    page.pdf(path=str(pdf))
    assert pdf.stat().st_size > 10_000
