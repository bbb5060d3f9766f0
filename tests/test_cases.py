"""Decision-table cases kept as data: one YAML file per case under tests/cases/."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from playbooks.advice.advisor import Recommendation, recommend
from playbooks.advice.journey import journey_map_from_records
from playbooks.advice.rules import diagnose
from playbooks.framework.model import load_knowledge

CASES = Path(__file__).parent / "cases"
RECOMMEND = sorted((CASES / "recommend").glob("*.yaml"))
DIAGNOSE = sorted((CASES / "diagnose").glob("*.yaml"))


def _rank(result: Recommendation, channel: str) -> int:
    return result.top(len(result.channels)).index(channel)


def check_expectations(result: Recommendation, expect: dict) -> None:
    """Assert every expectation of a recommend case; unknown keys fail the case."""
    kb = load_knowledge()
    n = expect.get("top_n", 3)
    top = result.top(n)
    by_id = {c.channel: c for c in result.channels}
    for key, want in expect.items():
        if key == "top_n":
            continue
        if key == "first":
            assert result.channels[0].channel == want, result.top(5)
        elif key == "first_in":
            assert result.channels[0].channel in want, result.top(5)
        elif key == "top_in":
            assert set(top) <= set(want), top
        elif key == "contains_top":
            assert set(want) <= set(top), top
        elif key == "top_kind":
            assert all(kb.channels[c].kind == want for c in top), top
        elif key == "top_kind_not":
            assert all(kb.channels[c].kind != want for c in top), top
        elif key == "needs_person_or_peer":
            assert result.needs_person_or_peer is want
        elif key == "alone_ok":
            assert {c: by_id[c].automation_alone_ok for c in want} == want
        elif key == "alone_ok_top":
            assert all(by_id[c].automation_alone_ok for c in top) is want
        elif key == "alone_ok_none":
            assert not any(c.automation_alone_ok for c in result.channels)
        elif key == "note_contains":
            assert any(want.lower() in note.lower() for note in result.notes), result.notes
        elif key == "fit":
            assert {c: by_id[c].fit for c in want} == want
        elif key == "below":
            for lower, higher in want.items():
                assert _rank(result, lower) > _rank(result, higher), result.top(11)
        elif key == "above":
            for higher, lower in want.items():
                assert _rank(result, higher) < _rank(result, lower), result.top(11)
        else:
            raise AssertionError(f"unknown expectation {key!r}")


@pytest.mark.parametrize("path", RECOMMEND, ids=[p.stem for p in RECOMMEND])
def test_recommend_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    check_expectations(recommend(case["situation"]), case["expect"])


@pytest.mark.parametrize("path", DIAGNOSE, ids=[p.stem for p in DIAGNOSE])
def test_diagnose_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    found = {f.anti_pattern for f in diagnose(journey_map_from_records(case["touchpoints"]))}
    expect = case["expect"]
    assert set(expect) <= {"present", "absent", "none"}
    for anti in expect.get("present", []):
        assert anti in found, found
    for anti in expect.get("absent", []):
        assert anti not in found, found
    if expect.get("none"):
        assert not found


def test_cases_cover_the_framework() -> None:
    """At least twenty recommend cases covering every need and modifier value, and a failing
    and a passing diagnose case for every anti-pattern."""
    kb = load_knowledge()
    situations = [yaml.safe_load(p.read_text())["situation"] for p in RECOMMEND]
    assert len(situations) >= 20
    assert {s["need"] for s in situations} == set(kb.needs)
    assert {s["stakes"] for s in situations if "stakes" in s} == {"routine", "consequential"}
    assert {s["familiarity"] for s in situations if "familiarity" in s} == {"familiar",
                                                                             "unfamiliar"}
    assert any(s.get("org_risk") for s in situations)
    assert any(s.get("off_hours") for s in situations)
    assert {s["stage"] for s in situations if "stage" in s} >= {"onboarding", "evaluation",
                                                                "troubleshooting", "renewal"}
    present = set()
    absent = set()
    for p in DIAGNOSE:
        expect = yaml.safe_load(p.read_text())["expect"]
        present |= set(expect.get("present", []))
        absent |= set(expect.get("absent", []))
    assert present == set(kb.anti_patterns)
    assert absent == set(kb.anti_patterns)
