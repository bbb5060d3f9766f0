"""The account brief: what happened with one account across every function since the last
personal touch, for the person about to reach out.

It lists the tickets, escalations and incidents since then, the questions the account asked
and whether anyone answered, the automated messages it received, what it asked about, the
people who went quiet (its most active person first), the events it stopped coming to, and
what to avoid in the next message (an upsell or a templated check-in right after an
escalation). Every line is read from the activity table in the vocabulary's words; nothing is
scored. Pure: the caller hands in the account's rows and the as-of date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from playbooks.vocabulary.kinds import (
    AUTOMATED_OUTREACH_KINDS,
    PEER_ANSWER_KINDS,
    QUESTION_KINDS,
    REPAIR_TRIGGER_KINDS,
)

# A personal touch: a person on the company's side speaking with the account.
PERSONAL_TOUCH_KINDS = ("check_in", "sales_meeting")
# Sent without a person writing it (besides the automated_outreach group).
AUTOMATED_MESSAGE_KINDS = (*AUTOMATED_OUTREACH_KINDS, "outreach_email")
ANSWER_DAYS = 7  # a question counts as answered by a reply on its channel within this many days
RECENT_DAYS = 28  # a person with nothing in this many days has gone quiet
BASELINE_DAYS = 91  # ... if they were active in the this many days before
AVOID_DAYS = 14  # an escalation or incident this recent rules out an upsell or a template
WINDOW_DAYS = 90  # how far back the brief looks when no personal touch is found


@dataclass(frozen=True)
class AccountBrief:
    """What happened with one account since the last personal touch, in plain facts."""

    account_id: str
    name: str
    as_of: dt.date
    since: dt.date
    last_touch: str  # "check in on 12 Nov 2026 by staff", or why there is none
    tickets_opened: int = 0
    tickets_closed: int = 0
    problems: list[str] = field(default_factory=list)  # escalations and incidents, dated
    questions: int = 0
    answered_by_person: int = 0
    answered_by_automation: int = 0
    unanswered: list[str] = field(default_factory=list)  # question texts, dated
    automated_messages: int = 0
    last_automated: dt.date | None = None
    asked_about: list[str] = field(default_factory=list)
    quiet_people: list[str] = field(default_factory=list)
    events: str = ""
    avoid: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The brief as plain values (dates as ISO text), for JSON."""
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in asdict(self).items()}

    def lines(self) -> list[str]:
        """The brief as sentences, in the order the person reaching out needs them."""
        out = [f"Since {self.last_touch}:"]
        out.append(f"Tickets: {self.tickets_opened} opened, {self.tickets_closed} closed.")
        out += [f"Problem: {p}" for p in self.problems]
        if self.questions:
            out.append(f"Questions asked: {self.questions} ({self.answered_by_person} answered "
                       f"by a person, {self.answered_by_automation} by automation alone, "
                       f"{len(self.unanswered)} with no answer found).")
        else:
            out.append("Questions asked: none.")
        out += [f"No answer found: {q}" for q in self.unanswered]
        if self.automated_messages:
            out.append(f"Automated messages sent: {self.automated_messages}, the last on "
                       f"{_day(self.last_automated)}.")
        else:
            out.append("Automated messages sent: none.")
        if self.asked_about:
            out.append("Asked about: " + "; ".join(self.asked_about) + ".")
        out += [f"Went quiet: {p}" for p in self.quiet_people]
        if self.events:
            out.append(self.events)
        out += [f"Avoid: {a}" for a in self.avoid]
        return out


def _day(value: dt.date | dt.datetime | None) -> str:
    return "unknown" if value is None else f"{value:%d %b %Y}"


def _words(kind: str) -> str:
    return kind.replace("_", " ")


def account_brief(activity: pl.DataFrame, account_id: str, *, as_of: dt.date,
                  name: str = "", question_themes: pl.DataFrame | None = None
                  ) -> AccountBrief:
    """Build one account's brief from its activity rows (other accounts' rows are ignored).

    `question_themes` (question_text, label), when given, names what the account asked about
    by theme instead of by its latest questions.
    """
    end = dt.datetime.combine(as_of, dt.time.max)
    rows = activity.filter((pl.col("account_id") == account_id)
                           & (pl.col("occurred_at") <= end)).sort("occurred_at")
    touches = rows.filter(pl.col("kind").is_in(PERSONAL_TOUCH_KINDS)
                          & (pl.col("actor_type") == "staff") & ~pl.col("automated"))
    if touches.height:
        touch = touches.row(-1, named=True)
        since_at: dt.datetime = touch["occurred_at"]
        last_touch = (f"the last personal touch ({_words(touch['kind'])} by "
                      f"{_words(touch['source_function'])}, {_day(since_at)})")
    else:
        since_at = dt.datetime.combine(as_of - dt.timedelta(days=WINDOW_DAYS), dt.time.min)
        last_touch = (f"{_day(since_at)} (no personal touch in the data: the last "
                      f"{WINDOW_DAYS} days)")
    after = rows.filter(pl.col("occurred_at") > since_at)
    kinds = after["kind"]
    problems = after.filter(pl.col("kind").is_in(REPAIR_TRIGGER_KINDS))
    problem_lines = [f"{_words(r['kind'])} on {_day(r['occurred_at'])} ({_words(r['channel'])})"
                     for r in problems.iter_rows(named=True)]
    answered_person, answered_bot, unanswered = _answers(rows, after)
    automated = after.filter(pl.col("kind").is_in(AUTOMATED_MESSAGE_KINDS)
                             | ((pl.col("actor_type") == "bot")
                                & pl.col("kind").is_in(PERSONAL_TOUCH_KINDS)))
    return AccountBrief(
        account_id=account_id, name=name or account_id, as_of=as_of, since=since_at.date(),
        last_touch=last_touch,
        tickets_opened=int((kinds == "ticket_opened").sum()),
        tickets_closed=int((kinds == "ticket_closed").sum()),
        problems=problem_lines,
        questions=int(after.filter(_is_question()).height),
        answered_by_person=answered_person, answered_by_automation=answered_bot,
        unanswered=unanswered,
        automated_messages=automated.height,
        last_automated=(automated.row(-1, named=True)["occurred_at"].date()
                        if automated.height else None),
        asked_about=_asked_about(after, question_themes),
        quiet_people=_quiet_people(rows, as_of),
        events=_events(rows, as_of),
        avoid=_avoid(problems, automated, unanswered, as_of),
    )


