"""What happened next, per touch: after each customer question and each company touch, did
the same account come back with the same question, escalate, open a ticket, keep taking
part, or go quiet, over the next 7, 30 and 90 days?

A touch is one of (`TOUCHES`): an automated answer (a customer question answered by
automation alone), a staff answer (a question to a staffed channel), a peer answer (a question
in a peer channel), or an automated check-in (outreach no person wrote). Each question's need
comes from the classifier (`trap.needs`).

After a touch the account is followed over each window and given one outcome, in this order:
`too_early` when the window runs past the end of the data; `recontact` when it asked the same
question again (the same words, or the same theme when themes are given): a "resolution" that
was not; `escalated`; `ticket` when it opened a ticket; otherwise the touch was followed by
silence on that question, and silence is never counted as success by itself. It is `resolved`
when the account went on as before against its own baseline (its customer actions in the
window at least `drift_ratio` of what its 90 days before the touch predict, after allowing for
how busy every account was at the time, so a quiet season is no drift), `drift` when it went
quieter by more than chance explains (fewer than `drift_ratio` of the actions expected, and a
Poisson chance of so few below `drift_chance`), and `unclear` when it had too little history
to compare with or went quieter within what chance gives at its usual pace. The evidence behind
each outcome is kept as columns and a sentence.

Every step is a join, an as-of join or a binary search over the whole table: no loop over
events. It reads only the events of the kinds it follows and each account's customer actions
per day (`trap.followed`), so an engine can supply both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from scipy.stats import poisson

from playbooks.errors import InputError
from playbooks.framework.model import Knowledge, load_knowledge
from playbooks.trap.followed import (
    CHECK_IN,
    ESCALATION,
    TICKET,
    Followed,
    account_key,
    action_counts,
    as_text,
    followed,
)
from playbooks.trap.needs import classify_question_rows
from playbooks.vocabulary import AUTOMATED_OUTREACH_KINDS, PARTICIPATION_KINDS, REPAIR_RETURN_KINDS
from playbooks.vocabulary.activity import window_end

WINDOWS = (7, 30, 90)
BASELINE_DAYS = 90
TOUCHES = {
    "automated_answer": "automated answer",
    "staff_answer": "staff answer",
    "peer_answer": "peer answer",
    "automated_check_in": "automated check-in",
}
OUTCOMES = ("recontact", "escalated", "ticket", "resolved", "drift", "unclear", "too_early")
TOUCH_COLUMNS = ("account_id", "touch_at", "touch", "function", "channel", "need", "topic")


@dataclass(frozen=True)
class NextSettings:
    """How silence is judged, as plain values."""

    drift_ratio: float = 0.5  # actions below half of what the baseline predicts: drift
    drift_chance: float = 0.05  # ... and so few that chance alone would give them this rarely
    min_baseline_days: int = 14  # less history than this before the touch: unclear
    min_expected: float = 2.0  # a baseline predicting fewer actions than this: unclear

    def check(self) -> None:
        """Refuse settings that cannot judge anything."""
        if not 0 < self.drift_ratio <= 1 or not 0 < self.drift_chance < 1:
            raise InputError("drift_ratio must be above 0 and at most 1, drift_chance "
                             "between 0 and 1.")
        if self.min_baseline_days < 1 or self.min_expected < 0:
            raise InputError("min_baseline_days must be at least 1, min_expected 0 or more.")


def _norm(column: str) -> pl.Expr:
    return (pl.col(column).str.to_lowercase().str.replace_all(r"[^\w]+", " ")
            .str.strip_chars())


def _topics(texts: pl.Series) -> pl.Expr:
    """Each question's text normalised (case, punctuation), each distinct text once."""
    distinct = texts.drop_nulls().unique()
    normed = pl.DataFrame({"t": distinct}).select(_norm("t"))["t"]
    return pl.col("question_text").replace_strict(distinct, normed, default=None,
                                                  return_dtype=pl.String)


