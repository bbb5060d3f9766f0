"""Recipes: every shipped recipe turns its fixture export into the expected rows; the format,
the reader options, recognition and the messages hold what they promise.

A shipped recipe `tools/<id>.yaml` needs `tests/data/exports/<id>.<ext>` (an export written
from the tool's documentation) and `<id>.expected.yaml` beside it:

    rows: {ticket_opened: 7, ticket_closed: 4}   # rows per kind (or {<table>: N})
    examples:                                     # found by source_row (and kind)
      - {source_row: 2, kind: ticket_opened, event_id: helpdesk-4502-ticket_opened}

Dates are written ISO 8601 (`2026-03-02T10:02:55`), booleans true/false, empty as `~`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from playbooks.data.recipes.catalogue import TOOLS_DIR, parse_recipe, shipped_recipes
from playbooks.data.recipes.engine import SOURCE_ROW, convert_rows
from playbooks.data.recipes.recognise import recognise
from playbooks.data.recipes.schema import Recipe
from playbooks.errors import InputError, KnowledgeError

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
RECIPE_IDS = sorted(p.stem for p in TOOLS_DIR.glob("*.yaml"))


def fixture_of(recipe_id: str) -> Path:
    found = [p for p in EXPORTS.glob(f"{recipe_id}.*") if not p.name.endswith(".expected.yaml")]
    assert len(found) == 1, (
        f"recipe {recipe_id} needs exactly one fixture export tests/data/exports/{recipe_id}.<ext>"
        f" (found {[p.name for p in found]})"
    )
    return found[0]


def as_expected(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_the_zendesk_recipe_is_shipped() -> None:
    assert "zendesk_tickets" in RECIPE_IDS


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_shipped_recipe_makes_the_expected_rows(recipe_id: str) -> None:
    recipe = shipped_recipes()[recipe_id]
    export = fixture_of(recipe_id)
    expected_file = EXPORTS / f"{recipe_id}.expected.yaml"
    assert expected_file.exists(), f"recipe {recipe_id} needs {expected_file.name}"
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    rows = convert_rows(export, recipe)
    if recipe.table == "activity":
        counts = dict(rows.group_by("kind").len().iter_rows())
    else:
        counts = {recipe.table: rows.height}
    assert counts == expected["rows"]
    assert expected.get("examples"), f"{expected_file.name} lists no example rows"
    for example in expected["examples"]:
        chosen = rows.filter(pl.col(SOURCE_ROW) == example["source_row"])
        if "kind" in example:
            chosen = chosen.filter(pl.col("kind") == example["kind"])
        assert chosen.height == 1, f"{example} matches {chosen.height} rows"
        got = {k: as_expected(v) for k, v in chosen.row(0, named=True).items()}
        assert {k: got.get(k, "(no such column)") for k in example} == example


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_shipped_recipe_recognises_its_own_export_only(recipe_id: str) -> None:
    match = recognise(fixture_of(recipe_id), shipped_recipes().values())
    assert match is not None and match.recipe.id == recipe_id


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_shipped_recipe_never_keeps_an_email_address(recipe_id: str) -> None:
    rows = convert_rows(fixture_of(recipe_id), shipped_recipes()[recipe_id])
    for column in ("person_id", "event_id"):
        if column in rows.columns:
            assert not rows.get_column(column).str.contains("@").any(), column


def test_hashed_person_id_is_the_sha256_of_the_lower_cased_email() -> None:
    rows = convert_rows(EXPORTS / "zendesk_tickets.csv", shipped_recipes()["zendesk_tickets"])
    digest = hashlib.sha256(b"luis.ortega@northwind.example").hexdigest()[:16]
    assert rows.filter(pl.col(SOURCE_ROW) == 2).get_column("person_id")[0] == f"p-{digest}"


# --- a small recipe written for the reader options ------------------------------------------

BASE = {
    "id": "test_tool",
    "tool": "Test tool",
    "table": "activity",
    "source": "testing",
    "written_from": "the tests",
    "recognise": {"all_columns": ["Id", "Email", "When"]},
    "value_maps": {"Colour": {"values": {"Yellow": "amber", "GREEN": "green"}}},
    "events": [
        {
            "kind": "login",
            "id_from": ["Id"],
            "columns": {
                "occurred_at": {"column": "When"},
                "person_id": {"hash": "Email"},
                "account_ref": {"domain_of": "Email"},
                "feature": {"map": "Colour"},
            },
            "account_ref_kind": "domain",
            "constants": {
                "source_function": "product",
                "actor_type": "customer",
                "channel": "product",
                "automated": False,
            },
        }
    ],
}


def make_recipe(tmp_path: Path, **changes: Any) -> Recipe:
    data = {**BASE, **changes}
    path = tmp_path / "test_tool.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return parse_recipe(path)


def test_windows_1252_with_preamble_footer_and_semicolons(tmp_path: Path) -> None:
    recipe = make_recipe(
        tmp_path,
        read={"encoding": "windows-1252", "delimiter": ";", "skip_rows": 2, "footer_lines": 1},
        timezone="Europe/Berlin",
        datetime_formats=["DD.MM.YYYY"],
    )
    export = tmp_path / "export.csv"
    text = (
        "Bericht: Anmeldungen\nErstellt am 01.03.2026\n"
        "Id;Email;When;Colour\n1;josé@müller.example;02.03.2026 10:00;yellow\n"
        "2;ANA@Example.COM;03.03.2026 09:30;Green\nSumme;2;;\n"
    )
    export.write_bytes(text.encode("cp1252"))
    rows = convert_rows(export, recipe)
    assert rows.get_column("account_ref").to_list() == ["müller.example", "example.com"]
    assert rows.get_column("feature").to_list() == ["amber", "green"]
    # 10:00 in Berlin (winter time) is 09:00 UTC
    assert rows.get_column("occurred_at")[0] == dt.datetime(2026, 3, 2, 9, 0)
    assert rows.get_column(SOURCE_ROW).to_list() == [1, 2]


def test_a_multi_section_report_reads_only_its_block(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path, read={"section": {"start": "Attendee Details"}})
    export = tmp_path / "report.csv"
    export.write_text(
        "\ufeffWebinar Report\nTopic,Id\nLaunch,99\n\nAttendee Details,,\n"
        "Id,Email,When,Colour\n7,a@x.example,2026-03-02 10:00,Yellow\n\n"
        "Other Details,,\nId,Email\n8,b@y.example\n",
        encoding="utf-8",
    )
    rows = convert_rows(export, recipe)
    assert rows.get_column("event_id").to_list() == ["testing-7-login"]
    assert recognise(export, [recipe]) is not None


def test_json_lines_with_nested_fields_and_epoch_times(tmp_path: Path) -> None:
    events = [dict(BASE["events"][0])]  # type: ignore[index]
    events[0]["columns"] = {
        "occurred_at": {"column": "properties.time"},
        "person_id": {"column": "properties.distinct_id"},
        "account_id": {"column": "properties.account"},
        "feature": {"column": "event"},
    }
    events[0].pop("account_ref_kind")
    events[0]["id_from"] = ["properties.$insert_id"]
    recipe = make_recipe(
        tmp_path,
        read={"format": "jsonl"},
        recognise={"all_columns": ["event", "properties.time"]},
        events=events,
        value_maps={},
    )
    export = tmp_path / "events.jsonl"
    export.write_text(
        '{"event": "Report Built", "properties": {"time": 1772445600, "distinct_id": "u1", '
        '"account": "ACC-1", "$insert_id": "x1"}}\n'
        '{"event": "Login", "properties": {"time": 1772449200, "distinct_id": "u2", '
        '"account": "ACC-2", "$insert_id": "x2"}}\n',
        encoding="utf-8",
    )
    rows = convert_rows(export, recipe)
    assert rows.get_column("occurred_at").to_list() == [
        dt.datetime(2026, 3, 2, 10, 0),
        dt.datetime(2026, 3, 2, 11, 0),
    ]
    assert rows.get_column("event_id").to_list() == ["testing-x1-login", "testing-x2-login"]
    assert recognise(export, [recipe]) is not None


def test_a_value_missing_from_a_value_map_names_file_row_column_and_value(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path)
    export = tmp_path / "export.csv"
    export.write_text(
        "Id,Email,When,Colour\n1,a@x.example,2026-03-02,Green\n2,b@x.example,2026-03-02,Mauve\n"
    )
    with pytest.raises(InputError) as caught:
        convert_rows(export, recipe)
    assert "export.csv" in str(caught.value)
    assert "row 2, column 'Colour': 'Mauve' is not in the recipe's value map" in str(caught.value)


def test_other_keeps_or_replaces_unmapped_values(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("Id,Email,When,Colour\n1,a@x.example,2026-03-02,Mauve\n")
    kept = make_recipe(tmp_path, value_maps={"Colour": {"values": {"x": "y"}, "other": "keep"}})
    assert convert_rows(export, kept).get_column("feature").to_list() == ["Mauve"]
    other = make_recipe(tmp_path, value_maps={"Colour": {"values": {"x": "y"}, "other": "grey"}})
    assert convert_rows(export, other).get_column("feature").to_list() == ["grey"]


def test_a_bad_date_names_its_row(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "Id,Email,When,Colour\n1,a@x.example,2026-03-02,Green\n2,b@x.example,soon,Green\n"
    )
    with pytest.raises(InputError, match="row 2"):
        convert_rows(export, make_recipe(tmp_path))


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("Id,Email,When\n1,a@x.example,2026-03-02\n")
    with pytest.raises(InputError, match="needs the column 'Colour'"):
        convert_rows(export, make_recipe(tmp_path))


def test_filters_and_where_choose_rows(tmp_path: Path) -> None:
    events = [dict(BASE["events"][0])]  # type: ignore[index]
    events[0]["where"] = [{"column": "Colour", "in": ["green"]}]
    recipe = make_recipe(
        tmp_path, filters=[{"column": "Email", "matches": r"@x\.example$"}], events=events
    )
    export = tmp_path / "export.csv"
    export.write_text(
        "Id,Email,When,Colour\n1,a@x.example,2026-03-02,Green\n"
        "2,b@staff.example,2026-03-02,Green\n3,c@x.example,2026-03-02,Yellow\n"
    )
    assert convert_rows(export, recipe).get_column("event_id").to_list() == ["testing-1-login"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "colour: unknown key"),
        ({"table": "tickets"}, "table:"),
        ({"read": {"encoding": "latin-9"}}, "read.encoding:"),
    ],
)
def test_a_bad_recipe_names_the_file_and_key(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(KnowledgeError) as caught:
        make_recipe(tmp_path, **change)
    assert "test_tool.yaml" in str(caught.value) and message in str(caught.value)


def test_a_recipe_refuses_an_unknown_kind_and_column(tmp_path: Path) -> None:
    events = [dict(BASE["events"][0])]  # type: ignore[index]
    events[0]["kind"] = "ticket_reopened"
    events[0]["constants"] = {**events[0]["constants"], "mood": "happy"}
    with pytest.raises(KnowledgeError) as caught:
        make_recipe(tmp_path, events=events)
    text = str(caught.value)
    assert "events[0].kind: unknown kind 'ticket_reopened'" in text
    assert "events[0].constants.mood: not a column" in text


def test_a_recipe_refuses_a_key_given_twice(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text("id: a\nid: b\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="appears twice"):
        parse_recipe(path)


def test_two_recipes_fitting_one_file_is_an_error_naming_both(tmp_path: Path) -> None:
    first = make_recipe(tmp_path)
    second = first.model_copy(update={"id": "other_tool", "tool": "Other tool"})
    export = tmp_path / "export.csv"
    export.write_text("Id,Email,When,Colour\n1,a@x.example,2026-03-02,Green\n")
    with pytest.raises(InputError, match="test_tool .*other_tool.*--recipe"):
        recognise(export, [first, second])
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("a,b\n1,2\n")
    assert recognise(unknown, [first, second]) is None


def test_convert_export_writes_contract_rows_with_resolved_accounts(tmp_path: Path) -> None:
    from playbooks.data.contracts import load_contract
    from playbooks.data.recipes.convert import convert_export

    accounts = pl.DataFrame(
        {
            "account_id": ["A1", "A2"],
            "name": ["Northwind Traders", "Contoso Ltd"],
            "domain": ["northwind.example", "contoso.example"],
        }
    )
    recipe = shipped_recipes()["zendesk_tickets"]
    done = convert_export(
        EXPORTS / "zendesk_tickets.csv", recipe, folder=tmp_path, accounts=accounts
    )
    rows = pl.read_parquet(done.path)
    assert rows.columns == load_contract("activity").column_names
    assert (done.rows_in, done.rows_out) == (8, 7)
    # fabrikam.example (rows 5 and 7: two opened, two closed) is no known account
    assert done.unmatched == 4 and done.unmatched_reasons == {
        "no account with this domain; no similar name": 4}
    assert sorted(set(rows.get_column("account_id"))) == ["A1", "A2"]
    # three domains; the organization's name is looked up only for the rows no domain matched
    assert done.resolution is not None and done.resolution.height == 4
    assert done.resolution.filter(pl.col("ref_kind") == "name").get_column("rows").to_list() == [4]
    done.discard()
    assert list(tmp_path.iterdir()) == []


def test_convert_export_needs_accounts_for_references(tmp_path: Path) -> None:
    from playbooks.data.recipes.convert import convert_export

    with pytest.raises(InputError, match="import the accounts table first"):
        convert_export(
            EXPORTS / "zendesk_tickets.csv", shipped_recipes()["zendesk_tickets"], folder=tmp_path
        )
    assert list(tmp_path.iterdir()) == []


def test_recipes_page_is_current() -> None:
    from playbooks.data.recipes.docs import render_recipes_markdown

    page = Path(__file__).resolve().parents[1] / "docs" / "recipes.md"
    assert page.read_text(encoding="utf-8") == render_recipes_markdown(
        shipped_recipes().values()
    ), "docs/recipes.md is stale: run `playbooks recipes docs --out docs/recipes.md`"


def test_recipes_page_describes_every_key_and_recipe() -> None:
    from playbooks.data.recipes.docs import MODELS, render_recipes_markdown

    page = render_recipes_markdown(shipped_recipes().values())
    for _title, model in MODELS:
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"
            assert f"| `{info.alias or name}` |" in page
    for recipe_id in RECIPE_IDS:
        assert f"(`{recipe_id}`)" in page


def test_recipes_commands(tmp_path: Path, cli: Any) -> None:
    listed = cli("recipes", "list")
    assert listed.code == 0 and "zendesk_tickets" in listed.stdout
    checked = cli(
        "recipes",
        "check",
        TOOLS_DIR / "zendesk_tickets.yaml",
        "--export",
        EXPORTS / "zendesk_tickets.csv",
    )
    assert checked.code == 0, checked.stderr
    assert "ticket_opened: 7" in checked.stdout and "recognised" in checked.stdout
    bad = tmp_path / "mine.yaml"
    bad.write_text("id: mine\ntool: Mine\n", encoding="utf-8")
    refused = cli("recipes", "check", bad)
    assert refused.code == 2 and "Traceback" not in refused.stderr
    assert "mine.yaml" in refused.stderr and "table: required key is missing" in refused.stderr


ACCOUNTS_CSV = (
    "account_id,name,segment,owner,annual_value,contract_start,renewal_date,lifecycle_stage,"
    "domain\n"
    "A1,Northwind Traders,enterprise,Priya,120000,2025-01-01,2027-01-01,adoption,"
    "northwind.example\n"
    "A2,Contoso Ltd,mid_market,Tom,40000,2025-06-01,2026-12-01,onboarding,contoso.example\n"
)


def test_import_recognises_a_zendesk_export_and_says_so(tmp_path: Path, cli: Any) -> None:
    from playbooks.data.sources import read_sources

    accounts = tmp_path / "accounts.csv"
    accounts.write_text(ACCOUNTS_CSV, encoding="utf-8")
    folder = tmp_path / "ws"
    done = cli("import", accounts, EXPORTS / "zendesk_tickets.csv", "-w", folder)
    assert done.code == 0, done.stderr
    assert "zendesk_tickets.csv: Zendesk tickets (recipe zendesk_tickets)" in done.stdout
    assert "4 rows made from it name no known account" in done.stdout
    assert "zendesk_tickets.csv -> source helpdesk (activity): 0 rows before, 7 after" in (
        done.stdout
    )
    helpdesk = [s for s in read_sources(folder) if s.source == "helpdesk"]
    assert helpdesk and helpdesk[0].recipe == "zendesk_tickets" and helpdesk[0].rows == 7
    assert helpdesk[0].files[0].original_file == "zendesk_tickets.csv"
    assert helpdesk[0].unmatched == 4
    assert helpdesk[0].unmatched_reasons == {
        "no account with this domain; no similar name": 4}
    assert (folder / "crosswalk.parquet").exists()
    assert not list(folder.glob(".recipe-*"))


def test_import_with_an_unknown_recipe_or_a_failing_export_changes_nothing(
    tmp_path: Path, cli: Any
) -> None:
    folder = tmp_path / "ws"
    unknown = cli("import", EXPORTS / "zendesk_tickets.csv", "--recipe", "zendsk", "-w", folder)
    assert unknown.code == 2 and "there is no such recipe" in unknown.stderr
    export = tmp_path / "tickets.csv"
    export.write_text((EXPORTS / "zendesk_tickets.csv").read_text(encoding="utf-8-sig"))
    # no accounts anywhere: the references cannot be matched, and nothing is written
    refused = cli("import", export, "--recipe", "tickets.csv=zendesk_tickets", "-w", folder)
    assert refused.code == 2 and "import the accounts table first" in refused.stderr
    assert not folder.exists() or not any(folder.iterdir())


def test_import_of_an_unknown_file_matches_columns_as_before(tmp_path: Path, cli: Any) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(ACCOUNTS_CSV, encoding="utf-8")
    done = cli("import", accounts, "-w", tmp_path / "ws")
    assert done.code == 0, done.stderr
    assert "recipe" not in done.stdout


@pytest.mark.slow
def test_bench_recipes_runs_at_tiny_scale() -> None:
    import json
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_recipes.py"
    done = subprocess.run(
        [sys.executable, str(script), "--rows", "3000"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    steps = {s["step"]: s for s in map(json.loads, done.stdout.splitlines())}
    assert steps["polars"]["rows"] == steps["recipe"]["rows"] == steps["import"]["rows"] == 3000
    # page views are left out by the recipe; every other event has an account
    assert 0 < steps["recipe"]["rows_out"] < 3000
    assert steps["import"]["rows_out"] == steps["recipe"]["rows_out"]  # all of them imported


def test_a_bad_date_after_filtered_rows_names_the_file_row(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path, filters=[{"column": "Email", "not_empty": True}])
    export = tmp_path / "export.csv"
    export.write_text(
        "Id,Email,When,Colour\n1,,garbage,Green\n2,a@x.example,1772445600,Green\n"
        "3,b@x.example,1772449200,Green\n4,c@x.example,last tuesday,Green\n"
    )
    with pytest.raises(InputError) as caught:
        convert_rows(export, recipe)
    assert "row 4: 'last tuesday'" in str(caught.value)
    assert "garbage" not in str(caught.value)
    export.write_text("Id,Email,When,Colour\n1,,garbage,Green\n2,a@x.example,1772445600,Green\n")
    assert convert_rows(export, recipe).get_column("occurred_at").to_list() == [
        dt.datetime(2026, 3, 2, 10, 0)
    ]


def test_decimal_commas_and_dates_in_a_health_snapshots_recipe(tmp_path: Path) -> None:
    path = tmp_path / "health.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "id": "health",
                "tool": "Health export",
                "table": "health_snapshots",
                "source": "cs_platform",
                "written_from": "the tests",
                "recognise": {"all_columns": ["Konto", "Woche", "Wert"]},
                "read": {"delimiter": ";", "decimal_comma": True},
                "datetime_formats": ["DD.MM.YYYY"],
                "value_maps": {"Ampel": {"values": {"Gelb": "amber", "Grün": "green"}}},
                "events": [
                    {
                        "columns": {
                            "account_id": {"column": "Konto"},
                            "week": {"column": "Woche"},
                            "health_score": {"column": "Wert"},
                            "health_colour": {"map": "Ampel"},
                        }
                    }
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    recipe = parse_recipe(path)
    export = tmp_path / "health.csv"
    export.write_text(
        "Konto;Woche;Wert;Ampel\nA1;02.03.2026;72,5;gelb\nA2;02.03.2026;1.000,0;GRÜN\n"
    )
    rows = convert_rows(export, recipe)
    assert rows.get_column("health_score").to_list() == [72.5, 1000.0]
    assert rows.get_column("week").to_list() == [dt.date(2026, 3, 2)] * 2
    assert rows.get_column("health_colour").to_list() == ["amber", "green"]
    export.write_text("Konto;Woche;Wert;Ampel\nA1;02.03.2026;viel;Gelb\n")
    with pytest.raises(InputError, match="row 1, column 'Wert': 'viel' is not a number"):
        convert_rows(export, recipe)


def test_csv_read_options_are_refused_for_json_lines(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="read: .*skip_rows: for CSV files only"):
        make_recipe(tmp_path, read={"format": "jsonl", "skip_rows": 2})


def test_optional_columns_read_as_empty_when_missing(tmp_path: Path) -> None:
    events = [dict(BASE["events"][0])]  # type: ignore[index]
    events[0]["columns"] = {**events[0]["columns"], "question_text": {"column": "Title"}}
    recipe = make_recipe(tmp_path, events=events, optional_columns=["Title"])
    export = tmp_path / "export.csv"
    export.write_text("Id,Email,When,Colour\n1,a@x.example,2026-03-02,Green\n")
    assert convert_rows(export, recipe).get_column("question_text").to_list() == [None]


def test_footer_from_drops_a_footer_of_any_length(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path, read={"footer_from": "Grand Totals"})
    export = tmp_path / "export.csv"
    for footer in (
        "",
        "\nGrand Totals (2 records)\n",
        "\n\nGrand Totals (2 records)\n\nConfidential\n",
    ):
        export.write_text(
            "Id,Email,When,Colour\n1,a@x.example,2026-03-02,Green\n2,b@x.example,2026-03-02,Green\n"
            + footer
        )
        assert convert_rows(export, recipe).height == 2, footer


def test_a_list_value_in_json_lines_reads_its_first_item(tmp_path: Path) -> None:
    events = [dict(BASE["events"][0])]  # type: ignore[index]
    events[0]["columns"] = {
        "occurred_at": {"column": "time"},
        "person_id": {"column": "user"},
        "account_ref": {"column": "groups.company"},
    }
    events[0]["id_from"] = ["id"]
    recipe = make_recipe(
        tmp_path,
        read={"format": "jsonl"},
        recognise={"all_columns": ["id", "time"]},
        events=events,
        value_maps={},
    )
    export = tmp_path / "events.jsonl"
    export.write_text(
        '{"id": "e1", "time": "2026-03-02T10:00:00Z", "user": "u1", '
        '"groups": {"company": ["ws_1"]}}\n'
        '{"id": "e2", "time": "2026-03-02T11:00:00Z", "user": "u2", "groups": {"company": []}}\n'
    )
    assert convert_rows(export, recipe).get_column("account_ref").to_list() == ["ws_1", None]


def test_health_snapshots_may_name_accounts_by_reference(tmp_path: Path) -> None:
    path = tmp_path / "health.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "id": "health",
                "tool": "Health export",
                "table": "health_snapshots",
                "source": "cs_platform",
                "written_from": "the tests",
                "recognise": {"all_columns": ["Company", "Week"]},
                "events": [
                    {
                        "columns": {
                            "account_ref": {"column": "Company"},
                            "week": {"column": "Week"},
                            "health_score": {"column": "Score"},
                        },
                        "account_ref_kind": "name",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    recipe = parse_recipe(path)
    export = tmp_path / "health.csv"
    export.write_text(
        "Company,Week,Score\nNorthwind Traders,2026-03-02,70\nNobody Inc,2026-03-02,10\n"
    )
    from playbooks.data.recipes.convert import convert_export

    accounts = pl.DataFrame({"account_id": ["A1"], "name": ["Northwind Traders"]})
    done = convert_export(export, recipe, folder=tmp_path / "ws", accounts=accounts)
    rows = pl.read_parquet(done.path)
    assert rows.get_column("account_id").to_list() == ["A1"] and done.unmatched == 1
    done.discard()


def test_footer_lines_count_blank_lines_too(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path, read={"footer_lines": 3})
    export = tmp_path / "export.csv"
    export.write_text(
        "Id,Email,When,Colour\n1,a@x.example,2026-03-02,Green\n2,b@x.example,2026-03-02,Green\n"
        "\nGrand Totals (2 records)\n\n"
    )
    assert convert_rows(export, recipe).get_column("event_id").to_list() == [
        "testing-1-login",
        "testing-2-login",
    ]


SURVEY_RECIPE = """\
id: feedback_survey
tool: Feedback survey responses
table: activity
source: surveys
written_from: A test export.
recognise:
  all_columns: [Response ID, Submitted At, Respondent Email, Comment]
