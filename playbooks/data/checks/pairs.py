"""Checks across two columns of a row: one greater than the other, or an allowed pair."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from playbooks.data.checks.base import Check, CheckContext, SuiteContext, register
from playbooks.data.contract_model import Contract, Rule


def _both_filled(rule: Rule) -> pl.Expr:
    return pl.col(rule.columns[0]).is_not_null() & pl.col(rule.columns[1]).is_not_null()


@register
class PairGreater(Check):
    """Where both are filled in, column A is greater than column B."""

    kind = "pair_greater"
    summary = "Where both are filled in, the first column is greater than the second."
    made_by = "a table quality rule `columnPairGreaterThan` (`columnA`, `columnB`)"
    odcs_rule = "columnPairGreaterThan"
    expectation_names = ("ExpectColumnPairValuesAToBeGreaterThanB",)
    position = 92
    docs = "table"

    def rule_for_quality(self, contract: Contract, quality: Mapping[str, Any]) -> Rule | None:
        return Rule(quality["name"], self.kind, (quality["columnA"], quality["columnB"]),
                    quality.get("description", quality["name"]))

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        a, b = pl.col(rule.columns[0]), pl.col(rule.columns[1])
        return _both_filled(rule) & ~(a > b)

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        return [context.gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=rule.columns[0], column_B=rule.columns[1], or_equal=False,
            ignore_row_if="either_value_is_missing", meta=meta)]


@register
class PairValues(Check):
    """Where both are filled in, the two columns hold one of the allowed pairs of values."""

    kind = "pair_values"
    summary = "Where both are filled in, the two columns hold one of the allowed pairs."
    made_by = "a table quality rule `columnPairValues` (`columnA`, `columnB`, `allowedPairs`)"
    odcs_rule = "columnPairValues"
    expectation_names = ("ExpectColumnPairValuesToBeInSet",)
    position = 94
    docs = "table"

    def rule_for_quality(self, contract: Contract, quality: Mapping[str, Any]) -> Rule | None:
        pairs = tuple(tuple(p) for p in quality.get("allowedPairs", []))
        return Rule(quality["name"], self.kind, (quality["columnA"], quality["columnB"]),
                    quality.get("description", quality["name"]), {"pairs": pairs})

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        a, b = pl.col(rule.columns[0]), pl.col(rule.columns[1])
        allowed = pl.lit(False)
        for left, right in rule.params["pairs"]:
            allowed = allowed | ((a == pl.lit(left)) & (b == pl.lit(right)))
        return _both_filled(rule) & ~allowed

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        return [context.gxe.ExpectColumnPairValuesToBeInSet(
            column_A=rule.columns[0], column_B=rule.columns[1],
            value_pairs_set=[tuple(p) for p in rule.params["pairs"]],
            ignore_row_if="either_value_is_missing", meta=meta)]
