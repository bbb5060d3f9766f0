"""The self-assessment's question bank: its records, and loading it with the `assessment` part
of any company overlay laid over it.

The bank lives in `playbooks/framework/knowledge/assessment.yaml`. Each statement is answered on
the bank's scale (1 to 4); scoring lives in `playbooks.assessment.scoring`, quarters in
`playbooks.assessment.quarters` and the reference page in `playbooks.assessment.reference`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field

from playbooks.errors import InputError, KnowledgeError
from playbooks.framework.model import Knowledge, Play, load_knowledge
from playbooks.framework.overlays import default_overlays, overlay_files, overlay_stamp
from playbooks.framework.parsing import (
    KNOWLEDGE_DIR,
    Record,
    check_reference,
    check_unique_ids,
    parse_data,
    read_yaml,
)
from playbooks.userfiles.limits import excerpt

BANK_FILE = KNOWLEDGE_DIR / "assessment.yaml"


# --- the bank as records ---------------------------------------------------------------------


class ScaleStep(Record):
    level: int = Field(ge=1)
    label: str
    meaning: str


class Statement(Record):
    id: str = Field(min_length=1)
    text: str = Field(min_length=10)


class Dimension(Record):
    id: str = Field(min_length=1)
    title: str
    summary: str
    statements: list[Statement] = Field(min_length=3, max_length=5)
    levels: dict[int, str]
    plays: list[str] = Field(min_length=1)
    anti_patterns: list[str] = Field(min_length=1)


class EvidenceBounds(Record):
    """One evidence rule's data: what it counts, and the share each answer level allows."""

    id: str = Field(min_length=1)
    of: str = Field(min_length=3)
    counts: str = Field(min_length=10)
    at_most: dict[int, float]
    min_count: int | None = Field(default=None, ge=1)

    def bound_at(self, level: int) -> float | None:
        """The largest share an answer at `level` allows: the tightest bound at or below it
        (None when no level up to it sets one)."""
        given = [share for lv, share in self.at_most.items() if lv <= level]
        return min(given) if given else None


class EvidenceSettings(Record):
    """The evidence rules' thresholds, and the smallest count and share worth offering."""

    min_count: int = Field(ge=1)
    min_share: float = Field(ge=0, le=1)
    stale_theme_weeks: int = Field(ge=1)
    high_disengagement: float = Field(ge=0, le=100)
    rules: list[EvidenceBounds] = Field(min_length=1)

    def bounds(self, rule_id: str) -> EvidenceBounds | None:
        """Return the bounds of one rule, or None when the bank gives none."""
        return next((b for b in self.rules if b.id == rule_id), None)


class BankFile(Record):
    version: int = Field(ge=1)
    scale: list[ScaleStep] = Field(min_length=2)
    level_names: dict[int, str]
    evidence: EvidenceSettings
    dimensions: list[Dimension] = Field(min_length=1)


@dataclass(frozen=True)
class QuestionBank:
    """The loaded bank: dimensions and statements keyed by id, in file order."""

    version: int
    fingerprint: str
    scale: tuple[ScaleStep, ...]
    level_names: dict[int, str]
    evidence: EvidenceSettings
    dimensions: dict[str, Dimension]
    statement_dimension: dict[str, str]
    play_titles: dict[str, str]
    plays: dict[str, Play]
    anti_pattern_names: dict[str, str]
    source: Path

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(step.level for step in self.scale)

    @property
    def top_level(self) -> int:
        return max(self.levels)

    @property
    def statements(self) -> dict[str, Statement]:
        return {s.id: s for d in self.dimensions.values() for s in d.statements}

    def answer_problems(self, statement_id: str, level: object) -> list[str]:
        """Say what is wrong with one answer (empty when it fits the bank)."""
        problems = []
        if statement_id not in self.statement_dimension:
            problems.append(f"unknown statement id {excerpt(statement_id)} (not in question bank "
                            f"version {self.version})")
        if isinstance(level, bool) or not isinstance(level, int) or level not in self.levels:
            low, high = min(self.levels), max(self.levels)
            problems.append(f"{excerpt(statement_id, quote=False)}: level {excerpt(level, 20)} "
                            "is outside the scale "
                            f"{low} to {high}")
        return problems

    def check_answers(self, answers: Mapping[str, object]) -> None:
        """Raise InputError listing every answer that does not fit the bank."""
        problems = [p for sid, level in answers.items() for p in self.answer_problems(sid, level)]
        if problems:
            raise InputError(f"{len(problems)} answer(s) do not fit the question bank",
                             problems=problems)


