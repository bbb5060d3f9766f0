"""Column suggestions carry a confidence and a reason, abstain when unsure, never mislead."""

from __future__ import annotations

import polars as pl
import pytest

from playbooks.data.contracts import load_contract
from playbooks.data.mapping import (
    CUTOFF,
    NEVER,
    MappingSuggestions,
    exact_column_name,
    suggest_mapping,
)
from playbooks.data.reading import read_file

# A product-analytics export's header, as the issue saw it.
ANALYTICS = ["$insert_id", "distinct_id", "Event Name", "Join Time", "Leave Time", "User Email",
             "Account ID", "Duration", "Notes"]


def test_each_suggestion_says_how_sure_and_why():
    suggested = suggest_mapping(["account_id", "Account", "CSM", "Renwal Date", "Colour"],
                                "accounts")
    details = suggested.details
    assert (details["account_id"].confidence, details["account_id"].reason) == (1.0,
                                                                               "exact name")
    assert details["CSM"].target == "owner" and details["CSM"].reason == "known alias 'csm'"
    assert details["Renwal Date"].target == "renewal_date"
    assert details["Renwal Date"].reason.startswith("similar name")
    assert CUTOFF <= details["Renwal Date"].confidence < details["CSM"].confidence < 1.0
    # The dict itself stays what the app has always read: export column -> contract column.
    assert isinstance(suggested, dict) and isinstance(suggested, MappingSuggestions)
    assert suggested["CSM"] == "owner"


def test_the_two_wrong_confident_suggestions_of_the_issue_abstain():
    suggested = suggest_mapping(ANALYTICS, "activity")
    assert suggested.get("$insert_id") in (None, "event_id")
    assert suggested.get("Leave Time") is None
    assert suggested.get("Join Time") in (None, "occurred_at")
    assert "person_id" not in suggested.values() or suggested.get("User Email") == "person_id"
    assert suggested == {"Account ID": "account_id"}
    for column in ANALYTICS:
        detail = suggested.details[column]
        assert detail.reason, column
        if detail.target is None:
            assert "unsure" in detail.reason or detail.reason.startswith("not "), detail


def test_a_never_pair_is_never_suggested_even_by_its_alias_name():
    # `event time` is an alias of occurred_at, yet an end time is never the event's time.
    suggested = suggest_mapping(["Event Time Ended", "Session ID"], "activity")
    assert "occurred_at" not in suggested.values() and "person_id" not in suggested.values()
    for words, target, why in NEVER:
        header = " ".join(words) + " " + target.replace("_", " ")
        detail = suggest_mapping([header], "activity" if target != "account_id"
                                 else "activity").details[header]
        assert detail.target != target, (header, why)


def test_values_that_contradict_the_type_are_never_suggested():
    samples = {"Created At": ["soon", "later"], "ARR": ["lots", "many"],
               "Start Date": ["2024-01-12", "2024-02-01"]}
    suggested = suggest_mapping(["Created At", "ARR", "Start Date"], "accounts",
                                samples=samples)
    assert suggested == {"Start Date": "contract_start"}
    assert "not annual_value: its values are not numbers" in suggested.details["ARR"].reason
    with_good = suggest_mapping(["ARR"], "accounts", samples={"ARR": ["1.234,5", "12,5"]})
    assert with_good == {"ARR": "annual_value"}
    frame = pl.DataFrame({"created": ["x", "y"]})
    assert suggest_mapping(["created"], "activity", samples=frame) == {}
    assert suggest_mapping(["created"], "activity") == {"created": "occurred_at"}


def test_two_columns_claiming_one_contract_column_equally_both_abstain():
    suggested = suggest_mapping(["Created At", "Timestamp"], "activity")
    assert suggested == {}
    assert "claimed by" in suggested.details["Created At"].reason
    # A surer claim wins and the other abstains.
    suggested = suggest_mapping(["occurred_at", "Timestamp"], "activity")
    assert suggested == {"occurred_at": "occurred_at"}


@pytest.mark.parametrize(("header", "expected"), [
    ("Account ID", "account_id"), ("  account-id ", "account_id"), ("ACCOUNT__ID", "account_id"),
    ("$insert_id", "$insert_id"), ("Account.ID", "account.id"),
])
def test_exact_column_name_normalises_case_and_spacing_only(header, expected):
    assert exact_column_name(header) == expected


def test_no_column_is_renamed_without_a_mapping_unless_it_is_the_contract_name(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("Account ID,$name,CSM,Start Date\nA1,Acme,Jo,2024-01-01\n", encoding="utf-8")
    frame = read_file(path, contract="accounts")
    # "Account ID" is account_id written with other case and spacing; "CSM" is only an alias
    # (a suggestion) and "$name" is not the contract's `name`: both are kept as they are.
    assert frame.columns == ["account_id", "$name", "CSM", "Start Date"]
    assert suggest_mapping(frame.columns, "accounts")["CSM"] == "owner"
    mapped = read_file(path, contract="accounts", mapping={"CSM": "owner"})
    assert mapped.columns == ["account_id", "$name", "owner", "Start Date"]


def test_every_contract_column_is_suggested_at_most_once():
    contract = load_contract("activity")
    suggested = suggest_mapping([f.business_name for f in contract.fields]
                                + [f.name for f in contract.fields], contract)
    assert len(set(suggested.values())) == len(suggested)
    assert set(suggested.values()) == set(contract.column_names)


def test_validate_says_which_unmapped_column_looks_like_a_missing_one(tmp_path, cli):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,name,segment,CSM,annual_value,contract_start,renewal_date,"
                    "lifecycle_stage,Colour\nA1,Acme,smb,Jo,100,2022-01-01,2027-01-01,adoption,"
                    "green\n", encoding="utf-8")
    done = cli("validate", str(path), "--gx", "off")
    assert done.code == 1  # owner is required and was not renamed from CSM unasked
    assert "Column 'CSM' looks like owner (known alias 'csm'" in done.stdout
    assert "'CSM: owner'" in done.stdout
    # health_colour is optional and missing too, so Colour is offered as well; nothing else.
    assert done.stdout.count("looks like") == 2
