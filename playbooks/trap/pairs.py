"""Paired measures: each efficiency measure beside the relationship measure it can cost, per
function, as the knowledge file `pairs.yaml` defines them.

The pairs name measures of two sources: the weekly series (`trap.measures.MEASURES`) and the
follow-up measures below, computed from what happened after each touch (`trap.next`) and from
the activity itself. A follow-up measure is a share of touches, pooled over a window (the
touches whose follow-up window has not ended are left out). Each pair compares the latest
`window_weeks` weeks in which both measures have values with the same weeks a year earlier
(or, with less history, with the first weeks of the data) and says in a sentence whether the
efficiency gain came with a cost in the relationship.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from playbooks.errors import KnowledgeError
from playbooks.framework.model import Knowledge, load_knowledge
from playbooks.framework.parsing import KNOWLEDGE_DIR
from playbooks.trap.findings import TrapSettings, function_label
from playbooks.trap.followed import CHECK_IN, COURSE, EVENT, Followed, as_text, followed
from playbooks.trap.measures import ALL, MEASURE_BY_NAME, Measure
from playbooks.trap.next import follow_touches
from playbooks.vocabulary import AUTOMATED_OUTREACH_KINDS

FOLLOW_UP_MEASURES: tuple[Measure, ...] = (
    Measure("recontact_after_automation", "Automated answers followed by the same question "
            "within 30 days", "relationship", "down", "share",
            note="Of the questions answered by automation alone, the share the account asked "
            "again within 30 days (the same words, or the same theme)."),
    Measure("repeat_question_rate", "Staff answers followed by the same question within 30 "
            "days", "relationship", "down", "share",
            note="Of the questions answered by staff (tickets, questions to an agent or the "
            "CSM), the share the account asked again within 30 days."),
    Measure("check_in_reply_rate", "Automated check-ins the customer answered within 7 days",
            "relationship", "up", "share",
            note="A reply is any question, post, event, course or reply to a check-in by the "
            "account within 7 days."),
    Measure("check_in_participation_rate", "Automated check-ins followed by taking part "
            "within 30 days", "relationship", "up", "share",
            note="Taking part: an event, course, programme or community post within 30 days."),
    Measure("event_return_rate", "Event attendances followed by another within 90 days",
            "relationship", "up", "share",
            note="Of the accounts at an event, the share that attended another within 90 "
            "days."),
    Measure("automated_check_in_share", "Check-ins sent by automation", "efficiency", "up",
            "share", note="Check-ins no person wrote, over all check-ins sent."),
    Measure("on_demand_share", "Learning taken on demand instead of live", "efficiency", "up",
            "share", note="Courses completed, over courses completed and events attended."),
)
FOLLOW_UP_BY_NAME = {m.name: m for m in FOLLOW_UP_MEASURES}
PAIR_COLUMNS = ("function", "pair", "efficiency_measure", "relationship_measure",
                "efficiency_before", "efficiency_now", "efficiency_change",
                "relationship_before", "relationship_now", "relationship_change",
                "start_week", "end_week", "compared_with", "cost", "sentence")
RETURN_DAYS = 90
# what the follow-up measures read of each touch (`trap.next.what_happened_next`)
FOLLOW_UP_COLUMNS = ("touch_at", "touch", "function", "outcome_7", "outcome_30",
                     "replied_days", "participated_days")


def measure_of(name: str) -> Measure:
    """The measure with this id, from the weekly series or the follow-up measures."""
    return MEASURE_BY_NAME.get(name) or FOLLOW_UP_BY_NAME[name]


def check_pairs(kb: Knowledge) -> None:
    """Refuse a pair naming a measure that is not computed, or of the wrong kind."""
    path = KNOWLEDGE_DIR / "pairs.yaml"
    known = {**MEASURE_BY_NAME, **FOLLOW_UP_BY_NAME}
    for i, pair in enumerate(kb.pairs.values()):
        for side in ("efficiency", "relationship"):
            name = getattr(pair, f"{side}_measure")
            if name not in known:
                raise KnowledgeError(f"{path}: pairs[{i}].{side}_measure: unknown measure "
                                     f"{name!r}; expected one of: {', '.join(known)}")
            if known[name].kind != side:
                raise KnowledgeError(f"{path}: pairs[{i}].{side}_measure: {name!r} is a "
                                     f"{known[name].kind} measure, not an {side} one")


def _shares(frame: pl.DataFrame, measure: str, hit: pl.Expr, counted: pl.Expr) -> pl.DataFrame:
    """Weekly numerator and denominator per function and for `all`."""
    rows = frame.filter(counted).with_columns(
        pl.col("touch_at").dt.truncate("1w").dt.date().alias("week"), hit.alias("_hit"))
    per = rows.group_by("week", "function").agg(pl.col("_hit").sum().alias("num"),
                                                 pl.len().alias("den"))
    every = rows.group_by("week").agg(pl.col("_hit").sum().alias("num"), pl.len().alias("den")) \
        .with_columns(pl.lit(ALL).alias("function"))
    return pl.concat([per, every.select(per.columns)]).with_columns(
        pl.lit(measure).alias("measure"))


def follow_up_series(touches: pl.DataFrame, activity: pl.LazyFrame | pl.DataFrame, *,
                     as_of: dt.date | None = None) -> pl.DataFrame:
    """Weekly follow-up measures: week, function, measure, num, den and value (num / den).

    `touches` is the table of `trap.next.what_happened_next`.
    """
    return follow_up_series_of(touches, followed(activity, as_of))


def follow_up_series_of(touches: pl.DataFrame, found: Followed) -> pl.DataFrame:
    """`follow_up_series` from the followed tables (`trap.followed`) the touches came from."""
    def within(column: str, days: int) -> pl.Expr:
        return pl.col(column).is_not_null() & (pl.col(column) <= days)

    touches = touches.select(FOLLOW_UP_COLUMNS)
    parts = [
        _shares(touches.filter(pl.col("touch") == "automated_answer"),
                "recontact_after_automation", pl.col("outcome_30") == "recontact",
                pl.col("outcome_30") != "too_early"),
        _shares(touches.filter(pl.col("touch") == "staff_answer"), "repeat_question_rate",
                pl.col("outcome_30") == "recontact", pl.col("outcome_30") != "too_early"),
        _shares(touches.filter(pl.col("touch") == "automated_check_in"), "check_in_reply_rate",
                within("replied_days", 7), pl.col("outcome_7") != "too_early"),
        _shares(touches.filter(pl.col("touch") == "automated_check_in"),
                "check_in_participation_rate", within("participated_days", 30),
                pl.col("outcome_30") != "too_early"),
    ]
    rows = found.rows.lazy()  # each part filters only the columns it reads
    end = dt.datetime.combine(found.as_of + dt.timedelta(days=1), dt.time())
    events = (rows.filter(pl.col("customer") & (pl.col("kind") == EVENT))
              .select("account_id", pl.col("occurred_at").alias("touch_at"), *as_text("function"))
              .sort("touch_at").collect())
    again = events.join_asof(events.select("account_id", pl.col("touch_at").alias("_next")),
                             left_on="touch_at", right_on="_next", by="account_id",
                             strategy="forward", allow_exact_matches=False,
                             check_sortedness=False)
    limit = dt.timedelta(days=RETURN_DAYS)
    parts.append(_shares(again, "event_return_rate",
                         pl.col("_next").is_not_null() & (pl.col("_next") - pl.col("touch_at")
                                                          <= limit),
                         pl.col("touch_at") + limit < end))
    sent = (rows.filter(pl.col("kind").is_in([*AUTOMATED_OUTREACH_KINDS, CHECK_IN])
                        & ~pl.col("customer"))
            .select(pl.col("occurred_at").alias("touch_at"), *as_text("function"), "automated")
            .collect())
    parts.append(_shares(sent, "automated_check_in_share", pl.col("automated"), pl.lit(True)))
    learning = (rows.filter(pl.col("customer") & pl.col("kind").is_in([COURSE, EVENT]))
                .select(pl.col("occurred_at").alias("touch_at"), *as_text("function"), "kind")
                .collect())
    parts.append(_shares(learning, "on_demand_share", pl.col("kind") == COURSE, pl.lit(True)))
    out = pl.concat([p.select("week", "function", "measure", pl.col("num").cast(pl.Float64),
                              pl.col("den").cast(pl.Float64)) for p in parts])
    return out.with_columns((pl.col("num") / pl.col("den")).alias("value")).sort(
        "function", "measure", "week")


def _window_value(frame: pl.DataFrame, first: dt.date, last: dt.date) -> float | None:
    rows = frame.filter(pl.col("week").is_between(first, last) & pl.col("value").is_not_null())
    if rows.is_empty():
        return None
    if "den" in rows.columns and rows["den"].null_count() == 0:
        den = float(rows["den"].sum())
        return float(rows["num"].sum()) / den if den > 0 else None
    return float(rows["value"].mean())  # type: ignore[arg-type]


def paired_measures(series: pl.DataFrame, follow_ups: pl.DataFrame,
                    kb: Knowledge | None = None,
                    settings: TrapSettings | None = None) -> pl.DataFrame:
    """One row per pair and function where both measures have values (`PAIR_COLUMNS`).

    Changes are in points for shares (0.25: 25 points) and relative for rates and hours
    (-0.2: 20% less); `cost` says whether the efficiency measure improved while the
    relationship measure worsened, both beyond the trap view's thresholds.
    """
    kb = kb or load_knowledge()
    s = settings or TrapSettings()
    check_pairs(kb)
    frames = [series.select("week", "function", "measure", "value",
                            pl.lit(None, pl.Float64).alias("num"),
                            pl.lit(None, pl.Float64).alias("den")),
              follow_ups.select("week", "function", "measure", "value", "num", "den")]
    data = pl.concat(frames).filter(pl.col("value").is_not_null())
    rows = []
    for pair in kb.pairs.values():
        eff_all = data.filter(pl.col("measure") == pair.efficiency_measure)
        rel_all = data.filter(pl.col("measure") == pair.relationship_measure)
        functions = sorted(set(eff_all["function"]) & set(rel_all["function"]),
                           key=lambda f: (f != ALL, f))
        for function in functions:
            eff = eff_all.filter(pl.col("function") == function)
            rel = rel_all.filter(pl.col("function") == function)
            row = _compare(pair.id, function, eff, rel, s)
            if row is not None:
                rows.append(row)
    schema = {c: pl.Float64 for c in PAIR_COLUMNS} | {
        "function": pl.String, "pair": pl.String, "efficiency_measure": pl.String,
        "relationship_measure": pl.String, "start_week": pl.Date, "end_week": pl.Date,
        "compared_with": pl.String, "cost": pl.Boolean, "sentence": pl.String}
    return pl.DataFrame(rows, schema=schema).select(PAIR_COLUMNS)


def _compare(pair: str, function: str, eff: pl.DataFrame, rel: pl.DataFrame,
             s: TrapSettings) -> dict | None:
    if eff.is_empty() or rel.is_empty():
        return None
    last: dt.date = min(eff["week"].max(), rel["week"].max())  # type: ignore[type-var, assignment]
    first_seen: dt.date = max(eff["week"].min(), rel["week"].min())  # type: ignore[type-var, assignment]
    span = dt.timedelta(weeks=s.window_weeks - 1)
    start = last - span
    if start - dt.timedelta(weeks=s.lag_weeks) >= first_seen:
        before = (start - dt.timedelta(weeks=s.lag_weeks), last - dt.timedelta(weeks=s.lag_weeks))
        compared = "the same weeks a year before" if s.lag_weeks == 52 else \
            f"the same weeks {s.lag_weeks} weeks before"
    elif first_seen + span < start:
        before = (first_seen, first_seen + span)
        compared = f"the first {s.window_weeks} weeks of the data"
    else:
        return None
    values = {}
    for side, frame in (("efficiency", eff), ("relationship", rel)):
        then, now = _window_value(frame, *before), _window_value(frame, start, last)
        if then is None or now is None:
            return None
        measure = measure_of(frame["measure"][0])
        change = (now - then) if measure.unit == "share" else (now / then - 1 if then else None)
        if change is None:
            return None
        values[side] = (measure, then, now, change)
    gained = _counts(values["efficiency"], s, 1)
    cost = gained and _counts(values["relationship"], s, -1)
    return {"function": function, "pair": pair,
            "efficiency_measure": values["efficiency"][0].name,
            "relationship_measure": values["relationship"][0].name,
            "efficiency_before": values["efficiency"][1], "efficiency_now": values["efficiency"][2],
            "efficiency_change": values["efficiency"][3],
            "relationship_before": values["relationship"][1],
            "relationship_now": values["relationship"][2],
            "relationship_change": values["relationship"][3], "start_week": start,
            "end_week": last, "compared_with": compared, "cost": cost,
            "sentence": _sentence(function, values, start, last, compared,
                                  _verdict(values, s, gained, cost))}


def _counts(value: tuple, s: TrapSettings, sign: int) -> bool:
    """Whether a move is an improvement (sign 1) or a decline (sign -1) beyond its threshold."""
    measure, _, _, change = value
    better = change if measure.better == "up" else -change
    limit = s.share_points if measure.unit == "share" else s.relative
    return better * sign >= limit


def _shown(measure: Measure, value: float) -> str:
    if measure.unit == "share":
        return f"{value:.0%}"
    if measure.unit == "hours":
        return f"{value:.0f} h"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _moved(value: tuple) -> str:
    measure, then, now, change = value
    points = round(change * 100)
    unit = "point" if abs(points) == 1 else "points"
    size = (f"{points:+d} {unit}" if points else "no change") if measure.unit == "share" \
        else f"{change:+.0%}"
    verb = "held" if abs(change) < 0.005 else "rose" if change > 0 else "fell"
    label = measure.label[0].lower() + measure.label[1:]
    if verb == "held":
        return f"{label} held at {_shown(measure, now)} ({_shown(measure, then)} before)"
    return f"{label} {verb} from {_shown(measure, then)} to {_shown(measure, now)} ({size})"


def _verdict(values: dict, s: TrapSettings, gained: bool, cost: bool) -> str:
    if cost:
        return "Efficiency improved while the relationship measure it can cost got worse."
    if gained:
        return "Efficiency improved and the relationship measure held."
    if _counts(values["relationship"], s, -1):
        return ("The relationship measure weakened without an efficiency gain beside it: look "
                "for another cause.")
    return "Neither moved beyond its threshold: no sign of a cost here."


def _sentence(function: str, values: dict, start: dt.date, last: dt.date, compared: str,
              verdict: str) -> str:
    return (f"{function_label(function)}: in the {((last - start).days // 7) + 1} weeks from "
            f"{start:%d %b %Y} to {last:%d %b %Y}, against {compared}, "
            f"{_moved(values['efficiency'])}, while {_moved(values['relationship'])}. "
            + verdict)


def measure_pairs(activity: pl.LazyFrame | pl.DataFrame, series: pl.DataFrame, *,
                  as_of: dt.date | None = None, kb: Knowledge | None = None,
                  settings: TrapSettings | None = None) -> pl.DataFrame:
    """Follow every touch, compute the follow-up measures and compare every pair, from the
    activity and its weekly series (`paired_measures` on `what_happened_next`)."""
    return measure_pairs_of(followed(activity, as_of), series, kb=kb, settings=settings)


def measure_pairs_of(found: Followed, series: pl.DataFrame, *, kb: Knowledge | None = None,
                     settings: TrapSettings | None = None,
                     questions: pl.DataFrame | None = None) -> pl.DataFrame:
    """`measure_pairs` from the followed tables (`trap.followed`); `questions`: their
    questions with the need, when the caller has classified them already."""
    touches = follow_touches(found, kb=kb, questions=questions, columns=FOLLOW_UP_COLUMNS)
    return paired_measures(series, follow_up_series_of(touches, found), kb, settings)


PAIR_JSON_KEYS = ("function", "efficiency_measure", "relationship_measure",
                  "efficiency_change", "relationship_change", "sentence")


def pair_records(pairs: pl.DataFrame) -> list[dict[str, object]]:
    """The pairs as plain records with the keys the command line prints (`PAIR_JSON_KEYS`)."""
    return pairs.select(PAIR_JSON_KEYS).to_dicts()
