"""Evidence beside answers: the data agrees or disagrees with the level given, the threshold is
said, the verdict never flips back as the level rises, and small numbers are no evidence."""

from __future__ import annotations

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from playbooks.assessment.bank import BANK_FILE, load_question_bank
from playbooks.assessment.evidence import RULES, Count, gather_evidence, judge, percent
from playbooks.assessment.scoring import score_assessment
from playbooks.errors import KnowledgeError
from playbooks.framework.model import load_knowledge

BANK = load_question_bank()
N = 100
SIGNALS = pl.DataFrame({
    "account_id": [f"a{i}" for i in range(N)],
    "looks_healthy_drifting": [True] * 30 + [False] * 70,   # 30%
    "continuity_gap_count": [1, 3] + [0] * 98,               # 2 accounts: too few
    "disengagement_score": [70.0] * 12 + [10.0] * 87 + [None],  # 12 of 99 (a null left out)
    "silence": ["withdrawing"] * 40 + ["working"] * 10 + [None] * 50,  # 40%
})
THEMES = pl.DataFrame({
    "theme_id": ["t1", "t2", "t3"],
    "label": ["CSV export fails", "SSO setup", "Billing dates"],
    "account_count": [1817, 5, 2],
    "weeks_active": [24, 11, 1],
    "recurring": [True, True, False],
})
RANK = {"disagrees": 0, "agrees": 1}


def _answered(level: int | None):
    if level is None:
        return score_assessment({})
    return score_assessment(dict.fromkeys(BANK.statement_dimension, level))


def test_the_data_disagrees_with_a_high_answer_and_says_the_threshold():
    evidence = gather_evidence(_answered(4), SIGNALS, THEMES)
    loop = evidence["listening_loop"]
    assert loop.verdict == "disagrees"
    assert loop.facts[0].text.startswith(
        "The answer, level 4 (Embedded), implies at most 10% of repeated-question themes are "
        "still recurring after 6 weeks or more; the data: 67% (2 of 3 repeated-question "
        "themes): disagrees. This figure bears out up to level 1 (Absent).")
    assert "'CSV export fails', has run 24 weeks across 1,817 accounts" in loop.facts[0].text
    assert loop.facts[0].bound == 0.10


def test_agreeing_and_disagreeing_facts_make_a_mixed_verdict():
    relationship = gather_evidence(_answered(3), SIGNALS, THEMES)["relationship_measurement"]
    assert {f.rule: f.stance for f in relationship.facts} == {
        "healthy_but_drifting": "disagrees", "quiet_disengagement": "agrees"}
    assert relationship.verdict == "mixed"
    assert "implies at most 10% of accounts look healthy" in relationship.facts[0].text
    assert "the data: 30% (30 of 100 accounts): disagrees" in relationship.facts[0].text
    assert "12% (12 of 99 accounts): agrees" in relationship.facts[1].text  # the null left out


def test_a_low_answer_agrees_with_weak_data():
    evidence = gather_evidence(_answered(1), SIGNALS, THEMES)
    assert evidence["listening_loop"].verdict == "agrees"
    assert "claims nothing this figure could disagree with" in (
        evidence["listening_loop"].facts[0].text)


def test_numbers_too_small_to_mean_anything_are_no_evidence():
    continuity = gather_evidence(_answered(4), SIGNALS, THEMES)["continuity"]
    assert continuity.facts == () and continuity.verdict == "too few to judge"
    assert continuity.missing[0].startswith("Only 2% (2 of 100 accounts) received automated")
    assert "too few to say whether the data agrees" in continuity.missing[0]
    bounds = BANK.evidence.bounds("healthy_but_drifting")
    least, share = BANK.evidence.min_count, BANK.evidence.min_share
    for level in (None, 1, 2, 3, 4):
        fact, why = judge(Count(3, 2000), level, bounds, BANK)  # 3 of 2,000 accounts
        assert fact is None and "(3 of 2,000 accounts)" in why and "0%)" not in why
        fact, why = judge(Count(least - 1, least * 10), level, bounds, BANK)  # count short
        assert fact is None and f"at least {least} accounts and {percent(share)}" in why
        fact, _ = judge(Count(least, least * 10), level, bounds, BANK)  # just enough
        assert fact is not None


