"""Column mappings: which export column feeds which contract column, from a file or suggested.

No column is renamed unless a mapping (the user's, or a recipe's) says so, or its header is
the contract column's own name written with other case or spacing (`Account ID` for
`account_id`, `exact_column_name`). Anything else a header resembles (a business name, a known
alias, a similar name) is only a suggestion, with a confidence and its reason:
`suggest_mapping` abstains when unsure, never proposes a pair declared in `NEVER`, and, given
a sample of each column's values, never proposes a column whose values contradict the contract
column's type.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from playbooks.data.contract_model import Field
from playbooks.data.contracts import Contract, load_contract
from playbooks.data.datetimes import date_share
from playbooks.data.numbers import parse_numbers
from playbooks.errors import InputError
from playbooks.userfiles.limits import MAPPING, read_user_bytes
from playbooks.userfiles.structured import load_user_yaml
from playbooks.userfiles.tables import iter_csv_rows

# How sure each kind of match is; below CUTOFF the suggestion is withheld.
CONFIDENCE = {"exact name": 1.0, "exact name in other case or spacing": 0.98,
              "business name": 0.95, "known alias": 0.9}
SIMILAR_WEIGHT = 0.88  # a similar name's confidence: its difflib ratio times this (below an alias)
CUTOFF = 0.8
TIE_MARGIN = 0.03  # two contract columns this close for one export column: unsure
SAMPLE_SHARE = 0.9  # share of sampled values that must read as the column's type

# Export columns that must never feed a contract column, whatever their names resemble:
# (words in the export header, the contract column, why). Words match whole words of the
# header, as `normalise_column` writes it.
NEVER: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("leave",), "occurred_at", "a leave time is when something ended, not when it happened"),
    (("left",), "occurred_at", "a left time is when something ended, not when it happened"),
    (("end",), "occurred_at", "an end time is when something ended, not when it happened"),
    (("ended",), "occurred_at", "an end time is when something ended, not when it happened"),
    (("exit",), "occurred_at", "an exit time is when something ended, not when it happened"),
    (("updated",), "occurred_at", "an update time is not when the event happened"),
    (("modified",), "occurred_at", "a modification time is not when the event happened"),
    (("insert",), "person_id", "an insert id identifies a record (deduplication), not a person"),
    (("insert",), "account_id", "an insert id identifies a record, not an account"),
    (("session",), "person_id", "a session id identifies a visit, not a person"),
    (("device",), "person_id", "a device id identifies a device, not a person"),
    (("email",), "account_id", "an email address belongs to a person, not an account"),
)


def normalise_column(name: str) -> str:
    """Return a header as a contract would name it: lower case, runs of other characters as `_`."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def load_mapping(path: str | os.PathLike[str]) -> dict[str, str]:
    """Load a column mapping (export name -> contract name) from a YAML or CSV file.

    YAML: a mapping `Export Column: contract_column` (optionally under a `columns:` key).
    CSV: two columns with the header `export_column,contract_column`.
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: no such mapping file.")
    try:
        text = read_user_bytes(source, MAPPING).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{source.name}: the mapping file is not UTF-8 text.") from error
    if source.suffix.lower() == ".csv":
        numbered = list(iter_csv_rows(text.splitlines(), source.name))
        rows = [cells for _, cells in numbered]
        if not rows or [c.strip() for c in rows[0][:2]] != ["export_column", "contract_column"]:
            raise InputError(f"{source.name}: a CSV mapping needs the header "
                             "'export_column,contract_column'.")
        mapping = {}
        for number, row in numbered[1:]:
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise InputError(f"{source.name}: line {number} needs exactly two filled "
                                 "columns: export_column,contract_column.")
            mapping[row[0].strip()] = row[1].strip()
        return mapping
    data = load_user_yaml(text, f"{source.name}: not readable as YAML")
    if isinstance(data, dict) and set(data) == {"columns"}:
        data = data["columns"]
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in data.items()):
        raise InputError(f"{source.name}: a mapping file holds lines like "
                         "'Export Column: contract_column'.")
    return {k.strip(): v.strip() for k, v in data.items()}


def exact_column_name(header: str) -> str:
    """Return a header with case and spacing normalised (`Account ID` -> `account_id`).

    Only spaces, underscores and hyphens count as spacing: `$insert_id` stays `$insert_id`.
    """
    return re.sub(r"[\s_-]+", "_", header.strip().lower()).strip("_")


@dataclass(frozen=True)
class Suggestion:
    """Which contract column an export column may feed, how sure, and why.

    `target` is None when the suggestion abstains; `reason` then says why.
    """

    column: str
    target: str | None
    confidence: float
    reason: str


class MappingSuggestions(dict[str, str]):
    """The confident suggestions, export column -> contract column, as a plain dict.

    `details` holds a `Suggestion` for every export column, abstentions included.
    """

    def __init__(self, pairs: Mapping[str, str], details: Mapping[str, Suggestion]) -> None:
        super().__init__(pairs)
        self.details: dict[str, Suggestion] = dict(details)


def suggest_mapping(columns: list[str], contract: Contract | str, *,
                    samples: pl.DataFrame | Mapping[str, Sequence[object]] | None = None,
                    cutoff: float = CUTOFF) -> MappingSuggestions:
    """Suggest which export column feeds which contract column, each with a confidence.

    Exact names are surest, then business names, then the contract's aliases, then similar
    names (`difflib`); a pair in `NEVER`, or (with `samples`, some values per column) a
    column whose values are not of the contract column's type, is never suggested. Below
    `cutoff`, when two contract columns are about as likely, or when two export columns claim
    one contract column equally, the suggestion abstains. Each contract column is used once.
    """
    if isinstance(contract, str):
        contract = load_contract(contract)
    best: dict[str, Suggestion] = {}
    for column in columns:
        ranked = sorted((_score(column, item, samples) for item in contract.fields),
                        key=lambda s: (-s.confidence, s.target or ""))
        top = ranked[0] if ranked else Suggestion(column, None, 0.0, "no contract columns")
        vetoes = [s.reason for s in ranked if s.target is None and s.confidence == 0][:1]
        if top.target is None or top.confidence < cutoff:
            guess = [f"unsure: best guess {top.target} ({top.reason})"] if top.target else []
            best[column] = Suggestion(column, None, top.confidence,
                                      "; ".join(guess + vetoes) or top.reason)
        elif len(ranked) > 1 and ranked[1].target and \
                top.confidence - ranked[1].confidence < TIE_MARGIN and top.confidence < 1:
            best[column] = Suggestion(column, None, top.confidence,
                                      f"unsure: {top.target} or {ranked[1].target}")
        else:
            best[column] = top
    claims: dict[str, list[Suggestion]] = {}
    for suggestion in best.values():
        if suggestion.target is not None:
            claims.setdefault(suggestion.target, []).append(suggestion)
    for target, claimants in claims.items():
        claimants.sort(key=lambda s: -s.confidence)
        gap = claimants[0].confidence - claimants[1].confidence if len(claimants) > 1 else 1
        tied = gap < TIE_MARGIN and not (gap > 0 and claimants[0].confidence == 1.0)
        for loser in claimants if tied else claimants[1:]:
            best[loser.column] = Suggestion(
                loser.column, None, loser.confidence,
                f"unsure: {target} is claimed by "
                + ", ".join(c.column for c in claimants if c is not loser))
    pairs = {c: best[c].target for c in columns if best[c].target is not None}
    return MappingSuggestions({c: t for c, t in pairs.items() if t is not None}, best)


def _score(column: str, item: Field, samples: pl.DataFrame | Mapping[str, Sequence[object]]
           | None) -> Suggestion:
    """How well one export column matches one contract column (confidence 0 when never)."""
    wanted = normalise_column(column)
    words = set(wanted.split("_"))
    for never_words, target, why in NEVER:
        if target == item.name and set(never_words) <= words:
            return Suggestion(column, None, 0.0, f"not {item.name}: {why}")
    aliases = [normalise_column(a) for a in item.aliases]
    if column == item.name:
        confidence, reason = CONFIDENCE["exact name"], "exact name"
    elif exact_column_name(column) == item.name or wanted == item.name:
        reason = "exact name in other case or spacing"
        confidence = CONFIDENCE[reason]
    elif wanted == normalise_column(item.business_name):
        confidence, reason = CONFIDENCE["business name"], f"business name '{item.business_name}'"
    elif wanted in aliases:
        confidence, reason = CONFIDENCE["known alias"], f"known alias '{wanted}'"
    else:
        ratio, name = max((difflib.SequenceMatcher(None, wanted, n).ratio(), n)
                          for n in [item.name, normalise_column(item.business_name), *aliases])
        confidence, reason = ratio * SIMILAR_WEIGHT, f"similar name to '{name}' ({ratio:.0%})"
    contradiction = _contradiction(column, item, samples)
    if contradiction:
        return Suggestion(column, None, 0.0, f"not {item.name}: {contradiction}")
    return Suggestion(column, item.name, round(confidence, 3), reason)


def _contradiction(column: str, item: Field,
                   samples: pl.DataFrame | Mapping[str, Sequence[object]] | None) -> str | None:
    """Say how a sample of the column's values contradicts the contract column, if it does."""
    if samples is None or column not in samples:
        return None
    values = pl.Series(column, list(samples[column]), strict=False).cast(pl.String,
                                                                          strict=False)
    values = values.str.strip_chars().filter(values.str.strip_chars().str.len_bytes() > 0)
    if values.is_empty():
        return None
    kind = item.physical_type
    if kind in ("date", "timestamp") and date_share(values) < SAMPLE_SHARE:
        return "its values are not dates"
    if kind in ("double", "integer"):
        read = parse_numbers(values, decimal_comma=None)
        if read.is_not_null().mean() < SAMPLE_SHARE:  # type: ignore[operator]
            return "its values are not numbers"
    if kind == "boolean" and not values.str.to_lowercase().is_in(
            ["true", "false", "t", "f", "yes", "no", "y", "n", "1", "0"]).all():
        return "its values are not yes/no"
    if kind == "string" and item.name.endswith("_id") and date_share(values) >= 1:
        return "its values are dates, not identifiers"
    return None
