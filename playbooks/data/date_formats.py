"""The date formats understood, declared once as data: name, example, what each covers.

`playbooks.data.datetimes` reads them; the messages that list them and the contracts page's
section on dates (`render_formats_markdown`) are written from this list, so they cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbooks.errors import InputError

__all__ = ["DATE_FORMATS", "DateFormat", "format_names", "render_formats_markdown",
           "resolve_format"]

_TIME24 = (" %H:%M:%S%.f", " %H:%M:%S", " %H:%M", "")
_TIME12 = (" %I:%M:%S %p", " %I:%M %p")


@dataclass(frozen=True)
class DateFormat:
    """One way tools write dates: its name (as `--date-format` takes it), an example, patterns.

    `order` is "month" or "day" for the two formats that can read the same text differently;
    `numeric` is "s", "ms" or "serial" for numbers rather than written dates.
    """

    name: str
    example: str
    description: str
    patterns: tuple[str, ...] = ()
    order: str = ""
    numeric: str = ""


DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("YYYY-MM-DD", "2024-01-12T12:18:53+02:00",
               "ISO 8601: a date, optionally a time after `T` or a space (seconds and "
               "fractions optional), optionally `Z`, `UTC` or an offset such as `+02:00`",
               tuple("%Y-%m-%d" + t for t in _TIME24)),
    DateFormat("YYYY/MM/DD", "2024/01/12 12:18", "year first with slashes, optional time",
               tuple("%Y/%m/%d" + t for t in _TIME24)),
    DateFormat("MM/DD/YYYY", "01/09/2024 2:46 PM",
               "US month first, optional time in 24-hour or 12-hour (AM/PM) form",
               tuple("%m/%d/%Y" + t for t in _TIME12 + _TIME24), order="month"),
    DateFormat("DD/MM/YYYY", "08/01/2024 14:46", "day first with slashes, optional time",
               tuple("%d/%m/%Y" + t for t in _TIME24 + _TIME12), order="day"),
    DateFormat("DD.MM.YYYY", "08.01.2024", "day first with dots, optional time",
               tuple("%d.%m.%Y" + t for t in _TIME24)),
    DateFormat("DD-MM-YYYY", "08-01-2024", "day first with dashes, optional time",
               tuple("%d-%m-%Y" + t for t in _TIME24)),
    DateFormat("epoch-s", "1704812933", "Unix time in seconds (told from milliseconds by size)",
               numeric="s"),
    DateFormat("epoch-ms", "1704812933000", "Unix time in milliseconds", numeric="ms"),
    DateFormat("serial", "45303.5125",
               "spreadsheet serial day number (days since 1899-12-30, as Excel and Google "
               "Sheets store dates); read undeclared only when every value falls in 1970-2100",
               numeric="serial"),
)
_BY_NAME = {f.name.lower(): f for f in DATE_FORMATS}


def format_names() -> str:
    """Return the formats understood, as a message lists them: name (e.g. example), ..."""
    return "; ".join(f"{f.name} (e.g. {f.example})" for f in DATE_FORMATS)


def render_formats_markdown() -> list[str]:
    """Return the contracts page's section on the date formats understood (Markdown lines)."""
    lines = ["## Dates, times and numbers", "",
             "Date and date-time columns may be written in any one of these formats per column "
             "(the format is detected; name it with `--date-format COLUMN=FORMAT`, or a strftime "
             "pattern such as `%d %b %Y`, when it cannot be). Times with an offset are "
             "converted to UTC; times without one are read in UTC unless `--timezone` names "
             "another zone (e.g. `Europe/Berlin`). A column whose dates read both month first "
             "and day first, giving different dates, is refused with both readings; a value no "
             "format reads is refused naming its row. Numbers may carry a leading `+`; "
             "`--decimal-comma` reads `1.234,5` as 1234.5.", "",
             "| format | example | what it covers |", "|---|---|---|"]
    lines += [f"| `{f.name}` | `{f.example}` | {f.description} |" for f in DATE_FORMATS]
    return [*lines, ""]


def resolve_format(spec: str) -> DateFormat:
    """Return the declared format named `spec`, or a custom one for a strftime pattern."""
    known = _BY_NAME.get(spec.strip().lower())
    if known is not None:
        return known
    if "%" in spec:
        return DateFormat(spec, spec, "a custom pattern", (spec,))
    raise InputError(f"Unknown date format '{spec}'. Use one of: {format_names()}; or a "
                     "pattern such as '%d %b %Y %H:%M'.")