def load_question_bank(path: Path | str | None = None,
                       knowledge: Knowledge | None = None,
                       overlays: Sequence[Path | str] | None = None) -> QuestionBank:
    """Load and check the question bank (the shipped one by default), with the `assessment`
    part of any company overlay laid over it (PLAYBOOKS_KNOWLEDGE_OVERLAY by default).

    An overlay's `assessment: {dimensions: [...]}` changes the fields it gives of a dimension
    with an existing id (statements merge by id: change a text or add a statement) and adds
    dimensions with new ids. Play and anti-pattern ids are checked against `knowledge` (the
    framework with the same overlays by default). Raises KnowledgeError naming the file and key
    of the first problem.
    """
    if overlays is None:
        overlays = default_overlays()
    key = tuple(str(Path(o).resolve()) for o in overlays)
    if path is None and knowledge is None:
        return _load_default_bank(key, overlay_stamp(overlays))
    return _load_bank(Path(path) if path is not None else BANK_FILE,
                      knowledge or load_knowledge(overlays=list(key)), list(key))


@lru_cache(maxsize=4)
def _load_default_bank(overlays: tuple[str, ...], stamp: tuple[Any, ...] = ()) -> QuestionBank:
    return _load_bank(BANK_FILE, load_knowledge(overlays=list(overlays)), list(overlays))


# --- overlays --------------------------------------------------------------------------------


def _merge_bank_overlay(raw: dict[str, Any], file: Path) -> bool:
    """Lay the `assessment` part of one overlay file over the raw bank; True if it had one."""
    data = read_yaml(file)
    if not isinstance(data, dict) or "assessment" not in data:
        return False
    part = data["assessment"]
    if not isinstance(part, dict) or set(part) - {"dimensions"}:
        raise KnowledgeError(f"{file}: assessment: expected a mapping with `dimensions`")
    dims = raw.setdefault("dimensions", [])
    index = {d.get("id"): i for i, d in enumerate(dims)}
    for i, record in enumerate(part.get("dimensions") or []):
        if not isinstance(record, dict) or "id" not in record:
            raise KnowledgeError(f"{file}: assessment.dimensions[{i}]: each dimension needs an "
                                 "`id`")
        if record["id"] not in index:
            index[record["id"]] = len(dims)
            dims.append(dict(record))
        else:
            position = index[record["id"]]
            dims[position] = _merge_dimension(dims[position], record,
                                              f"{file}: assessment.dimensions[{i}]")
    return True


def _merge_dimension(base: dict[str, Any], record: dict[str, Any], where: str) -> dict[str, Any]:
    """Lay one overlay dimension over a known one: fields replace, statements merge by id."""
    merged = dict(base)
    for field_name, value in record.items():
        if field_name != "statements":
            merged[field_name] = value
            continue
        statements = list(merged.get("statements", []))
        by_id = {s.get("id"): j for j, s in enumerate(statements)}
        for j, statement in enumerate(value or []):
            if not isinstance(statement, dict) or "id" not in statement:
                raise KnowledgeError(f"{where}.statements[{j}]: each statement needs an `id`")
            if statement["id"] in by_id:
                k = by_id[statement["id"]]
                statements[k] = {**statements[k], **statement}
            else:
                statements.append(dict(statement))
        merged["statements"] = statements
    return merged


# --- loading and checking --------------------------------------------------------------------


