"""Every contract check kind is a unit with passing and failing cases, kept as YAML.

One file per kind under tests/cases/checks/ names a contract and one of its rules, and lists
`pass` and `fail` cases: rows (each overriding a valid row of that contract, every value as
text, as a CSV export holds it), optionally columns to drop or no accounts table to look ids
up in, and what the rule reports. Each failing case is also run through great-expectations,
which must count the same failing rows as polars.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from playbooks.data.checks import CHECKS, check_for, odcs_rules
from playbooks.data.contracts import (
    LIBRARY_RULES,
    custom_rule,
    load_contract,
    render_contracts_markdown,
)
from playbooks.data.gx import compile_suite
from playbooks.data.validation import compare_with_gx, conform, related_keys, validate

CASES = Path(__file__).parent / "cases" / "checks"
FILES = sorted(CASES.glob("*.yaml"))
NOW = dt.datetime(2026, 6, 1, 12, 0)
ACCOUNTS = pl.DataFrame({"account_id": ["A1", "A2", "A3"]})
EXPECTATIONS = {"pass", "fail"}
CASE_KEYS = {"rows", "drop", "related", "status", "failing", "rows_listed", "values", "message"}


def _valid_row(contract: str, index: int) -> dict[str, str | None]:
    """Return a row that passes every rule of the contract (row `index` of a table)."""
    week = dt.date(2025, 1, 6) + dt.timedelta(weeks=index)
    rows: dict[str, dict[str, str | None]] = {
        "accounts": {"account_id": f"A{index + 1}", "name": "Acme", "segment": "smb",
                     "owner": "Jo Berg", "annual_value": "1200", "contract_start": "2022-01-01",
                     "renewal_date": "2027-01-01", "lifecycle_stage": "adoption",
                     "health_score": "80", "health_colour": "green"},
        "activity": {"event_id": f"E{index + 1}", "account_id": "A1", "person_id": "p1",
                     "actor_type": "customer", "occurred_at": "2025-03-01 10:00:00",
                     "source_function": "support", "kind": "question_asked",
                     "channel": "support_agent", "automated": "false", "feature": None,
                     "question_text": "How do I export the report?"},
        "health_snapshots": {"account_id": "A1", "week": week.isoformat(),
                             "health_score": "80", "health_colour": "green"},
    }
    return rows[contract]


def _frame(contract: str, case: dict[str, Any]) -> pl.DataFrame:
    names = load_contract(contract).column_names
    rows = [{**_valid_row(contract, i), **row} for i, row in enumerate(case["rows"])]
    frame = pl.DataFrame(rows, schema={n: pl.String for n in names})
    return frame.drop(case.get("drop", []))


def _cases() -> Iterator[Any]:
    for path in FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for expect in ("pass", "fail"):
            for number, case in enumerate(spec.get(expect, []), start=1):
                yield pytest.param(path.stem, spec, expect, case,
                                   id=f"{path.stem}-{expect}-{number}")


@pytest.fixture
def question_length_rule() -> None:
    """Register the custom rule the `custom` cases check (the registries are restored after)."""

    @custom_rule("activity", "question_text.length", columns=["question_text"],
                 description="Question texts are at most 40 characters.")
    def _long_questions() -> pl.Expr:
        return pl.col("question_text").str.len_chars() > 40


@pytest.mark.usefixtures("question_length_rule")
@pytest.mark.parametrize(("kind", "spec", "expect", "case"), list(_cases()))
def test_check_case(kind: str, spec: dict[str, Any], expect: str, case: dict[str, Any]) -> None:
    assert set(case) <= CASE_KEYS, f"unknown keys {set(case) - CASE_KEYS}"
    contract = load_contract(spec["contract"])
    (rule,) = [r for r in contract.rules if r.id == spec["rule"]]
    assert rule.check == kind, f"{spec['rule']} is a {rule.check} rule, not {kind}"
    frame = _frame(spec["contract"], case)
    related = {"accounts": ACCOUNTS} if case.get("related", True) else None
    report = validate(frame, contract, related=related, now=NOW, gx="off")
    (result,) = [r for r in report.results if r.rule_id == rule.id]
    status = case.get("status", "passed" if expect == "pass" else "failed")
    assert result.status == status, result.message
    if "failing" in case:
        assert result.failing_rows == case["failing"], result.message
    if "rows_listed" in case:
        assert [e["row"] for e in result.examples] == case["rows_listed"]
    if "values" in case:
        assert [e["value"] for e in result.examples] == case["values"]
    if "message" in case:
        assert result.message == case["message"]
    if expect == "fail" and frame.height:
        keys = related_keys(related, contract)
        typed = conform(frame, contract)
        visible = typed.select([c for c in typed.columns if not c.startswith("__")])
        assert compare_with_gx(visible, typed, contract, keys, NOW, contract.rules) == []
        suite = compile_suite(contract, columns=visible.columns,
                              related={k: v.to_list() for k, v in keys.items()}, now=NOW)
        compiled = [type(e).__name__ for e in suite.expectations
                    if e.meta["rule_id"] == rule.id]
        assert tuple(compiled) == check_for(rule).expectation_names


def test_every_check_kind_has_passing_and_failing_cases() -> None:
    covered = {}
    for path in FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(spec) <= {"contract", "rule"} | EXPECTATIONS, path.name
        covered[path.stem] = {e for e in EXPECTATIONS if spec.get(e)}
    assert set(covered) == set(CHECKS), "one case file per registered check kind"
    assert all(found == EXPECTATIONS for found in covered.values()), covered


def test_every_unit_carries_its_metadata() -> None:
    for kind, unit in CHECKS.items():
        assert unit.kind == kind
        assert unit.summary and unit.made_by, kind
        assert unit.docs in {"column", "table", None}, kind
    assert odcs_rules() == LIBRARY_RULES


def test_the_contracts_page_lists_every_kind() -> None:
    page = render_contracts_markdown()
    for unit in CHECKS.values():
        assert f"| `{unit.kind}` | {unit.made_by} | {unit.summary} |" in page
