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