def _load_bank(path: Path, knowledge: Knowledge,
               overlays: Sequence[Path | str] = ()) -> QuestionBank:
    raw = read_yaml(path)
    shown = str(path)
    for file in overlay_files(overlays):
        if isinstance(raw, dict) and _merge_bank_overlay(raw, file):
            shown += f" + {file}"
    bank = parse_data(raw, BankFile, shown)
    _check_scale(bank, shown)
    statement_dimension = _check_dimensions(bank, shown, knowledge)
    return QuestionBank(
        version=bank.version,
        fingerprint=_fingerprint(bank),
        scale=tuple(bank.scale),
        level_names=dict(bank.level_names),
        evidence=bank.evidence,
        dimensions={d.id: d for d in bank.dimensions},
        statement_dimension=statement_dimension,
        play_titles={pid: p.title for pid, p in knowledge.plays.items()},
        plays=dict(knowledge.plays),
        anti_pattern_names={aid: a.name for aid, a in knowledge.anti_patterns.items()},
        source=path,
    )


def _check_scale(bank: BankFile, shown: str) -> None:
    """Refuse a scale that does not run 1, 2, 3, ... or level names that do not match it."""
    levels = [step.level for step in bank.scale]
    if levels != list(range(1, len(levels) + 1)):
        raise KnowledgeError(
            f"{shown}: scale: levels must run 1, 2, 3, ... in order (got {levels})")
    if sorted(bank.level_names) != levels:
        raise KnowledgeError(f"{shown}: level_names: give one name for each scale level {levels}")
    check_unique_ids(shown, "evidence.rules", bank.evidence.rules)
    for i, rule in enumerate(bank.evidence.rules):
        key = f"{shown}: evidence.rules[{i}].at_most"
        if set(rule.at_most) - set(levels):
            raise KnowledgeError(f"{key}: levels must be scale levels {levels} "
                                 f"(got {sorted(rule.at_most)})")
        if any(not 0 <= share <= 1 for share in rule.at_most.values()):
            raise KnowledgeError(f"{key}: each share must lie between 0 and 1")
        shares = [rule.at_most[level] for level in sorted(rule.at_most)]
        if shares != sorted(shares, reverse=True):
            raise KnowledgeError(f"{key}: a higher level must allow no larger share (got "
                                 f"{rule.at_most}); otherwise a fact could disagree with one "
                                 "answer and agree with a higher one")


def _check_dimensions(bank: BankFile, shown: str, knowledge: Knowledge) -> dict[str, str]:
    """Check ids, level descriptors and references; return statement id to dimension id."""
    levels = [step.level for step in bank.scale]
    check_unique_ids(shown, "dimensions", bank.dimensions)
    statement_dimension: dict[str, str] = {}
    for i, dim in enumerate(bank.dimensions):
        key = f"dimensions[{i}]"
        for j, statement in enumerate(dim.statements):
            if statement.id in statement_dimension:
                raise KnowledgeError(
                    f"{shown}: {key}.statements[{j}].id: duplicate statement id {statement.id!r} "
                    f"(already used in dimension {statement_dimension[statement.id]!r})")
            statement_dimension[statement.id] = dim.id
        if sorted(dim.levels) != levels:
            raise KnowledgeError(f"{shown}: {key}.levels: give one descriptor for each scale "
                                 f"level {levels} (got {sorted(dim.levels)})")
        for j, play in enumerate(dim.plays):
            check_reference(shown, f"{key}.plays[{j}]", play, knowledge.plays, "play")
        for j, anti in enumerate(dim.anti_patterns):
            check_reference(shown, f"{key}.anti_patterns[{j}]", anti, knowledge.anti_patterns,
                            "anti-pattern")
    return statement_dimension


def _fingerprint(bank: BankFile) -> str:
    """Hash what gives stored answers their meaning: ids, statement texts and the scale."""
    content = {
        "version": bank.version,
        "scale": [step.level for step in bank.scale],
        "dimensions": [
            {"id": d.id, "statements": [[s.id, s.text] for s in d.statements]}
            for d in bank.dimensions
        ],
    }
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:16]
