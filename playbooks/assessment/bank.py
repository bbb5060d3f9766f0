"""The self-assessment: the question bank, scoring, gaps, plays to run first, and comparison
of two quarters.

The bank lives in `playbooks/framework/knowledge/assessment.yaml`. Each statement is answered on the
bank's scale (1 to 4). A dimension's score is the mean of its answered statements and its level
is the whole part of that mean, so raising one answer never lowers a level. Statements left
unanswered are listed in the result and do not count towards any score.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field

from playbooks.errors import InputError, KnowledgeError
from playbooks.framework.model import Knowledge, default_overlays, load_knowledge, overlay_files
from playbooks.framework.parsing import (
    KNOWLEDGE_DIR,
    Record,
    check_reference,
    check_unique_ids,
    parse_data,
    read_yaml,
)

BANK_FILE = KNOWLEDGE_DIR / "assessment.yaml"
QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


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


class EvidenceThresholds(Record):
    stale_theme_weeks: int = Field(ge=1)
    continuity_gap_share: float = Field(ge=0, le=1)
    drifting_share: float = Field(ge=0, le=1)
    high_disengagement: float = Field(ge=0, le=100)
    high_disengagement_share: float = Field(ge=0, le=1)
    withdrawing_share: float = Field(ge=0, le=1)
    claimed_level: int = Field(ge=1)


class BankFile(Record):
    version: int = Field(ge=1)
    scale: list[ScaleStep] = Field(min_length=2)
    level_names: dict[int, str]
    evidence_thresholds: EvidenceThresholds
    dimensions: list[Dimension] = Field(min_length=1)


@dataclass(frozen=True)
class QuestionBank:
    """The loaded bank: dimensions and statements keyed by id, in file order."""

    version: int
    fingerprint: str
    scale: tuple[ScaleStep, ...]
    level_names: dict[int, str]
    thresholds: EvidenceThresholds
    dimensions: dict[str, Dimension]
    statement_dimension: dict[str, str]
    play_titles: dict[str, str]
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
            problems.append(f"unknown statement id {statement_id!r} (not in question bank "
                            f"version {self.version})")
        if isinstance(level, bool) or not isinstance(level, int) or level not in self.levels:
            low, high = min(self.levels), max(self.levels)
            problems.append(f"{statement_id}: level {level!r} is outside the scale "
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
        return _load_default_bank(key)
    return _load_bank(Path(path) if path is not None else BANK_FILE,
                      knowledge or load_knowledge(overlays=list(key)), list(key))


@lru_cache(maxsize=4)
def _load_default_bank(overlays: tuple[str, ...]) -> QuestionBank:
    return _load_bank(BANK_FILE, load_knowledge(overlays=list(overlays)), list(overlays))


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
            continue
        base = dict(dims[index[record["id"]]])
        for field_name, value in record.items():
            if field_name != "statements":
                base[field_name] = value
                continue
            statements = list(base.get("statements", []))
            by_id = {s.get("id"): j for j, s in enumerate(statements)}
            for j, statement in enumerate(value or []):
                if not isinstance(statement, dict) or "id" not in statement:
                    raise KnowledgeError(f"{file}: assessment.dimensions[{i}].statements[{j}]: "
                                         "each statement needs an `id`")
                if statement["id"] in by_id:
                    k = by_id[statement["id"]]
                    statements[k] = {**statements[k], **statement}
                else:
                    statements.append(dict(statement))
            base["statements"] = statements
        dims[index[record["id"]]] = base
    return True


def _load_bank(path: Path, knowledge: Knowledge,
               overlays: Sequence[Path | str] = ()) -> QuestionBank:
    raw = read_yaml(path)
    shown = str(path)
    for file in overlay_files(overlays):
        if isinstance(raw, dict) and _merge_bank_overlay(raw, file):
            shown += f" + {file}"
    bank = parse_data(raw, BankFile, shown)
    levels = [step.level for step in bank.scale]
    if levels != list(range(1, len(levels) + 1)):
        raise KnowledgeError(
            f"{shown}: scale: levels must run 1, 2, 3, ... in order (got {levels})")
    if sorted(bank.level_names) != levels:
        raise KnowledgeError(f"{shown}: level_names: give one name for each scale level {levels}")
    if bank.evidence_thresholds.claimed_level not in levels:
        raise KnowledgeError(f"{shown}: evidence_thresholds.claimed_level: not a scale level")
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
    return QuestionBank(
        version=bank.version,
        fingerprint=_fingerprint(bank),
        scale=tuple(bank.scale),
        level_names=dict(bank.level_names),
        thresholds=bank.evidence_thresholds,
        dimensions={d.id: d for d in bank.dimensions},
        statement_dimension=statement_dimension,
        play_titles={pid: p.title for pid, p in knowledge.plays.items()},
        anti_pattern_names={aid: a.name for aid, a in knowledge.anti_patterns.items()},
        source=path,
    )


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


# --- quarters ----------------------------------------------------------------------------------


def parse_quarter(text: str) -> str:
    """Return a quarter like `2026Q4` in its canonical form, or raise InputError."""
    value = str(text).strip().upper()
    if not QUARTER_PATTERN.match(value):
        raise InputError(f"{text!r} is not a quarter; write the year and quarter 1 to 4, "
                         "like 2026Q4")
    return value


def quarter_key(quarter: str) -> tuple[int, int]:
    """Sort key for a canonical quarter."""
    match = QUARTER_PATTERN.match(quarter)
    if not match:
        raise InputError(f"{quarter!r} is not a quarter like 2026Q4")
    return int(match.group(1)), int(match.group(2))


# --- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionScore:
    """One dimension's result. `score` and `level` are None when nothing was answered."""

    dimension_id: str
    title: str
    answered: int
    total: int
    unanswered: tuple[str, ...]
    score: float | None
    level: int | None
    level_name: str | None
    descriptor: str | None
    gap: float | None
    plays: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.answered == self.total