def _is_question() -> pl.Expr:
    return pl.col("kind").is_in(QUESTION_KINDS) & (pl.col("actor_type") == "customer")


def _answers(rows: pl.DataFrame, after: pl.DataFrame) -> tuple[int, int, list[str]]:
    """Count the questions since the touch answered by a person (staff or a peer), by
    automation alone, and list those with no reply on their channel within ANSWER_DAYS."""
    questions = after.filter(_is_question())
    replies = rows.filter((pl.col("actor_type").is_in(["staff", "bot"])
                           & ~pl.col("kind").is_in(AUTOMATED_MESSAGE_KINDS))
                          | pl.col("kind").is_in(PEER_ANSWER_KINDS))
    person = bot = 0
    unanswered: list[str] = []
    for q in questions.iter_rows(named=True):
        window = replies.filter(
            (pl.col("channel") == q["channel"]) & (pl.col("occurred_at") >= q["occurred_at"])
            & (pl.col("occurred_at") <= q["occurred_at"] + dt.timedelta(days=ANSWER_DAYS)))
        if (window["actor_type"] != "bot").any():  # staff, or a peer in the community
            person += 1
        elif q["automated"] or window.height:
            bot += 1
        else:
            text = (q["question_text"] or _words(q["kind"])).strip()
            unanswered.append(f"“{text}” ({_words(q['channel'])}, {_day(q['occurred_at'])})")
    return person, bot, unanswered


def _asked_about(after: pl.DataFrame, question_themes: pl.DataFrame | None) -> list[str]:
    texts = after.filter(_is_question() & pl.col("question_text").is_not_null())
    if texts.is_empty():
        return []
    if question_themes is not None and not question_themes.is_empty():
        named = texts.join(question_themes.select("question_text", "label").unique(
            "question_text"), on="question_text", how="inner")
        if named.height:
            counts = named.group_by("label").len().sort(["len", "label"], descending=[True, False])
            return [f"{r['label']} ({r['len']})" for r in counts.head(3).iter_rows(named=True)]
    return [f"“{t}”" for t in texts["question_text"].tail(3).reverse().to_list()]


def _quiet_people(rows: pl.DataFrame, as_of: dt.date) -> list[str]:
    """People at the account active in the baseline months and silent for RECENT_DAYS, the
    most active first (the first of them is called its most active person when it is)."""
    end = dt.datetime.combine(as_of, dt.time.max)
    recent_start = end - dt.timedelta(days=RECENT_DAYS)
    base_start = recent_start - dt.timedelta(days=BASELINE_DAYS)
    people = rows.filter((pl.col("actor_type") == "customer") & pl.col("person_id").is_not_null())
    base = people.filter(pl.col("occurred_at").is_between(base_start, recent_start,
                                                          closed="left"))
    counts = base.group_by("person_id").agg(events=pl.len(), last=pl.col("occurred_at").max())
    recent = set(people.filter(pl.col("occurred_at") >= recent_start)["person_id"].to_list())
    if counts.is_empty():
        return []
    champion = counts.sort(["events", "person_id"], descending=[True, False])["person_id"][0]
    quiet = counts.filter(~pl.col("person_id").is_in(list(recent)) & (pl.col("events") >= 3)
                          ).sort(["events", "person_id"], descending=[True, False])
    out = []
    for r in quiet.iter_rows(named=True):
        role = "its most active person, " if r["person_id"] == champion else ""
        out.append(f"{r['person_id']} ({role}{r['events']} actions in the three months before, "
                   f"nothing since {_day(r['last'])})")
    return out


def _events(rows: pl.DataFrame, as_of: dt.date) -> str:
    """Say when the account stopped coming to events it used to attend."""
    attended = rows.filter(pl.col("kind") == "event_attended")
    if attended.is_empty():
        return ""
    last: dt.datetime = attended.row(-1, named=True)["occurred_at"]
    days = (as_of - last.date()).days
    if days <= BASELINE_DAYS:
        return ""
    return (f"Events: none attended for {days} days (the last on {_day(last)}; "
            f"{attended.height} attended before).")


def _avoid(problems: pl.DataFrame, automated: pl.DataFrame, unanswered: list[str],
           as_of: dt.date) -> list[str]:
    out = []
    recent = problems.filter(pl.col("occurred_at").dt.date()
                             >= as_of - dt.timedelta(days=AVOID_DAYS))
    if recent.height:
        r = recent.row(-1, named=True)
        days = (as_of - r["occurred_at"].date()).days
        out.append(f"an upsell or a templated check-in: {_words(r['kind'])} {days} days ago "
                   f"({_day(r['occurred_at'])}). Acknowledge it first.")
    if unanswered:
        out.append(f"opening with anything else while {len(unanswered)} question"
                   f"{'s' if len(unanswered) != 1 else ''} wait for an answer.")
    if automated.height >= 3:
        out.append(f"another automated message: {automated.height} were sent since the last "
                   "personal touch.")
    return out
