"""One company's exports, end to end: every file is recognised and read by its shipped recipe,
and the activity rows find their accounts.

`tests/data/exports/company/` holds the exports of one (invented) company, written from the
tools' documentation like the other fixtures: the CRM's account report (Salesforce, the
accounts), the help desk (Zendesk), the chat tool (Intercom), the community (Discourse),
product analytics (Mixpanel), a webinar (Zoom) and the health-score history (Gainsight). The
same six customers appear in all of them, named the way each system names them: the 18- or
15-character Salesforce id, a product workspace id (an alternate id of the account), or a
person's email domain, which may differ in case from the CRM's website. A few people write
from free-mail addresses; those rows must be reported as unmatched with the reason, never
given to an account.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from playbooks.data.recipes.catalogue import shipped_recipes
from playbooks.data.recipes.convert import convert_export, match_rows
from playbooks.data.recipes.engine import convert_rows
from playbooks.data.recipes.recognise import recognise

COMPANY = Path(__file__).resolve().parent / "data" / "exports" / "company"
EXPECTED_RECIPES = {
    "salesforce_accounts.csv": "salesforce_accounts",
    "zendesk_tickets.csv": "zendesk_tickets",
    "intercom_conversations.csv": "intercom_conversations",
    "discourse_posts.csv": "discourse_posts",
    "mixpanel_events.jsonl": "mixpanel_events",
    "zoom_webinar_attendees.csv": "zoom_webinar_attendees",
    "gainsight_health_history.csv": "gainsight_health_history",
}
FREE_MAIL_REFS = {"gmail.com", "outlook.com"}


def converted() -> dict[str, tuple[str, pl.DataFrame]]:
    """Each company file's recipe table and rows, the recipe found by recognition."""
    recipes = shipped_recipes().values()
    out = {}
    for path in sorted(COMPANY.iterdir()):
        match = recognise(path, recipes)
        assert match is not None, f"{path.name} is recognised by no shipped recipe"
        out[path.name] = (match.recipe.id, convert_rows(path, match.recipe))
    return out


@pytest.fixture(scope="module")
def company() -> dict[str, tuple[str, pl.DataFrame]]:
    return converted()


@pytest.fixture(scope="module")
def resolved(company: dict[str, tuple[str, pl.DataFrame]]) -> pl.DataFrame:
    """Every activity row of the company with the account the import's matching found for it."""
    accounts = company["salesforce_accounts.csv"][1]
    parts = []
    for name, (recipe_id, rows) in company.items():
        if "kind" not in rows.columns:
            continue
        assert "account_ref" in rows.columns, f"{recipe_id} names its accounts by reference"
        refs = sorted(c for c in rows.columns if c.startswith("account_ref")
                      and not c.startswith("account_ref_kind"))
        rows = rows.with_columns(pl.coalesce(refs).alias("ref"))
        matched, _ = match_rows(rows, accounts)
        parts.append(matched.select(
            pl.lit(name).alias("file"), "source_row", "kind", "event_id", "ref", "account_id",
            pl.col("match_method").alias("method"),
            pl.when(pl.col("account_id").is_null()).then(pl.lit("unmatched"))
            .otherwise(pl.lit("matched")).alias("status"),
            pl.col("unmatched_reason").alias("reason"),
        ))
    return pl.concat(parts)


def test_every_company_file_is_recognised_by_its_own_recipe(company) -> None:
    assert {name: recipe_id for name, (recipe_id, _) in company.items()} == EXPECTED_RECIPES


def test_every_file_makes_rows_and_event_ids_are_unique(company) -> None:
    for name, (_, rows) in company.items():
        assert rows.height > 0, name
    events = pl.concat(
        [rows.select("event_id") for _, rows in company.values() if "event_id" in rows.columns]
    )
    assert events.get_column("event_id").is_duplicated().sum() == 0


def test_at_least_90_percent_of_activity_rows_match_an_account(resolved) -> None:
    matched = resolved.filter(pl.col("status") == "matched").height
    assert resolved.height > 50
    assert matched / resolved.height >= 0.9, resolved.filter(pl.col("status") != "matched")


def test_every_activity_row_is_matched_or_unmatched_with_its_reason(resolved) -> None:
    assert resolved.get_column("status").null_count() == 0
    unmatched = resolved.filter(pl.col("status") != "matched")
    assert set(unmatched.get_column("ref").to_list()) == FREE_MAIL_REFS
    assert unmatched.get_column("account_id").null_count() == unmatched.height
    assert all("free-mail" in reason for reason in unmatched.get_column("reason").to_list())


def test_each_way_of_naming_an_account_finds_the_same_accounts(company, resolved) -> None:
    accounts = company["salesforce_accounts.csv"][1]
    matched = resolved.filter(pl.col("status") == "matched")
    by_file = dict(matched.group_by("file").agg(pl.col("account_id").n_unique()).iter_rows())
    assert by_file == {
        "discourse_posts.csv": 6,
        "intercom_conversations.csv": 6,
        "mixpanel_events.jsonl": 6,
        "zendesk_tickets.csv": 6,
        "zoom_webinar_attendees.csv": 5,
    }
    methods = set(matched.get_column("method").to_list())
    assert {"id", "salesforce_15", "alternate_id", "domain", "name"} <= methods
    # Contoso by its 15-character Salesforce id in Intercom, Tailspin Toys by its name without
    # the CRM's GmbH, Northwind by a capitalised email
    # in Zendesk, Wide World Importers by a co.uk domain: all the CRM's own accounts.
    assert set(matched.get_column("account_id").to_list()) == set(
        accounts.get_column("account_id").to_list()
    )


