"""Every CSV the product writes goes through one formula-safe writer: customers' text that
starts like a spreadsheet formula is written inert, and read back as it was written."""

from __future__ import annotations

import ast
import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from playbooks.assessment.bank import load_question_bank
from playbooks.userfiles.writing import csv_text, neutralise_cell, restore_cell

ROOT = Path(__file__).resolve().parents[1]
ATTACKS = ["=HYPERLINK(\"http://evil\",\"click\")", "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(A1:A9)", "\t=1", "\r=1", "  =1"]
BANK = load_question_bank()
STATEMENT = next(iter(BANK.statement_dimension))
# CSV writers outside userfiles.writing, each with why it may stay.
OTHER_WRITERS = {
    "playbooks/demo/__init__.py": "the demo's own generated labels (ids and yes/no), no user text",
}


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_cell_is_neutralised_and_read_back_as_written(attack: str) -> None:
    assert neutralise_cell(attack) == "'" + attack
    assert restore_cell(neutralise_cell(attack)) == attack
    assert restore_cell("'plain") == "'plain" and neutralise_cell(-3) == "-3"
    assert rows_of(csv_text(["a"], [[attack]]))[0]["a"] == "'" + attack


def test_classify_out_writes_question_text_inert(cli, tmp_path: Path) -> None:
    source = tmp_path / "questions.csv"
    pl.DataFrame({"question": ATTACKS[:4] + ["How do I export my data?"]}).write_csv(source)
    out = tmp_path / "classified.csv"
    result = cli("classify", str(source), "--column", "question", "--out", str(out))
    assert result.code == 0, result.output
    written = rows_of(out.read_text(encoding="utf-8"))
    assert [r["question"] for r in written[:4]] == ["'" + a for a in ATTACKS[:4]]
    assert written[4]["question"] == "How do I export my data?"
    assert float(written[4]["confidence"]) >= 0


def test_an_assessment_export_is_inert_and_imports_back_unchanged(cli, tmp_path: Path,
                                                                  monkeypatch) -> None:
    monkeypatch.setenv("PLAYBOOKS_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    assert cli("assessment", "new", "--team", "Support", "--quarter", "2026Q4").code == 0
    assert cli("assessment", "answer", "1", STATEMENT, "3", "--by", ATTACKS[0],
               "--note", ATTACKS[3]).code == 0
    out = tmp_path / "export.csv"
    assert cli("assessment", "export", "1", "--format", "csv", "--output", str(out)).code == 0
    row = next(r for r in rows_of(out.read_text(encoding="utf-8")) if r["level"])
    assert row["answered_by"] == "'" + ATTACKS[0] and row["note"] == "'" + ATTACKS[3]
    out.write_text(out.read_text(encoding="utf-8").replace("2026Q4", "2027Q1"),
                   encoding="utf-8")
    assert cli("assessment", "import", str(out)).code == 0
    exported = json.loads(cli("assessment", "export", "2").output)
    answer = next(a for a in exported["answers"] if a["statement_id"] == STATEMENT)
    assert answer["answered_by"] == ATTACKS[0] and answer["note"] == ATTACKS[3]


def test_tables_written_by_commands_are_inert(tmp_path: Path) -> None:
    from playbooks.commands.options import write_table

    frame = pl.DataFrame({"account": ATTACKS[:3], "score": [-1.5, 0.0, 2.0],
                          "tags": [["=a", "b"], [], ["c"]]})
    out = tmp_path / "signals.csv"
    write_table(frame, out)
    written = rows_of(out.read_text(encoding="utf-8"))
    assert [r["account"] for r in written] == ["'" + a for a in ATTACKS[:3]]
    assert [r["score"] for r in written] == ["-1.5", "0.0", "2.0"]  # numbers stay numbers
    assert written[0]["tags"] == "'=a | b"


def test_a_journey_map_written_as_csv_is_inert(tmp_path: Path) -> None:
    from playbooks.advice.journey import (
        EXAMPLE_JOURNEY,
        journey_map_from_records,
        load_journey_map,
        write_journey_map_csv,
    )

    records = load_journey_map(EXAMPLE_JOURNEY).to_records()
    records[0]["touchpoint"] = ATTACKS[0]
    out = tmp_path / "map.csv"
    write_journey_map_csv(journey_map_from_records(records), out)
    assert rows_of(out.read_text(encoding="utf-8"))[0]["touchpoint"] == "'" + ATTACKS[0]


def test_no_other_module_writes_csv_itself() -> None:
    found = set()
    for path in (ROOT / "playbooks").rglob("*.py"):
        name = path.relative_to(ROOT).as_posix()
        if name == "playbooks/userfiles/writing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute):
                continue
            csv_module = isinstance(node.value, ast.Name) and node.value.id == "csv"
            if node.attr in ("write_csv", "sink_csv") or (
                    csv_module and node.attr in ("writer", "DictWriter")):
                found.add(name)
    assert found <= set(OTHER_WRITERS), sorted(found - set(OTHER_WRITERS))
