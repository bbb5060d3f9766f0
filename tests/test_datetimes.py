"""Dates and numbers are read as tools write them, in UTC, and never guessed."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbooks.data.conform import ConformState, conform
from playbooks.data.contracts import load_contract
from playbooks.data.datetimes import (
    DATE_FORMATS,
    DateOptions,
    date_options,
    date_share,
    parse_dates,
    parse_datetimes,
    parse_numbers,
    read_datetimes,
)
from playbooks.data.validation import validate
from playbooks.errors import InputError

D = dt.datetime


def read(values: list[str | None], **options: object) -> list[D | None]:
    series = pl.Series("when", values, dtype=pl.String)
    return parse_datetimes(series, column="when", source="export.csv",
                           **options).to_list()  # type: ignore[arg-type]


@pytest.mark.parametrize(("written", "utc"), [
    ("2024-01-12T12:18:53+02:00", D(2024, 1, 12, 10, 18, 53)),
    ("2024-01-12T12:18:53-05:30", D(2024, 1, 12, 17, 48, 53)),
    ("2024-01-12T12:18:53.250Z", D(2024, 1, 12, 12, 18, 53, 250000)),
    ("2024-01-12 12:18:53 UTC", D(2024, 1, 12, 12, 18, 53)),
    ("2024-01-12 12:18:53 +0100", D(2024, 1, 12, 11, 18, 53)),
    ("2024-01-12", D(2024, 1, 12)),
    ("01/09/2024 2:46 PM", D(2024, 1, 9, 14, 46)),
    ("03/05/2024 11:08:00 AM", D(2024, 3, 5, 11, 8)),
    ("12/31/2024 12:05 AM", D(2024, 12, 31, 0, 5)),
    ("08.01.2024", D(2024, 1, 8)),
    ("31.12.2024 14:00", D(2024, 12, 31, 14)),
    ("1704812933", D(2024, 1, 9, 15, 8, 53)),
    ("1704812933000", D(2024, 1, 9, 15, 8, 53)),
    ("45303.5", D(2024, 1, 12, 12)),
])
def test_each_format_of_the_issue_reads_to_utc(written, utc):
    # Alone, 01/09/2024 could be either order; a 31st of December in the column settles it.
    settle = "12/31/2024 1:00 PM" if written[2] == "/" else None
    assert read([written, settle])[0] == utc


def test_every_declared_example_reads_in_its_own_format():
    for item in DATE_FORMATS:
        reading = read_datetimes(pl.Series([item.example]), formats=[item.name],
                                 column="c", source="s")
        assert reading.values.null_count() == 0, item.name
        assert reading.format == item.name


def test_result_is_the_contracts_timestamp_type_and_keeps_empty_values_empty():
    series = parse_datetimes(pl.Series(["2024-01-12", "", None, "  2024-01-13 "]),
                             column="c", source="s")
    assert series.dtype == pl.Datetime("us")
    assert series.to_list() == [D(2024, 1, 12), None, None, D(2024, 1, 13)]
    assert load_contract("activity").field("occurred_at").physical_type == "timestamp"


def test_naive_times_are_read_in_the_given_time_zone_and_offsets_win():
    values = ["2024-07-01 12:00", "2024-01-15 12:00", "2024-07-01T12:00:00+00:00"]
    assert read(values) == [D(2024, 7, 1, 12), D(2024, 1, 15, 12), D(2024, 7, 1, 12)]
    assert read(values, timezone="Europe/Berlin") == [
        D(2024, 7, 1, 10), D(2024, 1, 15, 11), D(2024, 7, 1, 12)]
    assert read(["01/09/2024 2:46 PM"], timezone="America/New_York",
                formats=["MM/DD/YYYY"]) == [D(2024, 1, 9, 19, 46)]
    # Epoch values are UTC by definition.
    assert read(["1704812933"], timezone="Asia/Tokyo") == [D(2024, 1, 9, 15, 8, 53)]


def test_a_time_skipped_by_daylight_saving_is_named():
    with pytest.raises(InputError, match=r"row 2: '2024-03-31 02:30' is a time that does not "
                                         r"exist in Europe/Berlin"):
        read(["2024-03-31 01:30", "2024-03-31 02:30"], timezone="Europe/Berlin")
    # A time that happens twice (clocks back) is read as its first occurrence.
    assert read(["2024-10-27 02:30"], timezone="Europe/Berlin") == [D(2024, 10, 27, 0, 30)]


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(InputError, match="Unknown time zone 'Mars/Base'"):
        read(["2024-01-12"], timezone="Mars/Base")


def test_a_column_read_both_ways_asks_which_it_is():
    with pytest.raises(InputError) as caught:
        read(["03/05/2024", "04/06/2024", "03/05/2024"])
    text = str(caught.value)
    assert "export.csv" in text and "'when'" in text and "'03/05/2024'" in text
    assert "05 March 2024 as MM/DD/YYYY" in text and "03 May 2024 as DD/MM/YYYY" in text
    assert "--date-format when=MM/DD/YYYY" in text and "--date-format when=DD/MM/YYYY" in text


def test_ambiguity_is_settled_by_a_format_or_day_first_and_absent_when_readings_agree():
    values = ["03/05/2024", "04/06/2024"]
    assert read(values, formats=["MM/DD/YYYY"]) == [D(2024, 3, 5), D(2024, 4, 6)]
    assert read(values, formats=["dd/mm/yyyy"]) == [D(2024, 5, 3), D(2024, 6, 4)]
    assert read(values, day_first=True) == [D(2024, 5, 3), D(2024, 6, 4)]
    assert read(values, day_first=False) == [D(2024, 3, 5), D(2024, 4, 6)]
    assert read(["05/05/2024", "12/12/2024"]) == [D(2024, 5, 5), D(2024, 12, 12)]
    # One value past the 12th settles the whole column.
    assert read(["03/05/2024", "25/05/2024"]) == [D(2024, 5, 3), D(2024, 5, 25)]


def test_an_unreadable_value_gets_one_message_with_rows_and_the_formats_understood():
    with pytest.raises(InputError) as caught:
        parse_datetimes(pl.Series(["2024-01-12", "soon", "2024-01-13", "n/a"]),
                        column="when", source="export.csv", row_offset=10)
    error = caught.value
    assert "export.csv" in error.message and "'when'" in error.message
    assert "2 values that cannot be read as a date" in error.message
    for item in DATE_FORMATS:
        assert f"{item.name} (e.g. {item.example})" in error.message
    assert error.problems == ["row 12: 'soon'", "row 14: 'n/a'"]


def test_a_column_mixing_formats_names_both_rows():
    with pytest.raises(InputError, match=r"mixes date formats: row 1 has '2024-01-05' "
                                         r"\(YYYY-MM-DD\) but row 3 has '15/03/2024'"):
        read(["2024-01-05", "2024-02-01", "15/03/2024"])
    with pytest.raises(InputError, match="mixes date formats"):
        read(["1704812933", "1704812933000"])


def test_serials_are_read_when_declared_or_unmistakable():
    assert read(["45303", "45304.25"]) == [D(2024, 1, 12), D(2024, 1, 13, 6)]
    with pytest.raises(InputError, match="cannot be read as a date"):
        read(["12", "40"])  # small numbers: not plainly dates
    assert read(["12"], formats=["serial"]) == [D(1900, 1, 11)]


def test_a_custom_pattern_and_an_unknown_format_name():
    assert read(["12 Jan 2024 10:30"], formats=["%d %b %Y %H:%M"]) == [D(2024, 1, 12, 10, 30)]
    with pytest.raises(InputError, match="Unknown date format 'MM-YYYY'.*YYYY-MM-DD"):
        read(["2024-01-12"], formats=["MM-YYYY"])


def test_dates_are_calendar_dates():
    dates = parse_dates(pl.Series(["08.01.2024", "31.12.2024"]), column="d", source="s")
    assert dates.dtype == pl.Date
    assert dates.to_list() == [dt.date(2024, 1, 8), dt.date(2024, 12, 31)]


def test_date_share_judges_a_sample():
    assert date_share(pl.Series(["2024-01-12", "2024-01-13"])) == 1.0
    assert date_share(pl.Series(["abc", "2024-01-13"])) == 0.5
    assert date_share(pl.Series(["", None], dtype=pl.String)) == 0.0


@pytest.mark.parametrize(("values", "decimal_comma", "expected"), [
    (["1.234,5", "12,5", "-3"], True, [1234.5, 12.5, -3.0]),
    (["1 234,5"], True, [1234.5]),
    (["12.5", "+3"], False, [12.5, 3.0]),
    (["12,5", "1.234,75"], None, [12.5, 1234.75]),
    (["1,234", "2,500"], None, [None, None]),  # thousands or decimals? not guessed
    (["12,5", "3.25"], None, [None, 3.25]),
    (["lots", ""], True, [None, None]),
])
def test_numbers_with_decimal_commas(values, decimal_comma, expected):
    assert parse_numbers(pl.Series(values), decimal_comma=decimal_comma).to_list() == expected


def test_conform_reads_numbers_with_a_decimal_comma_when_told():
    frame = pl.DataFrame({"account_id": ["A1"], "annual_value": ["1.234,5"]})
    contract = load_contract("accounts")
    assert conform(frame, contract)["annual_value"].to_list() == [None]
    told = conform(frame, contract, state=ConformState(dates=DateOptions(decimal_comma=True)))
    assert told["annual_value"].to_list() == [1234.5]


def _accounts(contract_start: list[str]) -> pl.DataFrame:
    n = len(contract_start)
    return pl.DataFrame({
        "account_id": [f"A{i}" for i in range(n)], "name": ["Acme"] * n,
        "segment": ["smb"] * n, "owner": ["Jo"] * n, "annual_value": ["100"] * n,
        "contract_start": contract_start, "renewal_date": ["2027-01-01"] * n,
        "lifecycle_stage": ["adoption"] * n})


def test_validation_refuses_an_unreadable_date_once_without_an_empty_failure():
    frame = _accounts(["2022-01-05", "someday", "2022-02-01"])
    with pytest.raises(InputError) as caught:
        validate(frame, "accounts", gx="off", source="crm.csv")
    text = str(caught.value)
    assert "crm.csv" in text and "contract_start" in text and "row 2: 'someday'" in text
    assert "is empty" not in text and "YYYY-MM-DD (e.g." in text


def test_validation_takes_the_date_options_in_force():
    frame = _accounts(["03/05/2022", "04/06/2022"])
    with pytest.raises(InputError, match="month first and day first"):
        validate(frame, "accounts", gx="off")
    with date_options(DateOptions(formats={"contract_start": "DD/MM/YYYY"})):
        report = validate(frame, "accounts", gx="off")
    assert report.valid
    with (pytest.raises(InputError, match="Unknown date format"),
          date_options(DateOptions(formats={"contract_start": "sometime"}))):
        pass


def test_a_format_chosen_in_one_chunk_holds_for_the_next():
    # The second chunk alone would be ambiguous; the first settled it as day first.
    frame = _accounts(["25/12/2021", "03/05/2022", "04/06/2022"])
    report = validate(frame, "accounts", gx="off", chunk_rows=1)
    assert report.valid


def test_cli_takes_date_format_and_timezone(tmp_path, cli):
    path = tmp_path / "activity.csv"
    path.write_text(
        "event_id,account_id,person_id,actor_type,occurred_at,source_function,kind,channel,"
        "automated\nE1,A1,p1,customer,03/05/2024 2:46 PM,support,question_asked,chat,false\n"
        "E2,A1,p1,customer,04/06/2024 9:00 AM,support,question_asked,chat,false\n",
        encoding="utf-8")
    done = cli("validate", str(path), "--gx", "off")
    assert done.code == 2 and "--date-format occurred_at=MM/DD/YYYY" in done.stderr
    done = cli("validate", str(path), "--gx", "off", "--date-format",
               "occurred_at=MM/DD/YYYY", "--timezone", "Europe/Berlin")
    assert done.code in (0, 1) and "month first" not in done.stdout + done.stderr
    done = cli("validate", str(path), "--gx", "off", "--date-format", "occurred_at")
    assert done.code == 2 and "COLUMN=FORMAT" in done.stderr
    done = cli("validate", str(path), "--gx", "off", "--timezone", "Nowhere")
    assert done.code == 2 and "Unknown time zone" in done.stderr


# Round trips: a date-time written in a format reads back as itself.
MOMENTS = st.datetimes(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0))
WRITERS = {
    "YYYY-MM-DD": lambda m: m.strftime("%Y-%m-%dT%H:%M:%S"),
    "YYYY/MM/DD": lambda m: m.strftime("%Y/%m/%d %H:%M:%S"),
    "MM/DD/YYYY": lambda m: m.strftime("%m/%d/%Y %I:%M:%S %p"),
    "DD/MM/YYYY": lambda m: m.strftime("%d/%m/%Y %H:%M:%S"),
    "DD.MM.YYYY": lambda m: m.strftime("%d.%m.%Y %H:%M:%S"),
    "DD-MM-YYYY": lambda m: m.strftime("%d-%m-%Y %H:%M:%S"),
    "epoch-s": lambda m: str(int(m.replace(tzinfo=dt.UTC).timestamp())),
    "epoch-ms": lambda m: str(int(m.replace(tzinfo=dt.UTC).timestamp()) * 1000),
    "serial": lambda m: repr((m - D(1899, 12, 30)) / dt.timedelta(days=1)),
}


def test_every_declared_format_has_a_round_trip():
    assert set(WRITERS) == {item.name for item in DATE_FORMATS}


@settings(max_examples=60, deadline=None)
@given(moments=st.lists(MOMENTS, min_size=1, max_size=8), name=st.sampled_from(sorted(WRITERS)))
def test_a_datetime_written_in_a_format_reads_back(moments, name):
    written = [WRITERS[name](m) for m in moments]
    back = read(written, formats=[name])  # type: ignore[arg-type]
    if name == "serial":  # a float day count is exact only to the millisecond
        assert all(abs(b - m) < dt.timedelta(milliseconds=1)
                   for b, m in zip(back, moments, strict=True))  # type: ignore[operator]
    else:
        assert back == moments


@settings(max_examples=40, deadline=None)
@given(moments=st.lists(MOMENTS, min_size=1, max_size=8),
       offset=st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_an_offset_is_converted_to_utc(moments, offset):
    zone = dt.timezone(dt.timedelta(minutes=offset))
    written = [m.replace(tzinfo=dt.UTC).astimezone(zone).isoformat() for m in moments]
    assert read(written) == moments  # type: ignore[arg-type]


def test_the_contracts_page_lists_every_format_understood():
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "contracts.md").read_text(encoding="utf-8")
    for item in DATE_FORMATS:
        assert f"| `{item.name}` | `{item.example}` |" in page
    assert "--timezone" in page and "--date-format COLUMN=FORMAT" in page


def test_repeated_values_are_read_once_and_land_on_every_row():
    values = ["2024-01-12 08:00", None, "12/01/2024 8:00"] * 4
    with pytest.raises(InputError, match="mixes date formats: row 1 .* row 3"):
        read(values)
    values = ["13/01/2024", "", "03/05/2024"] * 5
    assert read(values) == [D(2024, 1, 13), None, D(2024, 5, 3)] * 5
    with pytest.raises(InputError) as caught:
        read(["2024-01-12", "never"] * 4)
    assert caught.value.problems == ["row 2: 'never'", "row 4: 'never'", "row 6: 'never'",
                                     "row 8: 'never'"]


@settings(max_examples=60, deadline=None)
@given(numbers=st.lists(st.decimals(min_value=-10**9, max_value=10**9, places=2,
                                    allow_nan=False, allow_infinity=False), min_size=1))
def test_a_number_written_with_a_decimal_comma_reads_back(numbers):
    def written(number):  # 1234567.5 -> 1.234.567,50
        whole, _, cents = f"{abs(number):,.2f}".partition(".")
        return ("-" if number < 0 else "") + whole.replace(",", ".") + "," + cents
    back = parse_numbers(pl.Series([written(n) for n in numbers]), decimal_comma=True)
    assert back.to_list() == [float(n) for n in numbers]


def test_a_column_not_in_the_declared_format_is_read_in_the_one_known_format_that_fits() -> None:
    import polars as pl

    from playbooks.data.datetimes import read_datetimes
    from playbooks.errors import InputError

    us = pl.Series("Created at", ["03/02/2026 09:14", "03/15/2026 10:00"])
    reading = read_datetimes(us, formats=["YYYY-MM-DD"], column="Created at", source="t.csv",
                             fallback=True)
    assert reading.format == "MM/DD/YYYY"
    assert reading.values.dt.day().to_list() == [2, 15]
    ambiguous = pl.Series("Created at", ["03/02/2026 09:14", "04/05/2026 10:00"])
    try:
        read_datetimes(ambiguous, formats=["YYYY-MM-DD"], column="Created at", source="t.csv",
                       fallback=True)
    except InputError as refused:
        assert "Created at" in refused.message
    else:
        raise AssertionError("an ambiguous column must be refused, not guessed")
    try:  # the user's own format (--date-format) is kept to
        read_datetimes(us, formats=["YYYY-MM-DD"], column="Created at", source="t.csv")
    except InputError as refused:
        assert "cannot be read as a date" in refused.message
    else:
        raise AssertionError("a format the user named must not be replaced")