def test_the_minimum_count_and_share_are_documented():
    from playbooks.assessment.reference import render_question_bank_markdown

    text = render_question_bank_markdown()
    assert f"at least {BANK.evidence.min_count} " in text
    assert f"{percent(BANK.evidence.min_share)}" in text
    for bounds in BANK.evidence.rules:
        assert all(f"{percent(share)}" in text for share in bounds.at_most.values())


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 400), extra=st.integers(0, 400))
def test_for_a_fixed_fact_the_verdict_never_flips_back_as_the_level_rises(rule, count, extra):
    """Walk levels 0 (not answered) to 4: once the data disagrees it disagrees at every higher
    level, exactly where the share passes the level's bound, and that bound is said."""
    bounds = BANK.evidence.bounds(rule.id)
    assert bounds is not None
    counted = Count(count, count + extra) if count + extra else Count(0, 1)
    share = counted.count / counted.total
    fact, _ = judge(counted, None, bounds, BANK)
    assert fact is None or fact.stance == "context"
    ranks = []
    for level in BANK.levels:
        fact, why = judge(counted, level, bounds, BANK)
        if fact is None:
            assert "too few" in why
            return
        bound = bounds.bound_at(level)
        assert fact.bound == bound
        assert fact.stance == ("agrees" if bound is None or share <= bound else "disagrees")
        if bound is not None:
            assert f"implies at most {percent(bound)} of {bounds.of}" in fact.text
        assert fact.text.split(". ")[0].rstrip(".").endswith(f": {fact.stance}")
        ranks.append(RANK[fact.stance])
    assert ranks == sorted(ranks, reverse=True), ranks


def test_a_bank_whose_bounds_would_let_a_verdict_flip_is_refused(tmp_path):
    data = yaml.safe_load(BANK_FILE.read_text())
    data["evidence"]["rules"][0]["at_most"] = {2: 0.10, 3: 0.30}
    path = tmp_path / "assessment.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError) as raised:
        load_question_bank(path, load_knowledge())
    assert "evidence.rules[0].at_most: a higher level must allow no larger share" in str(
        raised.value)


def test_evidence_without_data_says_so_plainly():
    evidence = gather_evidence(_answered(3))
    assert set(evidence) == set(BANK.dimensions)
    for item in evidence.values():
        assert item.facts == () and item.verdict == "no data"
        assert all("no data for" in m for m in item.missing)
        assert not [m for m in item.missing for r in RULES if r.id in m]  # names, not ids
    assert "No repeated-question themes loaded" in evidence["listening_loop"].missing[0]


def test_evidence_with_missing_or_broken_columns_degrades_per_rule():
    signals = SIGNALS.drop("continuity_gap_count").with_columns(
        pl.lit("many").alias("disengagement_score"))
    evidence = gather_evidence(_answered(3), signals, THEMES.head(0))
    assert "no `continuity_gap_count` column" in evidence["continuity"].missing[0]
    relationship = evidence["relationship_measurement"]
    assert [f.rule for f in relationship.facts] == ["healthy_but_drifting"]
    assert "wrong type" in relationship.missing[0]
    assert "no rows" in evidence["listening_loop"].missing[0]


def test_evidence_for_an_unanswered_dimension_is_context_only():
    evidence = gather_evidence(_answered(None), SIGNALS, THEMES)
    assert evidence["listening_loop"].facts[0].stance == "context"
    assert evidence["listening_loop"].facts[0].text.startswith("Not answered yet; the data: 67%")
    assert evidence["listening_loop"].verdict == "unanswered"


def test_every_evidence_rule_has_bounds_and_points_at_a_dimension_of_the_bank():
    assert {r.dimension for r in RULES} <= set(BANK.dimensions)
    assert len({r.id for r in RULES}) == len(RULES)
    assert {r.id for r in RULES} == {b.id for b in BANK.evidence.rules}


def test_walking_the_answer_from_0_to_4_over_the_same_data_never_flips_back():
    """The same frames, every dimension answered at 0 (not at all) to 4: per rule, the facts
    go context, then agrees, then disagrees once the level's bound is passed, never back."""
    signals = SIGNALS.with_columns(continuity_gap_count=pl.Series([1] * 12 + [0] * 88))
    walks: dict[str, list[str]] = {}
    for level in (None, 1, 2, 3, 4):
        for item in gather_evidence(_answered(level), signals, THEMES).values():
            for fact in item.facts:
                walks.setdefault(fact.rule, []).append(fact.stance)
    assert set(walks) == {r.id for r in RULES}
    for rule, stances in walks.items():
        assert stances[0] == "context" and len(stances) == 5, (rule, stances)
        ranks = [RANK[s] for s in stances[1:]]
        assert ranks == sorted(ranks, reverse=True), (rule, stances)
    assert "disagrees" in walks["continuity_gaps"] and "agrees" in walks["continuity_gaps"]
