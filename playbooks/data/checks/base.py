"""What a contract check kind is: one unit carrying everything about one kind of rule.

A check unit says, for its kind: what in a contract makes a rule of it, the polars expression
true on the rows breaking such a rule, the great-expectations 1.x expectation(s) that check the
same, what it checks (for the generated contracts page) and the problem sentence a report
shows when rows break it. Validation, the great-expectations suite and the docs read these
units; none of them knows the kinds by name. Register a unit with `@register`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from playbooks.data.contract_model import Contract, Field, Rule


@dataclass(frozen=True)
class CheckContext:
    """What the polars side of a check needs besides its rule.

    `keys` are the known values of referenced columns, keyed "table.column"; `now` is the
    moment "not in the future" is measured against.
    """

    contract: Contract
    keys: Mapping[str, pl.Series]
    now: dt.datetime


@dataclass(frozen=True)
class SuiteContext:
    """What the great-expectations side of a check needs besides its rule.

    `gxe` is the `great_expectations.expectations` module (imported by the caller: it takes
    seconds); `related` holds the known values of referenced columns, keyed "table.column".
    """

    contract: Contract
    related: Mapping[str, list[Any]]
    now: dt.datetime
    gxe: Any


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check judged on the whole table rather than row by row."""

    passed: bool
    failing: int
    examples: list[dict[str, Any]]
    message: str


class Check:
    """One kind of contract rule. Subclass it, set the class attributes, register it.

    Attributes:
        kind: the id rules of this kind carry in `Rule.check` and in reports.
        summary: what the kind checks, in a sentence, for the contracts page.
        made_by: what in a contract makes a rule of this kind, for the contracts page.
        odcs_rule: the ODCS library quality rule (`rule:`) the kind implements, if any.
        expectation_names: the great-expectations expectations it compiles to (docs).
        position: where its rules come in a report, among the table checks (listed first)
            and among the checks of one column; also the order of the kinds in the docs.
        table_level: judged on the whole table (`judge`), not counted row by row.
        docs: where the contracts page lists its rules: "column" (the column's row),
            "table" (the rules across columns) or None (said by the column's type and
            required cells already).
        reads_raw: examples show the value as it was in the file, before conversion.
        counts_duplicates: rows fail when their key repeats anywhere in the table, so the
            key is tallied across chunks (`hash_key`, `row_key`) instead of `failing`.
    """

    kind: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    made_by: ClassVar[str] = ""
    odcs_rule: ClassVar[str | None] = None
    expectation_names: ClassVar[tuple[str, ...]] = ()
    position: ClassVar[int] = 0
    table_level: ClassVar[bool] = False
    docs: ClassVar[str | None] = "column"
    reads_raw: ClassVar[bool] = False
    counts_duplicates: ClassVar[bool] = False

    # --- how a contract makes rules of this kind ----------------------------------------

    def rules_for_table(self, contract: Contract) -> Iterable[Rule]:
        """Yield the rules of this kind listed before every column's rules."""
        return ()

    def rules_for_field(self, contract: Contract, item: Field) -> Iterable[Rule]:
        """Yield the rules of this kind one column of the contract makes."""
        return ()

    def rule_for_quality(self, contract: Contract, quality: Mapping[str, Any]) -> Rule | None:
        """Return the rule a table-level quality entry of `odcs_rule` makes, if listed there."""
        return None

    def read_quality(self, quality: Mapping[str, Any], key: str) -> dict[str, Any]:
        """Check a property-level quality entry of `odcs_rule`; return the Field values it sets.

        Raises ContractError naming `key` when the entry is malformed.
        """
        return {}

    # --- how its rules run ---------------------------------------------------------------

    def applies(self, rule: Rule, columns: Collection[str]) -> bool:
        """Say whether the rule can run on data with these columns."""
        return all(c in columns for c in rule.columns)

    def countable(self, rule: Rule, columns: Collection[str]) -> bool:
        """Say whether a conformed chunk with these columns can be counted for the rule."""
        return self.applies(rule, columns)

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        """Return an expression true on the rows breaking the rule (None: cannot run)."""
        return None

    def judge(self, rule: Rule, columns: Collection[str], rows: int) -> Verdict:
        """Judge a table-level rule from the table's columns and row count."""
        raise NotImplementedError(f"{self.kind} is not a table-level check")

    def not_run(self, rule: Rule, context: CheckContext) -> str | None:
        """Return why the rule cannot run on this data although its columns are there."""
        return None

    def related_key(self, rule: Rule) -> tuple[str, str] | None:
        """Return the (table, column) whose values the rule looks up, if it does."""
        return None

    def hash_key(self, rule: Rule) -> pl.Expr:
        """Return the key whose 64-bit hash is tallied per chunk (duplicate checks)."""
        raise NotImplementedError(f"{self.kind} does not count duplicates")

    def row_key(self, rule: Rule) -> pl.Expr:
        """Return the key that repeats on failing rows (duplicate checks)."""
        raise NotImplementedError(f"{self.kind} does not count duplicates")

    def problem(self, rule: Rule, contract: Contract) -> str | None:
        """Return what is wrong with a failing row, or None to repeat the rule's description."""
        return None

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        """Return the great-expectations expectations checking the rule (may be none)."""
        return []


CHECKS: dict[str, Check] = {}


def register(unit: type[Check]) -> type[Check]:
    """Register a check unit under its kind; a kind registered twice is a programming error."""
    if not unit.kind or unit.kind in CHECKS:
        raise ValueError(f"check kind {unit.kind!r} is empty or registered twice")
    CHECKS[unit.kind] = unit()
    return unit


def check_for(rule: Rule) -> Check:
    """Return the unit of a rule's kind."""
    return CHECKS[rule.check]
