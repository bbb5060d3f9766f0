"""Repeated-question themes: grouping quality on demo texts, labels that are questions,
recurring only for what recurs (hand-made question sets), determinism, empty input."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from playbooks.errors import InputError
from playbooks.questions.themes import (
    LABEL_CHARS,
    ThemeSettings,
    assign_themes,
    find_themes,
    shorten_question,
    weekly_theme_counts,
)


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


START = dt.datetime(2026, 1, 5)
AS_OF = dt.date(2027, 1, 3)  # the last day of week 51 after START: weeks 26 to 51 are the window


def _asked(text: str, weeks: list[int], accounts: list[str]) -> list[dict[str, object]]:
    """One question per (week, account): `text` asked by each account in each week."""
    return [{"account_id": account, "actor_type": "customer", "kind": "question_asked",
             "occurred_at": START + dt.timedelta(weeks=week, days=1), "question_text": text}
            for week in weeks for account in accounts]


EXPORT = ("How do I export the report to CSV?", "Export report to CSV - where is the button?")
BURST = ("Why did the audit log archive vanish after the outage?",
         "Audit log archive missing since the outage")
MONTHLY = ("When does the quarterly tax invoice arrive by post?",
           "Quarterly tax invoice by post - when does it arrive?")
KIOSK = ("Can the kiosk badge printer use thermal labels?",
         "Kiosk badge printer: thermal labels supported?")
FAX = ("Will the legacy fax gateway keep sending receipts?",
       "Legacy fax gateway receipts - still sent?")


def _hand_made() -> pl.DataFrame:
    def both(texts: tuple[str, str], weeks: list[int], accounts: list[str]) -> list[dict]:
        return [*_asked(texts[0], weeks, accounts), *_asked(texts[1], weeks, accounts[:1])]

    rows = [
        # every week, by many accounts: recurring
        *both(EXPORT, list(range(52)), [f"E{i}" for i in range(10)]),
        # once, in one week, by 30 accounts: not recurring
        *both(BURST, [40], [f"B{i}" for i in range(30)]),
        # every fourth week all year, each time by a different pair of accounts: recurring
        *[row for month, week in enumerate(range(0, 52, 4))
          for row in both(MONTHLY, [week], [f"M{month}", f"M{month + 20}"])],
        # every week, but by the same two accounts only: not recurring
        *both(KIOSK, list(range(52)), ["K1", "K2"]),
        # every week, but only in the first twenty weeks of the year: not recurring now
        *both(FAX, list(range(20)), [f"F{i}" for i in range(8)]),
    ]
    return pl.DataFrame(rows)


def _theme_of(data: pl.DataFrame, themes: pl.DataFrame, texts: tuple[str, str],
              settings: ThemeSettings | None = None) -> dict[str, object]:
    assigned = assign_themes(data, as_of=AS_OF, settings=settings)
    ids = assigned.filter(pl.col("question_text").is_in(texts))["theme_id"].unique()
    assert ids.len() == 1, f"{texts} fall in one theme"
    members = assigned.filter(pl.col("theme_id") == ids[0])["question_text"].unique()
    assert set(members) == set(texts), "and the theme holds nothing else"
    return themes.filter(pl.col("theme_id") == ids[0]).row(0, named=True)


def test_recurring_means_asked_in_enough_weeks_by_enough_accounts_lately() -> None:
    data = _hand_made()
    themes = find_themes(data, as_of=AS_OF)
    burst = _theme_of(data, themes, BURST)
    assert not burst["recurring"] and burst["window_accounts"] == 30
    assert burst["recurrence"] == "asked in 1 of the last 26 weeks, by 30 accounts"
    monthly = _theme_of(data, themes, MONTHLY)
    assert monthly["recurring"] and monthly["window_weeks_asked"] == 6  # weeks 28, 32, ... 48
    kiosk = _theme_of(data, themes, KIOSK)
    assert not kiosk["recurring"] and kiosk["window_weeks_asked"] == 26
    assert kiosk["recurrence"] == "asked in 26 of the last 26 weeks, by 2 accounts"
    fax = _theme_of(data, themes, FAX)
    assert not fax["recurring"] and fax["window_weeks_asked"] == 0
    export = _theme_of(data, themes, EXPORT)
    assert export["recurring"] and export["window_weeks_asked"] == 26
    assert themes["recurring"].sum() == 2


def test_the_rule_is_a_setting_and_a_sentence() -> None:
    data = _hand_made()
    loose = ThemeSettings(min_accounts=2, window_weeks=52, min_weeks=3)
    themes = find_themes(data, as_of=AS_OF, settings=loose)
    assert _theme_of(data, themes, KIOSK, loose)["recurring"]
    assert _theme_of(data, themes, FAX, loose)["recurring"]
    assert not _theme_of(data, themes, BURST, loose)["recurring"]
    assert ThemeSettings().recurring_rule() == (
        "A theme keeps coming back when it was asked in at least 4 different weeks of the "
        "last 26, by at least 5 different accounts.")


def test_each_theme_is_named_by_one_of_its_own_questions() -> None:
    from playbooks.demo import THEMES

    assigned = assign_themes(_demo_questions())
    for label, texts in assigned.group_by("label").agg(pl.col("question_text").unique()).rows():
        assert " / " not in label
        assert any(label.rstrip("…") in shorten_question(t) for t in texts), label
    export = {t for tid, _, variants in THEMES if tid == "export_csv" for t in variants}
    labels = assigned.filter(pl.col("question_text").is_in(export))["label"].unique()
    assert labels.len() == 1 and labels[0] in export


def test_a_long_question_is_shortened_at_a_word() -> None:
    ticket = ("Ticket #4471 - Hello team, since the upgrade on Friday our nightly export to the "
              "warehouse stops halfway; how do we restart it?")
    short = shorten_question(ticket)
    assert len(short) <= LABEL_CHARS and short.endswith("…")
    assert ticket.startswith(short[:-1]) and ticket[len(short) - 1] == " "
    assert shorten_question("  How do I   export?\n") == "How do I export?"


def test_the_themes_chart_shows_the_words_and_how_often_beside_the_question() -> None:
    from playbooks.charts import themes_chart

    themes = find_themes(_hand_made(), as_of=AS_OF)
    spec = themes_chart(themes).to_dict()
    drawn = pl.DataFrame(next(iter(spec["datasets"].values())))
    titles = {t["field"]: t["title"] for t in spec["encoding"]["tooltip"]}
    assert titles["words"] == "Most used words" and titles["lately"] == "Asked lately"
    row = drawn.filter(pl.col("label") == themes["label"][0]).row(0, named=True)
    assert row["words"] == ", ".join(themes["top_terms"][0])
    assert row["lately"] == themes["recurrence"][0]
