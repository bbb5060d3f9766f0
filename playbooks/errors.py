"""Errors the product reports to its users as plain messages, never as tracebacks."""

from __future__ import annotations

import re

PROBLEMS_SHOWN = 50  # a message lists at most this many problems


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
        shown = [f"  - {p}" for p in self.problems[:PROBLEMS_SHOWN]]
        if len(self.problems) > PROBLEMS_SHOWN:
            shown.append(f"  ... and {len(self.problems) - PROBLEMS_SHOWN:,} more")
        return self.message + "\n" + "\n".join(shown)


class KnowledgeError(PlaybooksError):
    """A knowledge file is missing, malformed, or refers to something that does not exist."""


class InputError(PlaybooksError):
    """A value or file given by the user does not fit what was expected."""


# --- credentials in messages ---------------------------------------------------------------------

MASK = "***"
# scheme, then any slashes (also the one slash of a mistyped `postgresql:/user:...`), a user
# name, a colon and a password running to the LAST @ of the word, so a password holding an @
# is hidden whole.
_USERINFO = re.compile(
    r"(?P<head>(?<![\w+.\-])[A-Za-z][A-Za-z0-9+.\-]*:/*)(?P<user>[^\s/:@'\"<>]*):"
    r"(?P<secret>[^\s'\"<>]*)@")
_QUERY_SECRET = re.compile(
    r"(?i)(?P<key>[?&;](?:password|passwd|pwd|pass)=)(?P<secret>[^&\s'\"<>]*)")


def mask_credentials(text: str) -> str:
    """Return `text` with the password of every URL in it replaced by `***`.

    Covers `scheme://user:password@host`, a mistyped `scheme:/user:password@host`, passwords
    holding `@`, `/` or `:`, and `?password=` in a query string. A URL without a password is
    left as it is.
    """
    text = _USERINFO.sub(lambda m: f"{m['head']}{m['user']}:{MASK}@", str(text))
    return _QUERY_SECRET.sub(lambda m: f"{m['key']}{MASK}", text)


def mask_url(url: str | None) -> str:
    """Return a URL fit to show: its password, if any, replaced by `***`."""
    return mask_credentials(url or "")
