"""The quarterly review as Markdown and the action plan as formula-safe CSV, plus the plain
sentences both renderers share (so the HTML, the Markdown and the app say the same thing)."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playbooks.review.gather import Review

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DRIFTING_SHOWN = 50
GAPS_SHOWN = 25
ACTION_COLUMNS = ("id", "team", "title", "owner", "due_quarter", "status", "overdue",
                  "dimension", "finding", "created_at", "done_at")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")

SECTION_TITLES = {
    "assessment": "Self-assessment",
    "journey": "Journey-map findings",
    "drifting": "Accounts that look healthy but are drifting",
    "gaps": "Continuity gaps",
    "themes": "Repeated-question themes",
    "trap": "Efficiency beside relationship",
    "actions": "Action plan",
}


# --- CSV ----------------------------------------------------------------------------------------


def neutralise_cell(value: object) -> str:
    """Return a CSV cell that a spreadsheet shows as text, never runs as a formula.

    A cell starting with =, +, -, @, a tab or a carriage return (also after leading spaces)
    gets a single quote in front.
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def action_rows(review: Review) -> list[dict[str, Any]]:
    """The action plan as plain rows (the CSV's columns)."""
    return [{
        "id": a.id, "team": a.team, "title": a.title, "owner": a.owner,
        "due_quarter": a.due_quarter, "status": a.status,
        "overdue": "yes" if review.overdue(a) else "no",
        "dimension": a.dimension_id or "", "finding": a.finding_id or "",
        "created_at": f"{a.created_at:%Y-%m-%d}",
        "done_at": f"{a.done_at:%Y-%m-%d}" if a.done_at else "",
    } for a in review.actions]


