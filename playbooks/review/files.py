"""Write a quarterly review pack to disk: the HTML page, the Markdown and the actions CSV."""

from __future__ import annotations

import os
from pathlib import Path

from playbooks.review.html import render_html
from playbooks.review.markdown import actions_csv, render_markdown
from playbooks.review.model import Review
from playbooks.userfiles.writing import write_text_atomic


def default_out(out: str | os.PathLike[str]) -> dict[str, Path]:
    """Name the three files of a pack for `--out FILE`: FILE.html, FILE.md, FILE-actions.csv."""
    path = Path(out)
    stem = path.with_suffix("") if path.suffix.lower() in (".html", ".htm", ".md") else path
    html = path if path.suffix.lower() in (".html", ".htm") else stem.with_name(
        stem.name + ".html")
    return {"html": html, "markdown": stem.with_name(stem.name + ".md"),
            "csv": stem.with_name(stem.name + "-actions.csv")}


def write_review(review: Review, out: str | os.PathLike[str], *, charts: bool = True
                 ) -> dict[str, Path]:
    """Write the HTML, Markdown and CSV files of a review; return their paths by kind.

    Each file is rendered whole first, then written to a temporary name and renamed into
    place, so a full disk or a crash leaves the earlier file (or none), never half of one.
    """
    paths = default_out(out)
    texts = {"html": render_html(review, charts=charts), "markdown": render_markdown(review),
             "csv": actions_csv(review)}
    for kind, text in texts.items():
        write_text_atomic(paths[kind], text, newline="" if kind == "csv" else None)
    return paths
