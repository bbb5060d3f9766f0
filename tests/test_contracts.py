"""The data contracts load, say what the framework says, compile to GX, and document themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.data.contracts import (
    ContractError,
    contract_rules,
    load_contract,
    load_contracts,
    parse_contract,
    render_contracts_markdown,
)
from playbooks.data.gx import compile_suite

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ["marketing", "sales", "customer_success", "support", "product", "education",
             "community"]
CHANNELS = ["help_center", "ai_assistant", "in_product_guidance", "courses", "vendor_content",
            "support_agent", "customer_success_manager", "sales_team", "peer_community",
            "customer_led_education", "events", "product", "email"]
STAGES = ["acquisition", "evaluation", "onboarding", "adoption", "troubleshooting", "renewal",
          "expansion", "advocacy"]
KINDS_REQUIRED = ["ticket_opened", "ticket_closed", "question_asked", "csm_question", "check_in",
                  "automated_check_in", "feature_used", "login", "event_attended",
                  "course_completed", "programme_joined", "community_post", "community_answer",
                  "review", "reference", "referral", "escalation", "incident"]


def test_every_contract_loads_with_odcs_v3_header():
    contracts = load_contracts()
    assert set(contracts) == {"accounts", "activity", "health_snapshots"}
    for contract in contracts.values():
        assert contract.version
        assert contract.description and contract.purpose
        assert all(f.description for f in contract.fields)


def test_vocabularies_match_the_framework_ids():
    activity = load_contract("activity")
    assert list(activity.field("source_function").valid_values) == FUNCTIONS
    assert list(activity.field("channel").valid_values) == CHANNELS
    assert list(activity.field("actor_type").valid_values) == ["customer", "staff", "bot"]
    assert set(KINDS_REQUIRED) <= set(activity.field("kind").valid_values)
    assert list(load_contract("accounts").field("lifecycle_stage").valid_values) == STAGES


def test_every_kind_is_described_for_a_business_reader():
    kind = load_contract("activity").field("kind")
    assert set(kind.value_descriptions) == set(kind.valid_values)
    assert all(len(text.split()) >= 4 for text in kind.value_descriptions.values())


def test_demo_vocabularies_are_the_contract_vocabularies():
    from playbooks import demo

    activity = load_contract("activity")
    assert set(demo.KINDS) == set(activity.field("kind").valid_values)
    assert set(demo.FUNCTIONS) == set(activity.field("source_function").valid_values)
    assert set(demo.CHANNELS) == set(activity.field("channel").valid_values)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _base(extra_property: str = "", quality: str = "") -> str:
    return f"""apiVersion: v3.0.1
kind: DataContract
id: x
version: 1.0.0
status: active
schema:
  - name: t
    properties:
      - name: a
        logicalType: string
        description: A column.
{extra_property}{quality}"""


@pytest.mark.parametrize(("text", "expected"), [
    (_base("        colour: red\n"), "unknown key 'colour'"),
    (_base().replace("logicalType: string", "logicalType: text"), "logicalType: 'text'"),
    (_base().replace("apiVersion: v3.0.1", "apiVersion: v2.2.0"), "apiVersion"),
    (_base().replace("kind: DataContract\n", ""), "'kind' is missing"),
    (_base("        quality:\n          - name: q\n            type: library\n"
           "            rule: validValue\n            validValues: [x]\n"), "validValue"),
    (_base("        quality:\n          - name: q\n            type: library\n"
           "            rule: validValues\n            validValues: [x, y]\n"
           "        customProperties:\n          - property: valueDescriptions\n"
           "            value: {x: The x.}\n"), "no description for 'y'"),
    (_base().replace("        description: A column.\n", ""), "description"),
    ("schema: [", "not readable as YAML"),
])
def test_a_broken_contract_names_file_and_key(tmp_path, text, expected):
    with pytest.raises(ContractError) as caught:
        parse_contract(_write(tmp_path, text))
    assert "broken.yaml" in str(caught.value)
    assert expected in str(caught.value)


def test_unknown_contract_name_lists_the_known_ones():
    with pytest.raises(ContractError, match="accounts, activity, health_snapshots"):
        load_contract("tickets")


def test_compiled_suite_has_one_expectation_per_runnable_rule():
    contract = load_contract("activity")
    suite = compile_suite(contract, related={"accounts.account_id": ["ACC-1"]})
    compiled = {e.meta["rule_id"] for e in suite.expectations}
    expected = {r.id for r in contract_rules(contract) if r.check != "type"}
    assert compiled == expected
    types = {type(e).__name__ for e in suite.expectations}
    assert {"ExpectColumnValuesToBeInSet", "ExpectColumnValuesToBeUnique",
            "ExpectColumnValuesToNotBeNull", "ExpectColumnPairValuesToBeInSet"} <= types


def test_compiled_suite_leaves_out_rules_on_absent_columns():
    suite = compile_suite(load_contract("accounts"), columns=["account_id", "name"])
    ids = {e.meta["rule_id"] for e in suite.expectations}
    assert "columns_present" in ids
    assert "renewal_after_start" not in ids
    assert "annual_value.range" not in ids


def test_committed_contract_docs_match_the_contracts():
    committed = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    assert committed == render_contracts_markdown(), (
        "docs/contracts.md is stale: regenerate it with "
        "python -c 'from playbooks.data.contracts import render_contracts_markdown as r; "
        "open(\"docs/contracts.md\",\"w\").write(r())'")


def test_docs_list_every_table_field_and_kind():
    text = render_contracts_markdown()
    for contract in load_contracts().values():
        for item in contract.fields:
            assert f"`{item.name}`" in text
    for kind in load_contract("activity").field("kind").valid_values:
        assert f"| `{kind}` |" in text


def test_vocabularies_use_the_knowledge_ids():
    from playbooks.framework.model import load_knowledge

    knowledge = load_knowledge()
    activity = load_contract("activity")
    assert list(activity.field("source_function").valid_values) == list(knowledge.functions)
    assert list(load_contract("accounts").field("lifecycle_stage").valid_values) == list(
        knowledge.stages)
    channels = list(activity.field("channel").valid_values)
    assert channels[: len(knowledge.channels)] == list(knowledge.channels)
    assert channels[len(knowledge.channels):] == ["product", "email"]


def test_a_contract_file_with_yaml_aliases_is_refused_without_expanding_them(tmp_path) -> None:
    from playbooks.data.contract_model import ContractError
    from playbooks.data.contract_parsing import parse_contract

    bomb = tmp_path / "accounts.yaml"
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, "
              f"*a{i-1}, *a{i-1}]" for i in range(1, 9)]
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContractError, match="accounts.yaml"):
        parse_contract(bomb)
