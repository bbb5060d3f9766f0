"""Checks on the values of one column: filled in, and one of the contract's known values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from playbooks.data.checks.base import Check, CheckContext, SuiteContext, register
from playbooks.data.contract_model import Contract, ContractError, Field, Rule


@register
class NotNull(Check):
    """A required column is filled in on every row."""

    kind = "not_null"
    summary = "The column is filled in on every row (an empty CSV field is empty)."
    made_by = "a property with `required: true`"
    expectation_names = ("ExpectColumnValuesToNotBeNull",)
    position = 40
    docs = None

    def rules_for_field(self, contract: Contract, item: Field) -> Iterable[Rule]:
        if item.required:
            yield Rule(f"{item.name}.required", self.kind, (item.name,),
                       f"{item.business_name} is filled in on every row.")

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        return pl.col(rule.columns[0]).is_null()

    def problem(self, rule: Rule, contract: Contract) -> str | None:
        return f"{rule.columns[0]} is empty"

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        return [context.gxe.ExpectColumnValuesToNotBeNull(column=rule.columns[0], meta=meta)]


@register
class ValidValues(Check):
    """A filled-in value is one of the column's listed values (its vocabulary)."""

    kind = "valid_values"
    summary = "A filled-in value is one of the listed values; the page lists what each means."
    made_by = "a property quality rule `validValues`"
    odcs_rule = "validValues"
    expectation_names = ("ExpectColumnValuesToBeInSet",)
    position = 60

    def read_quality(self, quality: Mapping[str, Any], key: str) -> dict[str, Any]:
        values = quality.get("validValues")
        if not isinstance(values, list) or not values:
            raise ContractError(f"{key}.validValues: needs a non-empty list.")
        if len(set(values)) != len(values):
            raise ContractError(f"{key}.validValues: a value is listed twice.")
        return {"valid_values": tuple(str(v) for v in values)}

    def rules_for_field(self, contract: Contract, item: Field) -> Iterable[Rule]:
        if item.valid_values:
            yield Rule(f"{item.name}.valid_values", self.kind, (item.name,),
                       f"{item.business_name} is one of: {', '.join(item.valid_values)}.",
                       {"values": item.valid_values})

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        column = pl.col(rule.columns[0])
        return column.is_not_null() & ~column.is_in(list(rule.params["values"]))

    def problem(self, rule: Rule, contract: Contract) -> str | None:
        return f"{rule.columns[0]} is not one of the known values"

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        return [context.gxe.ExpectColumnValuesToBeInSet(
            column=rule.columns[0], value_set=list(rule.params["values"]), meta=meta)]
