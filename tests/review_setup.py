"""A small workspace and store for the quarterly review tests: a demo with markup in every
account name, two quarters of self-assessment, a saved journey map and action items."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from playbooks.advice.journey import EXAMPLE_JOURNEY, load_journey_map
from playbooks.assessment.bank import load_question_bank
from playbooks.demo import generate_demo
from playbooks.store import Store, answers_from_levels

TEAM = "Success <script>alert('team')</script>"
MARKUP_NAME = '<img src=x onerror="alert(1)">'
MARKUP_ACTION = "<script>alert('action')</script> Fix the hand-off"


def make_review_workspace(folder: Path, *, accounts: int = 150) -> tuple[Path, str]:
    """Write the demo workspace and store; return the folder and the store URL."""
    generate_demo(folder, accounts=accounts, weeks=52, seed=11)
    table = pl.read_parquet(folder / "accounts.parquet")
    table.with_columns(name=pl.lit(MARKUP_NAME + " ") + pl.col("name")).write_parquet(
        folder / "accounts.parquet")
    url = f"sqlite:///{folder / 'playbooks.db'}"
    bank = load_question_bank()
    ids = list(bank.statement_dimension)
    with Store(url) as store:
        store.new_assessment(TEAM, "2026Q3", answers=answers_from_levels({i: 2 for i in ids}))
        store.new_assessment(TEAM, "2026Q4", answers=answers_from_levels(
            {i: 3 if n % 2 else 2 for n, i in enumerate(ids)}))
        rows = load_journey_map(EXAMPLE_JOURNEY).to_records()
        rows[0]["touchpoint"] = "<b onmouseover=alert(2)>Nurture</b> emails"
        store.save_journey_map("Our journey <i>v2</i>", rows, team=TEAM)
        store.add_action(TEAM, MARKUP_ACTION, owner="Ana", due_quarter="2026Q3")
        store.add_action(TEAM, "Name a person for every renewal", owner="Bo",
                         due_quarter="2027Q1", dimension="continuity")
    return folder, url
