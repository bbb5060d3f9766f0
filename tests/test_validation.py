"""The validator reports every rule, with counts, shares, row numbers and plain messages."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbooks.data.contracts import load_contract
from playbooks.data.validation import compare_with_gx, conform, related_keys, validate
from playbooks.errors import InputError

NOW = dt.datetime(2026, 6, 1, 12, 0)


def accounts(n: int = 3) -> pl.DataFrame:
    return pl.DataFrame({
        "account_id": [f"A{i}" for i in range(1, n + 1)],
        "name": [f"Company {i}" for i in range(1, n + 1)],
        "segment": ["smb"] * n,
        "owner": ["Jo Berg"] * n,
        "annual_value": [1000.0 * i for i in range(1, n + 1)],
        "contract_start": [dt.date(2022, 1, 1)] * n,
        "renewal_date": [dt.date(2027, 1, 1)] * n,
        "lifecycle_stage": ["adoption"] * n,
    })


def activity(n: int = 4) -> pl.DataFrame:
    return pl.DataFrame({
        "event_id": [f"E{i}" for i in range(n)],
        "account_id": ["A1", "A2"] * (n // 2),
        "person_id": ["p1"] * n,
        "actor_type": ["customer"] * n,
        "occurred_at": [dt.datetime(2025, 3, 1, 10)] * n,
        "source_function": ["support"] * n,
        "kind": ["question_asked"] * n,
        "channel": ["support_agent"] * n,
        "automated": [False] * n,
        "feature": [None] * n,
        "question_text": ["How do I export the report to CSV?"] * n,
    })


def result(report, rule_id):
    return next(r for r in report.results if r.rule_id == rule_id)


def test_a_clean_table_passes_every_rule_and_lists_them_all():
    report = validate(activity(), "activity", related=accounts(), now=NOW, gx="off")
    assert report.valid
    assert {r.rule_id for r in report.results} == {r.id for r in load_contract("activity").rules}
    assert all(r.status == "passed" for r in report.results)


def test_missing_required_column_fails_and_names_it():
    report = validate(activity().drop("kind"), "activity", related=accounts(), now=NOW,
                      gx="off")
    rule = result(report, "columns_present")
    assert rule.status == "failed" and "kind" in rule.message
    assert result(report, "kind.valid_values").status == "not run"


def test_wrong_type_names_column_rows_and_values():
    frame = accounts().with_columns(pl.Series("annual_value", ["100", "lots", "3e3"]))
    report = validate(frame, "accounts", now=NOW, gx="off")
    rule = result(report, "annual_value.type")
    assert rule.status == "failed" and rule.failing_rows == 1
    assert rule.examples == [{"row": 2, "value": "lots"}]
    assert "annual_value" in rule.message and "number" in rule.message


@pytest.mark.parametrize(("column", "value"), [("source_function", "billing"),
                                               ("kind", "meeting"), ("channel", "fax"),
                                               ("actor_type", "robot")])
def test_unknown_vocabulary_value_is_reported_with_row(column, value):
    frame = activity().with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit(value))
                                    .otherwise(pl.col(column)).alias(column))
    report = validate(frame, "activity", related=accounts(), now=NOW, gx="off")
    rule = result(report, f"{column}.valid_values")
    assert rule.status == "failed"
    assert rule.examples == [{"row": 3, "value": value}]
    assert column in rule.message and "known values" in rule.message


def test_duplicate_account_ids_list_every_repeating_row():
    frame = accounts(4).with_columns(pl.Series("account_id", ["A1", "A2", "A1", "A3"]))
    report = validate(frame, "accounts", now=NOW, gx="off")
    rule = result(report, "account_id.unique")
    assert rule.failing_rows == 2
    assert rule.examples == [{"row": 1, "value": "A1"}, {"row": 3, "value": "A1"}]
    assert rule.share == pytest.approx(0.5)


def test_activity_for_unknown_account_is_a_failed_cross_table_rule():
    frame = activity().with_columns(pl.Series("account_id", ["A1", "A9", "A2", "A9"]))
    report = validate(frame, "activity", related={"accounts": accounts()}, now=NOW, gx="off")
    rule = result(report, "account_id.references")
    assert rule.failing_rows == 2 and rule.examples[0] == {"row": 2, "value": "A9"}
    assert "accounts table" in rule.message


def test_reference_rule_is_not_run_without_the_accounts_table():
    report = validate(activity(), "activity", now=NOW, gx="off")
    assert result(report, "account_id.references").status == "not run"
    assert report.valid


def test_timestamps_in_future_or_before_2000_fail():
    frame = activity().with_columns(pl.Series("occurred_at", [
        "2025-01-01 10:00:00", "1999-12-31 23:00:00", "2030-01-01T00:00:00Z", "2025-02-01"]))
    report = validate(frame, "activity", related=accounts(), now=NOW, gx="off")
    assert result(report, "occurred_at.range").examples == [
        {"row": 2, "value": "1999-12-31 23:00:00"}]
    assert result(report, "occurred_at.not_in_future").examples == [
        {"row": 3, "value": "2030-01-01 00:00:00"}]


def test_mixed_date_formats_raise_naming_column_rows_and_values():
    frame = accounts().with_columns(pl.Series("contract_start",
                                              ["2022-01-05", "2022-02-01", "15/03/2022"]))
    with pytest.raises(InputError) as caught:
        validate(frame, "accounts", now=NOW, gx="off", source="crm.csv")
    text = str(caught.value)
    assert "crm.csv" in text and "contract_start" in text
    assert "row 1" in text and "row 3" in text and "15/03/2022" in text


def test_mixed_formats_across_chunks_are_caught():
    frame = accounts(4).with_columns(pl.Series("contract_start", [
        "2022-01-05", "2022-02-01", "15/03/2022", "16/03/2022"]))
    with pytest.raises(InputError, match="mixes date formats"):
        validate(frame, "accounts", now=NOW, gx="off", chunk_rows=2)


def test_renewal_must_fall_after_contract_start():
    frame = accounts().with_columns(pl.Series("renewal_date", [
        dt.date(2027, 1, 1), dt.date(2021, 1, 1), None]))
    report = validate(frame, "accounts", now=NOW, gx="off")
    rule = result(report, "renewal_after_start")
    assert rule.failing_rows == 1 and rule.examples[0]["row"] == 2
    assert "renewal_date=2021-01-01" in rule.examples[0]["value"]


def test_examples_are_capped_at_twenty_but_counts_are_exact():
    frame = activity(100).with_columns(pl.lit("nope").alias("kind"))
    report = validate(frame, "activity", related=accounts(), now=NOW, gx="off", chunk_rows=7)
    rule = result(report, "kind.valid_values")
    assert rule.failing_rows == 100 and len(rule.examples) == 20
    assert [e["row"] for e in rule.examples] == list(range(1, 21))


def test_report_renders_as_text_and_dict():
    frame = activity().with_columns(pl.lit("nope").alias("kind"))
    report = validate(frame, "activity", related=accounts(), now=NOW, gx="off",
                      source="activity.csv")
    text = report.to_text()
    assert "INVALID" in text and "kind.valid_values" in text and "row 1" in text
    data = report.to_dict()
    assert data["valid"] is False and data["rows"] == 4


@settings(max_examples=30, deadline=None)
@given(ids=st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), min_size=1,
                    max_size=40),
       chunk=st.integers(min_value=1, max_value=9))
def test_uniqueness_does_not_depend_on_chunking(ids, chunk):
    frame = accounts(len(ids)).with_columns(pl.Series("account_id", ids))
    report = validate(frame, "accounts", now=NOW, gx="off", chunk_rows=chunk)
    rule = result(report, "account_id.unique")
    expected = int(pl.Series(ids).is_duplicated().sum())
    assert rule.failing_rows == expected
    assert [e["row"] for e in rule.examples] == sorted(
        [e["row"] for e in rule.examples], key=lambda r: (ids[r - 1], r))


def test_great_expectations_agrees_with_the_polars_rules_on_broken_data():
    contract = load_contract("activity")
    frame = activity(6).with_columns(
        pl.Series("event_id", ["E1", "E1", "E2", "E3", "E4", "E5"]),
        pl.Series("account_id", ["A1", "A9", "A2", None, "A1", "A2"]),
        pl.Series("kind", ["login", "x", "login", "login", None, "login"]),
        pl.Series("actor_type", ["bot", "customer", "staff", "bot", "customer", "staff"]),
        pl.Series("automated", [False, True, True, True, None, False]),
        pl.Series("occurred_at", [dt.datetime(1999, 1, 1), dt.datetime(2030, 1, 1)]
                  + [dt.datetime(2025, 1, 1)] * 4),
    )
    keys = related_keys({"accounts": accounts()}, contract)
    typed = conform(frame, contract)
    visible = typed.select([c for c in typed.columns if not c.startswith("__")])
    assert compare_with_gx(visible, typed, contract, keys, NOW, contract.rules) == []


def test_validate_runs_the_gx_sample_and_reports_agreement():
    report = validate(activity(), "activity", related=accounts(), now=NOW, gx="sample")
    assert report.gx_rows_checked == 4
    assert report.engine_mismatches == []


def test_utc_offsets_are_converted_to_utc_and_iso_variants_accepted():
    contract = load_contract("activity")
    frame = pl.DataFrame({"occurred_at": ["2025-01-01T10:00:00+02:00", "2025-01-01 10:00:00Z",
                                          "2025-01-01T10:00:00-05:30", "2025-01-01 10:00",
                                          "2025-01-01"]})
    typed = conform(frame, contract)
    assert typed["occurred_at"].to_list() == [
        dt.datetime(2025, 1, 1, 8), dt.datetime(2025, 1, 1, 10), dt.datetime(2025, 1, 1, 15, 30),
        dt.datetime(2025, 1, 1, 10), dt.datetime(2025, 1, 1)]
    assert not typed["__typefail__occurred_at"].any()


def test_pandas_frames_are_accepted():
    report = validate(accounts().to_pandas(), "accounts", now=NOW, gx="off")
    assert report.valid


def test_an_example_without_a_row_is_shown_without_one() -> None:
    from playbooks.data.validation import example_text

    assert example_text({"row": None, "value": "segment"}) == "'segment'"
    assert example_text({"row": 3, "value": "A1"}) == "row 3: 'A1'"
