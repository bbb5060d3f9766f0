"""Journey maps: a table of touchpoints, loaded from CSV or YAML with row-and-column
validation, and diagnosed for the framework's anti-patterns."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from playbooks.advice.journey_words import ChannelGuess, MeasureGuess, guess_channel, guess_measure
from playbooks.errors import InputError
from playbooks.framework.model import Knowledge, load_knowledge
from playbooks.framework.parsing import parse_yaml_text
from playbooks.userfiles.limits import (
    JOURNEY_MAP,
    check_size,
    decode_text,
    excerpt,
    read_user_bytes,
)
from playbooks.userfiles.tables import iter_csv_rows
from playbooks.userfiles.writing import write_csv

OWN_WORDS = ("channels", "metrics")  # columns that accept the company's own names
TRUE_WORDS = {"yes", "y", "true", "t", "1"}
FALSE_WORDS = {"no", "n", "false", "f", "0"}
PERSONALISATION = ("none", "persona", "context")


@dataclass(frozen=True)
class Column:
    """One column of a journey map: its name, whether it is required, and what it holds."""

    name: str
    required: bool
    kind: str  # text | choice | bool | list
    help: str
    choices_from: str | None = None  # a Knowledge attribute, or "personalisation"


COLUMNS: tuple[Column, ...] = (
    Column("touchpoint", True, "text", "a short name for the moment"),
    Column("stage", True, "choice", "the journey stage", "stages"),
    Column("function", True, "choice", "the function that owns it", "functions"),
    Column("decision", True, "text", "what the customer is trying to decide"),
    Column("need", True, "choice", "the need behind the moment", "needs"),
    Column("stakes", True, "choice", "routine or consequential", "stakes"),
    Column("familiarity", True, "choice", "familiar or unfamiliar", "familiarity"),
    Column("org_risk", True, "bool", "whether internal politics or buy-in are in play"),
    Column("channel", True, "choice", "the channel that serves it (your own name for one is "
           "read as the nearest known channel)", "channels"),
    Column("automated", True, "bool", "whether software answers rather than a person"),
    Column("person_reachable", True, "bool", "whether a person or peer can be reached from it"),
    Column("shares_context_with", False, "list", "functions that see what happens here",
           "functions"),
    Column("community_connected", True, "bool", "whether the community is linked to it"),
    Column("measured_by", False, "list", "metrics the touchpoint is judged on (your own are "
           "kept and classified by a guess you can correct)", "metrics"),
    Column("personalisation", False, "choice", "none, persona or context", "personalisation"),
    Column("fallback", False, "choice", "where unanswered questions go", "channels"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)


@dataclass(frozen=True)
class Touchpoint:
    """One validated row of a journey map."""

    row: int
    touchpoint: str
    stage: str
    function: str
    decision: str
    need: str
    stakes: str
    familiarity: str
    org_risk: bool
    channel: str
    automated: bool
    person_reachable: bool
    shares_context_with: tuple[str, ...]
    community_connected: bool
    measured_by: tuple[str, ...]
    personalisation: str
    fallback: str | None
    # the company's own word for the channel (or fallback) when it is not a known channel;
    # `channel` (`fallback`) then holds the nearest known one, to confirm
    given_channel: str = ""
    given_fallback: str = ""

    def to_record(self) -> dict[str, Any]:
        """The row as plain values, lists joined with `;` (the CSV form), in the company's
        own words (an unconfirmed channel stays as it was written)."""
        record = asdict(self)
        record.pop("row")
        record["channel"] = record.pop("given_channel") or record["channel"]
        record["fallback"] = record.pop("given_fallback") or record["fallback"]
        for key in ("shares_context_with", "measured_by"):
            record[key] = ";".join(record[key])
        for key in ("org_risk", "automated", "person_reachable", "community_connected"):
            record[key] = "yes" if record[key] else "no"
        record["fallback"] = record["fallback"] or ""
        return record


@dataclass(frozen=True)
class JourneyMap:
    """A named, validated list of touchpoints, with the guesses made for the company's own
    measures and channels (each with its reason, for the user to correct or confirm)."""

    name: str
    touchpoints: tuple[Touchpoint, ...]
    measure_guesses: tuple[MeasureGuess, ...] = ()
    channel_guesses: tuple[ChannelGuess, ...] = ()

    def to_records(self) -> list[dict[str, Any]]:
        """Every touchpoint as a plain record, in file order."""
        return [t.to_record() for t in self.touchpoints]

    def knowledge_with_guesses(self, kb: Knowledge) -> Knowledge:
        """The knowledge with this map's own measures added as their guessed kind."""
        if not self.measure_guesses:
            return kb
        return replace(kb, metrics={**kb.metrics,
                                    **{g.id: g.to_metric() for g in self.measure_guesses}})


