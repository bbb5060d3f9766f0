"""The account crosswalk: each way of matching, what never matches, saved decisions, bad input."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbooks.data.crosswalk import merge_crosswalk, resolve_accounts, update_crosswalk
from playbooks.data.crosswalk_keys import (
    domain_of,
    free_mail_domains,
    normalise_name,
    read_free_mail_domains,
    salesforce_15,
    salesforce_18,
)
from playbooks.data.crosswalk_store import (
    CROSSWALK_FILE,
    Crosswalk,
    decide_match,
    empty_crosswalk,
    load_crosswalk,
    save_crosswalk,
)
from playbooks.errors import InputError

ACCOUNTS = pl.DataFrame({
    "account_id": ["ACC-1", "ACC-2", "0019000000oC4HkAAK", "ACC-4", "ACC-5", "ACC-6"],
    "name": ["Northwind Logistics, Inc.", "Contoso GmbH", "Fabrikam", "Shared One",
             "Shared Two", "Société Générale S.A."],
    "domain": ["northwind.com", None, "fabrikam.io", "shared.com", "shared.com", None],
    "website": [None, "https://www.contoso.co.uk/about", None, None, None, None],
    "alternate_ids": ["gainsight:1I00ABC;product:ws_123", None, "product:ws_9", None, None,
                      None],
})


def resolve(pairs: list[tuple[str, str]], accounts: pl.DataFrame = ACCOUNTS,
            saved: Crosswalk | None = None) -> dict[tuple[str, str], dict[str, object]]:
    refs = pl.DataFrame(pairs, schema={"ref_kind": pl.String, "ref": pl.String}, orient="row")
    result = resolve_accounts(refs, accounts, saved)
    return {(r["ref_kind"], r["ref"]): r for r in result.iter_rows(named=True)}


# --- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "normal"), [
    ("Northwind Logistics, Inc.", "northwind logistics"),
    ("Northwind Logistics", "northwind logistics"),
    ("The Northwind Logistics Ltd", "northwind logistics"),
    ("Société Générale S.A.", "societe generale"),
    ("Müller GmbH", "muller"),
    ("ACME Pty Ltd", "acme"),
    ("Contoso Corp.", "contoso"),
    ("Johnson & Johnson", "johnson johnson"),
    ("Co.", "co"),
])
def test_names_are_normalised(name: str, normal: str) -> None:
    assert normalise_name(name) == normal


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_normalising_a_name_twice_changes_nothing(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once


@pytest.mark.parametrize(("value", "domain"), [
    ("Ana@Mail.Northwind.com", "northwind.com"),
    ("https://www.northwind.co.uk/about", "northwind.co.uk"),
    ("www.contoso.com.au", "contoso.com.au"),
    ("northwind.com", "northwind.com"),
    ("http://shop.fabrikam.io:8080/x", "fabrikam.io"),
    ("not a domain", None),
    ("localhost", None),
    ("", None),
])
def test_domains_are_taken_from_emails_and_urls(value: str, domain: str | None) -> None:
    assert domain_of(value) == domain


# Published pairs: theblogreaders.com and prats23.wordpress.com work through these by hand.
SALESFORCE_PAIRS = [("0019000000B98de", "0019000000B98deAAB"),
                    ("0019000000oC4Hk", "0019000000oC4HkAAK")]


@pytest.mark.parametrize(("id15", "id18"), SALESFORCE_PAIRS)
def test_salesforce_ids_convert_both_ways(id15: str, id18: str) -> None:
    assert salesforce_18(id15) == id18
    assert salesforce_15(id18) == id15
    assert salesforce_15(id18.upper()) == id15  # the case is restored from the checksum


def test_salesforce_ids_refuse_what_they_cannot_be() -> None:
    with pytest.raises(InputError, match="15-character"):
        salesforce_18("0019000000B98d")
    with pytest.raises(InputError, match="checksum"):
        salesforce_15("0019000000B98de9AB")  # '9' flags a digit as upper-case


@pytest.mark.parametrize(("text", "message"), [
    ("free_mail_domains: [gmail.com]\nextra: 1\n", "expected one key"),
    ("free_mail_domains: gmail.com\n", "must be a list"),
    ("free_mail_domains: [Gmail.com]\n", "'Gmail.com' is not a lower-case registrable domain"),
    ("free_mail_domains: [gmail.com\n", "not readable as YAML"),
])
def test_a_bad_free_mail_file_is_refused_naming_it(tmp_path: Path, text: str,
                                                   message: str) -> None:
    path = tmp_path / "free_mail.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=f"free_mail.yaml: .*{message}"):
        read_free_mail_domains(path)


def test_free_mail_domains_are_declared_data() -> None:
    domains = free_mail_domains()
    assert {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me",
            "gmx.de", "web.de"} <= domains


# --- matching ------------------------------------------------------------------------------


def test_each_method_says_how_it_matched() -> None:
    got = resolve([("id", "ACC-2"), ("id", "1I00ABC"), ("id", "gainsight:1I00ABC"),
                   ("id", "ws_9"), ("id", "0019000000oC4Hk"), ("email", "y@contoso.co.uk"),
                   ("website", "https://contoso.co.uk"), ("domain", "northwind.com"),
                   ("name", "societe generale")])
    expected = {
        ("id", "ACC-2"): ("ACC-2", "id"),
        ("id", "1I00ABC"): ("ACC-1", "alternate_id"),
        ("id", "gainsight:1I00ABC"): ("ACC-1", "alternate_id"),
        ("id", "ws_9"): ("0019000000oC4HkAAK", "alternate_id"),
        ("id", "0019000000oC4Hk"): ("0019000000oC4HkAAK", "salesforce_15"),
        ("email", "y@contoso.co.uk"): ("ACC-2", "domain"),
        ("website", "https://contoso.co.uk"): ("ACC-2", "domain"),
        ("domain", "northwind.com"): ("ACC-1", "domain"),
        ("name", "societe generale"): ("ACC-6", "name"),
    }
    assert {k: (v["account_id"], v["method"]) for k, v in got.items()} == expected
    assert {v["status"] for v in got.values()} == {"matched"}


def test_an_18_character_reference_finds_a_15_character_account_id() -> None:
    accounts = pl.DataFrame({"account_id": ["0019000000B98de"], "name": ["Tailspin"]})
    got = resolve([("id", "0019000000B98DEAAB")], accounts)[("id", "0019000000B98DEAAB")]
    assert (got["account_id"], got["method"], got["status"]) == (
        "0019000000B98de", "salesforce_15", "matched")


def test_the_northwind_example() -> None:
    got = resolve([("name", "Northwind Logistics, Inc."), ("name", "Northwind Logistics"),
                   ("name", "Northwind")])
    assert got[("name", "Northwind Logistics, Inc.")]["method"] == "name"
    assert got[("name", "Northwind Logistics")]["status"] == "matched"
    fuzzy = got[("name", "Northwind")]
    assert (fuzzy["account_id"], fuzzy["method"], fuzzy["status"]) == (
        "ACC-1", "fuzzy_name", "uncertain")
    assert 85 <= fuzzy["score"] < 100


def test_free_mail_never_matches_even_an_account_on_free_mail() -> None:
    accounts = ACCOUNTS.vstack(pl.DataFrame({
        "account_id": ["ACC-9"], "name": ["Joe's Plumbing"], "domain": ["gmail.com"],
        "website": [None], "alternate_ids": [None]}, schema=ACCOUNTS.schema))
    got = resolve([("email", "joe@gmail.com"), ("domain", "outlook.com")], accounts)
    assert all(r["status"] == "unmatched" and r["account_id"] is None for r in got.values())
    assert {r["reason"] for r in got.values()} == {"free-mail domain"}


def test_a_domain_two_accounts_share_is_never_guessed() -> None:
    got = resolve([("email", "x@shared.com")])[("email", "x@shared.com")]
    assert got["status"] == "unmatched" and got["account_id"] is None
    assert got["reason"] == "two accounts share this domain (ACC-4, ACC-5)"


def test_unmatched_references_are_listed_with_their_reason_and_rows() -> None:
    got = resolve([("id", "nope"), ("id", "nope"), ("name", "Zzyzx Quantum"),
                   ("email", "no-at-sign"), ("email", "a@unknown.org"),
                   ("website", "not a site"), ("domain", "")])
    assert got[("id", "nope")]["rows"] == 2
    assert got[("id", "nope")]["reason"] == "no account with this id"
    assert got[("name", "Zzyzx Quantum")]["reason"] == "no similar name"
    assert got[("email", "no-at-sign")]["reason"] == "not an email address"
    assert got[("website", "not a site")]["reason"] == "not a web address"
    assert got[("domain", "")]["reason"] == "empty reference"
    assert got[("email", "a@unknown.org")]["reason"] == "no account with this domain"
    assert {r["status"] for r in got.values()} == {"unmatched"}


def test_an_unknown_reference_kind_is_refused() -> None:
    with pytest.raises(InputError, match="'phone' is not known"):
        resolve([("phone", "555-0100")])


def test_two_accounts_with_one_alternate_id_are_refused_naming_both_rows() -> None:
    accounts = ACCOUNTS.with_columns(pl.when(pl.col("account_id") == "ACC-5")
                                     .then(pl.lit("product:ws_123"))
                                     .otherwise("alternate_ids").alias("alternate_ids"))
    with pytest.raises(InputError) as caught:
        resolve([("id", "ACC-1")], accounts)
    message = str(caught.value)
    assert "'product:ws_123'" in message
    assert "row 1 (account ACC-1" in message and "row 5 (account ACC-5" in message


def test_two_accounts_with_one_account_id_are_refused() -> None:
    accounts = pl.DataFrame({"account_id": ["A", "B", "A"], "name": ["x", "y", "z"]})
    with pytest.raises(InputError, match=r"'A' to two accounts: row 1 .* row 3"):
        resolve([("id", "A")], accounts)


@given(st.permutations(list(range(ACCOUNTS.height))))
@settings(max_examples=25, deadline=None)
def test_the_order_of_accounts_does_not_change_the_matches(order: list[int]) -> None:
    pairs = [("name", "Northwind"), ("name", "Shared"), ("email", "x@shared.com"),
             ("id", "0019000000oC4Hk"), ("id", "ws_123"), ("name", "Contoso"),
             ("website", "fabrikam.io")]
    refs = pl.DataFrame(pairs, schema={"ref_kind": pl.String, "ref": pl.String}, orient="row")
    shuffled = ACCOUNTS[order]
    assert resolve_accounts(refs, shuffled).equals(resolve_accounts(refs, ACCOUNTS))


# --- the saved crosswalk -------------------------------------------------------------------

REFS = pl.DataFrame({"ref_kind": ["name", "name", "id"],
                     "ref": ["Northwind", "Contoso Group", "ACC-2"]})


def test_saved_decisions_are_reused_on_the_next_import(tmp_path: Path) -> None:
    first = update_crosswalk(REFS, ACCOUNTS, tmp_path)
    assert set(first.filter(pl.col("status") == "uncertain")["ref"]) == {"Northwind",
                                                                       "Contoso Group"}
    saved = load_crosswalk(tmp_path)
    assert saved is not None
    when = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    saved = decide_match(saved, "name", "Northwind", "accepted", by="ana", at=when)
    saved = decide_match(saved, "name", "Contoso Group", "rejected", by="ana", at=when)
    save_crosswalk(saved, tmp_path)
    again = update_crosswalk(REFS, ACCOUNTS, tmp_path)
    rows = {r["ref"]: r for r in again.iter_rows(named=True)}
    assert (rows["Northwind"]["account_id"], rows["Northwind"]["method"],
            rows["Northwind"]["status"]) == ("ACC-1", "saved", "matched")
    assert (rows["Contoso Group"]["account_id"], rows["Contoso Group"]["status"],
            rows["Contoso Group"]["reason"]) == (None, "unmatched", "match rejected")
    kept = load_crosswalk(tmp_path)
    assert kept is not None
    assert kept.decisions.sort("ref")["decided_by"].to_list() == ["ana", "ana"]


def test_a_crosswalk_giving_one_reference_two_accounts_is_refused(tmp_path: Path) -> None:
    update_crosswalk(REFS, ACCOUNTS, tmp_path)
    path = tmp_path / CROSSWALK_FILE
    table = pl.read_parquet(path)
    doubled = pl.concat([table, table.filter(pl.col("ref") == "ACC-2")
                         .with_columns(pl.lit("ACC-1").alias("account_id"))])
    doubled.write_parquet(path)
    before = path.read_bytes()
    with pytest.raises(InputError, match=r"id 'ACC-2' appears in rows .* ACC-2 and ACC-1"):
        update_crosswalk(REFS, ACCOUNTS, tmp_path)
    assert path.read_bytes() == before


def test_duplicate_account_ids_leave_the_workspace_unchanged(tmp_path: Path) -> None:
    update_crosswalk(REFS, ACCOUNTS, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    broken = ACCOUNTS.with_columns(pl.when(pl.col("account_id") == "ACC-4").then(pl.lit("ACC-1"))
                                   .otherwise("account_id").alias("account_id"))
    with pytest.raises(InputError, match="'ACC-1' to two accounts"):
        update_crosswalk(REFS, broken, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_accepting_needs_an_account_when_none_was_suggested() -> None:
    table = resolve_accounts(pl.DataFrame({"ref_kind": ["id"], "ref": ["nope"]}), ACCOUNTS)
    crosswalk = Crosswalk(pl.concat([empty_crosswalk().table, table], how="diagonal_relaxed"))
    with pytest.raises(InputError, match="--account"):
        decide_match(crosswalk, "id", "nope", "accepted")
    with pytest.raises(InputError, match="no account 'ACC-77'"):
        decide_match(crosswalk, "id", "nope", "accepted", account_id="ACC-77",
                     known_accounts={"ACC-1"})
    done = decide_match(crosswalk, "id", "nope", "accepted", account_id="ACC-1")
    assert done.table.row(0, named=True)["status"] == "matched"


# --- the command line ----------------------------------------------------------------------


def test_the_commands_list_accept_and_reject(tmp_path: Path, cli: Any) -> None:
    update_crosswalk(REFS, ACCOUNTS, tmp_path)
    listed = cli("accounts", "matches", "--workspace", tmp_path, "--status", "uncertain",
                 "--json")
    assert listed.code == 0, listed.stderr
    assert {r["ref"] for r in json.loads(listed.stdout)} == {"Northwind", "Contoso Group"}
    accepted = cli("accounts", "accept", "name", "Northwind", "--workspace", tmp_path)
    assert accepted.code == 0 and "account ACC-1" in accepted.stdout
    rejected = cli("accounts", "reject", "name", "Contoso Group", "--workspace", tmp_path)
    assert rejected.code == 0, rejected.stderr
    text = cli("accounts", "matches", "--workspace", tmp_path)
    assert "matched: 2 references" in text.stdout and "unmatched: 1 reference " in text.stdout
    unknown = cli("accounts", "accept", "name", "Nobody", "--workspace", tmp_path)
    assert unknown.code == 2 and "no reference name 'Nobody'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    wrong = cli("accounts", "matches", "--workspace", tmp_path, "--status", "maybe")
    assert wrong.code == 2 and "--status must be" in wrong.stderr


def test_the_matches_command_says_when_there_is_no_crosswalk(tmp_path: Path, cli: Any) -> None:
    result = cli("accounts", "matches", "--workspace", tmp_path)
    assert result.code == 0 and "No account matches yet" in result.stdout


def test_a_saved_match_to_an_account_that_left_is_not_kept(tmp_path: Path) -> None:
    update_crosswalk(REFS, ACCOUNTS, tmp_path)
    saved = load_crosswalk(tmp_path)
    assert saved is not None
    save_crosswalk(decide_match(saved, "name", "Northwind", "accepted", by="ana"), tmp_path)
    without = ACCOUNTS.filter(pl.col("account_id") != "ACC-1")
    row = update_crosswalk(REFS, without, tmp_path).filter(pl.col("ref") == "Northwind").row(
        0, named=True)
    assert (row["account_id"], row["status"]) == (None, "unmatched")
    assert row["reason"] == "the accepted account ACC-1 is no longer in the accounts table"


def test_a_crosswalk_file_that_is_not_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / CROSSWALK_FILE).write_text("ref_kind,ref\nid,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="not readable as a crosswalk"):
        load_crosswalk(tmp_path)
    table = merge_crosswalk(None, resolve_accounts(REFS, ACCOUNTS)).table
    table.with_columns(pl.lit("maybe").alias("status")).write_parquet(tmp_path / CROSSWALK_FILE)
    with pytest.raises(InputError, match=r"row 1, column 'status': 'maybe' is not one of"):
        load_crosswalk(tmp_path)


def test_merging_keeps_references_the_new_export_does_not_name() -> None:
    first = merge_crosswalk(None, resolve_accounts(REFS, ACCOUNTS))
    decided = decide_match(first, "name", "Northwind", "accepted", by="ana")
    later = resolve_accounts(pl.DataFrame({"ref_kind": ["id"], "ref": ["ACC-4"]}), ACCOUNTS,
                             decided)
    merged = merge_crosswalk(decided, later)
    assert set(merged.table["ref"]) == {"Northwind", "Contoso Group", "ACC-2", "ACC-4"}
    assert merged.decisions["ref"].to_list() == ["Northwind"]


# --- the app -------------------------------------------------------------------------------


def test_the_data_page_lists_uncertain_matches_and_accepts_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from playbooks.app.main import page_path

    folder = tmp_path / "workspace"
    monkeypatch.setenv("PLAYBOOKS_WORKSPACE", str(folder))
    monkeypatch.setenv("PLAYBOOKS_DATABASE_URL", f"sqlite:///{tmp_path / 'playbooks.db'}")
    monkeypatch.setenv("PLAYBOOKS_DEMO_ACCOUNTS", "150")
    update_crosswalk(REFS, ACCOUNTS, folder)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=120)
    at.run()
    at.switch_page(page_path("data"))
    at.run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "2 uncertain match(es) wait for you" in shown and "Northwind" in shown
    at.button(key="data_match_accept_name_Northwind").click()
    at.run()
    assert not at.exception
    saved = load_crosswalk(folder)
    assert saved is not None
    decided = saved.decisions.row(0, named=True)
    assert (decided["ref"], decided["decision"], decided["account_id"]) == (
        "Northwind", "accepted", "ACC-1")
    assert "1 uncertain match(es) wait for you" in " ".join(m.value for m in at.markdown)


def test_names_two_accounts_share_are_never_guessed() -> None:
    accounts = ACCOUNTS.with_columns(pl.when(pl.col("account_id") == "ACC-5")
                                     .then(pl.lit("Shared One Ltd")).otherwise("name")
                                     .alias("name"))
    got = resolve([("name", "Shared One"), ("name", "Shared")], accounts)
    assert got[("name", "Shared One")]["reason"] == "two accounts share this name (ACC-4, ACC-5)"
    assert got[("name", "Shared")]["status"] == "unmatched"
    tie = resolve([("name", "Shared")])[("name", "Shared")]
    assert (tie["status"], tie["reason"]) == (
        "unmatched", "several accounts have names this similar (ACC-4, ACC-5)")


def test_an_email_written_with_its_name_still_gives_its_domain() -> None:
    assert domain_of("Ana Lopes <ana@northwind.com>") == "northwind.com"


@given(st.permutations(list(range(7))))
@settings(max_examples=25, deadline=None)
def test_the_order_of_references_does_not_change_the_matches(order: list[int]) -> None:
    pairs = [("name", "Northwind"), ("name", "Shared"), ("email", "x@shared.com"),
             ("id", "0019000000oC4Hk"), ("id", "ws_123"), ("name", "Contoso"),
             ("website", "fabrikam.io")]
    refs = pl.DataFrame(pairs, schema={"ref_kind": pl.String, "ref": pl.String}, orient="row")
    assert resolve_accounts(refs[order], ACCOUNTS).equals(resolve_accounts(refs, ACCOUNTS))


COMPANIES = ["northwind logistics", "contoso pharmaceuticals", "fabrikam", "tailspin toys",
             "wide world importers", "adventure works cycles", "alpine ski house",
             "blue yonder airlines", "coho winery", "fourth coffee", "litware",
             "lucerne publishing", "margie travel", "proseware", "southridge video",
             "trey research", "wingtip toys", "woodgrove bank", "northwind traders",
             "contoso bank", "fabrikam residences", "graphic design institute",
             "humongous insurance", "school of fine art", "city power and light",
             "consolidated messenger", "relecloud", "datum corporation", "bellows college"]
QUERIES = ["northwind", "contoso", "fabrikm", "tailspin", "world wide importers",
           "adventure works", "alpine ski", "blue yonder", "coho", "fourth cofee",
           "litwar", "lucerne", "margies travel", "prosewear", "southridge", "trey",
           "wingtip", "woodgrove", "humungous insurance", "city power light",
           "consolidated", "relecloud inc", "a datum", "bellows"]


def test_the_fuzzy_prefilter_finds_what_a_full_search_finds() -> None:
    from rapidfuzz import fuzz, process

    from playbooks.data.crosswalk_fuzzy import FUZZY_THRESHOLD, similar_names

    # 6,000 made-up companies, so that words such as group or systems are too common to pick
    # candidates by and the prefilter does its work.
    rng = random.Random(7)
    syllables = "ka lo mi ra ven tor sel dan bri cor ex lum nor vi".split()
    common = "group systems holdings partners labs".split()
    fillers = ["".join(rng.choices(syllables, k=3)) + " " + rng.choice(common)
               for _ in range(6000)]
    owners = {name: {f"A{i}"} for i, name in enumerate(COMPANIES + fillers)}
    found = similar_names(QUERIES, owners)
    for query in QUERIES:
        full = process.extract(query, sorted(owners), scorer=fuzz.WRatio, limit=None,
                               score_cutoff=FUZZY_THRESHOLD)
        if not full:
            assert query not in found, query
            continue
        top = max(score for _, score, _ in full)
        accounts = tuple(sorted({a for name, score, _ in full if score == top
                                 for a in owners[name]}))
        assert (found[query].score, found[query].account_ids) == (top, accounts), query
    assert len(found) >= len(QUERIES) // 2  # the list is not trivially unmatched


def test_an_account_may_have_several_domains() -> None:
    accounts = ACCOUNTS.with_columns(pl.when(pl.col("account_id") == "ACC-1")
                                     .then(pl.lit("northwind.com; northwind.de"))
                                     .otherwise("domain").alias("domain"))
    got = resolve([("email", "a@northwind.de"), ("email", "b@northwind.com")], accounts)
    assert {r["account_id"] for r in got.values()} == {"ACC-1"}


def test_one_bare_id_in_two_systems_is_never_guessed() -> None:
    accounts = pl.DataFrame({"account_id": ["A", "B"], "name": ["Alpha", "Beta"],
                             "alternate_ids": ["gainsight:123", "product:123"]})
    got = resolve([("id", "123"), ("id", "gainsight:123"), ("id", "product:123")], accounts)
    assert got[("id", "123")]["reason"] == "two accounts share this id (A, B)"
    assert got[("id", "gainsight:123")]["account_id"] == "A"
    assert got[("id", "product:123")]["account_id"] == "B"
