"""Custom checks: a company's own row rules, registered from code with `custom_rule`."""

from __future__ import annotations

import polars as pl

from playbooks.data.checks.base import Check, CheckContext, register
from playbooks.data.contract_model import CUSTOM_RULES, Rule


@register
class Custom(Check):
    """A rule registered with `playbooks.data.contracts.custom_rule`: its own expression."""

    kind = "custom"
    summary = ("A company's own rule: the registered polars expression is true on the rows "
               "breaking it (empty counts as passing). Checked by polars only.")
    made_by = "`@playbooks.data.contracts.custom_rule(contract, id, ...)` in your own code"
    position = 100

    def failing(self, rule: Rule, context: CheckContext) -> pl.Expr | None:
        registered = CUSTOM_RULES[rule.params["contract"]][rule.id]
        expression: pl.Expr = registered.failing()
        return expression.fill_null(False)
