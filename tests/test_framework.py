"""The knowledge files load, and a broken one is refused with its file and key named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from playbooks.errors import KnowledgeError
from playbooks.framework.model import FIT_LEVELS, load_knowledge
from playbooks.framework.parsing import KNOWLEDGE_DIR

REQUIRED_CHANNELS = {
    "help_center", "ai_assistant", "in_product_guidance", "support_agent",
    "customer_success_manager", "peer_community", "customer_led_education", "courses", "events",
    "sales_team",
}


def test_shipped_knowledge_is_complete() -> None:
    kb = load_knowledge()
    assert list(kb.needs) == ["information", "judgment", "reassurance", "proof", "peer_experience"]
    assert set(kb.channels) >= REQUIRED_CHANNELS
    assert {c.kind for c in kb.channels.values()} == {"automated", "staffed", "peer"}
    assert list(kb.stages) == ["acquisition", "evaluation", "onboarding", "adoption",
                               "troubleshooting", "renewal", "expansion", "advocacy"]
    assert set(kb.functions) == {"marketing", "sales", "customer_success", "support", "product",
                                 "education", "community"}
    for need in kb.needs:
        for channel in kb.channels:
            cell = kb.fit[need][channel]
            assert cell.level in FIT_LEVELS
            assert len(cell.rationale.split()) >= 6
    for anti in kb.anti_patterns.values():
        assert anti.severity in ("high", "medium", "low")
        assert anti.play in kb.plays and anti.explanation


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _error(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    return str(caught.value)


def test_unknown_key_is_refused(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "channels.yaml", lambda d: d["channels"][1].update(colour="blue"))
    message = _error(knowledge_copy)
    assert "channels.yaml" in message and "channels[1].colour" in message
    assert "unknown key" in message


def test_duplicate_id_is_refused(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "needs.yaml", lambda d: d["needs"].append(dict(d["needs"][0])))
    message = _error(knowledge_copy)
    assert "needs.yaml" in message and "needs[5].id" in message and "'information'" in message


def test_dangling_reference_is_refused(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "anti_patterns.yaml",
          lambda d: d["anti_patterns"][0].update(play="no_such_play"))
    message = _error(knowledge_copy)
    assert "anti_patterns.yaml" in message and "anti_patterns[0].play" in message
    assert "no_such_play" in message and "route_judgment_to_people" in message


def test_stage_channel_reference_is_checked(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "journey.yaml",
          lambda d: d["stages"][2]["typical_channels"].append("carrier_pigeon"))
    message = _error(knowledge_copy)
    assert "journey.yaml" in message and "stages[2].typical_channels" in message
    assert "carrier_pigeon" in message


def test_missing_fit_pair_is_refused(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "fit.yaml", lambda d: d["fit"]["proof"].pop("events"))
    message = _error(knowledge_copy)
    assert "fit.yaml" in message and "fit.proof.events" in message


def test_bad_fit_level_names_the_key(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "fit.yaml",
          lambda d: d["fit"]["judgment"]["ai_assistant"].update(level="great"))
    message = _error(knowledge_copy)
    assert "fit.judgment.ai_assistant.level" in message and "'great'" in message


@pytest.mark.parametrize("field", ["owner", "first_step", "success_sign"])
def test_every_play_says_who_owns_it_the_first_step_and_how_to_know_it_worked(
        knowledge_copy: Path, field: str) -> None:
    for play in load_knowledge().plays.values():
        text = getattr(play, field)
        assert "_" not in text and len(text.split()) >= 3, (play.id, field, text)
    _edit(knowledge_copy / "plays.yaml", lambda d: d["plays"][0].pop(field))
    message = _error(knowledge_copy)
    assert "plays.yaml" in message and f"plays[0].{field}" in message


def test_duplicate_yaml_key_is_refused(knowledge_copy: Path) -> None:
    path = knowledge_copy / "plays.yaml"
    path.write_text(path.read_text().replace("plays:\n", "plays:\n", 1) + "plays: []\n")
    message = _error(knowledge_copy)
    assert "plays.yaml" in message and "appears twice" in message


def test_missing_modifier_value_is_refused(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "modifiers.yaml",
          lambda d: d["modifiers"][0]["values"].pop(1))
    message = _error(knowledge_copy)
    assert "modifiers.yaml" in message and "consequential" in message


def test_invalid_yaml_names_the_line(knowledge_copy: Path) -> None:
    (knowledge_copy / "needs.yaml").write_text("needs:\n  - id: [unclosed\n")
    message = _error(knowledge_copy)
    assert "needs.yaml" in message and "line" in message


def test_missing_file_is_named(knowledge_copy: Path) -> None:
    (knowledge_copy / "metrics.yaml").unlink()
    assert "metrics.yaml" in _error(knowledge_copy)


def test_shift_needs_exactly_one_target(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "modifiers.yaml",
          lambda d: d["modifiers"][0]["values"][0]["shifts"][0].update(channel="help_center"))
    message = _error(knowledge_copy)
    assert "modifiers[0].values[0].shifts[0]" in message
