"""The plain sentences and rows every renderer of the quarterly review shares, so that the
HTML, the Markdown, the CSV and the app say the same thing. They read only the `Review`."""

from __future__ import annotations

from typing import Any

from playbooks import settings
from playbooks.review.model import NOT_COMPUTED, Review, TrapPart

DRIFTING_SHOWN = 50
GAPS_SHOWN = 25
ALONE_SHOWN = 8

SECTION_TITLES = {
    "assessment": "Self-assessment",
    "journey": "Journey-map findings",
    "drifting": "Accounts that look healthy but are drifting",
    "gaps": "Continuity gaps",
    "themes": "Repeated-question themes",
    "trap": "Efficiency beside relationship",
    "actions": "Action plan",
}


def action_rows(review: Review) -> list[dict[str, Any]]:
    """Return the action plan as plain rows (the CSV's columns)."""
    return [{
        "id": a.id, "team": a.team, "title": a.title, "owner": a.owner,
        "due_quarter": a.due_quarter, "status": a.status,
        "overdue": "yes" if review.overdue(a) else "no",
        "dimension": a.dimension_id or "", "finding": a.finding_id or "",
        "created_at": f"{a.created_at:%Y-%m-%d}",
        "done_at": f"{a.done_at:%Y-%m-%d}" if a.done_at else "",
    } for a in review.actions]


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 action item`, `3 action items`: the count with its noun."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def money(value: float) -> str:
    """An amount of money in whole units, with the currency when one is set."""
    currency = settings.currency()
    return f"{value:,.0f} {currency}" if currency else f"{value:,.0f}"


def source_line(review: Review) -> str:
    """Say when the review was made and from what, without naming files or servers."""
    data = review.data
    accounts = (f"account data for {plural(data.accounts, 'account')}" if data.available
                else "no account data")
    return (f"Generated {review.generated_at:%d %b %Y, %H:%M} UTC from {accounts} and the "
            "team's saved assessments, journey maps and action items.")


# --- the review's sections ------------------------------------------------------------------------


def overall_line(review: Review) -> str:
    """Say the overall level, and its move since the previous quarter when there is one."""
    part = review.assessment
    result = part.result
    if result is None or result.overall_score is None:
        return "No statement answered yet."
    line = (f"Overall {result.overall_score:.1f} of {result.target} "
            f"({result.overall_level_name}); {result.answered_count} of {result.total_count} "
            "statements answered.")
    if part.earlier is not None and part.earlier.overall_score is not None and part.previous:
        delta = result.overall_score - part.earlier.overall_score
        line += (f" In {part.previous.quarter} it was {part.earlier.overall_score:.1f} "
                 f"({delta:+.1f}).")
    return line


def dimension_rows(review: Review) -> list[dict[str, Any]]:
    """Return one row per dimension: level now, before, the move, and the evidence beside it."""
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
            "score": f"{dim.score:.1f}" if dim.score is not None else "",
            "before": (f"{change.before_score:.1f}" if change and change.before_score is not None
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
        return f"{arrow} {change.change:+.1f}"
    return change.direction


def drifting_line(review: Review) -> str:
    """Say how many accounts drift while looking healthy, and the value at stake."""
    data = review.data
    if data.drifting is None:
        return data.note
    value = float(data.drifting["annual_value"].fill_null(0).sum())
    return (f"{data.drifting.height:,} of {data.accounts:,} accounts look healthy on the internal "
            f"view while their relationship signals decline ({money(value)} in annual value).")


def gaps_line(review: Review) -> str:
    """Say how many continuity gaps there are, in how many accounts."""
    gaps = review.data.continuity_gaps
    if gaps is None:
        return review.data.note
    if gaps.is_empty():
        return "No continuity gaps: no automated or templated outreach soon after an issue."
    return (f"{gaps.height:,} times an account received automated or templated outreach within "
            f"days of a support issue or escalation ({gaps['account_id'].n_unique():,} accounts).")


def themes_line(review: Review) -> str:
    """Say how many question themes there are, and how many keep recurring."""
    themes = review.data.themes
    if themes is None or themes.is_empty():
        return review.data.themes_note or review.data.note
    return (f"{themes.height} themes in customers' questions; {int(themes['recurring'].sum())} "
            "keep recurring across many accounts, which points at a product or education fix.")


def actions_line(review: Review) -> str:
    """Count the open, done and overdue action items."""
    if not review.actions:
        return review.actions_note
    overdue = sum(review.overdue(a) for a in review.actions)
    done = sum(a.status == "done" for a in review.actions)
    return (f"{plural(len(review.actions), 'action item')}: {len(review.actions) - done} open, "
            f"{done} done"
            + (f", {overdue} overdue (due before {review.quarter})." if overdue else "."))


def brief_text(review: Review, account_id: str) -> str:
    """The account brief in one short paragraph, for the drifting list ("" without one)."""
    brief = review.data.briefs.get(account_id)
    if brief is None:
        return ""
    parts = [f"Since {brief.since:%d %b %Y}: {plural(brief.tickets_opened, 'ticket')}"]
    if brief.problems:
        parts.append("; ".join(brief.problems))
    if brief.unanswered:
        parts.append(f"{plural(len(brief.unanswered), 'question')} with no answer found")
    if brief.automated_messages:
        parts.append(f"{plural(brief.automated_messages, 'automated message')}")
    if brief.quiet_people:
        parts.append(f"{plural(len(brief.quiet_people), 'person', 'people')} went quiet")
    text = ", ".join(parts) + "."
    if brief.avoid:
        text += " Avoid " + brief.avoid[0]
    return text


def reasons_text(reasons: Any) -> str:
    """Join an account's reasons into one line of sentences."""
    return " ".join(str(r).strip() for r in (reasons or [])) or "No reason recorded."


# --- efficiency beside relationship ---------------------------------------------------------------


def trap_line(part: TrapPart) -> str:
    """Say where, if anywhere, efficiency improved while the relationship weakened."""
    from playbooks.trap import function_label

    if not part.available:
        return part.note or NOT_COMPUTED
    s = part.settings
    if part.findings is None or part.findings.is_empty():
        if part.weeks <= part.needed_weeks:
            return (f"Too little history to find the trap: each {s.window_weeks}-week window is "
                    f"compared with the same weeks {s.lag_weeks} weeks earlier, so it needs more "
                    f"than {part.needed_weeks} weeks of activity; the data has {part.weeks}.")
        return ("No period in which efficiency improved while the relationship weakened beyond "
                "the thresholds, in any function or for the company as a whole.")
    functions = [function_label(f) for f in part.charted_functions()
                 if f in set(part.findings["function"].to_list())]
    return (f"{part.findings.height} period{'s' if part.findings.height != 1 else ''} in which "
            f"efficiency improved while the relationship weakened: {', '.join(functions)}.")


def finding_sentences(part: TrapPart) -> list[str]:
    """List each trap finding in words, with its function, period and the size of every move."""
    return [] if part.findings is None else part.findings["sentence"].to_list()


def method_line(part: TrapPart) -> str:
    """Say how a move is judged, in one sentence."""
    s = part.settings
    return (f"Each week compares the mean of the last {s.window_weeks} weeks with the same "
            f"window {s.lag_weeks} weeks earlier; a share must move at least "
            f"{s.share_points * 100:.0f} points, a rate {s.relative:.0%}, and more than its own "
            "week-to-week noise.")


def alone_line(part: TrapPart) -> str:
    """Say how often judgment, reassurance or peer-experience questions met automation alone."""
    if not part.available and part.alone is None:
        return part.note or NOT_COMPUTED
    if part.alone is None:
        return part.questions_note
    if part.alone.is_empty():
        return ("No judgment, reassurance or peer-experience question got only an automated "
                "answer on a channel the framework rates a poor or partial fit for it.")
    total = int(part.alone["questions"].sum())
    return (f"{total:,} judgment, reassurance or peer-experience questions got only an automated "
            f"answer, in {part.alone.height} places where the framework rates the channel a "
            "poor or partial fit for the need.")


def alone_sentences(part: TrapPart) -> list[str]:
    """List the largest places where a personal need met automation alone, in words."""
    if part.alone is None:
        return []
    return part.alone["sentence"].head(ALONE_SHOWN).to_list()


def repair_sentence(repair: Any) -> str:
    """Say, for a `RepairResult`, how many judged episodes saw the account come back within
    the window and how many went quiet, each with its share."""
    judged = repair.episodes.filter(repair.episodes["outcome"] != "too_early")
    if judged.is_empty():
        return "No escalation or incident with a full window to judge yet."
    back = int((judged["outcome"] == "came_back").sum())
    quiet = judged.height - back
    return (f"Of {plural(judged.height, 'escalation or incident episode')}, the account came "
            f"back within {repair.window_days} days after {back:,} ({back / judged.height:.0%})"
            f" and went quiet after {quiet:,} ({quiet / judged.height:.0%}).")


def repair_line(part: TrapPart) -> str:
    """Say how often accounts came back after escalations and incidents."""
    if part.repair is None:
        return part.repair_note or part.note or NOT_COMPUTED
    return repair_sentence(part.repair)


def repair_rows(part: TrapPart) -> list[dict[str, Any]]:
    """Return per segment the episodes judged and the shares that came back and went quiet."""
    if part.repair is None:
        return []
    return [{"segment": r["segment"], "episodes": f"{r['episodes']:,}",
             "came_back": f"{r['share_came_back']:.0%}",
             "went_quiet": f"{r['share_went_quiet']:.0%}"}
            for r in part.repair.by_segment.iter_rows(named=True)]