datetime_formats: [DD/MM/YYYY]
events:
  - kind: review
    id_from: [Response ID]
    columns:
      occurred_at: {column: Submitted At}
      person_id: {hash: Respondent Email}
      account_ref: {domain_of: Respondent Email}
      question_text: {column: Comment}
    account_ref_kind: domain
    constants: {source_function: customer_success, actor_type: customer, automated: false,
                channel: email}
"""
SURVEY_CSV = (
    "Response ID,Submitted At,Respondent Email,Comment\n"
    "R-1,03/02/2026 09:15,ana@northwind.example,Great\n"
    "R-2,14/02/2026 16:40,li@contoso.example,Slow exports\n"
)


def test_import_takes_a_recipe_file(tmp_path: Path, cli: Any) -> None:
    from playbooks.data.recipes.importing import import_exports
    from playbooks.data.sources import read_sources
    from playbooks.data.workspace import load_tables

    accounts = tmp_path / "accounts.csv"
    accounts.write_text(ACCOUNTS_CSV, encoding="utf-8")
    survey = tmp_path / "survey.csv"
    survey.write_text(SURVEY_CSV, encoding="utf-8")
    recipe = tmp_path / "feedback_survey.yaml"
    recipe.write_text(SURVEY_RECIPE, encoding="utf-8")
    # no shipped recipe knows the export
    assert recognise(survey, shipped_recipes().values()) is None

    folder = tmp_path / "ws"
    done = cli("import", accounts, survey, "--recipe", f"survey.csv={recipe}", "-w", folder)
    assert done.code == 0, done.stderr
    assert "survey.csv: Feedback survey responses (recipe feedback_survey)" in done.stdout
    surveys = [s for s in read_sources(folder) if s.source == "surveys"]
    assert surveys and surveys[0].recipe == "feedback_survey" and surveys[0].rows == 2
    activity = load_tables(folder).activity.collect().sort("event_id")
    assert activity["account_id"].to_list() == ["A1", "A2"]
    assert activity["occurred_at"].dt.strftime("%Y-%m-%d").to_list() == [
        "2026-02-03",
        "2026-02-14",
    ]

    # the Python API takes a path object for every file
    only = tmp_path / "ws2"
    import_exports([accounts], only, gx="off")
    again = import_exports([survey], only, recipes=[recipe], gx="off")
    assert again.recipe_lines == ["survey.csv: Feedback survey responses (recipe feedback_survey)."]
    assert load_tables(only).activity.collect().height == 2


def test_import_refuses_a_missing_or_bad_recipe_file(tmp_path: Path, cli: Any) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text(SURVEY_CSV, encoding="utf-8")
    folder = tmp_path / "ws"
    missing = cli("import", survey, "--recipe", tmp_path / "nope.yaml", "-w", folder)
    assert missing.code == 2 and "Traceback" not in missing.stderr
    assert "nope.yaml: there is no such recipe file" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(SURVEY_RECIPE.replace("kind: review", "kind: survey"), encoding="utf-8")
    refused = cli("import", survey, "--recipe", bad, "-w", folder)
    assert refused.code == 2 and "Traceback" not in refused.stderr
    assert "bad.yaml" in refused.stderr and "unknown kind 'survey'" in refused.stderr
    assert not folder.exists() or not any(folder.iterdir())


def test_a_refused_recipe_import_names_the_export_not_its_converted_copy(
    tmp_path: Path, cli: Any
) -> None:
    company = EXPORTS / "company"
    folder = tmp_path / "ws"
    first = cli("import", company / "salesforce_accounts.csv", company / "zendesk_tickets.csv",
                "-w", folder)
    assert first.code == 0, first.stderr
    before = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    # The same tickets under a second source name: the rows are another source's, refused.
    again = cli("import", company / "zendesk_tickets.csv", "--source", "tickets_again",
                "-w", folder)
    assert again.code == 2, again.output
    assert "zendesk_tickets.csv (read with the recipe zendesk_tickets)" in again.stderr
    assert ".recipe-" not in again.output
    assert "Traceback" not in again.output
    assert {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_every_export_row_is_made_into_rows_or_counted_as_left_out(recipe_id: str) -> None:
    from playbooks.data.recipes.engine import ConversionStats, convert_batches

    stats = ConversionStats()
    made: set[int] = set()
    for batch in convert_batches(fixture_of(recipe_id), shipped_recipes()[recipe_id],
                                 stats=stats, batch_rows=3):
        made |= set(batch.get_column(SOURCE_ROW).to_list())
    assert stats.rows_in > 0
    assert len(made) + stats.filtered_out + stats.no_event == stats.rows_in


def test_an_import_says_how_many_rows_the_recipe_leaves_out(tmp_path, cli) -> None:
    company = Path(__file__).resolve().parent / "data" / "exports" / "company"
    done = cli("import", str(company / "salesforce_accounts.csv"),
               str(company / "zoom_webinar_attendees.csv"), "--workspace", str(tmp_path / "ws"))
    assert done.code == 0, done.stderr
    assert "2 rows of 9 make no activity rows by the recipe's rules (tested on Email, " \
           "Attended" in done.stdout
    assert "1 row made from it names no known account and was left out: free-mail" \
           in done.stdout


def test_a_banded_score_that_is_not_a_number_is_refused_naming_row_and_column(tmp_path) -> None:
    export = tmp_path / "churnscores.csv"
    export.write_text("Account Name,Account External ID,Date,Score\n"
                      "Contoso,0013600001TbRx4,11/02/2026,high\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        convert_rows(export, shipped_recipes()["churnzero_churnscore_history"])
    assert refused.value.problems == ["row 1, column 'Score': 'high' is not a number"]


def test_a_refused_recipe_import_names_the_export_rows_as_the_file_numbers_them(
    tmp_path: Path, cli: Any
) -> None:
    company = EXPORTS / "company"
    tickets = (company / "zendesk_tickets.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = tickets[0], tickets[1:]
    at = header.split(",").index("Id")
    first, fifth = rows[0].split(","), rows[4].split(",")
    fifth[at] = first[at]  # export row 5 repeats the ticket id of row 1
    rows[4] = ",".join(fifth)
    export = tmp_path / "zendesk_tickets.csv"
    export.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    done = cli("import", company / "salesforce_accounts.csv", export, "-w", tmp_path / "ws")
    assert done.code != 0
    assert "zendesk_tickets.csv (read with the recipe zendesk_tickets)" in done.stderr
    repeated = f"helpdesk-{first[at]}-ticket_opened"
    assert f"row 1: '{repeated}'" in done.stderr and f"row 5: '{repeated}'" in done.stderr
    closed = repeated.replace("opened", "closed")  # converted after every opened ticket
    assert f"row 1: '{closed}'" in done.stderr and f"row 5: '{closed}'" in done.stderr
    assert ".recipe-" not in done.output


def test_gzip_exports_are_recognised_and_read_with_their_expansion_bounded(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    from playbooks.data.recipes import reader

    company = EXPORTS / "company"
    packed = tmp_path / "events.json.gz"  # Amplitude's and Segment's exports come gzipped
    packed.write_bytes(gzip.compress((EXPORTS / "amplitude_events.jsonl").read_bytes()))
    report = tmp_path / "attendees.csv.gz"
    report.write_bytes(gzip.compress((company / "zoom_webinar_attendees.csv").read_bytes()))
    done = cli("import", company / "salesforce_accounts.csv", packed, report, "-w",
               tmp_path / "ws")
    assert done.code == 0, done.stderr
    assert "events.json.gz: Amplitude raw events (recipe amplitude_events)" in done.stdout
    assert "attendees.csv.gz: Zoom webinar attendee report" in done.stdout
    plain = convert_rows(EXPORTS / "amplitude_events.jsonl", shipped_recipes()["amplitude_events"])
    assert convert_rows(packed, shipped_recipes()["amplitude_events"]).equals(plain)

    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(packed.read_bytes()[:40])
    refused = cli("import", broken, "--recipe", "amplitude_events", "-w", tmp_path / "ws")
    assert refused.code == 2 and "broken.json.gz: not a readable gzip file" in refused.stderr
    monkeypatch.setattr(reader, "MAX_EXPORT_BYTES", 1_000)
    big = cli("import", packed, "-w", tmp_path / "ws")
    assert big.code == 2 and "events.json.gz: expands to more than" in big.stderr
    assert not list((tmp_path / "ws").glob(".recipe-*"))
