"""The quarterly review as one self-contained HTML file.

Charts come from the shared chart functions in `playbooks.charts`, drawn to SVG offline by
vl-convert and inlined; the stylesheet is inline too, with print rules. The file refers to no
other host: SVG namespace declarations are dropped (HTML does not need them) and every piece
of user text is escaped, with "://" broken so nothing turns into a link.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import TYPE_CHECKING

from playbooks import settings
from playbooks.review.backtest import backtest_html
from playbooks.review.model import Review, trap_of
from playbooks.review.sentences import (
    DRIFTING_SHOWN,
    GAPS_SHOWN,
    SECTION_TITLES,
    action_rows,
    actions_line,
    alone_line,
    alone_sentences,
    brief_text,
    dimension_rows,
    drifting_line,
    finding_sentences,
    gaps_line,
    method_line,
    money,
    overall_line,
    reasons_text,
    repair_line,
    repair_rows,
    source_line,
    themes_line,
    trap_line,
)
from playbooks.review.trap import cost_sentences

if TYPE_CHECKING:
    import altair as alt

SVG_NS = "http://www.w3.org/2000/svg"
_NS_ATTR = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_UNSAFE_TAGS = {"script", "foreignObject", "iframe", "object", "embed", "image", "use", "a"}

CSS = """
:root { --ink:#1f2933; --muted:#5f6b7a; --line:#d9dee5; --accent:#3b6ea5; --warn:#c8553d; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       max-width: 1100px; margin: 2rem auto; padding: 0 1.2rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem;
     margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
.meta, .note { color: var(--muted); }
.note { border-left: 3px solid var(--line); padding: .3rem .7rem; background: #f6f8fa; }
.lead { font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .45rem; text-align: left;
         vertical-align: top; }
th { background: #eef2f6; }
td.num { text-align: right; white-space: nowrap; }
.agrees { color: #1b7f5f; } .disagrees { color: var(--warn); } .context { color: var(--muted); }
.overdue { color: var(--warn); font-weight: 600; }
figure { margin: .8rem 0; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }
ul.facts { margin: 0; padding-left: 1rem; }
nav ol { columns: 2; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  nav { display: none; }
  section { break-before: page; page-break-before: always; }
  section:first-of-type { break-before: auto; page-break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, .note { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(value: object) -> str:
    """Escape user text for HTML, with "://" broken so no viewer turns it into a link."""
    return html.escape("" if value is None else str(value)).replace("://", ":&#8203;//")


# --- charts -------------------------------------------------------------------------------------


def review_charts(review: Review) -> dict[str, alt.Chart | alt.LayerChart | alt.VConcatChart]:
    """Build the charts of a review, by section, from the shared chart functions:
    `trap:FUNCTION` for each signature chart (the company's, then each function with a
    finding)."""
    from playbooks.charts import (
        assessment_profile_chart,
        portfolio_chart,
        repair_chart,
        themes_chart,
        trap_signature_chart,
    )

    charts: dict[str, alt.Chart | alt.LayerChart | alt.VConcatChart] = {}
    part = review.assessment
    if part.result is not None and part.result.overall_score is not None:
        charts["assessment"] = assessment_profile_chart(
            part.result, part.earlier,
            earlier_label=part.previous.quarter if part.previous else "previous quarter")
    if review.data.portfolio is not None and review.data.portfolio.height:
        charts["drifting"] = portfolio_chart(review.data.portfolio,
                                             currency=settings.currency())
    if review.data.themes is not None and review.data.themes.height:
        charts["themes"] = themes_chart(review.data.themes)
    trap = trap_of(review)
    for function in trap.charted_functions():
        assert trap.series is not None  # charted_functions() is empty without a series
        charts[f"trap:{function}"] = trap_signature_chart(trap.series, trap.findings,
                                                          function=function, width=620)
    if trap.repair is not None and trap.repair.by_quarter.height:
        charts["repair"] = repair_chart(trap.repair.by_quarter)
    return charts


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """Draw a chart to SVG offline and make it safe to inline (no script, links or namespaces)."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(chart.to_dict())
    return sanitise_svg(svg)


def sanitise_svg(svg: str) -> str:
    """Drop anything from an SVG that could run code or fetch from elsewhere."""
    ET.register_namespace("", SVG_NS)
    root = ET.fromstring(svg)
    for parent in root.iter():
        for child in list(parent):
            if child.tag.split("}")[-1] in _UNSAFE_TAGS:
                parent.remove(child)
        for name in list(parent.attrib):
            local = name.split("}")[-1].lower()
            if local.startswith("on") or local == "href" or "url(" in parent.attrib[name]:
                del parent.attrib[name]
    text = ET.tostring(root, encoding="unicode")
    text = _NS_ATTR.sub("", text)
    return re.sub(r"<(/?)ns\d+:", r"<\1", text)


# --- the page -----------------------------------------------------------------------------------


def render_html(review: Review, *, charts: bool = True) -> str:
    """Render the review as one self-contained HTML page (`charts=False` leaves the charts out)."""
    drawn = {k: chart_svg(c) for k, c in review_charts(review).items()} if charts else {}
    title = f"Quarterly review: {esc(review.team)}, {review.quarter}"
    body = [
        f"<header><h1>{title}</h1>",
        f'<p class="meta">{esc(source_line(review))}</p>',
        "</header>",
        "<nav><ol>" + "".join(f'<li><a href="#{k}">{v}</a></li>'
                              for k, v in SECTION_TITLES.items()) + "</ol></nav>",
        _assessment(review, drawn.get("assessment")),
        _journey(review),
        _drifting(review, drawn.get("drifting")),
        backtest_html(review, draw=chart_svg if charts else None),
        _gaps(review),
        _themes(review, drawn.get("themes")),
        _trap(review, drawn),
        _actions(review),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{title}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _section(key: str, number: int, inner: Iterable[str]) -> str:
    return (f'<section id="{key}"><h2>{number}. {SECTION_TITLES[key]}</h2>\n'
            + "\n".join(inner) + "\n</section>")


def _note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>' if text else ""


def _figure(svg: str | None, caption: str) -> str:
    return f"<figure>{svg}<figcaption class=\"meta\">{esc(caption)}</figcaption></figure>" \
        if svg else ""


def _table(header: list[str], rows: Iterable[list[str]], numeric: frozenset[int] = frozenset()
           ) -> str:
    """A table; `rows` hold HTML that is already escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _assessment(review: Review, svg: str | None) -> str:
    part = review.assessment
    if part.result is None:
        return _section("assessment", 1, [_note(part.note)])
    before = esc(part.previous.quarter) if part.previous else "Before"
    rows = []
    for r in dimension_rows(review):
        facts = "".join(f'<li class="{s}">{esc(t)}</li>' for s, t in r["facts"])
        facts += "".join(f'<li class="context">{esc(m)}</li>' for m in r["missing"])
        rows.append([esc(r["title"]), esc(r["level"]), esc(r["score"]), esc(r["before"]),
                     esc(r["move"]),
                     f"<strong>{esc(r['verdict'])}</strong><ul class=\"facts\">{facts}</ul>"])
    inner = [f'<p class="lead">{esc(overall_line(review))}</p>', _note(part.note),
             _figure(svg, "Bars: this quarter's score per dimension; ticks: the previous "
                     "quarter."),
             _table(["Dimension", "Level", "Score", before, "Move", "Evidence from the data"],
                    rows, frozenset({2, 3}))]
    if part.result.gaps:
        inner.append("<h3>Largest gaps</h3><ul>" + "".join(
            f"<li>{esc(g.title)}: level {g.level} ({esc(g.level_name)}), {g.gap:.1f} below the "
            "target</li>" for g in part.result.gaps[:3]) + "</ul>")
    if part.result.plays_first:
        inner.append("<h3>Plays to run first</h3><ol>" + "".join(
            f"<li><strong>{esc(p.title)}</strong>: {esc(p.reason)}.<br>{esc(p.description)}"
            f"<br>Usually owned by: {esc(p.owner)}.<br>First step this quarter: "
            f"{esc(p.first_step)}<br>You will know it worked when: {esc(p.success_sign)}</li>"
            for p in part.result.plays_first) + "</ol>")
    return _section("assessment", 1, inner)


def _journey(review: Review) -> str:
    inner = [_note(review.journey_note)]
    for jp in review.journeys:
        inner.append(f"<h3>{esc(jp.name)}</h3><p class=\"meta\">{jp.touchpoints} touchpoints, "
                     f"{len(jp.findings)} findings</p>")
        if jp.own_words:
            inner.append('<ul class="meta">' + "".join(f"<li>{esc(s)}</li>" for s in jp.own_words)
                         + "</ul>")
        if jp.problem:
            inner.append(_note(jp.problem))
        elif not jp.findings:
            inner.append("<p>No anti-pattern found in this map.</p>")
        else:
            inner.append(_table(
                ["Severity", "Touchpoint", "Stage", "Anti-pattern", "Why", "Play"],
                ([esc(f.severity), esc(f.touchpoint), esc(f.stage_label or f.stage),
                  esc(f.name), esc(f.reason),
                  esc(f.play_title)] for f in jp.findings)))
    return _section("journey", 2, inner)


def _drifting(review: Review, svg: str | None) -> str:
    drifting = review.data.drifting
    inner = [f'<p class="lead">{esc(drifting_line(review))}</p>' if drifting is not None
             else _note(review.data.note)]
    inner.append(_figure(svg, "Each circle is an account: what the internal health score says "
                         "against where its relationship signals are heading."))
    if drifting is not None and drifting.height:
        inner.append(_table(
            ["Account", "Owner", "Segment", "Renewal", "Annual value", "Score", "Why",
             "Before reaching out"],
            ([esc(r["name"] or r["account_id"]), esc(r["owner"]), esc(r["segment"]),
              esc(r["renewal_date"]), esc(money(r["annual_value"] or 0.0)),
              f"{r['disengagement_score']:.1f}", _reasons(r["reasons"]),
              esc(brief_text(review, r["account_id"]))]
             for r in drifting.head(DRIFTING_SHOWN).iter_rows(named=True)),
            frozenset({3, 4, 5})))
        if drifting.height > DRIFTING_SHOWN:
            inner.append(f"<p class=\"meta\">... and {drifting.height - DRIFTING_SHOWN:,} more "
                         "(the Account signals page lists them all).</p>")
    return _section("drifting", 3, inner)


def _reasons(reasons: list[str] | None) -> str:
    if not reasons:
        return esc(reasons_text(reasons))
    return '<ul class="facts">' + "".join(f"<li>{esc(r)}</li>" for r in reasons) + "</ul>"


def _gaps(review: Review) -> str:
    gaps = review.data.continuity_gaps
    if gaps is None:
        return _section("gaps", 4, [_note(review.data.note)])
    inner = [f'<p class="lead">{esc(gaps_line(review))}</p>']
    if gaps.height:
        pairs = (gaps.group_by("trigger_kind", "outreach_kind").len()
                 .sort(["len", "trigger_kind", "outreach_kind"], descending=[True, False, False]))
        inner.append("<h3>Which issue, followed by which outreach</h3>" + _table(
            ["After", "came", "Times"],
            ([esc(r["trigger_kind"]), esc(r["outreach_kind"]), f"{r['len']:,}"]
             for r in pairs.iter_rows(named=True)), frozenset({2})))
        inner.append(f"<h3>The {min(GAPS_SHOWN, gaps.height)} most recent</h3>" + _table(
            ["Account", "Issue", "Outreach", "Days after"],
            ([esc(r["name"] or r["account_id"]),
              f"{esc(r['trigger_kind'])} {r['trigger_at']:%Y-%m-%d}",
              f"{esc(r['outreach_kind'])} {r['outreach_at']:%Y-%m-%d}", esc(r["days_after"])]
             for r in gaps.head(GAPS_SHOWN).iter_rows(named=True)), frozenset({3})))
    return _section("gaps", 4, inner)


def _themes(review: Review, svg: str | None) -> str:
    themes = review.data.themes
    inner = [f'<p class="lead">{esc(themes_line(review))}</p>']
    if themes is not None and themes.height:
        inner.append(_figure(svg, "Themes by the number of accounts asking; red ones keep "
                             "recurring."))
        inner.append(_table(
            ["Theme", "Accounts", "Questions", "First seen", "Last seen", "Recurring", "Example"],
            ([esc(r["label"]), f"{r['account_count']:,}", f"{r['question_count']:,}",
              esc(r["first_seen"]), esc(r["last_seen"]), "yes" if r["recurring"] else "no",
              esc(r["example"])] for r in themes.iter_rows(named=True)), frozenset({1, 2})))
    return _section("themes", 5, inner)


def _trap(review: Review, drawn: dict[str, str]) -> str:
    from playbooks.trap import function_label

    part = trap_of(review)
    inner = [f'<p class="lead">{esc(trap_line(part))}</p>']
    sentences = finding_sentences(part)
    if sentences:
        inner.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>")
    if part.available:
        inner.append(f'<p class="meta">{esc(method_line(part))}</p>')
    for function in part.charted_functions():
        inner.append(_figure(drawn.get(f"trap:{function}"), (
            f"{function_label(function)}: the efficiency and relationship indexes (top), then "
            "each measure, indexed to 100 at the start; shaded weeks are trap periods.")))
    lead, effects, pairs = cost_sentences(part)
    inner.append("<h3>What automation alone cost</h3>")
    inner.append(f"<p>{esc(lead)}</p>")
    if effects:
        inner.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in effects) + "</ul>")
    if pairs:
        inner.append("<h3>Each efficiency measure beside the relationship measure it can "
                     "cost</h3>")
        inner.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in pairs) + "</ul>")
    inner.append("<h3>Personal needs answered by automation alone</h3>")
    inner.append(f"<p>{esc(alone_line(part))}</p>")
    shown = alone_sentences(part)
    if shown:
        inner.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in shown) + "</ul>")
    inner.append("<h3>After something went wrong</h3>")
    inner.append(f"<p>{esc(repair_line(part))}</p>")
    inner.append(_figure(drawn.get("repair"), "Per quarter of the escalation or incident: "
                         "the share of accounts that came back within the window."))
    rows = repair_rows(part)
    if rows:
        inner.append(_table(["Segment", "Episodes", "Came back", "Went quiet"],
                            ([esc(r["segment"]), r["episodes"], r["came_back"], r["went_quiet"]]
                             for r in rows), frozenset({1, 2, 3})))
    return _section("trap", 6, inner)


def _actions(review: Review) -> str:
    inner = [f'<p class="lead">{esc(actions_line(review))}</p>']
    if review.actions:
        inner.append(_table(
            ["Action", "Owner", "Due", "Status", "Linked to"],
            ([esc(r["title"]), esc(r["owner"]), esc(r["due_quarter"]),
              (f'<span class="overdue">{esc(r["status"])}, overdue</span>'
               if r["overdue"] == "yes" else esc(r["status"])),
              esc(r["dimension"] or r["finding"])] for r in action_rows(review))))
    return _section("actions", 7, inner)
