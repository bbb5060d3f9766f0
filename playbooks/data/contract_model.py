"""The records a data contract is read into: a table's fields, its rules, and custom rules.

These are plain frozen dataclasses with no behaviour beyond looking things up. Reading the
contract files lives in `playbooks.data.contract_parsing`, the checks that turn a contract
into rules (and rules into polars expressions and great-expectations expectations) in
`playbooks.data.checks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playbooks.errors import PlaybooksError


class ContractError(PlaybooksError):
    """A contract file is missing, malformed, or refers to something that does not exist."""


@dataclass(frozen=True)
class Field:
    """One column of a contract, with everything a check or a reader needs to know."""

    name: str
    business_name: str
    logical_type: str
    physical_type: str
    required: bool
    unique: bool
    description: str
    examples: tuple[Any, ...] = ()
    aliases: tuple[str, ...] = ()
    minimum: Any = None
    maximum: Any = None
    valid_values: tuple[str, ...] = ()
    value_descriptions: dict[str, str] = field(default_factory=dict)
    not_in_future: bool = False
    references: tuple[str, str] | None = None


@dataclass(frozen=True)
class Rule:
    """One check a contract makes; `check` names its kind, `params` carries its arguments.

    The kind's behaviour (polars expression, great-expectations expectation, problem
    sentence) is the check unit registered under that name in `playbooks.data.checks`.
    """

    id: str
    check: str
    columns: tuple[str, ...]
    description: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomRule:
    """A company's own row rule for one contract, registered from user code."""

    contract: str
    id: str
    columns: tuple[str, ...]
    description: str
    failing: Callable[[], Any]  # returns a polars expression, true on rows that break the rule

    def as_rule(self) -> Rule:
        """Return the rule a validation report lists for this custom rule."""
        return Rule(self.id, "custom", self.columns, self.description,
                    {"contract": self.contract})


# Custom rules by contract name, then rule id (see `playbooks.data.contracts.custom_rule`).
CUSTOM_RULES: dict[str, dict[str, CustomRule]] = {}


@dataclass(frozen=True)
class Contract:
    """A parsed data contract for one table.

    `own_rules` are the rules the contract file makes, derived by the check units when the
    file is read; `rules` adds the custom rules registered for the table since.
    """

    name: str
    id: str
    version: str
    path: Path
    business_name: str
    description: str
    purpose: str
    usage: str
    limitations: str
    fields: tuple[Field, ...]
    table_rules: tuple[dict[str, Any], ...]
    own_rules: tuple[Rule, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required_columns(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def field(self, name: str) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def rules(self) -> list[Rule]:
        """Every rule of the table: the contract's own, then the custom ones registered."""
        custom = [extra.as_rule() for extra in CUSTOM_RULES.get(self.name, {}).values()]
        return list(self.own_rules) + custom
