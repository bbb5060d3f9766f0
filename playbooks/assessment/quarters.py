"""Quarters like `2026Q4`: the period an assessment, a review or an action item is for."""

from __future__ import annotations

import re

from playbooks.errors import InputError

QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


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
