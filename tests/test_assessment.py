"""The question bank, scoring, comparison, evidence beside answers and the generated docs."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from playbooks.assessment.bank import BANK_FILE, load_question_bank
from playbooks.assessment.quarters import parse_quarter
from playbooks.assessment.reference import render_question_bank_markdown
from playbooks.assessment.scoring import compare_assessments, score_assessment
from playbooks.errors import InputError, KnowledgeError
from playbooks.framework.model import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
BANK = load_question_bank()
STATEMENTS = list(BANK.statement_dimension)
ISSUE_DIMENSIONS = {"access_to_context", "peer_learning", "listening_loop",
                    "community_influence", "continuity", "automation_placement",
                    "relationship_measurement"}


def _all(level: int) -> dict[str, int]:
    return dict.fromkeys(STATEMENTS, level)


# --- the bank ----------------------------------------------------------------------------------


def test_the_bank_has_the_seven_dimensions_with_three_to_five_statements_and_four_levels():
    assert set(BANK.dimensions) >= ISSUE_DIMENSIONS
    assert BANK.levels == (1, 2, 3, 4)
    knowledge = load_knowledge()
    for dim in BANK.dimensions.values():
        assert 3 <= len(dim.statements) <= 5, dim.id
        assert sorted(dim.levels) == [1, 2, 3, 4], dim.id
        assert set(dim.plays) <= set(knowledge.plays)
        assert set(dim.anti_patterns) <= set(knowledge.anti_patterns)


def test_the_bank_fingerprint_is_stable_and_changes_with_a_statement(tmp_path):
    data = yaml.safe_load(BANK_FILE.read_text())
    path = tmp_path / "assessment.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_question_bank(path, load_knowledge()).fingerprint == BANK.fingerprint
    data["dimensions"][0]["statements"][0]["text"] = "A different statement, meaning otherwise."
    path.write_text(yaml.safe_dump(data))
    assert load_question_bank(path, load_knowledge()).fingerprint != BANK.fingerprint


def _broken_bank(tmp_path, change) -> Path:
    data = yaml.safe_load(BANK_FILE.read_text())
    change(data)
    path = tmp_path / "assessment.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["dimensions"][0]["plays"].append("no_such_play"),
     "dimensions[0].plays[3]: unknown play 'no_such_play'"),
    (lambda d: d["dimensions"][1]["anti_patterns"].append("nope"),
     "dimensions[1].anti_patterns[2]: unknown anti-pattern 'nope'"),
    (lambda d: d["dimensions"][1]["statements"][0].update(
        id=d["dimensions"][0]["statements"][0]["id"]), "duplicate statement id"),
    (lambda d: d["dimensions"][2]["levels"].pop(4), "dimensions[2].levels: give one descriptor"),
    (lambda d: d["dimensions"][2]["statements"].__delitem__(slice(1, None)),
     "dimensions[2].statements"),
    (lambda d: d["dimensions"][0].update(colour="red"), "dimensions[0].colour: unknown key"),
    (lambda d: d["dimensions"].append(copy.deepcopy(d["dimensions"][0])), "duplicate id"),
])
def test_a_broken_bank_is_refused_naming_file_and_key(tmp_path, change, message):
    path = _broken_bank(tmp_path, change)
    with pytest.raises(KnowledgeError) as raised:
        load_question_bank(path, load_knowledge())
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_a_duplicate_key_in_the_bank_is_refused(tmp_path):
    path = tmp_path / "assessment.yaml"
    path.write_text(BANK_FILE.read_text().replace("version: 1\n", "version: 1\nversion: 2\n", 1))
    with pytest.raises(KnowledgeError, match="appears twice"):
        load_question_bank(path, load_knowledge())


# --- quarters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["2026Q4", "2026q1", " 2027Q2 "])
def test_quarters_are_read_in_canonical_form(good):
    assert parse_quarter(good) == good.strip().upper()


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "2026-Q4", "26Q4", "Q4 2026", ""])
def test_a_quarter_that_is_not_a_quarter_is_refused(bad):
    with pytest.raises(InputError, match="not a quarter"):
        parse_quarter(bad)


# --- scoring -----------------------------------------------------------------------------------


def test_levels_are_the_whole_part_of_the_mean_and_unanswered_is_reported():
    dim = BANK.dimensions["continuity"]
    ids = [s.id for s in dim.statements]
    result = score_assessment({ids[0]: 4, ids[1]: 2, ids[2]: 1})
    score = result.dimensions["continuity"]
    assert (score.score, score.level, score.level_name) == (2.33, 2, "Emerging")
    assert score.unanswered == (ids[3],) and not score.complete
    assert score.descriptor == dim.levels[2]
    untouched = result.dimensions["peer_learning"]
    assert (untouched.score, untouched.level, untouched.answered) == (None, None, 0)
    assert "peer_learning" in result.unanswered_dimensions
    assert len(result.unanswered) == len(STATEMENTS) - 3
    assert result.overall_level == 2 and result.answered_count == 3


def test_nothing_answered_scores_nothing_rather_than_zero():
    result = score_assessment({})
    assert result.overall_score is None and result.overall_level is None
    assert all(d.level is None for d in result.dimensions.values())
    assert result.gaps == () and result.plays_first == ()
    assert len(result.unanswered) == len(STATEMENTS)


def test_the_largest_gaps_come_first_and_their_plays_are_picked():
    answers = _all(4)
    for statement in BANK.dimensions["listening_loop"].statements:
        answers[statement.id] = 1
    for statement in BANK.dimensions["continuity"].statements:
        answers[statement.id] = 2
    result = score_assessment(answers)
    assert [g.dimension_id for g in result.gaps] == ["listening_loop", "continuity"]
    # one play per gap first; the slot left over goes to the largest gap's next play
    assert [p.play_id for p in result.plays_first] == [
        "close_the_listening_loop", "share_account_timeline", "automate_routine_retrieval"]
    assert "Repeated questions" in result.plays_first[0].reason
    assert "level 1" in result.plays_first[0].reason
    assert result.plays_first[0].reason.endswith("3.0 below the target")  # read, not 3


def test_a_gap_with_three_plays_does_not_take_all_three_places():
    answers = _all(4)
    for dim_id, level in (("access_to_context", 1), ("peer_learning", 2), ("continuity", 3)):
        for statement in BANK.dimensions[dim_id].statements:
            answers[statement.id] = level
    picks = score_assessment(answers).plays_first
    assert len(BANK.dimensions["access_to_context"].plays) == 3
    assert [p.dimensions[0] for p in picks] == ["access_to_context", "peer_learning",
                                                "continuity"]
    assert len({d for p in picks for d in p.dimensions}) == sum(len(p.dimensions) for p in picks)


def test_a_picked_play_says_what_to_do_who_owns_it_the_first_step_and_how_to_know():
    answers = _all(4)
    for statement in BANK.dimensions["continuity"].statements:
        answers[statement.id] = 1
    pick = score_assessment(answers).plays_first[0]
    play = load_knowledge().plays[pick.play_id]
    assert (pick.description, pick.owner, pick.first_step, pick.success_sign) == (
        play.description, play.owner, play.first_step, play.success_sign)
    assert pick.dimension_titles[0] == BANK.dimensions["continuity"].title


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(STATEMENTS), st.integers(1, 4)))
def test_two_picks_raise_the_same_dimension_only_when_no_play_would_raise_another(answers):
    result = score_assessment(answers)
    gap_ids = {g.dimension_id for g in result.gaps}

    def raises(play: str) -> set[str]:
        return {d for d in gap_ids if play in BANK.dimensions[d].plays}

    picks = [p.play_id for p in result.plays_first]
    assert len(picks) == len(set(picks)) == min(3, len({p for d in gap_ids
                                                        for p in BANK.dimensions[d].plays}))
    for pick in result.plays_first:
        assert set(pick.dimensions) == raises(pick.play_id)
    covered = set().union(*(raises(p) for p in picks))
    shared = sum(len(raises(p)) for p in picks) > len(covered)
    if shared:
        left = {p for d in gap_ids for p in BANK.dimensions[d].plays} - set(picks)
        assert not [p for p in left if not raises(p) & covered], (picks, covered)


def test_a_perfect_assessment_has_no_gaps():
    result = score_assessment(_all(4))
    assert result.overall_level == 4 and result.gaps == () and result.plays_first == ()


@pytest.mark.parametrize(("answers", "message"), [
    ({"made.up": 3}, "unknown statement id 'made.up'"),
    ({STATEMENTS[0]: 5}, "level 5 is outside the scale 1 to 4"),
    ({STATEMENTS[0]: 0}, "level 0 is outside the scale"),
    ({STATEMENTS[0]: "3"}, "level '3' is outside the scale"),
])
def test_answers_outside_the_bank_are_refused(answers, message):
    with pytest.raises(InputError) as raised:
        score_assessment(answers)
    assert message in str(raised.value)


answer_sets = st.dictionaries(st.sampled_from(STATEMENTS), st.integers(1, 4))


@settings(max_examples=150, deadline=None)
@given(answer_sets)
def test_scores_and_levels_stay_within_the_scale(answers):
    result = score_assessment(answers)
    for dim in result.dimensions.values():
        if dim.score is None:
            assert dim.level is None and dim.answered == 0
        else:
            assert 1 <= dim.score <= 4 and dim.level in (1, 2, 3, 4)
            assert 0 <= dim.gap <= 3 and dim.level <= dim.score
        assert dim.answered + len(dim.unanswered) == dim.total
    if result.overall_score is not None:
        assert 1 <= result.overall_score <= 4 and result.overall_level in (1, 2, 3, 4)
    assert len(result.plays_first) <= 3


@settings(max_examples=200, deadline=None)
@given(answer_sets.filter(bool), st.data())
def test_raising_any_one_answer_never_lowers_a_level(answers, data):
    statement = data.draw(st.sampled_from(sorted(answers)))
    higher = dict(answers, **{statement: data.draw(st.integers(answers[statement], 4))})
    before, after = score_assessment(answers), score_assessment(higher)
    for dim_id, dim in before.dimensions.items():
        if dim.level is not None:
            assert after.dimensions[dim_id].level >= dim.level
            assert after.dimensions[dim_id].score >= dim.score
    assert after.overall_level >= before.overall_level


# --- comparison --------------------------------------------------------------------------------


def test_comparison_says_what_moved_up_and_down():
    earlier = _all(2)
    current = dict(earlier)
    for statement in BANK.dimensions["continuity"].statements:
        current[statement.id] = 4
    current[BANK.dimensions["listening_loop"].statements[0].id] = 1
    current[BANK.dimensions["listening_loop"].statements[1].id] = 1
    for statement in BANK.dimensions["peer_learning"].statements:
        del current[statement.id]
    comparison = compare_assessments(score_assessment(current), score_assessment(earlier))
    directions = {c.dimension_id: c.direction for c in comparison.dimensions}
    assert directions["continuity"] == "up"
    assert directions["listening_loop"] == "down"
    assert directions["peer_learning"] == "no longer answered"
    assert directions["access_to_context"] == "same"
    assert [c.dimension_id for c in comparison.moved_up] == ["continuity"]
    change = next(c for c in comparison.dimensions if c.dimension_id == "continuity")
    assert (change.before_level, change.after_level, change.change) == (2, 4, 2.0)
    assert comparison.same_bank
    moved = dict((s, (b, a)) for s, b, a in comparison.statements)
    assert moved[BANK.dimensions["peer_learning"].statements[0].id] == (2, None)


# --- docs ---------------------------------------------------------------------------------------


def test_the_committed_question_bank_docs_match_the_bank():
    committed = (ROOT / "docs" / "assessment.md").read_text(encoding="utf-8")
    assert committed == render_question_bank_markdown(), (
        "docs/assessment.md is out of date; run `playbooks assessment docs "
        "--output docs/assessment.md`")


def test_the_docs_name_every_statement_play_and_anti_pattern():
    text = render_question_bank_markdown()
    for dim in BANK.dimensions.values():
        assert dim.title in text
        assert all(f"`{s.id}`" in text for s in dim.statements)
        assert all(f"`{p}`" in text for p in dim.plays)
        assert all(f"`{a}`" in text for a in dim.anti_patterns)
