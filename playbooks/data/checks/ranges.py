"""Checks that a column's values lie in bounds: between a minimum and maximum, not in the future."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from playbooks.data.checks.base import Check, CheckContext, SuiteContext, register
from playbooks.data.contract_model import Contract, Field, Rule


def _bound_phrase(item: Field) -> str:
    if item.minimum is not None and item.maximum is not None:
        return f"between {item.minimum} and {item.maximum}"
    if item.minimum is not None:
        return f"{'on or after' if item.logical_type == 'date' else 'at least'} {item.minimum}"
    return f"{'on or before' if item.logical_type == 'date' else 'at most'} {item.maximum}"


@register
class Between(Check):
    """A filled-in value lies within the column's minimum and maximum (either may be open)."""

    kind = "between"
    summary = "A filled-in value lies within the minimum and maximum (bounds included)."
    made_by = "a property's `logicalTypeOptions` `minimum` and/or `maximum`"
    expectation_names = ("ExpectColumnValuesToBeBetween",)
    position = 70

    def rules_for_field(self, contract: Contract, item: Field) -> Iterable[Rule]:
        if item.minimum is not None or item.maximum is not None:
            yield Rule(f"{item.name}.range", self.kind, (item.name,),
                       f"{item.business_name} is {_bound_phrase(item)}.",
                       {"min": item.minimum, "max": item.maximum})

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        column = pl.col(rule.columns[0])
        low, high = rule.params["min"], rule.params["max"]
        if context.contract.field(rule.columns[0]).physical_type == "timestamp":
            low = dt.datetime.combine(low, dt.time()) if low is not None else None
            high = dt.datetime.combine(high, dt.time()) if high is not None else None
        bad = pl.lit(False)
        if low is not None:
            bad = bad | (column < pl.lit(low))
        if high is not None:
            bad = bad | (column > pl.lit(high))
        return column.is_not_null() & bad

    def problem(self, rule: Rule, contract: Contract) -> str | None:
        low, high = rule.params["min"], rule.params["max"]
        bounds = (f"{low} to {high}" if low is not None and high is not None
                  else f"from {low}" if low is not None else f"up to {high}")
        return f"{rule.columns[0]} is outside the allowed range ({bounds})"

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        import pandas as pd

        low, high = rule.params["min"], rule.params["max"]
        if context.contract.field(rule.columns[0]).logical_type == "date":
            low = pd.Timestamp(low) if low is not None else None
            high = pd.Timestamp(high) if high is not None else None
        return [context.gxe.ExpectColumnValuesToBeBetween(
            column=rule.columns[0], min_value=low, max_value=high, meta=meta)]


@register
class NotInFuture(Check):
    """A filled-in date or date-time is not later than the moment of the check."""

    kind = "not_in_future"
    summary = ("A filled-in date or date-time is not after the moment of the check (UTC; for "
               "a date, today).")
    made_by = "a property quality rule `notInFuture`"
    odcs_rule = "notInFuture"
    expectation_names = ("ExpectColumnValuesToBeBetween",)
    position = 80

    def read_quality(self, quality: Mapping[str, Any], key: str) -> dict[str, Any]:
        return {"not_in_future": True}

    def rules_for_field(self, contract: Contract, item: Field) -> Iterable[Rule]:
        if item.not_in_future:
            yield Rule(f"{item.name}.not_in_future", self.kind, (item.name,),
                       f"{item.business_name} is not in the future.")

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        column = pl.col(rule.columns[0])
        is_date = context.contract.field(rule.columns[0]).physical_type == "date"
        limit: Any = context.now.date() if is_date else context.now
        return column.is_not_null() & (column > pl.lit(limit))

    def problem(self, rule: Rule, contract: Contract) -> str | None:
        return f"{rule.columns[0]} is in the future"

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        import pandas as pd

        limit = pd.Timestamp(context.now.replace(tzinfo=None))
        if context.contract.field(rule.columns[0]).physical_type == "date":
            limit = pd.Timestamp(context.now.date())
        return [context.gxe.ExpectColumnValuesToBeBetween(column=rule.columns[0],
                                                          max_value=limit, meta=meta)]
