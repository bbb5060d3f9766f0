"""Scoring a self-assessment against the question bank, and comparing two quarters.

A dimension's score is the mean of its answered statements and its level is the whole part of
that mean, so raising one answer never lowers a level. Statements left unanswered are listed
in the result and do not count towards any score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from playbooks.assessment.bank import QuestionBank, load_question_bank
from playbooks.errors import InputError

# --- scoring ---------------------------------------------------------------------------------


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
    """A play to run first: what to do, who usually owns it, the first step this quarter, how
    you will know it worked, the gap dimensions it raises (the one it was picked for first)
    and why it was picked."""

    play_id: str
    title: str
    dimensions: tuple[str, ...]
    reason: str
    description: str = ""
    owner: str = ""
    first_step: str = ""
    success_sign: str = ""
    dimension_titles: tuple[str, ...] = ()


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
    """Pick up to `max_plays` plays that between them raise as many gap dimensions as they can.

    The gaps are walked largest first, and each gap not yet raised by a picked play takes its
    first play (in the bank's order) that raises no dimension already raised. So two picks
    raise the same dimension only when no play is left that would raise another one; the
    slots left over then go to further plays of the largest gaps.
    """
    raises: dict[str, list[str]] = {}
    for dim in gaps:
        for play in dim.plays:
            raises.setdefault(play, []).append(dim.dimension_id)
    picked: list[str] = []
    covered: set[str] = set()
    for dim in gaps:
        if len(picked) >= max_plays:
            break
        if dim.dimension_id in covered:
            continue
        fresh = [p for p in dim.plays if p not in picked and not covered & set(raises[p])]
        if fresh:
            picked.append(fresh[0])
            covered.update(raises[fresh[0]])
    for dim in sorted(gaps, key=lambda d: d.dimension_id in covered):  # unraised gaps first
        for play in dim.plays:
            if len(picked) < max_plays and play not in picked:
                picked.append(play)
                covered.update(raises[play])
    by_id = {d.dimension_id: d for d in gaps}
    return tuple(_play_pick(play, raises[play], by_id, bank) for play in picked)


def _play_pick(play_id: str, dimension_ids: list[str], gaps: dict[str, DimensionScore],
               bank: QuestionBank) -> PlayPick:
    first = gaps[dimension_ids[0]]
    reason = (f"raises '{first.title}', now level {first.level} ({first.level_name}), "
              f"{first.gap:.1f} below the target")
    others = [gaps[d].title for d in dimension_ids[1:]]
    if others:
        reason += "; also raises " + ", ".join(f"'{title}'" for title in others)
    play = bank.plays.get(play_id)
    return PlayPick(
        play_id, bank.play_titles.get(play_id, play_id), tuple(dimension_ids), reason,
        description=play.description if play else "", owner=play.owner if play else "",
        first_step=play.first_step if play else "",
        success_sign=play.success_sign if play else "",
        dimension_titles=tuple(gaps[d].title for d in dimension_ids))


# --- comparison ------------------------------------------------------------------------------


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
