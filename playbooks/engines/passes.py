"""The passes over the activity table as Ibis expressions: the same answer on every engine.

Each function takes the typed activity table (`table.typed`) and the run's `SignalWindow`
and returns a small table (one row per account, per account and block, or one row), the
same columns `signals.stages` makes in polars; everything after them runs in polars. Only
the window is read where the window is enough (`occurred_at` between the start, less the
gap days, and the end); the history per account reads the customer rows before the end.

Times are compared as timestamps, never as counted seconds, so the block of an event and
its day are those polars gives: the block is how many block boundaries lie at or after the
event, and the day the date of the moment just before it (the end is a midnight).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from playbooks.signals.model import RELATIONSHIP_CONTACT, SignalWindow
from playbooks.vocabulary import AUTOMATED_OUTREACH_KINDS, DASHBOARD_KINDS, GAP_TRIGGER_KINDS

Table = Any  # an ibis Table expression


def is_customer(t: Table) -> Any:
    """Rows where the customer acted: actor_type "customer", any case."""
    return (t.actor_type.lower() == "customer").fill_null(False)


def window_rows(t: Table, plan: SignalWindow) -> Table:
    """The events the window passes read (from `gap_days` before the window to its end)."""
    earliest = plan.start - dt.timedelta(days=plan.settings.gap_days)
    return t.filter(t.occurred_at >= earliest, t.occurred_at < plan.end).mutate(
        _customer=is_customer(t))


def block_of(t: Table, plan: SignalWindow) -> Any:
    """The block an event falls in, counted back from the end (0 = latest)."""
    bounds = [t.occurred_at <= plan.end - dt.timedelta(days=k * plan.block_days)
              for k in range(1, plan.blocks + 1)]
    total: Any = ibis.literal(0)
    for bound in bounds:
        total = total + bound.ifelse(1, 0)
    return total.cast("int32")


def day_of(t: Table) -> Any:
    """A key of the whole days before the end: the date of the moment just before the event."""
    return (t.occurred_at - ibis.interval(microseconds=1)).date()


def block_table(rows: Table, plan: SignalWindow) -> Table:
    """One row per account and block of the window, each signal aggregated (`block_frame`)."""
    t = rows.filter(rows._customer, rows.occurred_at >= plan.start)
    t = t.mutate(block=block_of(t, plan))
    aggs = {}
    for sig in plan.settings.signals:
        hit = t.kind.isin(list(sig.kinds)).fill_null(False)
        if sig.measure == "count":
            aggs[sig.name] = hit.ifelse(1, 0).sum().cast("float64")
            continue
        if sig.measure == "people":
            value = t.person_id
        elif sig.measure == "features":
            value = hit.ifelse(t.feature, ibis.null("string"))
        else:
            value = hit.ifelse(day_of(t), ibis.null("date"))
        aggs[sig.name] = value.nunique().cast("float64")
    return t.group_by("account_id", "block").aggregate(**aggs)


def history_table(t: Table, plan: SignalWindow) -> Table:
    """Per account over the history before the end: first and last customer action, last
    contact and actions ever (`history_frame`)."""
    contact = [k for s in plan.settings.signals if s.name in RELATIONSHIP_CONTACT
               for k in s.kinds]
    rows = t.filter(t.occurred_at < plan.end, is_customer(t))
    at_contact = rows.kind.isin(contact).fill_null(False).ifelse(
        rows.occurred_at, ibis.null(rows.occurred_at.type()))
    return rows.group_by("account_id").aggregate(
        first_activity=rows.occurred_at.min(), last_activity=rows.occurred_at.max(),
        last_contact=at_contact.max(), events_ever=rows.count())


def presence_table(t: Table, plan: SignalWindow) -> Table:
    """One row: which signals' sources exist at all in the customer history before the end."""
    rows = t.filter(t.occurred_at < plan.end, is_customer(t))
    aggs = {}
    for sig in plan.settings.signals:
        if sig.measure == "people":
            hit = rows.person_id.notnull()
        elif sig.measure == "features":
            hit = rows.kind.isin(list(sig.kinds)).fill_null(False) & rows.feature.notnull()
        else:
            hit = rows.kind.isin(list(sig.kinds)).fill_null(False)
        aggs[f"{sig.name}_present"] = hit.ifelse(1, 0).max().fill_null(0) > 0
    return rows.aggregate(**aggs)


def staff_table(rows: Table, plan: SignalWindow) -> Table:
    """Per account: tickets, escalations and personal check-ins a dashboard counts."""
    t = rows.filter(rows.occurred_at >= plan.start, rows.kind.isin(list(DASHBOARD_KINDS)))
    recent = t.occurred_at >= plan.recent_start
    personal = (t.kind == "check_in") & ~t.automated.fill_null(False)

    def count(flag: Any) -> Any:
        return flag.ifelse(1, 0).sum().cast("int64")

    return t.group_by("account_id").aggregate(
        tickets_recent=count((t.kind == "ticket_opened") & recent),
        tickets_baseline=count((t.kind == "ticket_opened") & ~recent),
        escalations_recent=count((t.kind == "escalation") & recent),
        check_ins_recent=count(personal & recent))


