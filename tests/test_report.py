"""The quarterly review pack: every section, offline HTML, escaped user text, safe CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from review_setup import MARKUP_ACTION, MARKUP_NAME, TEAM, make_review_workspace

from playbooks.errors import InputError
from playbooks.review.gather import build_review, load_review_data
from playbooks.review.html import render_html, sanitise_svg
from playbooks.review.markdown import actions_csv, neutralise_cell, render_markdown
from playbooks.review.model import Review, TrapPart
from playbooks.review.sentences import SECTION_TITLES
from playbooks.review.trap import trap_part
from playbooks.store import Store
from playbooks.trap import TrapSettings, TrapView, find_traps


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
    _assert_offline(html_page)


def _assert_offline(html_page: str) -> None:
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
    assert html_page.count("<svg") == 5
    for title in ("Self-assessment profile", "Portfolio: what dashboards say",
                  "Questions customers keep asking",
                  "Efficiency beside relationship: The company as a whole",
                  "After something went wrong: came back or went quiet"):
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
    assert "In 2026Q3 it was 2.0 " in html_page and "up +0.5<" in html_page  # read, not 2.00
    assert part.evidence["continuity"].facts, "evidence from the data beside the level"
    assert re.search(r"class=\"(agrees|disagrees)\">The answer, level \d \(\w+\), ", html_page)


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
    assert "Example: a B2B software company&#x27;s journey" in html_page  # a name, not a file
    assert "journey_b2b_software" not in html_page + render_markdown(review)
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
    assert render_markdown(review).count("No account data") >= 4
    trap = html_page[html_page.index('<section id="trap">'):html_page.index('id="actions"')]
    assert "No account data" in trap, "the trap section says why it is empty"


def test_the_as_of_date_is_resolved_once_and_passed_down_as_a_date(
        setup: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import playbooks.questions.themes
    import playbooks.signals
    import playbooks.trap

    seen: dict[str, object] = {}

    def spy(module: object, name: str) -> None:
        original = getattr(module, name)

        def recorded(*args: object, **kwargs: object) -> object:
            seen[name] = kwargs.get("as_of")
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, recorded)

    for module, names in ((playbooks.signals, ("compute_signals", "list_continuity_gaps")),
                          (playbooks.questions.themes, ("find_themes",)),
                          (playbooks.trap, ("trap_view", "classified_questions",
                                            "repair_after_incidents"))):
        for name in names:
            spy(module, name)
    folder = setup[0]
    latest = pl.scan_parquet(folder / "activity.parquet").select(
        pl.col("occurred_at").max()).collect().item()
    load_review_data(folder)
    assert set(seen) == {"compute_signals", "list_continuity_gaps", "find_themes", "trap_view",
                         "classified_questions", "repair_after_incidents"}
    assert {type(v) for v in seen.values()} == {dt.date}
    assert set(seen.values()) == {latest.date()}
    seen.clear()
    load_review_data(folder, as_of=dt.date(2026, 1, 5))
    assert set(seen.values()) == {dt.date(2026, 1, 5)}


@pytest.mark.parametrize("quarter", ["2026Q5", "Q4 2026", "2026-10", ""])
def test_an_unknown_quarter_is_an_input_error(setup: tuple[Path, str], quarter: str) -> None:
    with pytest.raises(InputError, match="quarter"):
        build_review(TEAM, quarter, workspace=setup[0], store=setup[1])


def test_an_empty_team_is_an_input_error(setup: tuple[Path, str]) -> None:
    with pytest.raises(InputError, match="team"):
        build_review("  ", "2026Q4", workspace=setup[0], store=setup[1])


# --- efficiency beside relationship -------------------------------------------------------------

MARKUP_FUNCTION = "<i>ops</i> desk"
MARKUP_CHANNEL = "<script>bot()</script>"


def _trap_series(function: str, eff: list[float], rel: list[float]) -> pl.DataFrame:
    weeks = [dt.date(2025, 1, 6) + dt.timedelta(weeks=i) for i in range(len(eff))]
    return pl.DataFrame({
        "week": weeks * 2, "function": [function] * (2 * len(weeks)),
        "measure": ["automation_share"] * len(weeks) + ["questions_per_account"] * len(weeks),
        "kind": ["efficiency"] * len(weeks) + ["relationship"] * len(weeks),
        "value": eff + rel})


@pytest.fixture(scope="module")
def trapped(review: Review) -> Review:
    """The review with a constructed trap: a function whose automation share rose from 20% to
    50% while its questions per account fell 30%, and the company flat."""
    settings = TrapSettings(window_weeks=4, lag_weeks=12, min_weeks=2, noise_z=0)
    series = pl.concat([_trap_series("all", [0.3] * 40, [1.0] * 40),
                        _trap_series(MARKUP_FUNCTION, [0.2] * 20 + [0.5] * 20,
                                     [1.0] * 20 + [0.7] * 20)])
    view = TrapView(series, find_traps(series, settings), settings)
    questions = pl.DataFrame({
        "function": ["support"] * 3, "channel": [MARKUP_CHANNEL] * 3, "automated": [True] * 3,
        "need": ["judgment"] * 3, "week": [dt.date(2026, 1, 5)] * 3})
    part = trap_part(view, questions, review.data.trap.repair if review.data.trap else None)
    return dataclasses.replace(review, data=dataclasses.replace(review.data, trap=part))


def test_the_trap_section_holds_each_finding_with_its_function_period_and_moves(
        trapped: Review) -> None:
    part = trapped.data.trap
    assert part is not None and part.findings is not None and part.findings.height == 1
    sentence = part.findings["sentence"][0]
    moves = r"automation alone rose from \d+% to 50% \(\+\d+ points\)"
    falls = r"questions per active account fell from [\d.]+ to 0\.700 \(-\d+%\)"
    assert re.search(moves, sentence) and re.search(falls, sentence), sentence
    assert re.search(r"for \d+ weeks, from the week of 2025-\d\d-\d\d to the week of", sentence)
    page = render_html(trapped)
    section = page[page.index('<section id="trap">'):page.index('<section id="actions">')]
    assert "<h2>6. Efficiency beside relationship</h2>" in section
    assert "1 period in which efficiency improved while the relationship weakened" in section
    assert "&lt;i&gt;ops&lt;/i&gt; desk: for " in section and "<i>ops</i>" not in page
    assert re.search(moves, section) and re.search(falls, section)
    assert section.count("<svg") == 3, "the company, the function with a finding, repair"
    assert "Efficiency beside relationship: &lt;i&gt;ops&lt;/i&gt; desk" in section
    text = render_markdown(trapped)
    md_section = text[text.index("## 6. Efficiency"):text.index("## 7. Action plan")]
    assert "&lt;i&gt;ops&lt;/i&gt; desk: for " in md_section and re.search(moves, md_section)
    _assert_offline(page)


def test_personal_needs_met_by_automation_alone_are_named_and_escaped(trapped: Review) -> None:
    part = trapped.data.trap
    assert part is not None and part.alone is not None and part.alone.height == 1
    page = render_html(trapped, charts=False)
    assert "3 judgment, reassurance or peer-experience questions got only an automated" in page
    assert "&lt;script&gt;bot()&lt;/script&gt;" in page and "<script" not in page
    text = render_markdown(trapped)
    assert "&lt;script&gt;bot()&lt;/script&gt;" in text and "<script" not in text


def test_the_trap_section_on_a_year_of_data_says_it_needs_more_history(
        review: Review, html_page: str) -> None:
    part = review.data.trap
    assert part is not None and part.available and part.findings is not None
    assert part.findings.is_empty() and part.settings.lag_weeks == 52
    assert "Too little history to find the trap" in html_page
    assert "needs more than 64 weeks of activity; the data has 52" in render_markdown(review)


def test_repair_after_incidents_gives_the_share_per_segment(review: Review, html_page: str
                                                            ) -> None:
    part = review.data.trap
    assert part is not None and part.repair is not None
    segments = part.repair.by_segment
    assert segments.height >= 2
    first = segments.row(0, named=True)
    assert f"{first['share_came_back']:.0%}" in html_page
    assert "escalation or incident episodes" in html_page
    text = render_markdown(review)
    assert "| Segment | Episodes | Came back | Went quiet |" in text


def test_a_review_given_data_without_the_trap_view_says_so(review: Review) -> None:
    bare = dataclasses.replace(review, data=dataclasses.replace(review.data, trap=None))
    page = render_html(bare, charts=False)
    assert "was not computed for this review" in page
    assert TrapPart().charted_functions() == []


def test_on_two_years_of_demo_data_the_pack_states_the_support_trap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playbooks.demo import generate_demo

    monkeypatch.delenv("PLAYBOOKS_DATABASE_URL", raising=False)
    generate_demo(tmp_path, accounts=600, weeks=104, seed=7, as_of=dt.date(2026, 11, 23))
    review = build_review("Support", "2026Q4", workspace=tmp_path)
    part = review.data.trap
    assert part is not None and part.findings is not None
    # the trap the demo was built with: in support, and in the company as a whole that
    # support's questions are most of (the planted cost of automation shows in both)
    found = set(part.findings["function"])
    assert "support" in found and found <= {"support", "all"}, found
    assert part.charted_functions() == ["all", "support"]
    page = render_html(review)
    section = page[page.index('<section id="trap">'):page.index('<section id="actions">')]
    assert re.search(r"<li>Support: for \d+ weeks, from the week of 2026-", section)
    assert re.search(r"automation alone rose from \d+% to \d+% \(\+\d+ points\)", section)
    assert section.count("<svg") == 3 and "Efficiency beside relationship: Support" in section
    assert "- Support: for " in render_markdown(review)
    _assert_offline(page)
