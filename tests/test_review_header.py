"""The review pack's header says when and from what it was made, never a file path or a
database address, and counts read as words ('1 action item')."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from review_setup import TEAM, make_review_workspace

from playbooks.review.gather import build_review
from playbooks.review.html import render_html
from playbooks.review.markdown import render_markdown
from playbooks.review.model import Review
from playbooks.review.sentences import actions_line, drifting_line


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return make_review_workspace(tmp_path_factory.mktemp("header") / "workspace", accounts=80)


@pytest.fixture(scope="module")
def review(setup: tuple[Path, str]) -> Review:
    folder, url = setup
    return build_review(TEAM, "2026Q4", workspace=folder, store=url)


def test_the_header_names_no_file_or_database(review: Review, setup: tuple[Path, str]) -> None:
    folder, url = setup
    page = render_html(review, charts=False)
    header = page[page.index("<header>"):page.index("</header>")]
    markdown = render_markdown(review).split("\n\n", 2)[1]
    for text in (header, markdown):
        assert "sqlite" not in text and "playbooks.db" not in text
        assert str(folder) not in text and folder.name not in text.replace("accounts", "")
        assert "80 accounts" in text


def test_counts_read_as_words(review: Review) -> None:
    one = dataclasses.replace(review, actions=review.actions[:1])
    assert actions_line(one).startswith("1 action item:")
    assert actions_line(review).startswith(f"{len(review.actions)} action items:")


def test_money_carries_the_currency(review: Review, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYBOOKS_CURRENCY", "EUR")
    assert " EUR in annual value" in drifting_line(review)
    monkeypatch.delenv("PLAYBOOKS_CURRENCY")
    assert "EUR" not in drifting_line(review)


def test_the_drifting_list_carries_each_accounts_brief(review: Review) -> None:
    from playbooks.review.sentences import DRIFTING_SHOWN, brief_text

    drifting = review.data.drifting
    assert drifting is not None and drifting.height
    shown = drifting.head(DRIFTING_SHOWN)["account_id"].to_list()
    assert set(review.data.briefs) == set(shown)
    first = brief_text(review, shown[0])
    assert first.startswith("Since ") and "ticket" in first
    page = render_html(review, charts=False)
    assert "<th>Before reaching out</th>" in page
    assert "| Before reaching out |" in render_markdown(review)


def test_the_repair_sentence_names_both_counts_with_their_shares(review: Review) -> None:
    from playbooks.review.model import trap_of
    from playbooks.review.sentences import repair_line

    repair = trap_of(review).repair
    assert repair is not None
    judged = repair.episodes.filter(repair.episodes["outcome"] != "too_early")
    back = int((judged["outcome"] == "came_back").sum())
    line = repair_line(trap_of(review))
    assert f"after {back:,} (" in line and f"went quiet after {judged.height - back:,} (" in line
    assert "it went quiet" not in line