def test_health_snapshots_name_accounts_of_the_crm(company) -> None:
    accounts = set(company["salesforce_accounts.csv"][1].get_column("account_id").to_list())
    snapshots, _ = match_rows(company["gainsight_health_history.csv"][1],
                              company["salesforce_accounts.csv"][1])
    assert snapshots.height == 12
    assert snapshots.get_column("account_id").null_count() == 0
    assert set(snapshots.get_column("account_id").to_list()) <= accounts


def test_health_snapshots_are_matched_like_activity(tmp_path) -> None:
    """A 15-character CRM id, a row with only the company's name, and an unknown id."""
    export = tmp_path / "scorecards.csv"
    export.write_text(
        '"Company Name","SFDC Account ID","Scorecard Name","Snapshot Date","Overall Score",'
        '"Overall Score Label","Trend"\n'
        '"Contoso","0013600001TbRx4","Customer Health","11/02/2026","65","Yellow",""\n'
        '"Tailspin Toys","","Customer Health","11/02/2026","40","Red",""\n'
        '"Unknown Co","0019999999ZzZzZ","Customer Health","11/02/2026","90","Green",""\n',
        encoding="utf-8")
    recipe = shipped_recipes()["gainsight_health_history"]
    accounts = convert_rows(COMPANY / "salesforce_accounts.csv",
                            shipped_recipes()["salesforce_accounts"])
    done = convert_export(export, recipe, folder=tmp_path / "ws", accounts=accounts)
    rows = pl.read_parquet(done.path)
    assert dict(zip(rows["health_score"], rows["account_id"], strict=True)) == {
        65.0: "0013600001TbRx4AAF", 40.0: "0013600001Hm2LcAAJ"}
    assert done.unmatched == 1
    assert done.unmatched_reasons == {"no account with this id; no similar name": 1}


def test_playbooks_import_takes_the_company_exports_as_they_come(tmp_path, cli) -> None:
    workspace = tmp_path / "workspace"
    files = [str(p) for p in sorted(COMPANY.iterdir())]
    done = cli("import", *files, "--workspace", str(workspace))
    assert done.code == 0, done.stderr
    for name, recipe_id in EXPECTED_RECIPES.items():
        assert name in done.stdout and f"recipe {recipe_id}" in done.stdout, done.stdout
    listed = cli("sources", "--workspace", str(workspace), "--json")
    assert listed.code == 0, listed.stderr
    sources = json.loads(listed.stdout)["sources"]
    activity = [s for s in sources if s["table"] == "activity"]
    assert {s["source"] for s in activity} == {
        "helpdesk",
        "chat",
        "community",
        "mixpanel",
        "webinars",
    }
    kept = sum(s["rows"] for s in activity)
    unmatched = sum(s["unmatched"] for s in activity)
    # rows no account matches are left out of the table and counted with their reason
    assert kept + unmatched == 66 and unmatched == 6
    assert unmatched / (kept + unmatched) <= 0.1
    reasons = {r for s in activity for r in s["unmatched_reasons"]}
    assert reasons and all("free-mail" in r for r in reasons), reasons


def _variant(tmp_path: Path, name: str, old: bytes, new: bytes) -> Path:
    raw = (COMPANY / name).read_bytes()
    assert old in raw, f"{name} does not contain {old!r}"
    path = tmp_path / name
    path.write_bytes(raw.replace(old, new))
    return path


def test_a_salesforce_report_reads_the_same_whatever_its_footer(tmp_path) -> None:
    recipe = shipped_recipes()["salesforce_accounts"]
    full = convert_rows(COMPANY / "salesforce_accounts.csv", recipe)
    no_totals = _variant(
        tmp_path, "salesforce_accounts.csv", b'""\r\n"Grand Totals (6 records)"\r\n', b""
    )
    assert convert_rows(no_totals, recipe).equals(full)
    no_footer = tmp_path / "bare.csv"
    no_footer.write_bytes(b"\r\n".join(no_totals.read_bytes().split(b"\r\n")[:7]) + b"\r\n")
    assert convert_rows(no_footer, recipe).equals(full)


def test_a_zoom_report_with_written_out_months_reads_the_same(tmp_path) -> None:
    recipe = shipped_recipes()["zoom_webinar_attendees"]
    numeric = convert_rows(COMPANY / "zoom_webinar_attendees.csv", recipe)
    raw = (COMPANY / "zoom_webinar_attendees.csv").read_bytes()
    path = tmp_path / "zoom.csv"
    path.write_bytes(re.sub(rb"11/12/2026 (\d\d:\d\d:\d\d [AP]M)", rb'"Nov 12, 2026 \1"', raw))
    assert path.read_bytes().count(b'"Nov 12, 2026 ') == 19
    worded = convert_rows(path, recipe)
    assert worded.get_column("occurred_at").equals(numeric.get_column("occurred_at"))
