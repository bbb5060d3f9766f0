"""The backtest card in the quarterly review pack: a short table and the calibration chart,
read from the card `playbooks backtest` saved in the workspace."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import altair as alt

from playbooks.review.model import Review
from playbooks.signals.card import BacktestCard, read_card
from playbooks.signals.card_chart import calibration_chart

TITLE = "How far to trust the disengagement score"


def review_card(review: Review) -> BacktestCard | None:
    """The card saved in the review's workspace, if any."""
    folder = Path(review.data.source) if review.data.source else None
    if folder is None or not folder.is_dir():
        return None
    return read_card(folder)


def _rows(card: BacktestCard) -> list[list[str]]:
    return [[r.name, "n/a" if r.auc is None else f"{r.auc:.3f}",
             "n/a" if r.precision_top10 is None else f"{r.precision_top10:.0%}",
             "n/a" if r.median_lead_weeks is None else f"{r.median_lead_weeks:.0f}",
             f"{r.caught:,} of {r.went_quiet:,}"] for r in card.results]


HEADER = ["Score", "ROC AUC", "Precision in the riskiest 10%", "Median lead time (weeks)",
          "Caught before going quiet"]


def _summary(card: BacktestCard | None) -> str:
    if card is None:
        return ("No backtest yet: `playbooks backtest` fits the score to this workspace's "
                "history and shows how well it predicted who went quiet.")
    if not card.results:
        return card.to_text().split("\n")[0]
    return (f"At {len(card.cutoffs)} past cut-off(s) ({card.cutoffs[0]} to "
            f"{card.cutoffs[-1]}), {card.went_quiet:,} of {card.rows:,} account rows did "
            f"nothing at all in the {card.horizon_weeks} weeks after. {card.model}")


def backtest_markdown(review: Review) -> list[str]:
    """The card as Markdown lines."""
    card = review_card(review)
    out = [f"### {TITLE}", "", _summary(card), ""]
    if card is not None and card.results:
        out += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        out += ["| " + " | ".join(row) + " |" for row in _rows(card)] + [""]
    return out


def backtest_html(review: Review, *, draw: Callable[[alt.TopLevelMixin], str] | None = None
                  ) -> str:
    """The card as an HTML fragment, with the calibration chart drawn by `draw` (to inline
    SVG; None leaves it out)."""
    card = review_card(review)
    parts = [f"<h3>{escape(TITLE)}</h3>", f"<p>{escape(_summary(card))}</p>"]
    if card is not None and card.results:
        head = "".join(f"<th>{escape(h)}</th>" for h in HEADER)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                       for row in _rows(card))
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        if draw is not None and card.calibration:
            parts.append(f"<figure>{draw(calibration_chart(card))}<figcaption "
                         "class=\"meta\">Each point is a band of predicted chance; on the "
                         "dashed line the prediction matched what happened.</figcaption>"
                         "</figure>")
    return '<section id="backtest">' + "\n".join(parts) + "</section>"
