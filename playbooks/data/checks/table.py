"""Checks judged on the whole table: the required columns are there, and there are rows."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from playbooks.data.checks.base import Check, SuiteContext, Verdict, register
from playbooks.data.contract_model import Contract, Rule


@register
class ColumnsPresent(Check):
    """The file has every column the contract marks as required."""

    kind = "columns_present"
    summary = "The file has every required column (other columns are kept as they are)."
    made_by = "every contract (the properties with `required: true`)"
    expectation_names = ("ExpectTableColumnsToMatchSet",)
    position = 10
    table_level = True
    docs = None

    def rules_for_table(self, contract: Contract) -> Iterable[Rule]:
        required = tuple(contract.required_columns)
        yield Rule("columns_present", self.kind, required,
                   "The file has every required column: " + ", ".join(required) + ".")

    def applies(self, rule: Rule, columns: Collection[str]) -> bool:
        return True  # it is what reports the absent columns

    def judge(self, rule: Rule, columns: Collection[str], rows: int) -> Verdict:
        missing = [c for c in rule.columns if c not in columns]
        if not missing:
            return Verdict(True, 0, [], rule.description)
        return Verdict(False, len(missing), [{"row": None, "value": m} for m in missing],
                       f"Required columns missing: {', '.join(missing)}.")

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        return [context.gxe.ExpectTableColumnsToMatchSet(column_set=list(rule.columns),
                                                         exact_match=False, meta=meta)]


@register
class RowCount(Check):
    """The file holds more rows than the contract's `rowCount` rule allows at least."""

    kind = "row_count"
    summary = "The file holds more rows than the given number (`mustBeGreaterThan`)."
    made_by = "a table quality rule `rowCount`"
    odcs_rule = "rowCount"
    expectation_names = ("ExpectTableRowCountToBeBetween",)
    position = 20
    table_level = True
    docs = "table"

    def rules_for_table(self, contract: Contract) -> Iterable[Rule]:
        for quality in contract.table_rules:
            if quality.get("rule") == self.odcs_rule:
                yield Rule(quality["name"], self.kind, (),
                           quality.get("description", "The file is not empty."),
                           {"min": int(quality.get("mustBeGreaterThan", 0)) + 1})

    def judge(self, rule: Rule, columns: Collection[str], rows: int) -> Verdict:
        if rows >= rule.params["min"]:
            return Verdict(True, 0, [], rule.description)
        return Verdict(False, 1, [], "The file has no data rows.")

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        return [context.gxe.ExpectTableRowCountToBeBetween(min_value=rule.params["min"],
                                                           meta=meta)]