@dataclass(frozen=True)
class PlayPick:
    """A play to run first, with the dimensions it raises and why it was picked."""

    play_id: str
    title: str
    dimensions: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class AssessmentResult:
    """The scored assessment: levels per dimension and overall, gaps and plays."""

    bank_version: int
    bank_fingerprint: str
    target: int
    answers: dict[str, int]
    dimensions: dict[str, DimensionScore]
    overall_score: float | None
    overall_level: int | None
    overall_level_name: str | None
    unanswered: tuple[str, ...]
    gaps: tuple[DimensionScore, ...]
    plays_first: tuple[PlayPick, ...]

    @property
    def answered_count(self) -> int:
        return len(self.answers)

    @property
    def total_count(self) -> int:
        return sum(d.total for d in self.dimensions.values())

    @property
    def unanswered_dimensions(self) -> tuple[str, ...]:
        return tuple(d.dimension_id for d in self.dimensions.values() if d.level is None)


def score_assessment(answers: Mapping[str, int], bank: QuestionBank | None = None, *,
                     target: int | None = None, max_plays: int = 3) -> AssessmentResult:
    """Score answers (statement id to level): levels, gaps to `target`, and plays to run first.

    `target` defaults to the top of the scale. Raises InputError for an unknown statement id
    or a level outside the scale.
    """
    bank = bank or load_question_bank()
    bank.check_answers(answers)
    target = bank.top_level if target is None else target
    if target not in bank.levels:
        raise InputError(f"target level {target!r} is outside the scale 1 to {bank.top_level}")
    exact: dict[str, Fraction] = {}
    dims: dict[str, DimensionScore] = {}
    for dim in bank.dimensions.values():
        given = [answers[s.id] for s in dim.statements if s.id in answers]
        missing = tuple(s.id for s in dim.statements if s.id not in answers)
        if given:
            mean = Fraction(sum(given), len(given))
            exact[dim.id] = mean
            level = int(mean)  # whole part of the mean: level N needs an average of N
            dims[dim.id] = DimensionScore(
                dim.id, dim.title, len(given), len(dim.statements), missing,
                round(float(mean), 2), level, bank.level_names[level], dim.levels[level],
                round(max(0.0, float(target - mean)), 2), tuple(dim.plays))
        else:
            dims[dim.id] = DimensionScore(dim.id, dim.title, 0, len(dim.statements), missing,
                                          None, None, None, None, None, tuple(dim.plays))
    overall_score = overall_level = None
    if exact:
        overall = sum(exact.values(), Fraction(0)) / len(exact)
        overall_score, overall_level = round(float(overall), 2), int(overall)
    # largest gap first; ties keep the bank's order (sorted is stable)
    gaps = tuple(sorted((d for d in dims.values() if d.gap), key=lambda d: exact[d.dimension_id]))
    return AssessmentResult(
        bank_version=bank.version,
        bank_fingerprint=bank.fingerprint,
        target=target,
        answers=dict(answers),
        dimensions=dims,
        overall_score=overall_score,
        overall_level=overall_level,
        overall_level_name=bank.level_names[overall_level] if overall_level else None,
        unanswered=tuple(s for d in dims.values() for s in d.unanswered),
        gaps=gaps,
        plays_first=_pick_plays(gaps, bank, max_plays),
    )


def _pick_plays(gaps: tuple[DimensionScore, ...], bank: QuestionBank,
                max_plays: int) -> tuple[PlayPick, ...]:
    picked: dict[str, list[str]] = {}
    first_reason: dict[str, str] = {}
    for dim in gaps:
        for play in dim.plays:
            if play not in picked and len(picked) >= max_plays:
                continue
            picked.setdefault(play, []).append(dim.dimension_id)
            first_reason.setdefault(
                play, f"raises '{dim.title}', now level {dim.level} ({dim.level_name}), "
                      f"{dim.gap:g} below the target")
    return tuple(PlayPick(play, bank.play_titles.get(play, play), tuple(dims), first_reason[play])
                 for play, dims in picked.items())


