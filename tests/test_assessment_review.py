"""The review pack's self-assessment section: plays that say what to do, and evidence in
words, the same in the HTML and the Markdown."""

from __future__ import annotations

import pytest
from review_setup import TEAM, make_review_workspace

from playbooks.framework.model import load_knowledge
from playbooks.review.gather import build_review
from playbooks.review.html import esc as escape
from playbooks.review.html import render_html
from playbooks.review.markdown import md, render_markdown
from playbooks.review.model import Review


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Review:
    folder, url = make_review_workspace(tmp_path_factory.mktemp("plays") / "workspace",
                                        accounts=80)
    return build_review(TEAM, "2026Q4", workspace=folder, store=url)


def test_the_pack_shows_each_play_as_guidance(review: Review) -> None:
    result = review.assessment.result
    assert result is not None and len(result.plays_first) == 3
    plays = load_knowledge().plays
    html, markdown = render_html(review), " ".join(render_markdown(review).split())
    for pick in result.plays_first:
        play = plays[pick.play_id]
        for text, quote in ((html, escape), (markdown, md)):
            text = " ".join(text.split())
            assert quote(play.title) in text
            assert f"Usually owned by: {quote(play.owner)}" in text
            assert f"First step this quarter: {quote(play.first_step)}" in text
            assert f"You will know it worked when: {quote(play.success_sign)}" in text
            assert pick.play_id not in text
    # the three plays are picked for three different dimensions
    assert len({p.dimensions[0] for p in result.plays_first}) == 3


def test_the_pack_says_whether_the_data_agrees(review: Review) -> None:
    html = render_html(review)
    assert "supports:" not in html and "contradicts:" not in html
    facts = [f for ev in review.assessment.evidence.values() for f in ev.facts]
    assert facts, "the demo gives some evidence"
    for fact in facts:
        assert fact.text.split(". ")[0].rstrip(".").endswith(f": {fact.stance}")
        assert fact.count >= 2  # never a handful of accounts offered as evidence
