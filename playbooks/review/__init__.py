"""The quarterly review pack: gather a team's quarter, then render it as HTML, Markdown and CSV.

Its modules: `model` (the frozen records a review holds), `gather` and `trap` (filling them),
`sentences` (the words every renderer shares), `markdown` (Markdown and the actions CSV),
`html` (one self-contained page) and `files` (writing the pack). The public names below are
imported lazily, so importing one submodule does not import the whole pack.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Review": "playbooks.review.model",
    "ReviewData": "playbooks.review.model",
    "build_review": "playbooks.review.gather",
    "load_review_data": "playbooks.review.gather",
    "render_html": "playbooks.review.html",
    "render_markdown": "playbooks.review.markdown",
    "actions_csv": "playbooks.review.markdown",
    "write_review": "playbooks.review.files",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'playbooks.review' has no attribute {name!r}")
