"""Errors of the store and the plain records it hands out (detached from any session)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from playbooks.errors import PlaybooksError


class StoreError(PlaybooksError):
    """The database cannot be reached or used."""


class StoreMissingError(StoreError):
    """A read-only command was pointed at a SQLite file that does not exist (none is made).

    In an existing folder that means nothing was saved yet (exit 1, like a record not
    found); in a folder that does not exist the URL is wrong (exit 2).
    """

    def __init__(self, message: str, *, folder_exists: bool) -> None:
        super().__init__(message)
        self.folder_exists = folder_exists
        self.exit_code = 1 if folder_exists else 2


NOTE_LIMIT = 10_000  # characters in the note kept with one answer
NAME_LIMIT = 200  # characters in a team name, an owner, who answered


def answer_text_problems(note: object, answered_by: object, where: str) -> list[str]:
    """Say what is wrong with an answer's note and who answered (empty when they fit)."""
    problems = []
    for field_name, value, limit in (("note", note, NOTE_LIMIT),
                                     ("answered_by", answered_by, NAME_LIMIT)):
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"{where}: {field_name} must be text, not {_kind(value)}")
        elif len(value) > limit:
            problems.append(f"{where}: {field_name} is {len(value):,} characters long; at most "
                            f"{limit:,} are kept")
    return problems


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    return "a number" if isinstance(value, int | float) else f"a {type(value).__name__}"


class NotFoundError(PlaybooksError):
    """An assessment, journey map or action item with that id or name does not exist."""

    exit_code = 1


class StaleVersionError(PlaybooksError):
    """A save was based on an older version; someone else changed the record since."""

    exit_code = 1

    def __init__(self, message: str, *, current_version: int, changed_by: str,
                 changed_at: datetime) -> None:
        super().__init__(message)
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at


@dataclass(frozen=True)
class TeamRecord:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class AnswerRecord:
    statement_id: str
    level: int
    note: str | None = None
    answered_by: str = ""
    answered_at: datetime | None = None


@dataclass(frozen=True)
class AssessmentRecord:
    id: int
    team: str
    quarter: str
    status: str
    version: int
    bank_version: int
    bank_fingerprint: str
    created_at: datetime
    updated_at: datetime
    updated_by: str
    answers: dict[str, AnswerRecord] = field(default_factory=dict)

    @property
    def levels(self) -> dict[str, int]:
        """Statement id to level, ready for `score_assessment`."""
        return {sid: a.level for sid, a in self.answers.items()}


@dataclass(frozen=True)
class JourneyMapRecord:
    id: int
    name: str
    team: str | None
    rows: list[dict[str, Any]]
    version: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class ActionItemRecord:
    id: int
    team: str
    title: str
    owner: str
    due_quarter: str
    dimension_id: str | None
    finding_id: str | None
    status: str
    created_at: datetime
    done_at: datetime | None


def answers_from_levels(levels: Mapping[str, int], by: str = "") -> list[AnswerRecord]:
    """Turn a statement-to-level mapping into answer records (for `new_assessment`)."""
    return [AnswerRecord(sid, level, None, by) for sid, level in levels.items()]
