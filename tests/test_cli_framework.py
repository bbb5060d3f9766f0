"""The command line as a user runs it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from playbooks.advice.journey import EXAMPLE_JOURNEY
from playbooks.framework.parsing import KNOWLEDGE_DIR


def recommend_json(cli, *args: str) -> dict:
    result = cli("recommend", *args, "--json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_routine_information_ranks_self_service_first(cli) -> None:
    out = recommend_json(cli, "--need", "information", "--stakes", "routine")
    top = out["channels"][:3]
    assert {c["channel"] for c in top} == {"help_center", "ai_assistant", "in_product_guidance"}
    assert all(c["automation_alone_ok"] for c in top)
    assert out["needs_person_or_peer"] is False
    assert len(out["channels"]) == 11
    assert set(out) == {"channels", "needs_person_or_peer", "notes"}
    assert set(out["channels"][0]) == {"channel", "fit", "automation_alone_ok", "reasons"}


def test_consequential_judgment_with_org_risk_goes_to_the_success_manager(cli) -> None:
    out = recommend_json(cli, "--need", "judgment", "--stakes", "consequential", "--org-risk")
    assert out["channels"][0]["channel"] == "customer_success_manager"
    assert out["needs_person_or_peer"] is True


def test_peer_experience_ranks_peers_first(cli) -> None:
    out = recommend_json(cli, "--need", "peer_experience")
    assert out["channels"][0]["channel"] in {"peer_community", "customer_led_education", "events"}


def test_off_hours_keeps_the_assistant_on_top_with_a_path_to_a_person(cli) -> None:
    out = recommend_json(cli, "--need", "information", "--off-hours")
    assert "ai_assistant" in [c["channel"] for c in out["channels"][:2]]
    assert any("person" in note for note in out["notes"])


def test_plain_output_is_a_readable_table(cli) -> None:
    result = cli("recommend", "--need", "proof", "--stage", "evaluation")
    assert result.code == 0
    assert "Peer community" in result.stdout and "Why" in result.stdout


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (["--need", "advice"], "information, judgment, reassurance, proof, peer_experience"),
        (["--need", "proof", "--stage", "retention"], "acquisition, evaluation"),
        (["--need", "proof", "--stakes", "huge"], "routine, consequential"),
        (["--need", "proof", "--familiarity", "some"], "familiar, unfamiliar"),
    ],
)
def test_unknown_values_exit_2_and_list_choices(cli, args: list[str], choices: str) -> None:
    result = cli("recommend", *args)
    assert result.code == 2
    assert choices in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_flag_exits_2(cli) -> None:
    result = cli("recommend", "--need", "proof", "--urgent")
    assert result.code == 2 and "--urgent" in result.stderr


def test_diagnose_json(cli) -> None:
    result = cli("diagnose", str(EXAMPLE_JOURNEY), "--json")
    assert result.code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["touchpoints"] == 16
    assert len({f["anti_pattern"] for f in out["findings"]}) >= 6
    first = out["findings"][0]
    assert {"anti_pattern", "severity", "touchpoint", "reason", "play"} <= set(first)


def test_diagnose_plain_names_touchpoints_and_plays(cli) -> None:
    result = cli("diagnose", str(EXAMPLE_JOURNEY))
    assert result.code == 0
    assert "Data migration assistant" in result.stdout and "Play:" in result.stdout


def test_diagnose_malformed_map_names_row_and_column(cli, tmp_path: Path) -> None:
    text = EXAMPLE_JOURNEY.read_text().replace(",information,routine,familiar,no,vendor_content,",
                                               ",information,routine,familiar,maybe,vendor_content,",
                                               1)
    path = tmp_path / "map.csv"
    path.write_text(text)
    result = cli("diagnose", str(path))
    assert result.code == 2
    assert "row 1 (line 2), column 'org_risk': expected yes or no, got 'maybe'" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_knowledge_names_file_and_key(cli, tmp_path: Path) -> None:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    path = target / "channels.yaml"
    path.write_text(path.read_text().replace("kind: peer", "kind: robot", 1))
    result = cli("knowledge", "check", str(target))
    assert result.code == 2
    assert "channels.yaml" in result.stderr and "kind" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli("knowledge", "check").code == 0
