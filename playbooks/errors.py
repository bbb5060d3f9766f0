"""Errors the product reports to its users as plain messages, never as tracebacks."""

from __future__ import annotations


class PlaybooksError(Exception):
    """A problem the user can fix; the message says what and where.

    `exit_code` is what the command line exits with: 2 for input that cannot be used
    (a bad option value, an unreadable or malformed file), 1 for a check that ran and failed.
    """

    exit_code = 2

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class KnowledgeError(PlaybooksError):
    """A knowledge file is missing, malformed, or refers to something that does not exist."""


class InputError(PlaybooksError):
    """A value or file given by the user does not fit what was expected."""
