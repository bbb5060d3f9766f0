"""Custom contract rules registered from user code appear in every validation report."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from playbooks.data.contracts import CUSTOM_RULES, ContractError, custom_rule, load_contract
from playbooks.data.validation import validate


@pytest.fixture
def long_question_rule() -> Iterator[str]:
    @custom_rule("activity", "question_text.length", columns=["question_text"],
                 description="Question texts are at most 40 characters.")
    def _long_questions() -> pl.Expr:
        return pl.col("question_text").str.len_chars() > 40

    yield "question_text.length"
    CUSTOM_RULES["activity"].pop("question_text.length", None)


def _activity(texts: list[str | None]) -> pl.DataFrame:
    n = len(texts)
    return pl.DataFrame({
        "event_id": [f"E{i}" for i in range(n)], "account_id": ["ACC-1"] * n,
        "person_id": ["P1"] * n, "actor_type": ["customer"] * n,
        "occurred_at": ["2025-03-01T10:00:00"] * n, "source_function": ["support"] * n,
        "kind": ["question_asked"] * n, "channel": ["help_center"] * n,
        "automated": ["false"] * n, "feature": [None] * n, "question_text": texts,
    })


def test_custom_rule_is_reported(long_question_rule: str) -> None:
    frame = _activity(["How do I export?", "x" * 80, None, "y" * 41])
    report = validate(frame, "activity", gx="off")
    (result,) = [r for r in report.results if r.rule_id == long_question_rule]
    assert result.status == "failed" and result.failing_rows == 2
    assert [e["row"] for e in result.examples] == [2, 4]
    assert "at most 40 characters" in result.message
    assert not report.valid


def test_custom_rule_passes_on_good_rows(long_question_rule: str) -> None:
    report = validate(_activity(["Short one?", None]), "activity", gx="off")
    (result,) = [r for r in report.results if r.rule_id == long_question_rule]
    assert result.status == "passed"


def test_custom_rule_on_an_unknown_column_is_refused() -> None:
    with pytest.raises(ContractError, match="has no column 'sentiment'"):
        custom_rule("activity", "sentiment.range", columns=["sentiment"],
                    description="x")(lambda: pl.lit(False))
    with pytest.raises(ContractError, match="already has a rule"):
        custom_rule("accounts", "account_id.unique", columns=["account_id"],
                    description="x")(lambda: pl.lit(False))
    assert "sentiment.range" not in CUSTOM_RULES.get("activity", {})
    assert load_contract("activity").rules[-1].check != "custom"
