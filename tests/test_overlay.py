"""A company's own knowledge file laid over the shipped framework, without touching package
code: new channels, changed fit levels and rationales, new plays, changed anti-patterns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from playbooks.advice.advisor import recommend
from playbooks.advice.journey import EXAMPLE_JOURNEY
from playbooks.advice.rules import diagnose
from playbooks.errors import KnowledgeError
from playbooks.framework.model import load_knowledge
from playbooks.framework.overlays import OVERLAY_ENV

OVERLAY = Path(__file__).parent / "data" / "company_overlay.yaml"


def test_overlay_adds_and_overrides() -> None:
    kb = load_knowledge(overlays=[OVERLAY])
    assert kb.channels["shared_slack_channel"].kind == "staffed"
    assert kb.fit["judgment"]["shared_slack_channel"].level == "strong"
    assert kb.fit["proof"]["vendor_content"].level == "poor"
    events = kb.fit["peer_experience"]["events"]
    assert events.level == "strong" and events.rationale.startswith("Our regional user groups")
    assert kb.anti_patterns["people_on_routine_retrieval"].severity == "medium"
    assert kb.anti_patterns["people_on_routine_retrieval"].play == "automate_routine_retrieval"
    assert "open_shared_channels" in kb.plays
    shipped = load_knowledge()
    assert "shared_slack_channel" not in shipped.channels


def test_overlay_flows_into_recommend_and_diagnose() -> None:
    kb = load_knowledge(overlays=[OVERLAY])
    result = recommend({"need": "reassurance", "stakes": "consequential"}, kb)
    assert "shared_slack_channel" in result.top(2)
    assert any(f.anti_pattern == "people_on_routine_retrieval" and f.severity == "medium"
               for f in diagnose(EXAMPLE_JOURNEY, kb))


def test_overlay_from_the_environment_reaches_the_command_line(cli) -> None:
    done = cli("recommend", "--need", "judgment", "--stakes", "consequential", "--json",
               env={OVERLAY_ENV: str(OVERLAY)})
    assert done.code == 0, done.stderr
    channels = [c["channel"] for c in json.loads(done.stdout)["channels"]]
    assert "shared_slack_channel" in channels[:3]


def _overlay(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "acme.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_new_channel_without_fit_is_refused_naming_the_overlay(tmp_path: Path) -> None:
    path = _overlay(tmp_path, {"channels": [{
        "id": "carrier_pigeon", "label": "Carrier pigeon", "kind": "staffed",
        "receives_questions": False, "available_off_hours": False, "description": "Slow."}]})
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(overlays=[path])
    message = str(caught.value)
    assert "acme.yaml" in message and "fit.information.carrier_pigeon" in message


def test_unknown_overlay_key_and_bad_values_are_named(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"acme.yaml: channelz: unknown key"):
        load_knowledge(overlays=[_overlay(tmp_path, {"channelz": []})])
    bad = _overlay(tmp_path, {"fit": {"judgment": {"ai_assistant": {"level": "superb"}}}})
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(overlays=[bad])
    assert "acme.yaml" in str(caught.value) and "fit.judgment.ai_assistant.level" in str(
        caught.value)
    with pytest.raises(KnowledgeError, match=r"channels\[0\]: each record needs an `id`"):
        load_knowledge(overlays=[_overlay(tmp_path, {"channels": [{"label": "x"}]})])


def test_knowledge_check_accepts_an_overlay(cli) -> None:
    done = cli("knowledge", "check", "--overlay", str(OVERLAY))
    assert done.code == 0, done.stderr
    assert "12 channels" in done.stdout


def test_a_company_anti_pattern_with_its_own_rule(tmp_path: Path) -> None:
    """An analyst adds an anti-pattern in an overlay and its detection rule in their own code."""
    from playbooks.advice.rules import RULES, rule

    path = _overlay(tmp_path, {"anti_patterns": [{
        "id": "renewal_by_email_only", "name": "Renewal handled by email alone",
        "severity": "high", "explanation": "Nobody speaks to the customer before renewal.",
        "play": "route_judgment_to_people"}]})
    kb = load_knowledge(overlays=[path])

    @rule("renewal_by_email_only")
    def _renewal_by_email(journey, knowledge):
        for tp in journey.touchpoints:
            if tp.stage == "renewal" and tp.automated:
                yield tp, f"'{tp.touchpoint}' runs the renewal with no conversation."

    try:
        records = [r for r in load_journey_map_records()]
        records[12]["automated"] = "yes"
        from playbooks.advice.journey import journey_map_from_records

        findings = diagnose(journey_map_from_records(records, knowledge=kb), kb)
        hits = [f for f in findings if f.anti_pattern == "renewal_by_email_only"]
        assert hits and hits[0].severity == "high" and hits[0].touchpoint == records[12][
            "touchpoint"]
        with pytest.raises(KnowledgeError, match="no detection rule for renewal_by_email_only"):
            RULES.pop("renewal_by_email_only")
            diagnose(EXAMPLE_JOURNEY, kb)
    finally:
        RULES.pop("renewal_by_email_only", None)


def load_journey_map_records() -> list[dict]:
    from playbooks.advice.journey import load_journey_map

    return load_journey_map(EXAMPLE_JOURNEY).to_records()


def test_overlay_changes_and_adds_assessment_statements(tmp_path: Path) -> None:
    from playbooks.assessment.bank import load_question_bank

    shipped = load_question_bank()
    first = next(iter(shipped.dimensions.values()))
    statement = first.statements[0]
    path = _overlay(tmp_path, {"assessment": {"dimensions": [{
        "id": first.id,
        "statements": [
            {"id": statement.id, "text": "Our key accounts each have a named adviser who "
                                         "knows their history."},
            {"id": f"{first.id}.acme_slack", "text": "Key accounts can reach their team in a "
                                                     "shared channel within a working day."},
        ]}]}})
    bank = load_question_bank(overlays=[path])
    dim = bank.dimensions[first.id]
    texts = {s.id: s.text for s in dim.statements}
    assert texts[statement.id].startswith("Our key accounts each have a named adviser")
    assert f"{first.id}.acme_slack" in texts
    assert len(dim.statements) == len(first.statements) + 1
    assert bank.fingerprint != shipped.fingerprint
    assert load_question_bank().fingerprint == shipped.fingerprint


def test_broken_assessment_overlay_names_the_file(tmp_path: Path) -> None:
    from playbooks.assessment.bank import load_question_bank

    path = _overlay(tmp_path, {"assessment": {"dimensions": [{
        "id": "brand_new", "title": "A new dimension", "summary": "Only a title."}]}})
    with pytest.raises(KnowledgeError) as caught:
        load_question_bank(overlays=[path])
    assert "acme.yaml" in str(caught.value) and "dimensions[" in str(caught.value)


def test_a_saved_measure_is_one_record_in_the_workspace_overlay(tmp_path: Path, monkeypatch
                                                                 ) -> None:
    from playbooks.framework.overlays import default_overlays, save_measure, workspace_overlay

    monkeypatch.setenv("PLAYBOOKS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("PLAYBOOKS_KNOWLEDGE_OVERLAY", raising=False)
    assert default_overlays() == []  # no folder yet: nothing to lay over
    first = save_measure("reply_rate", "efficiency")
    again = save_measure("reply_rate", "relationship", label="Reply rate")
    assert first == again == workspace_overlay() / "measures.yaml"
    assert default_overlays() == [str(workspace_overlay())]
    saved = yaml.safe_load(again.read_text())["metrics"]
    assert [(m["id"], m["kind"], m["label"]) for m in saved] == [
        ("reply_rate", "relationship", "Reply rate")]
    assert load_knowledge().metrics["reply_rate"].kind == "relationship"


def test_the_measure_kinds_offered_are_the_knowledges_own() -> None:
    from typing import get_args

    from playbooks.framework.model import MetricKind
    from playbooks.framework.overlays import MEASURE_KINDS

    assert get_args(MetricKind) == MEASURE_KINDS
