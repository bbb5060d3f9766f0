"""Checks that a value, or a combination of values, appears on one row only.

A repeat can lie in any two chunks of a file, so these checks do not count per chunk: the
validation tallies a 64-bit hash of each row's key (`hash_key`) and, when hashes repeat,
reads the file again to list the rows whose key (`row_key`) repeats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from playbooks.data.checks.base import Check, CheckContext, SuiteContext, register
from playbooks.data.contract_model import Contract, Field, Rule


class _Duplicates(Check):
    """Shared behaviour: rows fail when their key repeats; an empty first column never does."""

    counts_duplicates = True

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        # True on the breaking rows when evaluated over the whole table at once.
        return pl.col(rule.columns[0]).is_not_null() & self.row_key(rule).is_duplicated()


@register
class Unique(_Duplicates):
    """A filled-in value of the column appears on one row only."""

    kind = "unique"
    summary = "A filled-in value appears on one row only; every row holding a repeat fails."
    made_by = "a property with `unique: true`"
    expectation_names = ("ExpectColumnValuesToBeUnique",)
    position = 50

    def rules_for_field(self, contract: Contract, item: Field) -> Iterable[Rule]:
        if item.unique:
            yield Rule(f"{item.name}.unique", self.kind, (item.name,),
                       f"{item.business_name} appears only once.")

    def hash_key(self, rule: Rule) -> pl.Expr:
        return pl.col(rule.columns[0]).drop_nulls()

    def row_key(self, rule: Rule) -> pl.Expr:
        return pl.col(rule.columns[0])

    def problem(self, rule: Rule, contract: Contract) -> str | None:
        return f"{rule.columns[0]} repeats a value found on another row"

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        return [context.gxe.ExpectColumnValuesToBeUnique(column=rule.columns[0], meta=meta)]


@register
class CompoundUnique(_Duplicates):
    """A combination of columns appears on one row only."""

    kind = "compound_unique"
    summary = ("A combination of columns appears on one row only; a row whose first column is "
               "empty passes.")
    made_by = "a table quality rule `duplicateCount` with `columns`"
    odcs_rule = "duplicateCount"
    expectation_names = ("ExpectCompoundColumnsToBeUnique",)
    position = 96
    docs = "table"

    def rule_for_quality(self, contract: Contract, quality: Mapping[str, Any]) -> Rule | None:
        return Rule(quality["name"], self.kind, tuple(quality["columns"]),
                    quality.get("description", quality["name"]))

    def hash_key(self, rule: Rule) -> pl.Expr:
        return self.row_key(rule)

    def row_key(self, rule: Rule) -> pl.Expr:
        return pl.struct([pl.col(c) for c in rule.columns])

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        return [context.gxe.ExpectCompoundColumnsToBeUnique(column_list=list(rule.columns),
                                                            meta=meta)]