def _choices(column: Column, kb: Knowledge) -> list[str]:
    if column.choices_from == "personalisation":
        return list(PERSONALISATION)
    if column.choices_from in ("stakes", "familiarity"):
        return [v.id for v in kb.modifiers[column.choices_from].values]
    return list(getattr(kb, column.choices_from or ""))


def _is_name(text: str) -> bool:
    """A company's own name for a channel or measure: short, with a letter, no markup."""
    return (len(text) <= 60 and any(c.isalpha() for c in text)
            and all(c.isalnum() or c in " _-./&+" for c in text))


def _parse_bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def journey_map_from_records(records: Iterable[Mapping[str, Any]], *, name: str = "journey map",
                             source: str = "journey map", first_line: int | None = None,
                             knowledge: Knowledge | None = None) -> JourneyMap:
    """Validate rows of a journey map; raise InputError listing every problem by row and column.

    `first_line` is the file line of the first row (CSV), so messages can point at it.
    """
    kb = knowledge or load_knowledge()
    rows = list(records)
    _check_columns(rows, source)
    problems: list[str] = []
    touchpoints = []
    own: dict[str, list[int]] = {}  # a measure the knowledge does not know -> its rows
    channels: list[ChannelGuess] = []
    for index, raw in enumerate(rows, start=1):
        where = f"row {index}" + (f" (line {first_line + index - 1})" if first_line else "")
        values: dict[str, Any] = {"row": index}
        for column in COLUMNS:
            values[column.name] = _read_cell(column, raw.get(column.name), where, kb, problems)
        values["personalisation"] = values.get("personalisation") or "none"
        for measure in values["measured_by"] or ():
            if measure not in kb.metrics:
                own.setdefault(measure, []).append(index)
        for key in ("channel", "fallback"):
            given = values.get(key)
            if given and given not in kb.channels:
                guess = _guess_channel(values, key, given, kb)
                channels.append(guess)
                values[key], values[f"given_{key}"] = guess.channel, given
        touchpoints.append(values)
    if problems:
        shown = problems[:50]
        if len(problems) > 50:
            shown.append(f"... and {len(problems) - 50} more")
        raise InputError(f"{source}: {len(problems)} problem(s) in the journey map",
                         problems=shown)
    return JourneyMap(name=name, touchpoints=tuple(Touchpoint(**t) for t in touchpoints),
                      measure_guesses=tuple(guess_measure(m, tuple(r)) for m, r in own.items()),
                      channel_guesses=tuple(channels))


def _guess_channel(values: dict[str, Any], column: str, given: str,
                   kb: Knowledge) -> ChannelGuess:
    """Read an unknown channel as the nearest known one (a fallback as answered by a person)."""
    automated = bool(values.get("automated")) if column == "channel" else False
    channel, reason = guess_channel(given, automated=automated,
                                    function=str(values.get("function") or ""), kb=kb)
    return ChannelGuess(values["row"], str(values.get("touchpoint") or ""), column, given,
                        channel, kb.channels[channel].label, reason)


def _check_columns(rows: list[Mapping[str, Any]], source: str) -> None:
    """Refuse no rows, an unknown column or a missing required one, before reading any cell."""
    if not rows:
        raise InputError(f"{source}: no touchpoints; expected at least one row with the columns "
                         f"{', '.join(COLUMN_NAMES)}")
    problems: list[str] = []
    present = set().union(*(set(r) for r in rows))
    unknown = sorted(str(c) for c in present - set(COLUMN_NAMES))
    if unknown:
        problems.append(f"unknown column(s) {', '.join(map(excerpt, unknown[:10]))}; the "
                        f"columns are: {', '.join(COLUMN_NAMES)}")
    missing = [c.name for c in COLUMNS if c.required and c.name not in present]
    if missing:
        problems.append(f"missing required column(s): {', '.join(map(repr, missing))}")
    if problems:
        raise InputError(f"{source}: the columns do not match a journey map", problems=problems)


def _cell_text(cell: Any) -> str:
    """A cell as text: yes/no for booleans, `;`-joined for lists, stripped."""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, list | tuple):
        return ";".join(str(x) for x in cell)
    return "" if cell is None else str(cell).strip()


