"""The generated reference pages match the data they are generated from."""

from __future__ import annotations

from pathlib import Path

from playbooks.docs import render_knowledge_markdown
from playbooks.framework.model import load_knowledge

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_knowledge_page_is_current() -> None:
    committed = (DOCS / "knowledge.md").read_text(encoding="utf-8")
    assert committed == render_knowledge_markdown(), (
        "docs/knowledge.md is stale: run `playbooks knowledge docs --out docs/knowledge.md`"
    )


def test_knowledge_page_lists_every_record() -> None:
    kb = load_knowledge()
    page = render_knowledge_markdown(kb)
    for group in (kb.needs, kb.channels, kb.stages, kb.functions, kb.metrics, kb.anti_patterns,
                  kb.plays):
        for key in group:
            assert f"`{key}`" in page
    for need in kb.needs:
        for channel in kb.channels:
            assert kb.fit[need][channel].rationale.split()[0] in page
