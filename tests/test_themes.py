"""Repeated-question themes: grouping quality on demo texts, determinism, empty input."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from playbooks.errors import InputError
from playbooks.questions.themes import assign_themes, find_themes, weekly_theme_counts


def _questions(texts_by_week: dict[int, list[str]], accounts: int = 12) -> pl.DataFrame:
    rows = []
    for week, texts in texts_by_week.items():
        for i, text in enumerate(texts):
            rows.append({"account_id": f"A{(i + week) % accounts}", "actor_type": "customer",
                         "occurred_at": dt.datetime(2026, 1, 5) + dt.timedelta(weeks=week),
                         "kind": "question_asked", "question_text": text})
    return pl.DataFrame(rows)


def _demo_questions(weeks: int = 20) -> pl.DataFrame:
    from playbooks.demo import THEMES

    texts = [t for _, _, variants in THEMES for t in variants]
    return _questions({w: texts for w in range(weeks)})


def test_demo_questions_group_into_pure_themes():
    from playbooks.demo import THEMES

    truth = pl.DataFrame([(t, tid) for tid, _, v in THEMES for t in v],
                         schema=["question_text", "truth"], orient="row")
    assigned = assign_themes(_demo_questions()).join(truth, on="question_text")
    purity = (assigned.group_by("theme_id", "truth").len()
              .group_by("theme_id").agg(pl.col("len").max(), pl.col("len").sum().alias("all")))
    assert purity["len"].sum() / purity["all"].sum() >= 0.8
    export = assigned.filter(pl.col("truth") == "export_csv")["theme_id"].unique()
    assert export.len() == 1, "the CSV export questions belong to one theme"


def test_themes_report_reach_span_and_weekly_counts():
    themes = find_themes(_demo_questions())
    for column in ("theme_id", "label", "account_count", "first_seen", "last_seen",
                   "weeks_active", "recurring"):
        assert column in themes.columns
    top = themes.row(0, named=True)
    assert top["weeks_active"] == 20 and top["recurring"]
    weekly = weekly_theme_counts(themes)
    assert weekly["questions"].sum() == themes["question_count"].sum()


def test_a_theme_asked_by_few_accounts_in_few_weeks_is_not_recurring():
    data = _questions({0: ["How do I rotate the audit log archive?"] * 2}, accounts=1)
    data = pl.concat([data, _demo_questions(10)])
    themes = find_themes(data)
    rare = themes.filter(pl.col("label").str.contains("audit"))
    assert rare.height == 1 and not rare["recurring"][0]


def test_same_input_in_any_order_gives_the_same_themes():
    data = _demo_questions(6)
    first = find_themes(data)
    second = find_themes(data.sample(fraction=1.0, shuffle=True, seed=3))
    assert first.equals(second)


def test_all_null_question_text_gives_an_empty_table():
    data = _demo_questions(2).with_columns(pl.lit(None, dtype=pl.String).alias("question_text"))
    assert find_themes(data).height == 0


def test_no_question_text_column_is_an_input_error():
    with pytest.raises(InputError, match="question_text"):
        find_themes(_demo_questions(2).drop("question_text"))
