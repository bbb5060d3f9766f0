"""Write a quarterly review pack to disk: the HTML page, the Markdown and the actions CSV."""

from __future__ import annotations

import os
from pathlib import Path

from playbooks.review.html import render_html
from playbooks.review.markdown import actions_csv, render_markdown
from playbooks.review.model import Review


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
    """Write the HTML, Markdown and CSV files of a review; return their paths by kind."""
    paths = default_out(out)
    paths["html"].parent.mkdir(parents=True, exist_ok=True)
    paths["html"].write_text(render_html(review, charts=charts), encoding="utf-8")
    paths["markdown"].write_text(render_markdown(review), encoding="utf-8")
    paths["csv"].write_text(actions_csv(review), encoding="utf-8", newline="")
    return paths
