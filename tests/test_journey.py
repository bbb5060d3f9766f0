"""Journey maps load from CSV and YAML; malformed maps name the row, the column and what was
expected; the example map shows several different anti-patterns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from playbooks.advice.journey import (
    COLUMN_NAMES,
    EXAMPLE_JOURNEY,
    load_journey_map,
    write_journey_map_csv,
)
from playbooks.advice.rules import diagnose
from playbooks.errors import InputError


def _rows() -> list[dict[str, str]]:
    with open(EXAMPLE_JOURNEY, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]], fields: list[str] | None = None) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields or list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _message(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_journey_map(path)
    return str(caught.value)


def test_example_map_shows_several_anti_patterns() -> None:
    findings = diagnose(EXAMPLE_JOURNEY)
    kinds = {f.anti_pattern for f in findings}
    assert len(kinds) >= 6
    assert {"automation_without_escape", "handoff_without_context", "community_disconnected",
            "efficiency_only_measurement"} <= kinds
    severities = [f.severity for f in findings]
    order = {"high": 0, "medium": 1, "low": 2}
    assert severities == sorted(severities, key=order.__getitem__)
    for f in findings:
        assert f.reason and f.play_title and f.touchpoint


def test_every_finding_points_at_a_real_row() -> None:
    journey = load_journey_map(EXAMPLE_JOURNEY)
    names = {tp.row: tp.touchpoint for tp in journey.touchpoints}
    for f in diagnose(journey):
        assert names[f.row] == f.touchpoint


def test_yaml_and_csv_give_the_same_findings(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(yaml.safe_dump({"name": "same map", "touchpoints": _rows()}))
    from_yaml = [(f.anti_pattern, f.row) for f in diagnose(path)]
    from_csv = [(f.anti_pattern, f.row) for f in diagnose(EXAMPLE_JOURNEY)]
    assert from_yaml == from_csv


def test_csv_round_trip(tmp_path: Path) -> None:
    journey = load_journey_map(EXAMPLE_JOURNEY)
    write_journey_map_csv(journey, tmp_path / "copy.csv")
    again = load_journey_map(tmp_path / "copy.csv")
    assert again.touchpoints == journey.touchpoints


def test_bad_value_names_row_column_and_choices(tmp_path: Path) -> None:
    rows = _rows()
    rows[2]["need"] = "advice"
    message = _message(_write(tmp_path / "map.csv", rows))
    assert "row 3 (line 4), column 'need'" in message
    assert "'advice'" in message and "information, judgment" in message


def test_bad_boolean_and_list_are_both_reported(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["automated"] = "sometimes"
    rows[4]["shares_context_with"] = "support;finance"
    message = _message(_write(tmp_path / "map.csv", rows))
    assert "row 1 (line 2), column 'automated': expected yes or no" in message
    assert "row 5 (line 6), column 'shares_context_with'" in message and "'finance'" in message


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "channel"} for r in _rows()]
    message = _message(_write(tmp_path / "map.csv", rows))
    assert "missing required column(s): 'channel'" in message


def test_unknown_column_is_named(tmp_path: Path) -> None:
    rows = [{**r, "chanel": "x"} for r in _rows()]
    message = _message(_write(tmp_path / "map.csv", rows))
    assert "unknown column(s) 'chanel'" in message


def test_empty_required_cell(tmp_path: Path) -> None:
    rows = _rows()
    rows[1]["stage"] = ""
    message = _message(_write(tmp_path / "map.csv", rows))
    assert "row 2 (line 3), column 'stage': empty" in message


def test_ragged_rows_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    text = EXAMPLE_JOURNEY.read_text().splitlines()
    text[3] = text[3] + ",extra"
    path.write_text("\n".join(text) + "\n")
    assert "line 4" in _message(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b",".join(name.encode() for name in COLUMN_NAMES) + b"\n", "no touchpoints"),
        ("touchpoint\nCaf\u00e9 visit\n".encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
    ids=["empty", "header_only", "not_utf8", "binary"],
)
def test_unreadable_files_get_a_message(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "map.csv"
    path.write_bytes(content)
    assert expected in _message(path)


def test_wrong_extension_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "map.xlsx").write_text("x")
    assert "expected a .csv, .yaml or .yml file" in _message(tmp_path / "map.xlsx")
    assert "no such file" in _message(tmp_path / "absent.csv")


def test_yaml_that_is_not_a_list(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("touchpoints: just a string\n")
    assert "expected a list of touchpoints" in _message(path)


# --- the company's own measures and channels ----------------------------------------------------

# A map in the company's own words (open_rate, handle_time, the channel "email").
OWN_MAP = (Path(__file__).resolve().parent / "cases" / "journey" / "own_words.csv")\
    .read_text(encoding="utf-8")


def _own_map(tmp_path: Path) -> Path:
    path = tmp_path / "own.csv"
    path.write_text(OWN_MAP, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "kind", "cue"), [
    ("handle_time", "efficiency", "'handle'"), ("open_rate", "efficiency", "'open'"),
    ("cost_per_ticket", "efficiency", "'cost'"), ("deflectionRate", "efficiency", "'deflection'"),
    ("reply_rate", "relationship", "'reply'"), ("Renewal rate", "relationship", "'renewal'"),
    ("event_participation", "relationship", "'participation'"),
    ("satisfaction", "relationship", "'satisfaction'"), ("arr_growth", "commercial", "'arr'"),
    ("zeta_index", "efficiency", "no word in its name"),
])
def test_an_unknown_measure_is_classified_by_its_words_with_the_reason(name, kind, cue):
    from playbooks.advice.journey_words import guess_measure_kind

    guessed, reason = guess_measure_kind(name)
    assert guessed == kind and cue in reason


def test_own_measures_and_channel_are_kept_and_read_by_a_guess(tmp_path: Path) -> None:
    journey = load_journey_map(_own_map(tmp_path))
    assert journey.name == "own"
    guesses = {g.id: g for g in journey.measure_guesses}
    assert set(guesses) == {"open_rate", "handle_time"}
    assert (guesses["open_rate"].label, guesses["open_rate"].kind) == ("Open rate", "efficiency")
    assert guesses["handle_time"].rows == (2,)
    (channel,) = journey.channel_guesses
    assert (channel.row, channel.given, channel.channel) == (1, "email", "vendor_content")
    assert "automated" in channel.reason
    renewal = journey.touchpoints[0]
    assert renewal.measured_by == ("open_rate",) and renewal.channel == "vendor_content"
    assert journey.to_records()[0]["channel"] == "email"  # kept as written until confirmed
    reasons = [f.reason for f in diagnose(journey)]
    assert "The renewal stage is measured only by open rate: no relationship signal would show "\
        "a customer drifting away." in reasons


def test_a_person_answering_by_email_is_read_by_the_function_that_owns_it() -> None:
    from playbooks.advice.journey_words import guess_channel
    from playbooks.framework.model import load_knowledge

    kb = load_knowledge()
    assert guess_channel("email", automated=False, function="support", kb=kb)[0] == (
        "support_agent")
    assert guess_channel("Email", automated=False, function="customer_success", kb=kb)[0] == (
        "customer_success_manager")
    assert guess_channel("Slack", automated=False, function="community", kb=kb)[0] == (
        "peer_community")
    assert guess_channel("live chat", automated=True, function="support", kb=kb)[0] == (
        "ai_assistant")


def test_markup_in_a_channel_or_measure_is_still_refused(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["channel"] = "<script>x</script>"
    rows[1]["measured_by"] = "=cmd|' /C calc'!A0"
    message = _message(_write(tmp_path / "bad.csv", rows))
    assert "row 1" in message and "column 'channel'" in message
    assert "row 2" in message and "column 'measured_by'" in message


def test_the_command_line_reads_own_words_and_says_how_to_change_them(
        cli, tmp_path: Path) -> None:
    import json

    path = _own_map(tmp_path)
    result = cli("diagnose", path)
    assert result.code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Open rate (open_rate): efficiency; read as an efficiency measure because its name "\
        "says 'open'" in out
    assert "playbooks knowledge measure NAME --kind" in out
    assert "row 1, Renewal reminder: channel 'email' read as Vendor content" in out
    assert "write one of these in the map instead: Help centre (help_center)" in out
    assert "row 1, Renewal reminder [Renewal, Customer success]" in out  # names, not ids
    data = json.loads(cli("diagnose", path, "--json").stdout)
    assert [g["id"] for g in data["own_measures"]] == ["open_rate", "handle_time"]
    assert data["channels_assumed"][0]["channel"] == "vendor_content"


def test_a_corrected_measure_is_saved_as_an_overlay_and_used(cli, tmp_path: Path) -> None:
    import json

    from playbooks.framework.model import load_knowledge

    workspace = tmp_path / "workspace"
    env = {"PLAYBOOKS_WORKSPACE": str(workspace), "PLAYBOOKS_KNOWLEDGE_OVERLAY": None}
    path = _own_map(tmp_path)
    before = cli("diagnose", path, "--json", env=env)
    assert "measured only by open rate" in before.stdout
    saved = cli("knowledge", "measure", "open_rate", "--kind", "relationship", env=env)
    assert saved.code == 0 and "Open rate (open_rate) is a relationship measure" in saved.stdout
    overlay = yaml.safe_load((workspace / "knowledge" / "measures.yaml").read_text())
    assert overlay["metrics"] == [{"id": "open_rate", "kind": "relationship",
                                   "label": "Open rate",
                                   "description": "Your own measure, classified as "
                                                  "relationship."}]
    assert load_knowledge().metrics["open_rate"].kind == "relationship"  # reloaded, not cached
    after = json.loads(cli("diagnose", path, "--json", env=env).stdout)
    assert [g["id"] for g in after["own_measures"]] == ["handle_time"]
    assert not [f for f in after["findings"] if "open rate" in f["reason"]]
    refused = cli("knowledge", "measure", "open_rate", "--kind", "vanity", env=env)
    assert refused.code == 2 and "not a kind of measure" in refused.output


def test_a_commands_workspace_option_holds_its_knowledge_folder(cli, tmp_path: Path) -> None:
    """`--workspace W` saves a corrected measure in W's knowledge folder and reads it back
    from there, whatever PLAYBOOKS_WORKSPACE says; the setting is as it was afterwards."""
    import json
    import os

    other, mine = tmp_path / "other", tmp_path / "mine"
    env = {"PLAYBOOKS_WORKSPACE": str(other), "PLAYBOOKS_KNOWLEDGE_OVERLAY": None}
    path = _own_map(tmp_path)
    saved = cli("knowledge", "measure", "open_rate", "--kind", "relationship",
                "--workspace", str(mine), env=env)
    assert saved.code == 0, saved.output
    assert (mine / "knowledge" / "measures.yaml").exists()
    assert not (other / "knowledge").exists()
    assert os.environ["PLAYBOOKS_WORKSPACE"] == str(other)  # put back after the command
    found = json.loads(cli("diagnose", path, "--json", "-w", str(mine), env=env).stdout)
    assert [g["id"] for g in found["own_measures"]] == ["handle_time"]
    elsewhere = json.loads(cli("diagnose", path, "--json", env=env).stdout)
    assert [g["id"] for g in elsewhere["own_measures"]] == ["open_rate", "handle_time"]


def test_the_review_pack_says_how_a_saved_maps_own_words_were_read(tmp_path: Path) -> None:
    from playbooks.review.gather import build_review
    from playbooks.review.html import render_html
    from playbooks.review.markdown import render_markdown
    from playbooks.store import Store

    url = f"sqlite:///{tmp_path / 'playbooks.db'}"
    with Store(url) as store:
        store.save_journey_map("Our own words", load_journey_map(_own_map(tmp_path)).to_records(),
                               team="Success")
    (tmp_path / "workspace").mkdir()
    review = build_review("Success", "2026Q4", workspace=tmp_path / "workspace", store=url)
    (part,) = review.journeys
    assert part.own_words[0].startswith("Open rate, your own measure, is read as efficiency")
    assert "'email' is read as Vendor content" in part.own_words[2]
    text = " ".join(render_markdown(review).split())
    assert "Open rate, your own measure, is read as efficiency" in text
    assert "| Troubleshooting |" in text and "| troubleshooting |" not in text
    assert "confirm it on the Journey map page" in render_html(review)


def test_an_unknown_fallback_is_read_as_a_known_channel_too(tmp_path: Path) -> None:
    rows = _rows()
    rows[0].update(automated="yes", fallback="Customer forum")
    journey = load_journey_map(_write(tmp_path / "fallback.csv", rows))
    (guess,) = journey.channel_guesses
    assert (guess.column, guess.given, guess.channel) == ("fallback", "Customer forum",
                                                          "peer_community")
    assert journey.to_records()[0]["fallback"] == "Customer forum"
    hits = [f for f in diagnose(journey) if f.anti_pattern == "community_as_fallback"]
    assert hits and hits[0].row == 1