def _read_cell(column: Column, cell: Any, where: str, kb: Knowledge, problems: list[str]) -> Any:
    """Read one cell by its column's kind; add what is wrong with it to `problems`."""
    text = _cell_text(cell)
    at = f"{where}, column '{column.name}'"
    if not text:
        if column.required:
            problems.append(f"{at}: empty; expected {column.help}")
        return {"list": (), "bool": False}.get(column.kind)
    if column.kind == "bool":
        parsed = _parse_bool(text)
        if parsed is None:
            problems.append(f"{at}: expected yes or no, got {excerpt(text)}")
        return parsed
    own_words = column.choices_from in OWN_WORDS  # kept and read by a guess, not refused
    if column.kind == "choice":
        valid = _choices(column, kb)
        if text not in valid and not (own_words and _is_name(text)):
            problems.append(f"{at}: expected one of {', '.join(valid)}; got {excerpt(text)}")
        return text
    if column.kind == "list":
        items = tuple(x.strip() for x in text.replace(",", ";").split(";") if x.strip())
        valid = _choices(column, kb)
        bad = [x for x in items if x not in valid and not (own_words and _is_name(x))]
        if bad:
            problems.append(f"{at}: unknown {', '.join(map(excerpt, bad[:10]))}; expected a "
                            f"';'-separated list from {', '.join(valid)}")
        return items
    return text


def load_journey_map(path: Path | str, knowledge: Knowledge | None = None) -> JourneyMap:
    """Load a journey map from a CSV or YAML file, validating every row."""
    path = Path(path)
    return parse_journey_map(read_user_bytes(path, JOURNEY_MAP), path.name, knowledge=knowledge,
                             source=str(path))


def parse_journey_map(raw: bytes, filename: str, *, knowledge: Knowledge | None = None,
                      source: str | None = None) -> JourneyMap:
    """Parse the bytes of a CSV or YAML journey map (an upload, say), validating every row."""
    source = source or filename
    stem, _, suffix = filename.rpartition(".")
    suffix = "." + suffix.lower() if stem else ""
    if suffix not in (".csv", ".yaml", ".yml"):
        raise InputError(f"{source}: expected a .csv, .yaml or .yml file")
    check_size(raw, source, JOURNEY_MAP)
    text = decode_text(raw, source)
    if suffix in (".yaml", ".yml"):
        data = parse_yaml_text(text, source)
        rows = data.get("touchpoints") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"{source}: expected a list of touchpoints (or a mapping with a "
                             "'touchpoints' list), one mapping per touchpoint")
        name = data.get("name", stem) if isinstance(data, dict) else stem
        return journey_map_from_records(rows, name=str(name), source=source,
                                        knowledge=knowledge)
    rows = iter_csv_rows(io.StringIO(text), source)
    first = next(rows, None)
    if first is None:
        raise InputError(f"{source}: the file is empty; expected a header row with the columns "
                         f"{', '.join(COLUMN_NAMES)}")
    header = [h.strip() for h in first[1]]
    records = []
    ragged = []
    for number, cells in rows:
        if len(cells) != len(header):
            ragged.append(f"line {number}: {len(cells)} values, but the header has "
                          f"{len(header)} columns")
            continue
        records.append(dict(zip(header, cells, strict=True)))
    if ragged:
        raise InputError(f"{source}: rows do not match the header", problems=ragged)
    return journey_map_from_records(records, name=stem, source=source, first_line=2,
                                    knowledge=knowledge)


def write_journey_map_csv(journey_map: JourneyMap, path: Path | str) -> None:
    """Write a journey map as CSV in the column order of COLUMNS."""
    write_csv(path, COLUMN_NAMES, ([record[c] for c in COLUMN_NAMES]
                                   for record in journey_map.to_records()),
              lineterminator="\r\n")


@dataclass(frozen=True)
class Finding:
    """An anti-pattern seen at one touchpoint, with the reason and the suggested play."""

    anti_pattern: str
    name: str
    severity: str
    row: int
    touchpoint: str
    stage: str
    function: str
    reason: str
    play: str
    play_title: str
    play_description: str
    stage_label: str = ""  # the stage and the owning function by their names
    function_label: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `playbooks diagnose --json`."""
        return asdict(self)


EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
EXAMPLE_JOURNEY = EXAMPLES_DIR / "journey_b2b_software.csv"
EXAMPLE_JOURNEY_NAME = "Example: a B2B software company's journey"  # as shown, not the file