# --- comparison --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionChange:
    """How one dimension moved between two assessments."""

    dimension_id: str
    title: str
    before_level: int | None
    after_level: int | None
    before_score: float | None
    after_score: float | None
    direction: str  # up, down, same, newly answered, no longer answered, not answered, new, removed

    @property
    def change(self) -> float | None:
        if self.before_score is None or self.after_score is None:
            return None
        return round(self.after_score - self.before_score, 2)


@dataclass(frozen=True)
class Comparison:
    """What moved between an earlier assessment and the current one."""

    dimensions: tuple[DimensionChange, ...]
    statements: tuple[tuple[str, int | None, int | None], ...]
    overall_before: float | None
    overall_after: float | None
    same_bank: bool

    @property
    def moved_up(self) -> tuple[DimensionChange, ...]:
        return tuple(d for d in self.dimensions if d.direction == "up")

    @property
    def moved_down(self) -> tuple[DimensionChange, ...]:
        return tuple(d for d in self.dimensions if d.direction == "down")


def compare_assessments(current: AssessmentResult, earlier: AssessmentResult) -> Comparison:
    """Compare two scored assessments of the same team, dimension by dimension.

    Direction follows the level; when the level holds, the score decides. Statements whose
    answer changed are listed as (statement id, before, after).
    """
    changes = []
    ids = list(current.dimensions) + [d for d in earlier.dimensions if d not in current.dimensions]
    for dim_id in ids:
        after, before = current.dimensions.get(dim_id), earlier.dimensions.get(dim_id)
        title = (after or before).title  # type: ignore[union-attr]
        if before is None or after is None:
            direction = "new" if before is None else "removed"
        elif before.score is None and after.score is None:
            direction = "not answered"
        elif before.score is None:
            direction = "newly answered"
        elif after.score is None:
            direction = "no longer answered"
        elif (after.level, after.score) > (before.level, before.score):  # type: ignore[operator]
            direction = "up"
        elif (after.level, after.score) < (before.level, before.score):  # type: ignore[operator]
            direction = "down"
        else:
            direction = "same"
        changes.append(DimensionChange(
            dim_id, title, before.level if before else None, after.level if after else None,
            before.score if before else None, after.score if after else None, direction))
    statement_ids = list(current.answers) + [s for s in earlier.answers if s not in current.answers]
    moved = tuple((sid, earlier.answers.get(sid), current.answers.get(sid)) for sid in statement_ids
                  if earlier.answers.get(sid) != current.answers.get(sid))
    return Comparison(tuple(changes), moved, earlier.overall_score, current.overall_score,
                      current.bank_fingerprint == earlier.bank_fingerprint)


# --- reference documentation -------------------------------------------------------------------


def render_question_bank_markdown(bank: QuestionBank | None = None) -> str:
    """Render the question bank as the reference page `docs/assessment.md`."""
    bank = bank or load_question_bank()
    out = [
        "# The self-assessment question bank",
        "",
        "<!-- Generated by playbooks.assessment.bank.render_question_bank_markdown() from",
        "     playbooks/framework/knowledge/assessment.yaml;",
        "     run `playbooks assessment docs` to refresh. -->",
        "",
        f"Question bank version {bank.version}, fingerprint `{bank.fingerprint}`. "
        "Exports carry this fingerprint; a file made under another bank is refused on import.",
        "",
        "## Answer scale",
        "",
        "| answer | label | meaning |",
        "|---|---|---|",
        *[f"| {s.level} | {s.label} | {s.meaning} |" for s in bank.scale],
        "",
        "A dimension's score is the mean of its answered statements; its level is the whole part",
        "of that mean. Unanswered statements are listed, never counted. The overall score is the",
        "mean of the answered dimensions' scores.",
        "",
        "| level | name |",
        "|---|---|",
        *[f"| {level} | {name} |" for level, name in sorted(bank.level_names.items())],
        "",
    ]
    for dim in bank.dimensions.values():
        out += [f"## {dim.title}", "", f"Id: `{dim.id}`. {dim.summary}", "", "Statements:", ""]
        out += [f"- `{s.id}`: {s.text}" for s in dim.statements]
        out += ["", "| level | what it looks like |", "|---|---|"]
        out += [f"| {lv} {bank.level_names[lv]} | {text} |"
                for lv, text in sorted(dim.levels.items())]
        out += ["", "Plays that raise it: " + ", ".join(
            f"{bank.play_titles[p]} (`{p}`)" for p in dim.plays) + ".", ""]
        out += ["Related anti-patterns: " + ", ".join(
            f"{bank.anti_pattern_names[a]} (`{a}`)" for a in dim.anti_patterns) + ".", ""]
    return "\n".join(out)
