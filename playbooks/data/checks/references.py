"""The cross-table check: a column's values are listed in another table (account ids)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from playbooks.data.checks.base import Check, CheckContext, SuiteContext, register
from playbooks.data.contract_model import Contract, ContractError, Field, Rule


@register
class References(Check):
    """A filled-in value appears in the referenced table's column; not run without that table."""

    kind = "references"
    summary = ("A filled-in value is listed in the referenced table's column; not run (and "
               "reported so) when that table is not given.")
    made_by = "a property quality rule `referencesExist` (`references: table.column`)"
    odcs_rule = "referencesExist"
    expectation_names = ("ExpectColumnValuesToBeInSet",)
    position = 90

    def read_quality(self, quality: Mapping[str, Any], key: str) -> dict[str, Any]:
        target = str(quality.get("references", ""))
        if target.count(".") != 1:
            raise ContractError(f"{key}.references: write it as table.column, not '{target}'.")
        table, column = target.split(".")
        return {"references": (table, column)}

    def rules_for_field(self, contract: Contract, item: Field) -> Iterable[Rule]:
        if item.references:
            table, column = item.references
            yield Rule(f"{item.name}.references", self.kind, (item.name,),
                       f"Every {item.business_name} is listed in the {table} table.",
                       {"table": table, "column": column})

    def related_key(self, rule: Rule) -> tuple[str, str] | None:
        return rule.params["table"], rule.params["column"]

    def not_run(self, rule: Rule, context: CheckContext) -> str | None:
        if _key(rule) in context.keys:
            return None
        return (f"Not checked: no {rule.params['table']} table was given to look the values "
                "up in.")

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        if _key(rule) not in context.keys:
            return None
        column = pl.col(rule.columns[0])
        return column.is_not_null() & ~column.is_in(context.keys[_key(rule)].implode())

    def problem(self, rule: Rule, contract: Contract) -> str | None:
        return f"{rule.columns[0]} is not listed in the {rule.params['table']} table"

    def expectations(self, rule: Rule, context: SuiteContext,
                     meta: dict[str, Any]) -> list[Any]:
        if _key(rule) not in context.related:
            return []
        return [context.gxe.ExpectColumnValuesToBeInSet(
            column=rule.columns[0], value_set=list(context.related[_key(rule)]), meta=meta)]


def _key(rule: Rule) -> str:
    return f"{rule.params['table']}.{rule.params['column']}"
