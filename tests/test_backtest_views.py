"""The backtest card where leaders read it: the Account signals page and the review pack."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from playbooks.review.backtest import backtest_html, backtest_markdown
from playbooks.signals.card import BacktestCard, ScoreResult, save_card

CARD = BacktestCard(
    horizon_weeks=12, cutoffs=["2025-01-06", "2025-02-03"], rows=800, went_quiet=200,
    model="The disengagement score is the chance, in percent, of no customer activity in the "
          "next 12 weeks; fitted on this data's own history.",
    results=[ScoreResult("fitted score", 0.81, 0.62, 8.0, 90, 120, 800),
             ScoreResult("days since last activity", 0.77, 0.55, 4.0, 70, 120, 800)],
    calibration=[{"low": 0.0, "high": 0.1, "predicted": 0.05, "observed": 0.04, "rows": 500.0},
                 {"low": 0.5, "high": 0.6, "predicted": 0.55, "observed": 0.6, "rows": 300.0}])


def _page(folder: str) -> None:
    from playbooks.app.backtest_card import show_backtest_card

    show_backtest_card(folder)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    save_card(CARD, tmp_path)
    return tmp_path


def test_the_page_shows_the_saved_card_with_its_calibration_chart(saved: Path) -> None:
    at = AppTest.from_function(_page, args=(str(saved),)).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Score"]) == ["fitted score", "days since last activity"]
    assert list(table["ROC AUC"]) == [0.81, 0.77]
    specs = [json.dumps(json.loads(c.proto.spec)) for c in at.get("vega_lite_chart")]
    assert any("Predicted chance of going quiet (%)" in s for s in specs)


def test_the_page_says_how_to_make_a_card_when_there_is_none(tmp_path: Path) -> None:
    at = AppTest.from_function(_page, args=(str(tmp_path),)).run()
    assert not at.exception
    assert "playbooks backtest" in at.info[0].value


def test_the_pack_shows_the_card_in_markdown_and_html(saved: Path, tmp_path: Path) -> None:
    review = SimpleNamespace(data=SimpleNamespace(source=str(saved)))
    text = "\n".join(backtest_markdown(review))  # type: ignore[arg-type]
    assert "| fitted score | 0.810 | 62% | 8 | 90 of 120 |" in text
    html = backtest_html(review, draw=lambda chart: "<svg>calibration</svg>")  # type: ignore[arg-type]
    assert "<svg>calibration</svg>" in html and "days since last activity" in html
    empty = SimpleNamespace(data=SimpleNamespace(source=str(tmp_path / "none")))
    assert "No backtest yet" in "\n".join(backtest_markdown(empty))  # type: ignore[arg-type]
