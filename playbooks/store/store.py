"""The `Store`: teams, assessments with their answers, journey maps and action items.

Every write is its own committed transaction, so an answer is durable the moment
`save_answer` returns. Assessments and journey maps carry a version number: a save based on
an older version is refused with `StaleVersionError`, and the newer data stays as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from playbooks.assessment.bank import QuestionBank, load_question_bank
from playbooks.assessment.quarters import parse_quarter
from playbooks.errors import InputError, mask_credentials
from playbooks.store.migrate import make_engine, upgrade_schema
from playbooks.store.models import ActionItem, Answer, Assessment, JourneyMap, Team, utcnow
from playbooks.store.records import (
    ActionItemRecord,
    AnswerRecord,
    AssessmentRecord,
    JourneyMapRecord,
    NotFoundError,
    StaleVersionError,
    StoreError,
    TeamRecord,
    answer_text_problems,
)
from playbooks.store.settings import refuse_missing_file, resolve_database_url, safe_url

STATUSES = ("draft", "final")
ACTION_STATUSES = ("open", "done")


class Store:
    """Saved assessments, journey maps and action items in SQLite or PostgreSQL.

    Args:
        url: a SQLAlchemy URL; default PLAYBOOKS_DATABASE_URL, else the workspace SQLite file.
        bank: the question bank answers are checked against (the shipped one by default).
        migrate: bring the schema to the latest migration on open (the default).
        create: make a SQLite file (and its folder) that does not exist yet (the default);
            without it, a missing file raises StoreMissingError and nothing is made.
    """

    def __init__(self, url: str | None = None, *, bank: QuestionBank | None = None,
                 migrate: bool = True, create: bool = True) -> None:
        self.url = resolve_database_url(url)
        if not create:
            refuse_missing_file(self.url)
        self.bank = bank or load_question_bank()
        self.engine = make_engine(self.url)
        if migrate:
            with self._guard():
                upgrade_schema(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({safe_url(self.url)!r})"

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise
        except (OperationalError, DBAPIError) as error:
            first = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise StoreError(f"cannot use the database at {safe_url(self.url)}: "
                             f"{mask_credentials(first)}") from None

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One transaction, committed on success and rolled back on any error."""
        with (self._guard(), Session(self.engine, expire_on_commit=False) as session,
              session.begin()):
            yield session

    # --- teams ---------------------------------------------------------------------------------

    def ensure_team(self, name: str) -> TeamRecord:
        """Return the team called `name`, creating it if needed."""
        name = _clean(name, "team name")
        with self._write() as session:
            team = _team(session, name)
        return TeamRecord(team.id, team.name, team.created_at)

    def list_teams(self) -> list[TeamRecord]:
        with self._write() as session:
            teams = session.scalars(select(Team).order_by(Team.name)).all()
            return [TeamRecord(t.id, t.name, t.created_at) for t in teams]

    # --- assessments ---------------------------------------------------------------------------

    def new_assessment(self, team: str, quarter: str, *, by: str = "",
                       answers: Iterable[AnswerRecord] = (),
                       status: str = "draft") -> AssessmentRecord:
        """Start an assessment for `team` and `quarter`, optionally with answers (an import).

        Everything is checked first; on any problem nothing is written.
        """
        team = _clean(team, "team name")
        quarter = parse_quarter(quarter)
        if status not in STATUSES:
            raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        answers = list(answers)
        problems = [p for a in answers for p in self.bank.answer_problems(a.statement_id, a.level)]
        problems += [p for a in answers
                     for p in answer_text_problems(a.note, a.answered_by, a.statement_id)]
        seen: set[str] = set()
        for a in answers:
            if a.statement_id in seen:
                problems.append(f"{a.statement_id}: answered twice")
            seen.add(a.statement_id)
        if problems:
            raise InputError(f"{len(problems)} answer(s) do not fit the question bank; "
                             "nothing was saved", problems=problems)
        try:
            with self._write() as session:
                team_row = _team(session, team)
                existing = session.scalar(select(Assessment).where(
                    Assessment.team_id == team_row.id, Assessment.quarter == quarter))
                if existing is not None:
                    raise InputError(f"{team} already has an assessment for {quarter} "
                                     f"(id {existing.id}); nothing was saved")
                now = utcnow()
                row = Assessment(team=team_row, quarter=quarter, status=status, version=1,
                                 bank_version=self.bank.version,
                                 bank_fingerprint=self.bank.fingerprint,
                                 created_at=now, updated_at=now, updated_by=by)
                row.answers = [Answer(statement_id=a.statement_id, level=a.level, note=a.note,
                                      answered_by=a.answered_by or by,
                                      answered_at=a.answered_at or now) for a in answers]
                session.add(row)
                session.flush()
                return _assessment_record(row)
        except IntegrityError:
            raise InputError(f"{team} already has an assessment for {quarter}; "
                             "nothing was saved") from None

    def get_assessment(self, assessment_id: int) -> AssessmentRecord:
        """Return one assessment with its answers, or raise NotFoundError."""
        with self._write() as session:
            return _assessment_record(_get_assessment(session, assessment_id))

    def find_assessment(self, team: str, quarter: str) -> AssessmentRecord | None:
        """Return the assessment of `team` for `quarter`, or None."""
        quarter = parse_quarter(quarter)
        with self._write() as session:
            row = session.scalar(select(Assessment).join(Team).where(
                Team.name == team.strip(), Assessment.quarter == quarter))
            return _assessment_record(row) if row else None

    def list_assessments(self, team: str | None = None) -> list[AssessmentRecord]:
        """Return assessments (with answers), by team then quarter."""
        with self._write() as session:
            query = select(Assessment).join(Team)
            if team is not None:
                query = query.where(Team.name == team.strip())
            rows = session.scalars(query).unique().all()
            records = [_assessment_record(r) for r in rows]
        return sorted(records, key=lambda r: (r.team, r.quarter))

    def previous_assessment(self, record: AssessmentRecord) -> AssessmentRecord | None:
        """Return the same team's latest assessment from an earlier quarter, or None."""
        earlier = [r for r in self.list_assessments(record.team) if r.quarter < record.quarter]
        return earlier[-1] if earlier else None

    def save_answer(self, assessment_id: int, statement_id: str, level: int, *,
                    expected_version: int, by: str = "",
                    note: str | None = None) -> AssessmentRecord:
        """Save one answer and commit it at once; return the assessment at its new version.

        Raises StaleVersionError when the assessment moved past `expected_version` (nothing is
        written), InputError for an answer outside the bank or a final assessment.
        """
        problems = self.bank.answer_problems(statement_id, level)
        problems += answer_text_problems(note, by, statement_id)
        if problems:
            raise InputError("the answer was not saved", problems=problems)
        with self._write() as session:
            row = _get_assessment(session, assessment_id)
            self._check_writable(row)
            _bump_version(session, Assessment, row, expected_version, by,
                          f"your answer to {statement_id} was not saved")
            answer = session.scalar(select(Answer).where(
                Answer.assessment_id == assessment_id, Answer.statement_id == statement_id))
            if answer is None:
                answer = Answer(assessment_id=assessment_id, statement_id=statement_id)
                session.add(answer)
            answer.level, answer.note = level, note
            answer.answered_by, answer.answered_at = by, utcnow()
            session.flush()
            session.refresh(row)
            return _assessment_record(row)

    def finalise_assessment(self, assessment_id: int, *, expected_version: int,
                            by: str = "") -> AssessmentRecord:
        """Mark an assessment final; it takes no more answers afterwards."""
        with self._write() as session:
            row = _get_assessment(session, assessment_id)
            self._check_writable(row)
            _bump_version(session, Assessment, row, expected_version, by,
                          "the assessment was not finalised")
            session.execute(update(Assessment).where(Assessment.id == assessment_id)
                            .values(status="final"))
            session.refresh(row)
            return _assessment_record(row)

    def _check_writable(self, row: Assessment) -> None:
        if row.status == "final":
            raise InputError(f"assessment {row.id} ({row.team.name}, {row.quarter}) is final; "
                             "it takes no more answers")
        if row.bank_fingerprint != self.bank.fingerprint:
            raise InputError(
                f"assessment {row.id} was started with question bank version {row.bank_version} "
                f"({row.bank_fingerprint}); this installation uses version {self.bank.version} "
                f"({self.bank.fingerprint}). Start a new assessment for the new bank.")

    # --- journey maps --------------------------------------------------------------------------

    def save_journey_map(self, name: str, rows: list[dict[str, Any]], *,
                         team: str | None = None, expected_version: int | None = None,
                         by: str = "") -> JourneyMapRecord:
        """Create or replace a journey map by name.

        With `expected_version`, replacing is refused (StaleVersionError) when the stored map
        has moved on; without it, the save creates the map or overwrites it.
        """
        name = _clean(name, "journey map name")
        try:
            rows = json.loads(json.dumps(list(rows)))
        except (TypeError, ValueError) as error:
            raise InputError(f"journey map {name!r}: rows must be plain JSON values ({error})") \
                from None
        with self._write() as session:
            row = session.scalar(select(JourneyMap).where(JourneyMap.name == name))
            team_row = _team(session, team) if team else None
            if row is None:
                if expected_version not in (None, 0):
                    raise NotFoundError(f"journey map {name!r} does not exist")
                row = JourneyMap(name=name, team=team_row, rows=rows, version=1,
                                 updated_at=utcnow(), updated_by=by)
                session.add(row)
            else:
                expected = row.version if expected_version is None else expected_version
                _bump_version(session, JourneyMap, row, expected, by,
                              f"your changes to journey map {name!r} were not saved")
                session.refresh(row)
                row.rows = rows
                if team_row is not None:
                    row.team = team_row
            session.flush()
            return _journey_record(row)

    def get_journey_map(self, name: str) -> JourneyMapRecord:
        with self._write() as session:
            row = session.scalar(select(JourneyMap).where(JourneyMap.name == name))
            if row is None:
                raise NotFoundError(f"journey map {name!r} does not exist")
            return _journey_record(row)

    def list_journey_maps(self, team: str | None = None) -> list[JourneyMapRecord]:
        with self._write() as session:
            query = select(JourneyMap).order_by(JourneyMap.name)
            if team is not None:
                query = query.join(Team).where(Team.name == team)
            return [_journey_record(r) for r in session.scalars(query).all()]

    # --- action items --------------------------------------------------------------------------

    def add_action(self, team: str, title: str, *, owner: str, due_quarter: str,
                   dimension: str | None = None, finding: str | None = None) -> ActionItemRecord:
        """Add an open action item, linked to an assessment dimension or a finding id."""
        team, title, owner = (_clean(team, "team name"), _clean(title, "title"),
                              _clean(owner, "owner"))
        due_quarter = parse_quarter(due_quarter)
        if dimension is not None and dimension not in self.bank.dimensions:
            raise InputError(f"unknown dimension {dimension!r}; expected one of: "
                             + ", ".join(self.bank.dimensions))
        with self._write() as session:
            row = ActionItem(team=_team(session, team), title=title, owner=owner,
                             due_quarter=due_quarter, dimension_id=dimension,
                             finding_id=(finding or "").strip() or None, status="open",
                             created_at=utcnow())
            session.add(row)
            session.flush()
            return _action_record(row)

    def list_actions(self, team: str | None = None,
                     status: str | None = None) -> list[ActionItemRecord]:
        """Return action items, optionally for one team and one status (open or done)."""
        if status is not None and status not in ACTION_STATUSES:
            raise InputError(f"status {status!r} is not one of {', '.join(ACTION_STATUSES)}")
        with self._write() as session:
            query = select(ActionItem).join(Team)
            if team is not None:
                query = query.where(Team.name == team.strip())
            if status is not None:
                query = query.where(ActionItem.status == status)
            rows = session.scalars(query.order_by(ActionItem.due_quarter, ActionItem.id)).all()
            return [_action_record(r) for r in rows]

    def complete_action(self, action_id: int) -> ActionItemRecord:
        """Mark an action item done (doing it twice keeps the first completion time)."""
        with self._write() as session:
            row = session.get(ActionItem, action_id)
            if row is None:
                raise NotFoundError(f"there is no action item {action_id}")
            if row.status != "done":
                row.status, row.done_at = "done", utcnow()
            session.flush()
            return _action_record(row)


