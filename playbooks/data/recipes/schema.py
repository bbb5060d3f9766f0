"""The recipe format: how one tool's export becomes rows of a contract, declared as YAML.

A recipe is one YAML file in `playbooks/data/recipes/tools/` (or a company's own file, checked
with `playbooks recipes check FILE`). It says how to recognise the export, how to read it, and
which contract rows each export row becomes. Every key is described in the docstrings below;
`docs/recipes.md` is generated from them. Unknown keys, keys given twice and wrong values are
refused with the file and the key named.

The expression language is deliberately small. A column of an output row is one of:

- `column: NAME`: the export's column, as text (trimmed; empty text is empty).
- `map: NAME`: the export's column through the recipe's value map of that column.
- `constant: VALUE`: the same value on every row.
- `hash: NAME`: a person id made from the column (an email): `prefix` + the first 16 hex
  digits of the SHA-256 of the trimmed, lower-cased value. The address itself is never kept.
- `domain_of: NAME`: the part of an email address after the `@`, lower-cased.
- `concat: [PART, ...]`: the parts joined (each part an expression, or a plain string that
  is used as it is), with `separator` between them (default empty).

Any expression may add `default: VALUE`, used where the result is empty. In a JSON lines
export, `NAME` may be a dotted path into an object (`properties.time`).

Types follow the contract. A date or timestamp column takes `column: NAME`; its values are
read by `playbooks.data.datetimes` in one format throughout the file: one of the recipe's
`datetime_formats` (a format name such as `YYYY-MM-DD`, `MM/DD/YYYY`, `DD/MM/YYYY`,
`DD.MM.YYYY`, `epoch-s`, `epoch-ms`, `serial`, or a strftime pattern such as `%d %b %Y`), or
the one detected among the known formats; times with an offset are converted to UTC, times
without one are read in the recipe's `timezone`. Booleans accept true/false, yes/no, 1/0;
numbers accept a decimal comma when `read.decimal_comma` is set.

Accounts: a recipe gives `account_id` (the export holds the CRM's id), or references the
import resolves through the account crosswalk: `account_ref` with `account_ref_kind`, or
`account_refs`, tried in order until one matches (the company id, else its name, ...).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from playbooks.data.recipes.schema_read import ReadOptions, Recognise, Section
from playbooks.framework.parsing import Record

__all__ = ["ReadOptions", "Recognise", "Section"]  # the reading keys live beside, in schema_read

TABLES = ("accounts", "activity", "health_snapshots")
ACCOUNT_REF_KINDS = ("id", "alt_id", "domain", "name")


class Bands(Record):
    """Numbers turned into labels by ranges: each label from its lowest value up to the next."""

    column: str = Field(description="The export's column holding a number (a 0-100 score).")
    lowest: dict[str, float] = Field(
        min_length=1,
        description="Label -> the lowest value that gets it (`{red: 0, amber: 40, green: 70}`); "
        "a value below them all gets the label of the smallest.",
    )


class Expression(Record):
    """How one output column is computed from an export row: exactly one of `column`, `map`,
    `constant`, `hash`, `domain_of`, `bands` or `concat`."""

    column: str | None = Field(None, description="The export's column, as text.")
    map: str | None = Field(
        None, description="The export's column through the recipe's value map for it."
    )
    constant: str | bool | int | float | None = Field(
        None, description="The same value on every row."
    )
    hash: str | None = Field(
        None,
        description="A pseudonymous id: `prefix` + 16 hex digits of the SHA-256 of the "
        "trimmed, lower-cased column (an email); the value itself is never kept.",
    )
    prefix: str = Field("p-", description="For `hash`: the text put before the digest.")
    domain_of: str | None = Field(
        None, description="The domain of the email address in the column, lower-cased."
    )
    bands: Bands | None = Field(None, description="A number's label by its range.")
    concat: list[Expression | str] | None = Field(
        None, description="Parts joined in order: expressions, or plain strings used as is."
    )
    separator: str = Field("", description="For `concat`: the text between the parts.")
    default: str | bool | int | float | None = Field(
        None, description="The value used where the result is empty."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Expression:
        given = [
            k
            for k in ("column", "map", "constant", "hash", "domain_of", "bands", "concat")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of column, map, constant, hash, domain_of, bands, "
                f"concat (got {', '.join(given) or 'none'})"
            )
        return self

    def columns_used(self) -> list[str]:
        """Return the export columns this expression reads."""
        used = [c for c in (self.column, self.map, self.hash, self.domain_of) if c]
        used += [self.bands.column] if self.bands else []
        for part in self.concat or []:
            if isinstance(part, Expression):
                used += part.columns_used()
        return used


class AccountRef(Expression):
    """One way an export row names its account: the expression and what its value is."""
    kind: Literal["id", "alt_id", "domain", "name"] = Field(
        description="What the value is: the CRM `id`, another system's `alt_id`, an email "
        "`domain` or a company `name`."
    )


class Condition(Record):
    """A test on one export column; a row passes when every given test holds. Text is compared
    trimmed and case-insensitively."""

    column: str = Field(description="The export column tested.")
    equals: str | None = Field(None, description="The value equals this.")
    not_equals: str | None = Field(None, description="The value is empty or differs from this.")
    in_: list[str] | None = Field(None, alias="in", description="The value is one of these.")
    not_in: list[str] | None = Field(None, description="The value is empty or none of these.")
    not_empty: bool | None = Field(
        None, description="`true`: the value is not empty; `false`: it is empty."
    )
    matches: str | None = Field(
        None, description="The value matches this regular expression (case-insensitive)."
    )

    @model_validator(mode="after")
    def _some_test(self) -> Condition:
        if all(
            getattr(self, k) is None
            for k in ("equals", "not_equals", "in_", "not_in", "not_empty", "matches")
        ):
            raise ValueError("give a test: equals, not_equals, in, not_in, not_empty or matches")
        return self


class ValueMap(Record):
    """Values of one export column and what each becomes; keys match case-insensitively.

    A value that is not in the map is an error naming the file, row, column and value, unless
    `other` says what to do: `keep` keeps the value as it is, any other text replaces it.
    A key mapped to nothing (`~`) makes the value empty.
    """

    values: dict[str, str | bool | None] = Field(description="Export value -> output value.")
    other: str | None = Field(None, description="`keep`, or the value for anything else.")

    @field_validator("values")
    @classmethod
    def _distinct_keys(cls, values: dict[str, Any]) -> dict[str, Any]:
        seen: dict[str, str] = {}
        for key in values:
            folded = key.strip().casefold()
            if folded in seen:
                raise ValueError(
                    f"{key!r} and {seen[folded]!r} are the same key (keys match case-insensitively)"
                )
            seen[folded] = key
        return values


class Event(Record):
    """One kind of contract row made from every export row that passes `where`."""

    kind: str | None = Field(
        None, description="The event kind (activity only), one of the activity contract's kinds."
    )
    where: list[Condition] = Field(
        default_factory=list, description="Conditions an export row must meet to make this row."
    )
    columns: dict[str, Expression] = Field(
        default_factory=dict, description="Contract column -> expression."
    )
    constants: dict[str, str | bool | int | float] = Field(
        default_factory=dict, description="Contract column -> the same value on every row."
    )
    id_from: list[str] = Field(
        default_factory=list,
        description="Export columns the event id is "
        "made from: `<source>-<values>-<kind>` (activity only).",
    )
    account_ref_kind: Literal["id", "alt_id", "domain", "name"] | None = Field(
        None,
        description="What `account_ref` holds: the CRM `id`, another system's `alt_id`, "
        "an email `domain` or a company `name`.",
    )

    account_refs: list[AccountRef] = Field(
        default_factory=list,
        description="The ways this row names its account, tried in order: the first that "
        "matches an account is used (the company's id, else its name, else the email's "
        "domain). Instead of `account_ref`; the recipe's `account_refs` otherwise.",
    )

    @model_validator(mode="after")
    def _account_ref(self) -> Event:
        if self.account_refs and ("account_ref" in self.columns or "account_id" in self.columns):
            raise ValueError("give account_refs, or account_ref / account_id, not both")
        if "account_ref" in self.columns and self.account_ref_kind is None:
            raise ValueError("account_ref needs account_ref_kind (id, alt_id, domain or name)")
        if self.account_ref_kind is not None and "account_ref" not in self.columns:
            raise ValueError("account_ref_kind is given but columns has no account_ref")
        clash = sorted(set(self.columns) & set(self.constants))
        if clash:
            raise ValueError(f"{clash[0]} is both in columns and in constants")
        return self

    def outputs(self) -> list[str]:
        """Return the output columns this event sets."""
        return [*self.columns, *self.constants]


class Recipe(Record):
    """How one tool's export becomes rows of one contract."""

    id: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The recipe's name, used by "
        "`--recipe` and in messages (lower case, digits, `_`).",
    )
    tool: str = Field(
        min_length=1, description="The export's name as users know it (`Zendesk tickets`)."
    )
    table: Literal["accounts", "activity", "health_snapshots"] = Field(
        description="The contract the rows are for."
    )
    source: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The source the rows come "
        "from in the workspace (`helpdesk`); also the start of event ids.",
    )
    written_from: str = Field(
        min_length=1,
        description="What the recipe was written from: the "
        "tool's documentation page, or a real export.",
    )
    description: str = Field("", description="What the export is and how to get it.")
    recognise: Recognise = Field(description="How the export is recognised.")
    read: ReadOptions = Field(
        default_factory=ReadOptions,  # type: ignore[arg-type]
        description="How the file is read.",
    )
    timezone: str = Field(
        "UTC",
        description="The time zone of times written without one "
        "(an IANA name such as `Europe/Berlin`).",
    )
    datetime_formats: list[str] = Field(
        default_factory=list,
        description="The formats dates and times may be written in: format names "
        "(`YYYY-MM-DD`, `MM/DD/YYYY`, `epoch-s`, ...) or strftime patterns; one is used for a "
        "whole column. By default the format is detected.",
    )
    value_maps: dict[str, ValueMap] = Field(
        default_factory=dict, description="Export column -> its value map, used by `map: COLUMN`."
    )
    optional_columns: list[str] = Field(
        default_factory=list,
        description="Columns the recipe reads that some exports lack (a tool that lets each "
        "workspace choose its columns): read as empty when missing, instead of refusing the file.",
    )
    filters: list[Condition] = Field(
        default_factory=list,
        description="Conditions every export row must meet before any event is made.",
    )
    account_refs: list[AccountRef] = Field(
        default_factory=list,
        description="The ways the export names accounts, tried in order for every row of "
        "an event that names none itself: the first that matches an account is used.",
    )
    events: list[Event] = Field(min_length=1, description="The rows each export row becomes.")

    @model_validator(mode="after")
    def _consistent(self) -> Recipe:
        for index, event in enumerate(self.events):
            where = f"events[{index}]"
            if self.table == "activity":
                if not event.kind:
                    raise ValueError(f"{where}.kind: an activity event needs a kind")
                if not event.id_from and "event_id" not in event.outputs():
                    raise ValueError(f"{where}: give id_from (or an event_id column)")
            elif event.kind or event.id_from:
                raise ValueError(f"{where}: kind and id_from are for activity recipes only")
            for name, expression in event.columns.items():
                for column in _maps_used(expression):
                    if column not in self.value_maps:
                        raise ValueError(
                            f"{where}.columns.{name}: map {column!r} names no "
                            "value map (value_maps)"
                        )
        return self

    def columns_used(self) -> list[str]:
        """Return every export column the recipe reads, in first-use order."""
        used: list[str] = []
        for condition in self.filters:
            used.append(condition.column)
        for event in self.events:
            used += [c.column for c in event.where] + event.id_from
            for expression in [*event.columns.values(), *self.refs_of(event)]:
                used += expression.columns_used()
        return list(dict.fromkeys(used))

    def refs_of(self, event: Event) -> list[AccountRef]:
        """Return the account references an event's rows carry, in the order they are tried."""
        if event.account_refs:
            return event.account_refs
        given = event.columns.get("account_ref")
        if given is not None and event.account_ref_kind is not None:
            return [AccountRef(kind=event.account_ref_kind, **given.model_dump(exclude_unset=True))]
        if "account_id" in event.columns or "account_id" in event.constants:
            return []
        return self.account_refs


def _maps_used(expression: Expression) -> list[str]:
    found = [expression.map] if expression.map else []
    for part in expression.concat or []:
        if isinstance(part, Expression):
            found += _maps_used(part)
    return found
