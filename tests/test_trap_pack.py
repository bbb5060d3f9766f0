"""The review pack's efficiency section carries what automation alone cost and the paired
measures, in the HTML page and the Markdown text alike."""

from __future__ import annotations

import pytest
from review_setup import TEAM, make_review_workspace

from playbooks.review.gather import build_review
from playbooks.review.html import render_html
from playbooks.review.markdown import render_markdown
from playbooks.review.model import Review, TrapPart
from playbooks.review.trap import cost_sentences


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Review:
    folder, url = make_review_workspace(tmp_path_factory.mktemp("pack") / "workspace")
    return build_review(TEAM, "2026Q4", workspace=folder, store=url)


def test_the_pack_says_what_automation_alone_cost_and_shows_the_pairs(review: Review) -> None:
    part = review.data.trap
    assert part is not None and part.cost is not None
    lead, effects, pairs = cost_sentences(part)
    assert lead and pairs
    assert len(effects) == part.cost.effects.height
    page = render_html(review, charts=False)
    section = page[page.index('<section id="trap">'):page.index('<section id="actions">')]
    assert "<h3>What automation alone cost</h3>" in section
    assert "beside the relationship measure it can cost</h3>" in section
    assert pairs[0].split(":")[0] in section
    text = render_markdown(review)
    assert "### What automation alone cost" in text
    assert "### Each efficiency measure beside the relationship measure it can cost" in text


def test_a_part_without_the_estimate_says_so() -> None:
    lead, effects, pairs = cost_sentences(TrapPart())
    assert lead == "What automation alone cost was not estimated."
    assert effects == [] and pairs == []
