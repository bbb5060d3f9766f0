"""Contract check kinds as units: one small module per kind (or a few related kinds).

Each unit (`playbooks.data.checks.base.Check`) carries, for its kind, how a contract makes
rules of it, its polars failing-rows expression, its great-expectations expectation(s), its
description for the contracts page and its problem sentence. Adding a kind is one new module
in this folder: every module here is imported when the package is, so its units register.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from playbooks.data.checks.base import (
    CHECKS,
    Check,
    CheckContext,
    SuiteContext,
    Verdict,
    check_for,
    register,
)
from playbooks.data.contract_model import Contract, Rule

__all__ = ["CHECKS", "Check", "CheckContext", "SuiteContext", "Verdict", "check_for",
           "derive_rules", "odcs_rules", "referenced_column", "referenced_tables", "register",
           "unit_for_odcs"]


def _register_every_kind() -> None:
    """Import every module of this package but `base`; each registers its check units."""
    for found in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if found.name != "base":
            importlib.import_module(f"{__name__}.{found.name}")


_register_every_kind()


def _in_report_order() -> list[Check]:
    return sorted(CHECKS.values(), key=lambda unit: unit.position)


def derive_rules(contract: Contract) -> list[Rule]:
    """List the rules a contract makes, in the order a report shows them.

    First the checks on the whole table, then each column's checks (in column order), then
    the table's quality rules across columns (in the order the contract lists them).
    """
    units = _in_report_order()
    rules = [rule for unit in units for rule in unit.rules_for_table(contract)]
    for item in contract.fields:
        rules += [rule for unit in units for rule in unit.rules_for_field(contract, item)]
    for quality in contract.table_rules:
        unit = unit_for_odcs(quality.get("rule"))
        made = unit.rule_for_quality(contract, quality) if unit is not None else None
        if made is not None:
            rules.append(made)
    return rules


def odcs_rules() -> set[str]:
    """Return the ODCS library quality rules some check kind implements."""
    return {unit.odcs_rule for unit in CHECKS.values() if unit.odcs_rule}


def unit_for_odcs(name: object) -> Check | None:
    """Return the unit implementing an ODCS library quality rule, or None."""
    for unit in CHECKS.values():
        if unit.odcs_rule is not None and unit.odcs_rule == name:
            return unit
    return None


def referenced_column(rule: Rule) -> tuple[str, str] | None:
    """Return the (table, column) a rule looks its values up in, if it does."""
    return check_for(rule).related_key(rule)


def referenced_tables(rules: Iterable[Rule]) -> set[str]:
    """Return the tables some of these rules look values up in."""
    return {key[0] for rule in rules if (key := referenced_column(rule)) is not None}
