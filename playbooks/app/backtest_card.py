"""The backtest card on a page: how far to trust the disengagement score before acting on it."""

from __future__ import annotations

import os

import polars as pl
import streamlit as st

from playbooks.signals.card import BacktestCard, read_card
from playbooks.signals.card_chart import calibration_chart


def card_table(card: BacktestCard) -> pl.DataFrame:
    """The card's scores side by side, under plain column names."""
    return pl.DataFrame(
        [{"Score": r.name,
          "ROC AUC": None if r.auc is None else round(r.auc, 3),
          "Precision in the riskiest 10%": None if r.precision_top10 is None
          else f"{r.precision_top10:.0%}",
          "Median lead time (weeks)": r.median_lead_weeks,
          "Caught before going quiet": f"{r.caught:,} of {r.went_quiet:,}"}
         for r in card.results])


def show_backtest_card(folder: str | os.PathLike[str]) -> None:
    """Show the saved backtest card of a workspace, or say how to make one."""
    st.subheader("How far to trust the score")
    card = read_card(folder)
    if card is None:
        st.info("No backtest yet, so the scores above come from the shipped starting model "
                "(fitted on public activity logs, not on your data). Run `playbooks backtest` "
                "to fit the score to this workspace's own history and see how well it "
                "predicted who went quiet.")
        return
    st.caption(card.model)
    if not card.results:
        st.write(card.to_text().split("\n")[0])
        return
    st.write(f"At {len(card.cutoffs)} past cut-off(s) ({card.cutoffs[0]} to "
             f"{card.cutoffs[-1]}), {card.went_quiet:,} of {card.rows:,} account rows did "
             f"nothing at all in the {card.horizon_weeks} weeks after.")
    st.dataframe(card_table(card), hide_index=True, width="stretch")
    if card.calibration:
        st.altair_chart(calibration_chart(card))