# --- helpers ------------------------------------------------------------------------------------



def _clean(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError(f"the {what} is empty")
    if len(text) > 200 and what != "title":
        raise InputError(f"the {what} is longer than 200 characters")
    return text


def _team(session: Session, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name, created_at=utcnow())
        session.add(team)
        session.flush()
    return team


def _get_assessment(session: Session, assessment_id: int) -> Assessment:
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise NotFoundError(f"there is no assessment {assessment_id}")
    return row


def _bump_version(session: Session, model: type[Assessment] | type[JourneyMap],
                  row: Assessment | JourneyMap, expected: int, by: str, lost: str) -> None:
    """Move `row` to the next version if it is still at `expected`, else refuse."""
    result = session.execute(
        update(model).where(model.id == row.id, model.version == expected)
        .values(version=model.version + 1, updated_at=utcnow(), updated_by=by)
        .execution_options(synchronize_session=False))
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return
    session.refresh(row)
    what = (f"assessment {row.id} ({row.team.name}, {row.quarter})"
            if isinstance(row, Assessment) else f"journey map {row.name!r}")
    who = row.updated_by or "someone"
    when = row.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    raise StaleVersionError(
        f"{what} was changed by {who} at {when}: it is now at version {row.version}, your copy "
        f"is version {expected}. {lost[0].upper()}{lost[1:]}; the newer version is kept. "
        "Reload it and try again.",
        current_version=row.version, changed_by=row.updated_by, changed_at=row.updated_at)


def _assessment_record(row: Assessment) -> AssessmentRecord:
    answers = {a.statement_id: AnswerRecord(a.statement_id, a.level, a.note, a.answered_by,
                                            a.answered_at) for a in row.answers}
    return AssessmentRecord(row.id, row.team.name, row.quarter, row.status, row.version,
                            row.bank_version, row.bank_fingerprint, row.created_at,
                            row.updated_at, row.updated_by, answers)


def _journey_record(row: JourneyMap) -> JourneyMapRecord:
    return JourneyMapRecord(row.id, row.name, row.team.name if row.team else None,
                            list(row.rows), row.version, row.updated_at, row.updated_by)


def _action_record(row: ActionItem) -> ActionItemRecord:
    return ActionItemRecord(row.id, row.team.name, row.title, row.owner, row.due_quarter,
                            row.dimension_id, row.finding_id, row.status, row.created_at,
                            row.done_at)

