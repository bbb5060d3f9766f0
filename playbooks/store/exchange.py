"""Export an assessment to JSON or CSV and import it back, refusing files made under another
version of the question bank.

JSON: `{"format": "cx-playbooks/assessment", "format_version": 1, "question_bank":
{"version", "fingerprint"}, "team", "quarter", "status", "answers": [{"statement_id",
"dimension_id", "level", "note", "answered_by", "answered_at"}], "unanswered": [...]}`.

CSV: one row per statement of the bank, with the columns in `CSV_COLUMNS`; an unanswered
statement has an empty `level`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from playbooks.assessment.bank import QuestionBank
from playbooks.assessment.quarters import parse_quarter
from playbooks.errors import InputError, PlaybooksError
from playbooks.store.records import AnswerRecord, AssessmentRecord, answer_text_problems
from playbooks.store.store import STATUSES, Store
from playbooks.userfiles.limits import ASSESSMENT, check_input_file, excerpt, read_user_text
from playbooks.userfiles.structured import load_user_json
from playbooks.userfiles.tables import split_csv_header
from playbooks.userfiles.writing import csv_text, restore_cell

FORMAT = "cx-playbooks/assessment"
FORMAT_VERSION = 1
FORMATS = ("json", "csv")
CSV_COLUMNS = ("team", "quarter", "status", "bank_version", "bank_fingerprint", "dimension_id",
               "statement_id", "statement", "level", "note", "answered_by", "answered_at")
MAX_ROWS = 10_000  # an export has one row per statement of the bank
TEXT_FIELDS = ("statement_id", "note", "answered_by", "answered_at")


@dataclass(frozen=True)
class AssessmentExport:
    """An assessment read from an export file, checked against the bank."""

    team: str
    quarter: str
    status: str
    answers: tuple[AnswerRecord, ...]


def export_assessment(record: AssessmentRecord, bank: QuestionBank, fmt: str = "json") -> str:
    """Render an assessment as JSON or CSV text."""
    if fmt not in FORMATS:
        raise InputError(f"export format {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "json":
        payload = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "question_bank": {"version": record.bank_version,
                              "fingerprint": record.bank_fingerprint},
            "team": record.team,
            "quarter": record.quarter,
            "status": record.status,
            "version": record.version,
            "updated_at": record.updated_at.isoformat(),
            "answers": [
                {"statement_id": a.statement_id,
                 "dimension_id": bank.statement_dimension.get(a.statement_id),
                 "level": a.level, "note": a.note, "answered_by": a.answered_by,
                 "answered_at": a.answered_at.isoformat() if a.answered_at else None}
                for a in record.answers.values()
            ],
            "unanswered": [sid for sid in bank.statement_dimension if sid not in record.answers],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    statements = bank.statements
    ids = list(bank.statement_dimension) + [s for s in record.answers
                                            if s not in bank.statement_dimension]
    rows = []
    for sid in ids:
        answer = record.answers.get(sid)
        rows.append({
            "team": record.team, "quarter": record.quarter, "status": record.status,
            "bank_version": record.bank_version, "bank_fingerprint": record.bank_fingerprint,
            "dimension_id": bank.statement_dimension.get(sid, ""), "statement_id": sid,
            "statement": statements[sid].text if sid in statements else "",
            "level": answer.level if answer else "",
            "note": (answer.note or "") if answer else "",
            "answered_by": answer.answered_by if answer else "",
            "answered_at": answer.answered_at.isoformat() if answer and answer.answered_at
            else "",
        })
    return csv_text(CSV_COLUMNS, ([row[c] for c in CSV_COLUMNS] for row in rows),
                    lineterminator="\n")


def read_assessment_export(text: str, bank: QuestionBank, fmt: str | None = None,
                           source: str = "the file") -> AssessmentExport:
    """Parse and check an export; raise InputError listing every problem found."""
    fmt = fmt or ("json" if text.lstrip().startswith("{") else "csv")
    if fmt not in FORMATS:
        raise InputError(f"import format {fmt!r} is not one of {', '.join(FORMATS)}")
    parsed = (_read_json(text, source) if fmt == "json"
              else _read_csv(io.StringIO(text, newline=""), source))
    return _check_export(parsed, bank, source)


def _check_export(parsed: tuple[dict[str, Any], list[tuple[str, dict]]], bank: QuestionBank,
                  source: str) -> AssessmentExport:
    """Check a parsed export against the bank; raise InputError listing every problem."""
    header, rows = parsed
    version, fingerprint = header.get("bank_version"), header.get("bank_fingerprint")
    if str(fingerprint) != bank.fingerprint or str(version) != str(bank.version):
        raise InputError(
            f"{source} was exported from question bank version {excerpt(version, 20, quote=False)}"
            f" (fingerprint {excerpt(fingerprint, 30, quote=False)}), but this installation uses "
            f"version {bank.version} (fingerprint {bank.fingerprint}); the answers would not mean "
            "the same, so nothing was imported")
    problems: list[str] = []
    for key in ("team", "quarter", "status"):
        if isinstance(header.get(key), dict | list | bool):
            problems.append(f"{key}: must be text")
            header[key] = ""
    team = str(header.get("team") or "").strip()
    if not team:
        problems.append("team: missing")
    try:
        quarter = parse_quarter(str(header.get("quarter") or ""))
    except PlaybooksError as error:
        problems.append(f"quarter: {error.message}")
        quarter = ""
    status = str(header.get("status") or "draft")
    if status not in STATUSES:
        problems.append(f"status: {excerpt(status)} is not one of {', '.join(STATUSES)}")
    answers = []
    seen: set[str] = set()
    for where, row in rows:
        texts = _texts(row, where, problems)
        sid = (texts["statement_id"] or "").strip()
        level = _as_level(row.get("level"))
        problems += [f"{where}: {p}" for p in bank.answer_problems(sid, level)]
        problems += answer_text_problems(texts["note"], texts["answered_by"], where)
        if sid in seen:
            problems.append(f"{where}: {excerpt(sid)} is answered twice")
        seen.add(sid)
        answers.append(AnswerRecord(sid, level, texts["note"] or None,  # type: ignore[arg-type]
                                    texts["answered_by"] or "",
                                    _as_time(texts["answered_at"], where, problems)))
        if len(problems) > 100:
            break
    if problems:
        shown = problems[:50] + ([f"... and {len(problems) - 50} more"]
                                 if len(problems) > 50 else [])
        raise InputError(f"{source}: {len(problems)} problem(s); nothing was imported",
                         problems=shown)
    return AssessmentExport(team, quarter, status, tuple(answers))


def read_assessment_file(path: Path | str, bank: QuestionBank,
                         fmt: str | None = None) -> AssessmentExport:
    """Read and check an export file within the size limit; a CSV is read a row at a time."""
    path = Path(path)
    if fmt is None and path.suffix.lower() in (".json", ".csv"):
        fmt = path.suffix.lower()[1:]
    if fmt == "csv":
        check_input_file(path, ASSESSMENT)
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                return _check_export(_read_csv(handle, str(path)), bank, str(path))
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not UTF-8 text (invalid byte at position "
                             f"{error.start}); save the file as UTF-8") from None
        except OSError as error:
            raise InputError(f"{path}: cannot read the file ({error.strerror})") from None
    return read_assessment_export(read_user_text(path, ASSESSMENT), bank, fmt,
                                  source=str(path))


def import_assessment(store: Store, path: Path | str, fmt: str | None = None,
                      by: str = "") -> AssessmentRecord:
    """Read an export file and save it as a new assessment; all or nothing."""
    data = read_assessment_file(path, store.bank, fmt)
    return store.new_assessment(data.team, data.quarter, by=by, answers=data.answers,
                                status=data.status)


def _read_json(text: str, source: str) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    data = load_user_json(text, source)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{source}: not an assessment export (expected \"format\": "
                         f"\"{FORMAT}\")")
    bank = data.get("question_bank") or {}
    answers = data.get("answers")
    if not isinstance(bank, dict) or not isinstance(answers, list):
        raise InputError(f"{source}: `question_bank` must be an object and `answers` a list")
    header = {"bank_version": bank.get("version"), "bank_fingerprint": bank.get("fingerprint"),
              "team": data.get("team"), "quarter": data.get("quarter"),
              "status": data.get("status")}
    rows = []
    for i, item in enumerate(answers):
        if not isinstance(item, dict):
            raise InputError(f"{source}: answers[{i}] must be an object")
        rows.append((f"answers[{i}]", item))
    return header, rows


def _read_csv(lines: Iterable[str], source: str
              ) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """Read an exported CSV a row at a time: the header's columns, rows as long as the
    header, at most MAX_ROWS rows; the cells the export made formula-safe are given back."""
    columns, records = split_csv_header(lines, source, max_rows=MAX_ROWS)
    missing = [c for c in ("team", "quarter", "status", "bank_version", "bank_fingerprint",
                           "statement_id", "level") if c not in columns]
    if missing:
        raise InputError(f"{source}: not an assessment export; missing columns: "
                         + ", ".join(missing))
    header: dict[str, Any] | None = None
    rows = []
    for line, record in records:
        row = {key: restore_cell(value) for key, value in record.items()}
        if header is None:
            header = {k: row.get(k) for k in ("team", "quarter", "status", "bank_version",
                                              "bank_fingerprint")}
        for key in header:
            if row.get(key) != header[key]:
                raise InputError(f"{source}: line {line}: {key} differs from the first row "
                                 f"({excerpt(row.get(key))} against {excerpt(header[key])})")
        if (row.get("level") or "").strip():
            rows.append((f"line {line}", row))
    if header is None:
        raise InputError(f"{source}: the file has no rows")
    return header, rows


def _texts(row: dict[str, Any], where: str, problems: list[str]) -> dict[str, str | None]:
    """The text fields of one answer; a list, an object or true/false is a problem."""
    texts: dict[str, str | None] = {}
    for key in TEXT_FIELDS:
        value = row.get(key)
        if isinstance(value, dict | list | bool):
            what = ("an object" if isinstance(value, dict)
                    else "a list" if isinstance(value, list) else "true or false")
            problems.append(f"{where}: {key} must be text, not {what}")
            value = None
        texts[key] = None if value is None else str(value)
    return texts


def _as_level(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.lstrip("-").isdigit() else text
    return value


def _as_time(value: Any, where: str, problems: list[str]) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: answered_at {value!r} is not a date and time")
        return None
