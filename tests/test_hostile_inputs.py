"""Every command that reads a user file refuses every hostile input with exit 2, naming the
file, without a traceback, and leaves the workspace and the store as they were."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from playbooks.assessment.bank import load_question_bank

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "data" / "hostile"
GB = 1024 ** 3
BANK = load_question_bank()


def hostile_corpus(folder: Path) -> list[Path]:
    """The committed corpus plus the large or odd inputs generated here."""
    files = sorted(p for p in HOSTILE.iterdir() if p.suffix != ".md")
    made = folder / "made"
    made.mkdir()
    (made / "a_folder.yaml").mkdir()
    (made / "a_folder.csv").mkdir()
    for name in ("huge.yaml", "huge.csv", "huge.json"):
        with open(made / name, "wb") as handle:
            handle.truncate(2 * GB)  # a hole: 2 GB long, no disk used
    (made / "brackets_200kb.yaml").write_text("[" * 200_000)
    (made / "brackets_200kb.json").write_text("[" * 100_000 + "]" * 100_000)
    (made / "field_130kb.csv").write_text("question,note\nhello," + "x" * 130_000 + "\n")
    return files + sorted(made.iterdir())


def commands(file: Path, tmp: Path) -> dict[str, list[str]]:
    accounts = tmp / "accounts.csv"
    accounts.write_text("account_id,name\nA1,Acme\n", encoding="utf-8")
    return {
        "diagnose": ["diagnose", str(file)],
        "diagnose --json": ["diagnose", str(file), "--json"],
        "knowledge check --overlay": ["knowledge", "check", "--overlay", str(file)],
        "assessment import": ["assessment", "import", str(file)],
        "classify": ["classify", str(file), "--column", "question", "--out",
                     str(tmp / "out" / "classified.csv")],
        "validate --mapping": ["validate", str(accounts), "--mapping", str(file)],
        "recipes check": ["recipes", "check", str(file)],
        "assessment show --signals": ["assessment", "show", "1", "--signals", str(file)],
    }


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def workspace(cli, tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    monkeypatch.setenv("PLAYBOOKS_WORKSPACE", str(folder))
    monkeypatch.setenv("PLAYBOOKS_DATABASE_URL", f"sqlite:///{folder / 'playbooks.db'}")
    assert cli("assessment", "new", "--team", "Support", "--quarter", "2026Q4").code == 0
    assert cli("assessment", "answer", "1", next(iter(BANK.statement_dimension)), "2").code == 0
    return folder


# (command, file) pairs where the input is not hostile to that command, and why.
WORKS = {
    ("knowledge check --overlay", "a_folder.yaml"): "a folder is an overlay of its YAML files",
    ("knowledge check --overlay", "a_folder.csv"): "a folder is an overlay of its YAML files",
    ("classify", "field_130kb.csv"): "a long question is still a question: it is classified",
}


def test_every_reader_refuses_every_hostile_file(cli, workspace: Path, tmp_path: Path) -> None:
    before = snapshot(workspace)
    failures = []
    for file in hostile_corpus(tmp_path):
        for label, args in commands(file, tmp_path).items():
            result = cli(*args)
            expected = 0 if (label, file.name) in WORKS else 2
            if (result.code != expected or "Traceback" in result.output
                    or "Unexpected error" in result.output
                    or (expected == 2 and file.name not in result.stderr)):
                failures.append(f"{label} {file.name}: exit {result.code}: "
                                f"{result.output[-300:]}")
            elif len(result.stderr) > 2000:
                failures.append(f"{label} {file.name}: a {len(result.stderr)}-character message")
    assert not failures, "\n".join(failures)
    assert snapshot(workspace) == before
    assert not list(tmp_path.rglob("*.tmp"))


# --- the exit-3 cases found by a probe, each now exit 2 (or a working path) ---------------------


def export_json(**answer: object) -> dict:
    statement = next(iter(BANK.statement_dimension))
    return {"format": "cx-playbooks/assessment", "format_version": 1,
            "question_bank": {"version": BANK.version, "fingerprint": BANK.fingerprint},
            "team": "Support", "quarter": "2027Q1", "status": "draft",
            "answers": [{"statement_id": statement, "level": 2, **answer}]}


@pytest.mark.parametrize("answer,message", [
    ({"note": {"text": "an object"}}, "answers[0]: note must be text, not an object"),
    ({"note": ["a", "list"]}, "answers[0]: note must be text, not a list"),
    ({"answered_by": ["ana", "ben"]}, "answers[0]: answered_by must be text, not a list"),
    ({"statement_id": {"id": 1}}, "answers[0]: statement_id must be text, not an object"),
    ({"note": "x" * 5_000_000}, "note is 5,000,000 characters long; at most 10,000"),
    ({"answered_at": [2026]}, "answers[0]: answered_at must be text, not a list"),
])
def test_wrong_kinds_of_answer_values_are_refused_naming_the_field(
        cli, workspace: Path, tmp_path: Path, answer: dict, message: str) -> None:
    import json

    path = tmp_path / "export.json"
    path.write_text(json.dumps(export_json(**answer)), encoding="utf-8")
    before = snapshot(workspace)
    result = cli("assessment", "import", str(path))
    assert result.code == 2 and message in result.stderr and str(path) in result.stderr
    assert "nothing was imported" in result.stderr and len(result.stderr) < 2000
    assert "INSERT" not in result.stderr and snapshot(workspace) == before


def test_a_csv_export_with_ragged_rows_or_a_huge_value_is_refused(cli, workspace: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    assert cli("assessment", "export", "1", "--format", "csv", "--output", str(out)).code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    for number, changed, message in (
            (3, lines[2] + ",extra", "line 3: 13 values, but the header has 12 columns"),
            (2, lines[1].replace(",2,", ",2," + "n" * 200_000, 1), "line 2: a value is"),
            (2, lines[1].replace(",2,", ",2," + "n" * 20_000, 1),
             "note is 20,00")):
        copy = tmp_path / "changed.csv"
        copy.write_text("\n".join(lines[:number - 1] + [changed] + lines[number:])
                        .replace("2026Q4", "2027Q1") + "\n", encoding="utf-8")
        result = cli("assessment", "import", str(copy))
        assert result.code == 2 and message in result.stderr, result.stderr[:500]
        assert str(copy) in result.stderr


def test_out_of_memory_is_exit_2_with_a_plain_message(cli, monkeypatch, tmp_path: Path) -> None:
    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr("playbooks.advice.journey.parse_journey_map", no_memory)
    path = tmp_path / "map.csv"
    path.write_text("touchpoint\n", encoding="utf-8")
    result = cli("diagnose", str(path))
    assert result.code == 2 and "not enough memory" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url,message", [
    ("postgresql://ana@db.example.com:port/cx", "the port must be a number"),
    ("postgresql+pg8000://ana@db.example.com/cx", "driver 'pg8000' is not installed"),
])
def test_a_bad_database_url_is_exit_2(cli, url: str, message: str) -> None:
    result = cli("assessment", "list", "--database-url", url)
    assert result.code == 2 and message in result.stderr


def test_a_psycopg2_url_works_through_psycopg(tmp_path: Path) -> None:
    from importlib.util import find_spec

    from playbooks.store.settings import resolve_database_url

    resolved = resolve_database_url("postgresql+psycopg2://ana@db.example.com/cx")
    expected = "psycopg2" if find_spec("psycopg2") else "psycopg"
    assert resolved == f"postgresql+{expected}://ana@db.example.com/cx"


def test_listing_with_a_sqlite_url_in_a_missing_folder_creates_nothing(cli,
                                                                       tmp_path: Path) -> None:
    folder = tmp_path / "not" / "there"
    for args in (["assessment", "list"], ["actions", "list"], ["assessment", "show", "1"],
                 ["assessment", "export", "1"]):
        result = cli(*args, "--database-url", f"sqlite:///{folder / 'playbooks.db'}")
        assert result.code == 2 and str(folder) in result.stderr and "nothing was created" \
            in result.stderr, result.output
    assert not (tmp_path / "not").exists()
    result = cli("assessment", "list", "--database-url", f"sqlite:///{tmp_path / 'new.db'}")
    assert result.code == 0 and "No assessments yet" in result.stdout
    assert not (tmp_path / "new.db").exists()


def test_a_folder_given_as_an_output_file_is_named(cli, workspace: Path,
                                                   tmp_path: Path) -> None:
    folder = tmp_path / "a_folder.csv"
    folder.mkdir()
    source = tmp_path / "q.csv"
    source.write_text("question\nHow do I export?\n", encoding="utf-8")
    for args in (["classify", str(source), "--column", "question", "--out", str(folder)],
                 ["assessment", "export", "1", "--output", str(folder)],
                 ["knowledge", "docs", "--out", str(folder)]):
        result = cli(*args)
        assert result.code == 2 and str(folder) in result.stderr, result.output
    assert not list(folder.iterdir())


def test_the_hostile_files_stay_small() -> None:
    sizes = {p.name: p.stat().st_size for p in HOSTILE.iterdir()}
    assert sum(sizes.values()) < 20_000, sizes
    assert os.path.getsize(HOSTILE / "alias_bomb.yaml") < 700


def test_an_uploaded_journey_map_is_read_with_the_same_limits(monkeypatch) -> None:
    from playbooks.advice.journey import parse_journey_map
    from playbooks.errors import InputError

    bomb = (HOSTILE / "alias_bomb.yaml").read_bytes()
    with pytest.raises(InputError, match="upload.yaml .*a YAML alias"):
        parse_journey_map(bomb, "upload.yaml")
    with pytest.raises(InputError, match="upload.csv: line 2: a value is"):
        parse_journey_map(b"touchpoint\n" + b"x" * 200_000 + b"\n", "upload.csv")
    monkeypatch.setenv("PLAYBOOKS_MAX_INPUT_MB", "0.001")
    with pytest.raises(InputError, match="upload.csv: this journey map is larger than"):
        parse_journey_map(b"touchpoint\n" + b"x" * 2_000 + b"\n", "upload.csv")
