"""The data page: a broken upload names what is wrong and changes nothing; a good one imports."""

from __future__ import annotations

from pathlib import Path

from playbooks.app.main import page_path


def test_data_page_shows_the_demo_workspace(pages, workspace: Path) -> None:
    at = pages.open(page_path("data"), timeout=120)
    assert any("demo data" in m.value for m in at.markdown)
    assert at.button(key="data_demo").disabled


EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports" / "company"


def _exports(at, *names: str | tuple[str, bytes]):
    files = [(n, (EXPORTS / n).read_bytes(), "text/csv") if isinstance(n, str)
             else (n[0], n[1], "text/csv") for n in names]
    return at.file_uploader(key="data_upload_exports").set_value(files)


def _texts(at) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.success])


def test_tools_exports_are_previewed_then_imported(pages, workspace: Path) -> None:
    from playbooks.data.workspace import load_tables, workspace_status

    at = pages.open(page_path("data"), timeout=120)
    at = pages.run(_exports(at, "salesforce_accounts.csv", "zendesk_tickets.csv"))
    shown = _texts(at)
    assert "**salesforce\\_accounts\\.csv**: Salesforce account report \\(recipe" in shown
    assert "Zendesk tickets \\(recipe zendesk\\_tickets\\)" in shown
    assert "13 row(s) in the file become 20 row(s) for the activity table." in shown
    assert "Left out, naming no known account: free\\-mail domain \\(1\\)." in shown
    previews = [d.value for d in at.dataframe][1:]
    assert "Kind of event" in previews[1].columns and "kind" not in previews[1].columns
    assert "Account name" in previews[0].columns
    matches = [e.label for e in at.expander if "account reference" in e.label]
    assert matches == ["How its 7 account reference(s) match (0 uncertain, to review after "
                       "importing)"]
    assert previews[2]["As the export names it"].to_list()[3] == "gmail.com"
    assert workspace_status(workspace).is_demo  # nothing imported yet

    at = pages.run(at.button(key="data_import_exports").click())
    assert any("The workspace holds your own data" in m.value for m in at.markdown)
    assert any(s.value.startswith("Imported.") and "zendesk_tickets.csv: Zendesk tickets"
               in s.value for s in at.success)
    status = workspace_status(workspace)
    assert status.tables["accounts"].sources == ("crm",)
    assert status.tables["activity"].sources == ("helpdesk",)
    assert load_tables(workspace).activity.collect().height == 20
    assert not list(workspace.glob(".recipe-*"))


def test_a_replaced_export_is_previewed_again(pages) -> None:
    at = pages.open(page_path("data"), timeout=120)
    at = pages.run(_exports(at, "salesforce_accounts.csv"))
    assert "11 row(s) in the file become 6 row(s)" in _texts(at)
    lines = (EXPORTS / "salesforce_accounts.csv").read_bytes().splitlines(keepends=True)
    at = pages.run(_exports(at, ("salesforce_accounts.csv", b"".join(lines[:3]))))
    shown = _texts(at)
    assert "2 row(s) in the file become" in shown and "11 row(s)" not in shown


def test_an_export_no_recipe_knows_points_to_column_matching(pages) -> None:
    at = pages.open(page_path("data"), timeout=120)
    at = pages.run(_exports(at, ("my_export.csv", b"Customer,When\nacme,2026-01-01\n")))
    assert "**my\\_export\\.csv**: no recipe recognises this file." in _texts(at)
    assert not [b for b in at.button if b.key == "data_import_exports"]
    at = pages.run(at.selectbox(key="data_table_my_export.csv").set_value("accounts"))
    assert [e.label for e in at.expander if "→" in e.label] == ["my\\_export\\.csv → Accounts"]
    assert at.selectbox(key="data_map_accounts_account_id").value == "— not in my file —"


def test_a_refused_export_is_named_by_its_own_name(pages, workspace: Path) -> None:
    from playbooks.data.workspace import workspace_status

    lines = (EXPORTS / "salesforce_accounts.csv").read_bytes().splitlines(keepends=True)
    twice = b"".join([*lines, lines[1]])  # the same account twice
    at = pages.open(page_path("data"), timeout=120)
    at = pages.run(_exports(at, ("salesforce_accounts.csv", twice)))
    at = pages.run(at.button(key="data_import_exports").click(),
                   expect_errors=["Could not import the exports: Nothing was imported\\: "
                                  "salesforce\\_accounts\\.csv \\(read with the recipe",
                                  "breaks its contract"])
    shown = "\n".join([e.value for e in at.error] + [t.value for t in at.text])
    assert "recipe-" not in shown and "account_id.unique" in shown
    assert "ok   " not in shown
    assert not at.exception and not at.code  # no traceback
    assert workspace_status(workspace).is_demo
