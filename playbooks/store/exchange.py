"""Export an assessment to JSON or CSV and import it back, refusing files made under another
version of the question bank.

JSON: `{"format": "cx-playbooks/assessment", "format_version": 1, "question_bank":
{"version", "fingerprint"}, "team", "quarter", "status", "answers": [{"statement_id",
"dimension_id", "level", "note", "answered_by", "answered_at"}], "unanswered": [...]}`.

CSV: one row per statement of the bank, with the columns in `CSV_COLUMNS`; an unanswered
statement has an empty `level`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from playbooks.assessment.bank import QuestionBank
from playbooks.assessment.quarters import parse_quarter
from playbooks.errors import InputError, PlaybooksError
from playbooks.store.records import AnswerRecord, AssessmentRecord
from playbooks.store.store import STATUSES, Store

FORMAT = "cx-playbooks/assessment"
FORMAT_VERSION = 1
FORMATS = ("json", "csv")
CSV_COLUMNS = ("team", "quarter", "status", "bank_version", "bank_fingerprint", "dimension_id",
               "statement_id", "statement", "level", "note", "answered_by", "answered_at")


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
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    statements = bank.statements
    ids = list(bank.statement_dimension) + [s for s in record.answers
                                            if s not in bank.statement_dimension]
    for sid in ids:
        answer = record.answers.get(sid)
        writer.writerow({
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
    return out.getvalue()


def read_assessment_export(text: str, bank: QuestionBank, fmt: str | None = None,
                           source: str = "the file") -> AssessmentExport:
    """Parse and check an export; raise InputError listing every problem found."""
    fmt = fmt or ("json" if text.lstrip().startswith("{") else "csv")
    if fmt not in FORMATS:
        raise InputError(f"import format {fmt!r} is not one of {', '.join(FORMATS)}")
    header, rows = _read_json(text, source) if fmt == "json" else _read_csv(text, source)
    version, fingerprint = header.get("bank_version"), header.get("bank_fingerprint")
    if str(fingerprint) != bank.fingerprint or str(version) != str(bank.version):
        raise InputError(
            f"{source} was exported from question bank version {version} (fingerprint "
            f"{fingerprint}), but this installation uses version {bank.version} (fingerprint "
            f"{bank.fingerprint}); the answers would not mean the same, so nothing was imported")
    problems: list[str] = []
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
        problems.append(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    answers = []
    seen: set[str] = set()
    for where, row in rows:
        sid = str(row.get("statement_id") or "").strip()
        level = _as_level(row.get("level"))
        problems += [f"{where}: {p}" for p in bank.answer_problems(sid, level)]
        if sid in seen:
            problems.append(f"{where}: {sid} is answered twice")
        seen.add(sid)
        answers.append(AnswerRecord(sid, level, (row.get("note") or None),  # type: ignore[arg-type]
                                    str(row.get("answered_by") or ""),
                                    _as_time(row.get("answered_at"), where, problems)))
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s); nothing was imported",
                         problems=problems)
    return AssessmentExport(team, quarter, status, tuple(answers))


def import_assessment(store: Store, path: Path | str, fmt: str | None = None,
                      by: str = "") -> AssessmentRecord:
    """Read an export file and save it as a new assessment; all or nothing."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate the BOM spreadsheets add
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    if fmt is None and path.suffix.lower() in (".json", ".csv"):
        fmt = path.suffix.lower()[1:]
    data = read_assessment_export(text, store.bank, fmt, source=str(path))
    return store.new_assessment(data.team, data.quarter, by=by, answers=data.answers,
                                status=data.status)


def _read_json(text: str, source: str) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{source}: not valid JSON (line {error.lineno}: {error.msg})") from None
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


def _read_csv(text: str, source: str) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("team", "quarter", "status", "bank_version", "bank_fingerprint",
                           "statement_id", "level") if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{source}: not an assessment export; missing columns: "
                         + ", ".join(missing))
    table = list(reader)
    if not table:
        raise InputError(f"{source}: the file has no rows")
    header = {k: table[0].get(k) for k in ("team", "quarter", "status", "bank_version",
                                           "bank_fingerprint")}
    for line, row in enumerate(table, start=2):
        for key in header:
            if row.get(key) != header[key]:
                raise InputError(f"{source}: line {line}: {key} differs from the first row "
                                 f"({row.get(key)!r} against {header[key]!r})")
    rows = [(f"line {line}", row) for line, row in enumerate(table, start=2)
            if (row.get("level") or "").strip()]
    return header, rows


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
