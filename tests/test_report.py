"""The quarterly review pack: every section, offline HTML, escaped user text, safe CSV."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from review_setup import MARKUP_ACTION, MARKUP_NAME, TEAM, make_review_workspace

from playbooks.errors import InputError
from playbooks.report import (
    Review,
    actions_csv,
    build_review,
    neutralise_cell,
    render_html,
    render_markdown,
)
from playbooks.report_html import sanitise_svg
from playbooks.report_text import SECTION_TITLES
from playbooks.store import Store


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return make_review_workspace(tmp_path_factory.mktemp("review") / "workspace")


@pytest.fixture(scope="module")
def review(setup: tuple[Path, str]) -> Review:
    folder, url = setup
    return build_review(TEAM, "2026q4", workspace=folder, store=url)


@pytest.fixture(scope="module")
def html_page(review: Review) -> str:
    """The rendered HTML (not the Playwright `page` fixture)."""
    return render_html(review)


def _review_with_action(setup: tuple[Path, str], title: str, owner: str) -> Review:
    folder, url = setup
    with Store(url) as store:
        store.add_action("Formula team", title, owner=owner, due_quarter="2026Q4")
        return build_review("Formula team", "2026Q4", workspace=folder, store=store)


# --- offline and escaped --------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k.lower(): v or "" for k, v in attrs}))


def test_the_html_refers_to_no_other_host(html_page: str) -> None:
    assert not re.search(r"(?i)https?:", html_page), "no http(s) URL anywhere, even in text"
    assert not re.search(r"(?i)url\(|@import", html_page)
    tags = _Tags(html_page).tags
    assert not {t for t, _ in tags} & {"script", "link", "img", "iframe", "object", "embed",
                                       "image", "use", "base", "source", "video", "audio"}
    for tag, attrs in tags:
        for name, value in attrs.items():
            assert name not in ("src", "srcset", "action", "poster", "xlink:href"), (tag, name)
            if name == "href":
                assert value.startswith("#"), f"<{tag} href={value!r}> leaves the page"
            assert "//" not in value or name in ("d", "aria-label"), (tag, name, value)


def test_charts_are_inline_svg_from_the_shared_chart_functions(html_page: str) -> None:
    assert html_page.count("<svg") == 3
    for title in ("Self-assessment profile", "Portfolio: what dashboards say",
                  "Questions customers keep asking"):
        assert title in html_page


def test_user_markup_appears_escaped_never_as_tags(html_page: str, review: Review) -> None:
    assert "<script" not in html_page.lower() and "<img" not in html_page.lower()
    handlers = [(t, a) for t, attrs in _Tags(html_page).tags for a in attrs if a.startswith("on")]
    assert not handlers, "no event handler attribute"
    assert "&lt;script&gt;alert(&#x27;team&#x27;)&lt;/script&gt;" in html_page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html_page
    assert "&lt;b onmouseover=alert(2)&gt;Nurture&lt;/b&gt;" in html_page
    assert "Our journey &lt;i&gt;v2&lt;/i&gt;" in html_page
    assert "<i>v2</i>" not in html_page and "<b " not in html_page


def test_markdown_escapes_markup_too(review: Review) -> None:
    text = render_markdown(review)
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;" in text and MARKUP_NAME not in text
    assert "Fix the hand-off" in text


def test_svg_is_cleaned_of_scripts_links_and_namespaces() -> None:
    svg = sanitise_svg('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink='
                       '"http://www.w3.org/1999/xlink"><script>x()</script>'
                       '<a href="http://evil.example"><text onclick="x()">hi</text></a>'
                       '<image href="http://evil.example/p.png"/><rect fill="url(#g)"/></svg>')
    assert "http" not in svg and "script" not in svg and "onclick" not in svg
    assert "<image" not in svg and "url(" not in svg


def test_a_link_in_user_text_never_becomes_one(setup: tuple[Path, str]) -> None:
    review = _review_with_action(setup, "Read https://evil.example/x first", owner="Ana")
    page = render_html(review, charts=False)
    assert "Read https:&#8203;//evil.example/x first" in page
    assert not re.search(r"(?i)https?://", page + render_markdown(review))


# --- CSV ------------------------------------------------------------------------------------------


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_csv_cell_starting_with_a_formula_character_is_neutralised(
        setup: tuple[Path, str], start: str) -> None:
    title = f"{start}HYPERLINK(\"evil\",\"click\") {start}"
    owner = f"{start}1+2"
    review = _review_with_action(setup, title, owner)
    rows = [r for r in _csv_rows(actions_csv(review)) if r["title"].endswith(start)]
    assert rows, "the action is in the CSV"
    assert rows[0]["title"] == "'" + title
    assert rows[0]["owner"] == "'" + owner


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =1"])
def test_neutralise_cell_covers_every_formula_start(text: str) -> None:
    assert neutralise_cell(text) == "'" + text


def test_plain_cells_stay_as_they_are() -> None:
    assert neutralise_cell("Name a person, not a queue") == "Name a person, not a queue"
    assert neutralise_cell(None) == "" and neutralise_cell(3) == "3"


def test_the_csv_holds_the_action_plan(review: Review) -> None:
    rows = _csv_rows(actions_csv(review))
    by_title = {r["title"]: r for r in rows}
    assert by_title[MARKUP_ACTION]["overdue"] == "yes"  # due 2026Q3, reviewed in 2026Q4
    assert by_title["Name a person for every renewal"]["due_quarter"] == "2027Q1"
    assert by_title["Name a person for every renewal"]["dimension"] == "continuity"


# --- content --------------------------------------------------------------------------------------


def test_the_report_holds_every_section(html_page: str, review: Review) -> None:
    text = render_markdown(review)
    for number, (key, title) in enumerate(SECTION_TITLES.items(), start=1):
        assert f'<section id="{key}"><h2>{number}. {title}</h2>' in html_page
        assert f"## {number}. {title}" in text
    assert "@media print" in html_page and "break-before: page" in html_page


def test_the_assessment_shows_the_change_and_the_evidence(review: Review, html_page: str) -> None:
    part = review.assessment
    assert part.previous is not None and part.previous.quarter == "2026Q3"
    assert part.comparison is not None and part.comparison.moved_up
    assert "In 2026Q3 it was 2.00" in html_page and "up +0.50" in html_page
    assert part.evidence["continuity"].facts, "evidence from the data beside the level"
    assert re.search(r"class=\"(supports|contradicts)\">(supports|contradicts): ", html_page)


def test_the_data_sections_carry_reasons(review: Review, html_page: str) -> None:
    data = review.data
    assert data.drifting is not None and data.drifting.height > 0
    assert all(r for r in data.drifting["reasons"].to_list())
    assert "look healthy on the internal view" in html_page
    assert data.continuity_gaps is not None and data.continuity_gaps.height > 0
    assert "Which issue, followed by which outreach" in html_page
    assert data.themes is not None and data.themes.height > 0
    first = data.themes.row(0, named=True)["label"]
    assert first in html_page


def test_the_teams_saved_journey_map_is_diagnosed(review: Review) -> None:
    assert [j.name for j in review.journeys] == ["Our journey <i>v2</i>"]
    assert not review.journeys[0].example and review.journeys[0].findings
    assert review.journey_note == ""


def test_a_missing_assessment_gives_a_plain_section(setup: tuple[Path, str]) -> None:
    folder, url = setup
    review = build_review("Nobody yet", "2026Q4", workspace=folder, store=url)
    html_page = render_html(review, charts=False)
    assert review.assessment.result is None
    assert "Nobody yet has no self-assessment for 2026Q4" in html_page
    assert "ships with CX Playbooks" in html_page  # no saved map: the example, saying so
    assert review.journeys[0].example
    assert "Nobody yet has no action items yet" in render_markdown(review)
    assert actions_csv(review).splitlines() == [
        "id,team,title,owner,due_quarter,status,overdue,dimension,finding,created_at,done_at"]


def test_an_earlier_quarter_says_there_is_nothing_to_compare(setup: tuple[Path, str]) -> None:
    folder, url = setup
    review = build_review(TEAM, "2026Q3", workspace=folder, store=url)
    assert review.assessment.result is not None and review.assessment.previous is None
    assert "no assessment before 2026Q3" in render_html(review, charts=False)


def test_no_data_and_no_store_give_notes_not_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PLAYBOOKS_DATABASE_URL", raising=False)
    review = build_review("Support", "2026Q1", workspace=tmp_path)
    html_page = render_html(review)
    assert "<svg" not in html_page
    assert "No account data" in html_page and "there is no store at" in html_page
    assert not (tmp_path / "playbooks.db").exists(), "a review never creates a store"
    assert render_markdown(review).count("No account data") >= 3


@pytest.mark.parametrize("quarter", ["2026Q5", "Q4 2026", "2026-10", ""])
def test_an_unknown_quarter_is_an_input_error(setup: tuple[Path, str], quarter: str) -> None:
    with pytest.raises(InputError, match="quarter"):
        build_review(TEAM, quarter, workspace=setup[0], store=setup[1])


def test_an_empty_team_is_an_input_error(setup: tuple[Path, str]) -> None:
    with pytest.raises(InputError, match="team"):
        build_review("  ", "2026Q4", workspace=setup[0], store=setup[1])