def people_table(rows: Table, plan: SignalWindow) -> Table:
    """Per account: the people active in the baseline window, how many of them were not
    seen at all in the last `people_quiet_days`, and the people new in those days
    (`people_frame`)."""
    quiet_since = plan.end - dt.timedelta(days=plan.settings.people_quiet_days)
    t = rows.filter(rows._customer, rows.occurred_at >= plan.start, rows.person_id.notnull())
    per_person = t.group_by("account_id", "person_id").aggregate(
        before=(t.occurred_at < plan.recent_start).ifelse(1, 0).max(),
        first=t.occurred_at.min(), last=t.occurred_at.max())
    p = per_person
    return p.group_by("account_id").aggregate(
        people_seen_before=p.before.sum().cast("int64"),
        people_gone_quiet=((p.before == 1) & (p.last < quiet_since)).ifelse(1, 0).sum()
        .cast("int64"),
        _people_new=(p.first >= quiet_since).ifelse(1, 0).sum().cast("int64"))


def gap_table(rows: Table, plan: SignalWindow) -> Table:
    """Per account: continuity gaps (automated outreach within `gap_days` after a support
    issue) in the whole window, the recent and the baseline part (`gap_counts`)."""
    gaps = gap_rows(rows, start=plan.start, gap_days=plan.settings.gap_days)
    recent = (gaps.at >= plan.recent_start).ifelse(1, 0)
    return gaps.group_by("account_id").aggregate(
        continuity_gap_count=gaps.count().cast("int64"),
        continuity_gaps_recent=recent.sum().cast("float64"),
        continuity_gaps_baseline=(1 - recent).sum().cast("float64"))


def gap_rows(rows: Table, *, start: dt.datetime, gap_days: int) -> Table:
    """Each outreach (`at`, `kind`) from `start` on that came within `gap_days` after a
    support issue (`latest`: its time), over rows from `gap_days` before `start`.

    Each outreach is matched to the latest issue at or before it, as polars' backward as-of
    join does: issues and outreach are put in one time line per account (an issue before an
    outreach at the same moment) and a running maximum carries the latest issue's time.
    """
    gap = dt.timedelta(days=gap_days)
    kind = rows.kind
    triggers = rows.filter(kind.isin(list(GAP_TRIGGER_KINDS))).select(
        "account_id", at=rows.occurred_at, outreach=ibis.literal(0),
        trigger_at=rows.occurred_at)
    outreach_rows = rows.filter(
        rows.occurred_at >= start,
        kind.isin(list(AUTOMATED_OUTREACH_KINDS))
        | ((kind == "check_in") & rows.automated.fill_null(False)))
    outreach = outreach_rows.select("account_id", at=outreach_rows.occurred_at,
                                    outreach=ibis.literal(1),
                                    trigger_at=ibis.null(rows.occurred_at.type()),
                                    kind=outreach_rows.kind)
    line = triggers.mutate(kind=ibis.null("string")).union(outreach, distinct=False)
    running = ibis.cumulative_window(group_by=line.account_id,
                                     order_by=[line.at, line.outreach])
    matched = line.mutate(latest=line.trigger_at.max().over(running))
    return matched.filter(matched.outreach == 1, matched.latest.notnull(),
                          matched.latest >= matched.at - gap)


def gap_list(activity: Table, *, end: dt.datetime, start: dt.datetime, gap_days: int) -> Table:
    """Each continuity gap with its dates (`list_continuity_gaps`): the issue's time and
    kind (the last kind in order among issues at that moment, as the as-of join takes),
    the outreach's time and kind."""
    rows = activity.filter(activity.occurred_at >= start - dt.timedelta(days=gap_days),
                           activity.occurred_at < end)
    gaps = gap_rows(rows, start=start, gap_days=gap_days)
    issues = rows.filter(rows.kind.isin(list(GAP_TRIGGER_KINDS)))
    kinds = issues.group_by("account_id", trigger_at=issues.occurred_at).aggregate(
        trigger_kind=issues.kind.max())
    joined = gaps.join(kinds, [gaps.account_id == kinds.account_id,
                               gaps.latest == kinds.trigger_at])
    return joined.select(gaps.account_id, trigger_at=gaps.latest, trigger_kind=kinds.trigger_kind,
                         outreach_at=gaps.at, outreach_kind=gaps.kind)


def latest_date(t: Table) -> Any:
    """The latest event's time (an expression of one value)."""
    return t.occurred_at.max()
