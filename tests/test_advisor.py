"""Invariants of the channel advisor, over every possible situation."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from playbooks.advice.advisor import Situation, recommend
from playbooks.framework.model import load_knowledge

KB = load_knowledge()

situations = st.builds(
    Situation,
    need=st.sampled_from(list(KB.needs)),
    stage=st.none() | st.sampled_from(list(KB.stages)),
    stakes=st.none() | st.sampled_from(["routine", "consequential"]),
    familiarity=st.none() | st.sampled_from(["familiar", "unfamiliar"]),
    org_risk=st.booleans(),
    off_hours=st.booleans(),
)


@given(situations)
def test_every_channel_once_best_first(situation: Situation) -> None:
    result = recommend(situation)
    assert sorted(result.top(100)) == sorted(KB.channels)
    scores = [c.score for c in result.channels]
    assert scores == sorted(scores, reverse=True)
    for c in result.channels:
        assert c.fit == KB.level_of(c.score)
        assert c.reasons and c.reasons[0].startswith(KB.fit[situation.need][c.channel].level)


@given(situations)
def test_automation_alone_only_when_nothing_calls_for_a_person(situation: Situation) -> None:
    result = recommend(situation)
    risky = (situation.stakes == "consequential" or situation.familiarity == "unfamiliar"
             or situation.org_risk)
    expected_need = KB.needs[situation.need].needs_person_or_peer or risky
    assert result.needs_person_or_peer is expected_need
    for c in result.channels:
        if c.automation_alone_ok:
            assert KB.channels[c.channel].kind == "automated"
            assert not result.needs_person_or_peer
            assert c.fit != "poor"


def _named_raise(situation: Situation, channel: str) -> bool:
    return any(s.channel == channel and s.by > 0
               for modifier, value in situation.modifier_values()
               for s in KB.modifier_value(modifier, value).shifts)


@given(situations)
def test_a_poor_base_fit_is_raised_only_by_a_shift_naming_the_channel(situation: Situation
                                                                      ) -> None:
    result = recommend(situation)
    for c in result.channels:
        if KB.fit[situation.need][c.channel].level == "poor":
            assert c.fit == "poor" or _named_raise(situation, c.channel)


@given(situations)
def test_a_person_or_peer_is_offered_or_flagged_when_needed(situation: Situation) -> None:
    result = recommend(situation)
    if not result.needs_person_or_peer:
        return
    offered = any(KB.channels[c.channel].kind != "automated" and c.fit != "poor"
                  for c in result.channels)
    assert offered or any("consider adding one" in n for n in result.notes)
    if KB.channels[result.channels[0].channel].kind == "automated":
        assert any("must be reachable" in n for n in result.notes)