def actions_csv(review: Review) -> str:
    """The action plan as CSV, every cell neutralised against spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ACTION_COLUMNS)
    for row in action_rows(review):
        writer.writerow([neutralise_cell(row[c]) for c in ACTION_COLUMNS])
    return out.getvalue()


# --- shared sentences ---------------------------------------------------------------------------


def overall_line(review: Review) -> str:
    """The overall level, and its move since the previous quarter when there is one."""
    part = review.assessment
    result = part.result
    if result is None or result.overall_score is None:
        return "No statement answered yet."
    line = (f"Overall {result.overall_score:.2f} of {result.target} "
            f"({result.overall_level_name}); {result.answered_count} of {result.total_count} "
            "statements answered.")
    if part.earlier is not None and part.earlier.overall_score is not None and part.previous:
        delta = result.overall_score - part.earlier.overall_score
        line += (f" In {part.previous.quarter} it was {part.earlier.overall_score:.2f} "
                 f"({delta:+.2f}).")
    return line


def dimension_rows(review: Review) -> list[dict[str, Any]]:
    """One row per dimension: level now, before, the move, and the evidence beside it."""
    part = review.assessment
    if part.result is None:
        return []
    changes = {c.dimension_id: c for c in part.comparison.dimensions} if part.comparison else {}
    rows = []
    for dim in part.result.dimensions.values():
        change = changes.get(dim.dimension_id)
        evidence = part.evidence.get(dim.dimension_id)
        rows.append({
            "title": dim.title,
            "level": (f"{dim.level} {dim.level_name}" if dim.level is not None
                      else "not answered"),
            "score": f"{dim.score:.2f}" if dim.score is not None else "",
            "before": (f"{change.before_score:.2f}" if change and change.before_score is not None
                       else ""),
            "move": _move(change),
            "verdict": evidence.verdict if evidence else "no data",
            "facts": [(f.stance, f.text) for f in evidence.facts] if evidence else [],
            "missing": list(evidence.missing) if evidence else [],
        })
    return rows


def _move(change: Any) -> str:
    if change is None:
        return ""
    if change.change is not None:
        arrow = {"up": "up", "down": "down"}.get(change.direction, "same")
        return f"{arrow} {change.change:+.2f}"
    return change.direction


def drifting_line(review: Review) -> str:
    """How many accounts drift while looking healthy, and the value at stake."""
    data = review.data
    if data.drifting is None:
        return data.note
    value = data.drifting["annual_value"].fill_null(0).sum()
    return (f"{data.drifting.height:,} of {data.accounts:,} accounts look healthy on the internal "
            f"view while their relationship signals decline ({value:,.0f} in annual value).")


def gaps_line(review: Review) -> str:
    """How many continuity gaps, in how many accounts."""
    gaps = review.data.continuity_gaps
    if gaps is None:
        return review.data.note
    if gaps.is_empty():
        return "No continuity gaps: no automated or templated outreach soon after an issue."
    return (f"{gaps.height:,} times an account received automated or templated outreach within "
            f"days of a support issue or escalation ({gaps['account_id'].n_unique():,} accounts).")


def themes_line(review: Review) -> str:
    """How many question themes, and how many keep recurring."""
    themes = review.data.themes
    if themes is None or themes.is_empty():
        return review.data.themes_note or review.data.note
    return (f"{themes.height} themes in customers' questions; {int(themes['recurring'].sum())} "
            "keep recurring across many accounts, which points at a product or education fix.")


def actions_line(review: Review) -> str:
    """Open, done and overdue action items."""
    if not review.actions:
        return review.actions_note
    overdue = sum(review.overdue(a) for a in review.actions)
    done = sum(a.status == "done" for a in review.actions)
    return (f"{len(review.actions)} action items: {len(review.actions) - done} open, {done} done"
            + (f", {overdue} overdue (due before {review.quarter})." if overdue else "."))


def reasons_text(reasons: Any) -> str:
    """An account's reasons as one line of sentences."""
    return " ".join(str(r).strip() for r in (reasons or [])) or "No reason recorded."


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
    """The review as Markdown, with every piece of user text escaped."""
    out = [f"# Quarterly review: {md(review.team)}, {review.quarter}", "",
           f"Generated {review.generated_at:%Y-%m-%d %H:%M} UTC. Account data: "
           f"{md(review.data.source or 'none')}.", ""]
    out += _md_assessment(review)
    out += [f"## 2. {SECTION_TITLES['journey']}", ""]
    if review.journey_note:
        out += [md(review.journey_note), ""]
    for jp in review.journeys:
        out += [f"### {md(jp.name)} ({jp.touchpoints} touchpoints, {len(jp.findings)} findings)",
                ""]
        if jp.problem:
            out += [md(jp.problem), ""]
        elif not jp.findings:
            out += ["No anti-pattern found in this map.", ""]
        else:
            out += _table(["Severity", "Touchpoint", "Stage", "Anti-pattern", "Why", "Play"],
                          [[f.severity, f.touchpoint, f.stage, f.name, f.reason, f.play_title]
                           for f in jp.findings])
    out += [f"## 3. {SECTION_TITLES['drifting']}", "", md(drifting_line(review)), ""]
    drifting = review.data.drifting
    if drifting is not None and drifting.height:
        out += _table(["Account", "Owner", "Renewal", "Score", "Why"],
                      [[r["name"] or r["account_id"], r["owner"], r["renewal_date"],
                        r["disengagement_score"], reasons_text(r["reasons"])]
                       for r in drifting.head(DRIFTING_SHOWN).iter_rows(named=True)])
        if drifting.height > DRIFTING_SHOWN:
            out += [f"... and {drifting.height - DRIFTING_SHOWN:,} more.", ""]
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
                    r["verdict"] + ": " + (" ".join(f"({s}) {t}" for s, t in r["facts"])
                                           or " ".join(r["missing"]))]
                   for r in rows])
    if part.result.gaps:
        out += ["Largest gaps: " + md("; ".join(
            f"{g.title} ({g.gap:.1f} below target)" for g in part.result.gaps[:3])), ""]
    if part.result.plays_first:
        out += ["Plays to run first:", ""]
        out += [f"- {md(p.title)}: {md(p.reason)}" for p in part.result.plays_first]
        out += [""]
    return out


def _md_trap(review: Review) -> list[str]:
    from playbooks.review.trap import (
        alone_line,
        alone_sentences,
        finding_sentences,
        method_line,
        repair_line,
        repair_rows,
        trap_line,
        trap_of,
    )

    part = trap_of(review)
    out = [f"## 6. {SECTION_TITLES['trap']}", "", md(trap_line(part)), ""]
    sentences = finding_sentences(part)
    if sentences:
        out += [f"- {md(s)}" for s in sentences] + [""]
    if part.available:
        out += [md(method_line(part)), ""]
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
