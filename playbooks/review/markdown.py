"""The quarterly review as Markdown, and its action plan as formula-safe CSV."""

from __future__ import annotations

import html
import re

from playbooks.review.backtest import backtest_markdown
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
    overall_line,
    reasons_text,
    repair_line,
    repair_rows,
    source_line,
    themes_line,
    trap_line,
)
from playbooks.review.trap import cost_sentences
from playbooks.userfiles.writing import csv_text, neutralise_cell  # noqa: F401 - re-exported

ACTION_COLUMNS = ("id", "team", "title", "owner", "due_quarter", "status", "overdue",
                  "dimension", "finding", "created_at", "done_at")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


# --- CSV ----------------------------------------------------------------------------------------


def actions_csv(review: Review) -> str:
    """Render the action plan as CSV, every cell neutralised against spreadsheet formulas."""
    return csv_text(ACTION_COLUMNS, ([row[c] for c in ACTION_COLUMNS]
                                     for row in action_rows(review)))


# --- Markdown -----------------------------------------------------------------------------------


def md(value: object) -> str:
    """Make user text inert in Markdown: markup characters escaped, HTML escaped, one line."""
    text = " ".join(str("" if value is None else value).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return html.escape(text, quote=False).replace("://", ":\u200b//")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return out + [""]


def render_markdown(review: Review) -> str:
    """Render the review as Markdown, with every piece of user text escaped."""
    out = [f"# Quarterly review: {md(review.team)}, {review.quarter}", "",
           md(source_line(review)), ""]
    out += _md_assessment(review)
    out += [f"## 2. {SECTION_TITLES['journey']}", ""]
    if review.journey_note:
        out += [md(review.journey_note), ""]
    for jp in review.journeys:
        out += [f"### {md(jp.name)} ({jp.touchpoints} touchpoints, {len(jp.findings)} findings)",
                ""]
        if jp.own_words:
            out += [f"- {md(s)}" for s in jp.own_words] + [""]
        if jp.problem:
            out += [md(jp.problem), ""]
        elif not jp.findings:
            out += ["No anti-pattern found in this map.", ""]
        else:
            out += _table(["Severity", "Touchpoint", "Stage", "Anti-pattern", "Why", "Play"],
                          [[f.severity, f.touchpoint, f.stage_label or f.stage, f.name,
                            f.reason, f.play_title]
                           for f in jp.findings])
    out += [f"## 3. {SECTION_TITLES['drifting']}", "", md(drifting_line(review)), ""]
    drifting = review.data.drifting
    if drifting is not None and drifting.height:
        out += _table(["Account", "Owner", "Renewal", "Score", "Why", "Before reaching out"],
                      [[r["name"] or r["account_id"], r["owner"], r["renewal_date"],
                        f"{r['disengagement_score']:.1f}", reasons_text(r["reasons"]),
                        brief_text(review, r["account_id"])]
                       for r in drifting.head(DRIFTING_SHOWN).iter_rows(named=True)])
        if drifting.height > DRIFTING_SHOWN:
            out += [f"... and {drifting.height - DRIFTING_SHOWN:,} more.", ""]
    out += backtest_markdown(review)
    out += [f"## 4. {SECTION_TITLES['gaps']}", "", md(gaps_line(review)), ""]
    gaps = review.data.continuity_gaps
    if gaps is not None and gaps.height:
        out += _table(["Account", "Issue", "Outreach", "Days after"],
                      [[r["name"] or r["account_id"],
                        f"{r['trigger_kind']} {r['trigger_at']:%Y-%m-%d}",
                        f"{r['outreach_kind']} {r['outreach_at']:%Y-%m-%d}", r["days_after"]]
                       for r in gaps.head(GAPS_SHOWN).iter_rows(named=True)])
    out += [f"## 5. {SECTION_TITLES['themes']}", "", md(themes_line(review)), ""]
    themes = review.data.themes
    if themes is not None and themes.height:
        out += _table(["Theme", "Accounts", "Questions", "First seen", "Last seen", "Recurring",
                       "Example"],
                      [[r["label"], r["account_count"], r["question_count"], r["first_seen"],
                        r["last_seen"], "yes" if r["recurring"] else "no", r["example"]]
                       for r in themes.iter_rows(named=True)])
    out += _md_trap(review)
    out += [f"## 7. {SECTION_TITLES['actions']}", "", md(actions_line(review)), ""]
    if review.actions:
        out += _table(["Action", "Owner", "Due", "Status"],
                      [[r["title"], r["owner"], r["due_quarter"],
                        r["status"] + (" (overdue)" if r["overdue"] == "yes" else "")]
                       for r in action_rows(review)])
    return "\n".join(out).rstrip() + "\n"


def _md_assessment(review: Review) -> list[str]:
    part = review.assessment
    out = [f"## 1. {SECTION_TITLES['assessment']}", ""]
    if part.result is None:
        return out + [md(part.note), ""]
    out += [md(overall_line(review)), ""]
    if part.note:
        out += [md(part.note), ""]
    before = part.previous.quarter if part.previous else "before"
    rows = dimension_rows(review)
    out += _table(["Dimension", "Level", "Score", before, "Move", "Evidence"],
                  [[r["title"], r["level"], r["score"], r["before"], r["move"],
                    r["verdict"] + ": " + (" ".join(t for _, t in r["facts"])
                                           or " ".join(r["missing"]))]
                   for r in rows])
    if part.result.gaps:
        out += ["Largest gaps: " + md("; ".join(
            f"{g.title} ({g.gap:.1f} below target)" for g in part.result.gaps[:3])), ""]
    if part.result.plays_first:
        out += ["Plays to run first:", ""]
        for n, p in enumerate(part.result.plays_first, start=1):
            out += [f"{n}. **{md(p.title)}**: {md(p.reason)}. {md(p.description)}",
                    f"   Usually owned by: {md(p.owner)}. First step this quarter: "
                    f"{md(p.first_step)} You will know it worked when: {md(p.success_sign)}"]
        out += [""]
    return out


def _md_trap(review: Review) -> list[str]:
    part = trap_of(review)
    out = [f"## 6. {SECTION_TITLES['trap']}", "", md(trap_line(part)), ""]
    sentences = finding_sentences(part)
    if sentences:
        out += [f"- {md(s)}" for s in sentences] + [""]
    if part.available:
        out += [md(method_line(part)), ""]
    lead, effects, pairs = cost_sentences(part)
    out += ["### What automation alone cost", "", md(lead), ""]
    if effects:
        out += [f"- {md(s)}" for s in effects] + [""]
    if pairs:
        out += ["### Each efficiency measure beside the relationship measure it can cost", ""]
        out += [f"- {md(s)}" for s in pairs] + [""]
    out += ["### Personal needs answered by automation alone", "", md(alone_line(part)), ""]
    shown = alone_sentences(part)
    if shown:
        out += [f"- {md(s)}" for s in shown] + [""]
    out += ["### After something went wrong", "", md(repair_line(part)), ""]
    rows = repair_rows(part)
    if rows:
        out += _table(["Segment", "Episodes", "Came back", "Went quiet"],
                      [[r["segment"], r["episodes"], r["came_back"], r["went_quiet"]]
                       for r in rows])
    return out
