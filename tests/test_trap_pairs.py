"""Paired measures: the definitions are data (shipped, documented, extendable by an overlay),
and each pair says whether the efficiency gain came at the relationship's cost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from playbooks.docs import render_pairs_markdown
from playbooks.errors import KnowledgeError
from playbooks.framework.model import load_knowledge
from playbooks.trap.measures import MEASURE_BY_NAME
from playbooks.trap.pairs import (
    FOLLOW_UP_BY_NAME,
    PAIR_COLUMNS,
    check_pairs,
    follow_up_series,
    paired_measures,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"
REQUIRED = {"automation_share": "recontact_after_automation",
            "hours_to_close": "repeat_question_rate",
            "automated_check_in_share": "check_in_reply_rate",
            "on_demand_share": "event_return_rate"}


def test_pairs_page_is_current() -> None:
    committed = (DOCS / "pairs.md").read_text(encoding="utf-8")
    assert committed == render_pairs_markdown(), (
        "docs/pairs.md is stale: run `python -c \"from playbooks.docs import "
        "render_pairs_markdown as r; open('docs/pairs.md', 'w').write(r())\"`")


def test_shipped_pairs_name_known_measures_of_the_right_kind() -> None:
    kb = load_knowledge()
    check_pairs(kb)
    shipped = {(p.efficiency_measure, p.relationship_measure) for p in kb.pairs.values()}
    assert set(REQUIRED.items()) <= shipped
    assert ("automated_check_in_share", "check_in_participation_rate") in shipped
    assert ("on_demand_share", "peer_answers_per_account") in shipped
    assert ("automation_share", "questions_per_account") in shipped
    page = render_pairs_markdown(kb)
    for name in (*MEASURE_BY_NAME, *FOLLOW_UP_BY_NAME):
        assert f"`{name}`" in page
    for pair in kb.pairs:
        assert f"`{pair}`" in page


def test_an_overlay_adds_a_pair_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("pairs:\n  - id: staff_contacts_breadth\n    label: Fewer staff contacts, "
                    "beside breadth of use\n    efficiency_measure: "
                    "staffed_contacts_per_account\n    relationship_measure: breadth_of_use\n"
                    "    rationale: Fewer contacts can mean a customer left alone.\n"
                    "    watch: Fewer contacts while fewer features are used.\n",
                    encoding="utf-8")
    kb = load_knowledge(overlays=[good])
    assert "staff_contacts_breadth" in kb.pairs
    assert len(kb.pairs) == len(load_knowledge().pairs) + 1
    check_pairs(kb)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("pairs:\n  - id: automation_recontact\n    relationship_measure: "
                     "automation_share\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"pairs\.yaml: pairs\[0\]\.relationship_measure"):
        check_pairs(load_knowledge(overlays=[wrong]))
    extra = tmp_path / "extra.yaml"
    extra.write_text("pairs:\n  - id: x\n    colour: red\n", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        load_knowledge(overlays=[extra])


def _weeks(n: int) -> list[dt.date]:
    return [dt.date(2025, 1, 6) + dt.timedelta(weeks=i) for i in range(n)]


def _frames(share: list[float], recontact: list[float]):
    weeks = _weeks(len(share))
    series = pl.DataFrame({"week": weeks, "function": "support", "measure": "automation_share",
                           "kind": "efficiency", "value": share})
    follow = pl.DataFrame({"week": weeks, "function": "support",
                           "measure": "recontact_after_automation",
                           "num": [r * 200 for r in recontact], "den": [200.0] * len(weeks),
                           "value": recontact})
    return series, follow


def test_a_rising_automation_share_with_more_recontact_is_a_cost() -> None:
    series, follow = _frames([0.2] * 40 + [0.5] * 30, [0.05] * 40 + [0.15] * 30)
    pairs = paired_measures(series, follow)
    assert tuple(pairs.columns) == PAIR_COLUMNS
    row = pairs.filter(pl.col("pair") == "automation_recontact").row(0, named=True)
    assert row["function"] == "support" and row["cost"] is True
    assert row["efficiency_change"] == pytest.approx(0.3)
    assert row["relationship_change"] == pytest.approx(0.1)
    assert row["compared_with"] == "the same weeks a year before"
    assert "rose from 20% to 50% (+30 points)" in row["sentence"]
    assert "rose from 5% to 15% (+10 points)" in row["sentence"]
    assert "got worse" in row["sentence"]


def test_efficiency_with_the_relationship_holding_is_no_cost() -> None:
    series, follow = _frames([0.2] * 40 + [0.5] * 30, [0.05] * 70)
    row = paired_measures(series, follow).row(0, named=True)
    assert row["cost"] is False and "held" in row["sentence"]
    # with under a year of data the first weeks are the comparison
    series, follow = _frames([0.2] * 12 + [0.5] * 20, [0.05] * 12 + [0.2] * 20)
    row = paired_measures(series, follow).row(0, named=True)
    assert row["compared_with"] == "the first 12 weeks of the data" and row["cost"] is True
    # too little data to compare: no row rather than a made-up change
    series, follow = _frames([0.2] * 10, [0.05] * 10)
    assert paired_measures(series, follow).is_empty()


def test_follow_up_series_on_a_demo(tmp_path: Path) -> None:
    from playbooks.demo import generate_demo
    from playbooks.trap import weekly_series, what_happened_next

    generate_demo(tmp_path, accounts=150, seed=3, as_of=dt.date(2026, 11, 23))
    activity = pl.read_parquet(tmp_path / "activity.parquet")
    touches = what_happened_next(activity)
    follow = follow_up_series(touches, activity)
    assert set(follow["measure"]) == set(FOLLOW_UP_BY_NAME)
    assert ((follow["value"] >= 0) & (follow["value"] <= 1)).all()
    assert (follow["num"] <= follow["den"]).all()
    pairs = paired_measures(weekly_series(activity), follow)
    assert set(pairs["pair"]) == set(load_knowledge().pairs)
    assert "all" in set(pairs["function"])
    assert pairs["sentence"].str.len_chars().min() > 40
