"""The type check: every value of a column can be read as the contract's type."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import polars as pl

from playbooks.data.checks.base import Check, CheckContext, register
from playbooks.data.conform import TYPEFAIL
from playbooks.data.contract_model import Contract, Field, Rule

# How the contracts page says what a column holds, and how a report says what a value is not.
HOLDS = {
    "string": "text",
    "double": "numbers",
    "integer": "whole numbers",
    "boolean": "yes/no values (true/false)",
    "date": "dates (YYYY-MM-DD)",
    "timestamp": "date-times (YYYY-MM-DD HH:MM:SS, UTC)",
}
READ_AS = {"string": "text", "double": "a number", "integer": "a whole number",
           "boolean": "yes/no (true/false)", "date": "a date", "timestamp": "a date and time"}


@register
class Type(Check):
    """A value that cannot be converted to the column's type fails (the conversion flags it)."""

    kind = "type"
    summary = ("Every value can be read as the column's type; the examples show the value as "
               "it was in the file. Checked while the file is converted, so great-expectations "
               "sees typed data and has no expectation for it.")
    made_by = "every property (`physicalType`, else its `logicalType`)"
    position = 30
    docs = None
    reads_raw = True

    def rules_for_field(self, contract: Contract, item: Field) -> Iterable[Rule]:
        yield Rule(f"{item.name}.type", self.kind, (item.name,),
                   f"{item.business_name} holds {HOLDS[item.physical_type]}.",
                   {"physical": item.physical_type})

    def countable(self, rule: Rule, columns: Collection[str]) -> bool:
        # Only a converted column has the hidden flag; one already of its type cannot fail.
        return self.applies(rule, columns) and TYPEFAIL + rule.columns[0] in columns

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        return pl.col(TYPEFAIL + rule.columns[0])

    def problem(self, rule: Rule, contract: Contract) -> str | None:
        item = contract.field(rule.columns[0])
        return f"{item.name} cannot be read as {READ_AS[item.physical_type]}"