def touch_frame(found: Followed, kb: Knowledge, themes: pl.DataFrame | None = None,
                questions: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every touch: answered questions (with need and topic) and automated check-ins.

    `questions`: the followed questions with their need (`classify_question_rows`), when the
    caller has them already (each distinct text is classified once either way).
    """
    peer = [c.id for c in kb.channels.values() if c.kind == "peer"]
    if questions is None:
        questions = classify_question_rows(found.questions())
    questions = questions.select(
        "account_id", pl.col("occurred_at").alias("touch_at"), "function", "channel",
        "need", _topics(questions["question_text"]).alias("topic"),
        pl.when(pl.col("automated")).then(pl.lit("automated_answer"))
        .when(pl.col("channel").is_in(peer)).then(pl.lit("peer_answer"))
        .otherwise(pl.lit("staff_answer")).alias("touch"))
    if themes is not None:
        questions = questions.join(
            themes.select("account_id", pl.col("occurred_at").alias("touch_at"),
                          pl.col("theme_id").alias("_theme")).unique(["account_id", "touch_at"]),
            on=["account_id", "touch_at"], how="left").with_columns(
            pl.coalesce("_theme", "topic").alias("topic")).drop("_theme")
    check_ins = (found.rows.lazy()
                 .filter(~pl.col("customer")
                         & (pl.col("kind").is_in(list(AUTOMATED_OUTREACH_KINDS))
                            | ((pl.col("kind") == CHECK_IN) & pl.col("automated"))))
                 .select("account_id", pl.col("occurred_at").alias("touch_at"),
                         *as_text("function", "channel"),
                         pl.lit("automated_check_in").alias("touch"),
                         pl.lit(None, pl.String).alias("need"),
                         pl.lit(None, pl.String).alias("topic")).collect())
    return pl.concat([questions.select(TOUCH_COLUMNS), check_ins.select(TOUCH_COLUMNS)]) \
        .sort("touch_at", "account_id", "touch")


def _keyed(frame: pl.LazyFrame, at: str, topic: bool) -> pl.LazyFrame:
    """The account (and topic) as one 64-bit hash (`_key`) and the time (`_at`)."""
    key = (pl.struct(account_key(), pl.col("topic").hash(seed=1)).hash(seed=2) if topic
           else account_key())
    return frame.select(key.alias("_key"), pl.col(at).alias("_at"))


def _next_times(touches: pl.DataFrame,
                events: dict[str, tuple[pl.LazyFrame, bool]]) -> list[pl.Series]:
    """For each of `events` (name: the events' account and time, and whether they match on
    the topic too), the time of the first event strictly after each touch of the same
    account (and topic), in the order of `touches` (sorted by time). Only the keys go
    through the as-of joins, one frame of events at a time; ids are matched by their 64-bit
    hash."""
    left = {topic: _keyed(touches.lazy(), "touch_at", topic).collect()
            .with_columns(pl.col("_at").set_sorted()) for topic in (False, True)}
    found = []
    for name, (frame, by) in events.items():
        right = _keyed(frame, "occurred_at", by).rename({"_at": name}).sort(name).collect()
        found.append(left[by].join_asof(right, left_on="_at", right_on=name, by="_key",
                                        strategy="forward", allow_exact_matches=False,
                                        check_sortedness=False)[name])
    return found


def what_happened_next(activity: pl.LazyFrame | pl.DataFrame, *, as_of: dt.date | None = None,
                       themes: pl.DataFrame | None = None,
                       settings: NextSettings | None = None,
                       kb: Knowledge | None = None) -> pl.DataFrame:
    """Follow every touch over the next 7, 30 and 90 days; one row per touch.

    Columns: the touch (`TOUCH_COLUMNS`), days to the next same question, escalation, ticket,
    participation and reply (any customer question, post, event or reply to a check-in;
    null: none before the end of the data), the customer actions in the
    90 days before (`baseline_actions`, over `baseline_days`), and per window W:
    `actions_W`, `expected_W` (the baseline's rate, scaled by how busy every account was),
    `outcome_W` and `evidence_W`. `themes` (from `playbooks.questions.themes.assign_themes`)
    makes the same theme count as the same question. `as_of` None: the latest event's date.
    Reads only the followed events and the daily actions (`trap.followed`).
    """
    (settings or NextSettings()).check()
    return follow_touches(followed(activity, as_of), themes=themes, settings=settings, kb=kb)


def follow_touches(found: Followed, *, themes: pl.DataFrame | None = None,
                   settings: NextSettings | None = None, kb: Knowledge | None = None,
                   questions: pl.DataFrame | None = None,
                   columns: Sequence[str] | None = None) -> pl.DataFrame:
    """`what_happened_next` from the followed tables (`trap.followed`), computed by polars
    or brought back from an engine. `questions` as in `touch_frame`; `columns`: the columns
    to return (None: every one), so what no column needs (a window, the evidence sentences)
    is not computed."""
    s = settings or NextSettings()
    s.check()
    kb = kb or load_knowledge()
    end = window_end(found.as_of)
    touches = touch_frame(found, kb, themes, questions)  # sorted by time, account, touch
    customer = found.rows.lazy().filter(pl.col("customer"))
    topics = touches.lazy().filter(pl.col("topic").is_not_null()) \
        .select("account_id", pl.col("touch_at").alias("occurred_at"), "topic").unique()
    events = {"_recontact_at": (topics, True), **{
        name: (customer.filter(pl.col("kind").is_in(kinds)), False)
        for kinds, name in (([ESCALATION], "_escalated_at"), ([TICKET], "_ticket_at"),
                            (list(PARTICIPATION_KINDS), "_participated_at"),
                            (list(REPAIR_RETURN_KINDS), "_replied_at"))}}
    keep = [*TOUCH_COLUMNS, "recontact_days", "escalated_days", "ticket_days",
            "participated_days", "replied_days", "baseline_actions", "baseline_days",
            *[f"{p}_{w}" for w in WINDOWS for p in ("actions", "expected", "outcome",
                                                     "evidence")]]
    keep = keep if columns is None else [c for c in keep if c in columns]
    windows = [w for w in WINDOWS if any(c.endswith(f"_{w}") for c in keep)]
    out = touches.with_columns(_next_times(touches, events))
    del touches
    out = out.drop([c for c in ("channel", "need", "topic") if c not in keep])
    at = pl.col("touch_at").dt.truncate("1d")
    spans = {"base": (1 - BASELINE_DAYS, 0), **{f"w{w}": (1, w) for w in windows}}
    counts, start = action_counts(found.daily, out["account_id"],
                                  out.select(at.dt.date())["touch_at"], spans)
    out = pl.concat([out, counts], how="horizontal")
    base = dt.timedelta(days=BASELINE_DAYS)
    # the touch's own day counts in the baseline; the window starts the day after
    first = pl.col("first_day").cast(pl.Datetime("us"))
    baseline_days = ((at - pl.max_horizontal(first, at - base))
                     .dt.total_days() + 1).clip(0, BASELINE_DAYS)
    out = out.with_columns(
        pl.col("base").cast(pl.UInt32).alias("baseline_actions"),
        baseline_days.fill_null(0).cast(pl.Int64).alias("baseline_days"),
        *[((pl.col(c) - pl.col("touch_at")).dt.total_seconds() / 86_400.0).round(1)
          .alias(c[1:-3] + "_days")
          for c in ("_recontact_at", "_escalated_at", "_ticket_at", "_participated_at",
                    "_replied_at")]).drop("_recontact_at", "_escalated_at", "_ticket_at",
                                          "_participated_at", "_replied_at", "base",
                                          "first_day")
    began = None if start is None else dt.datetime.combine(start, dt.time())
    company_days = ((at - pl.max_horizontal(pl.lit(began, pl.Datetime("us")), at - base))
                    .dt.total_days() + 1).clip(1, BASELINE_DAYS)
    company_rate_before = pl.col("every_base") / company_days
    for w in windows:
        busy = pl.when(company_rate_before > 0).then(
            pl.col(f"every_w{w}") / w / company_rate_before).otherwise(1.0)
        expected = (pl.when(pl.col("baseline_days") > 0)
                    .then(pl.col("baseline_actions") / pl.col("baseline_days") * w * busy))
        out = out.with_columns(pl.col(f"w{w}").cast(pl.UInt32).alias(f"actions_{w}"),
                               expected.round(2).alias(f"expected_{w}"))
        chance = poisson.cdf(out[f"actions_{w}"].to_numpy(),
                             out[f"expected_{w}"].fill_null(0.0).to_numpy())
        out = out.with_columns(pl.Series(f"_chance_{w}", chance, pl.Float64))
        out = out.with_columns(_outcome(w, s, end).alias(f"outcome_{w}")).drop(
            f"w{w}", f"every_w{w}", f"_chance_{w}")
        if f"evidence_{w}" in keep:
            out = out.with_columns(_evidence(w, s).alias(f"evidence_{w}"))
    return out.select(keep)  # in the order of the touches: by time, account and touch


def _within(name: str, w: int) -> pl.Expr:
    return pl.col(name).is_not_null() & (pl.col(name) <= w)


def _outcome(w: int, s: NextSettings, end: dt.datetime) -> pl.Expr:
    """The window's outcome, in the order the module describes."""
    full = pl.col("touch_at").dt.truncate("1d") + dt.timedelta(days=w + 1) <= end
    ratio = pl.col(f"actions_{w}") / pl.col(f"expected_{w}")
    return (pl.when(_within("recontact_days", w)).then(pl.lit("recontact"))
            .when(_within("escalated_days", w)).then(pl.lit("escalated"))
            .when(_within("ticket_days", w)).then(pl.lit("ticket"))
            .when(~full).then(pl.lit("too_early"))
            .when((pl.col("baseline_days") < s.min_baseline_days)
                  | (pl.col(f"expected_{w}").fill_null(0) < s.min_expected))
            .then(pl.lit("unclear"))
            .when(ratio >= s.drift_ratio).then(pl.lit("resolved"))
            .when(pl.col(f"_chance_{w}") < s.drift_chance).then(pl.lit("drift"))
            .otherwise(pl.lit("unclear")))


def _evidence(w: int, s: NextSettings) -> pl.Expr:
    """Why the outcome is what it is, in words."""
    outcome = pl.col(f"outcome_{w}")
    short = (pl.col("baseline_days") < s.min_baseline_days) \
        | (pl.col(f"expected_{w}").fill_null(0) < s.min_expected)
    then = pl.format("{} days later", pl.col("recontact_days"))
    actions = pl.format("{} customer actions in the {} days after, against {} expected from "
                        "the {} days before", pl.col(f"actions_{w}"), pl.lit(w),
                        pl.col(f"expected_{w}").round(1).fill_null(0.0),
                        pl.col("baseline_days"))
    return (pl.when(outcome == "recontact").then(pl.format("asked the same question again {}",
                                                             then))
            .when(outcome == "escalated").then(pl.format("escalated {} days later",
                                                         pl.col("escalated_days")))
            .when(outcome == "ticket").then(pl.format("opened a ticket {} days later",
                                                      pl.col("ticket_days")))
            .when(outcome == "too_early").then(pl.format("fewer than {} days of data after it",
                                                         pl.lit(w)))
            .when((outcome == "unclear") & short).then(pl.format(
                "too little history before to compare: {}", actions))
            .when(outcome == "unclear").then(pl.format(
                "quieter, but not beyond what chance gives at its usual pace: {}", actions))
            .when(outcome == "resolved").then(pl.format(
                "no repeat, escalation or ticket; went on as before: {}", actions))
            .otherwise(pl.format("no repeat, escalation or ticket, but went quieter: {}",
                                 actions)))


def next_summary(touches: pl.DataFrame, window: int = 30,
                 keys: tuple[str, ...] = ("function", "touch", "need")) -> pl.DataFrame:
    """Count each outcome per group for one window, with shares of the judged touches
    (`too_early` and `unclear` are counted but left out of the shares)."""
    if window not in WINDOWS:
        raise InputError(f"The window must be one of {', '.join(map(str, WINDOWS))} days.")
    outcome = pl.col(f"outcome_{window}")
    judged = ~outcome.is_in(["too_early", "unclear"])
    counts = touches.group_by(list(keys)).agg(
        pl.len().alias("touches"), judged.sum().alias("judged"),
        *[(outcome == o).sum().alias(o) for o in OUTCOMES])
    return counts.with_columns(
        [pl.when(pl.col("judged") > 0).then(pl.col(o) / pl.col("judged")).alias(f"share_{o}")
         for o in OUTCOMES[:5]]).sort(list(keys))
