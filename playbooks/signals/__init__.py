"""Account signals: quiet disengagement, "looks healthy, drifting", silence, continuity gaps.

Everything here is a pure function over polars LazyFrames. Small named expression builders
are composed into one lazy plan per call, collected once at the edge by `compute_signals`.

How the numbers are made (all per account, customer actions only; staff and bots excluded):

- Time is cut into blocks of `block_weeks` (default 4) counted back from the as-of date.
  The recent window is the latest `recent_weeks`, the baseline the `baseline_weeks` before.
- `<signal>_recent` is a recency-weighted mean per block over the recent window (the latest
  block counts twice the one before it, and so on), so a decline that started a few weeks ago
  is not diluted. `<signal>_baseline` is the plain mean per block of the baseline window.
  Blocks before the account started are left out; a new account has no baseline.
- `<signal>_change` is the relative change, recent against baseline (-0.4 is a 40% fall).
  `<signal>_against` is true when the fall is larger than the signal's threshold.
- The disengagement score (0 to 100) mixes recency (days since the customer last did
  anything, and since they last asked, joined or advocated), level (recent value against the
  median of similar accounts: same segment and lifecycle stage) and trend. Signals whose
  source is absent from the data are dropped and the rest re-weighted (`sources_missing`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from playbooks.errors import InputError

RELATIONSHIP_CONTACT = ("questions", "participation", "advocacy")


@dataclass(frozen=True)
class Signal:
    """One per-account signal: what it counts, how it reads, and how much it weighs."""

    name: str
    label: str  # plain noun phrase for sentences
    measure: str  # "count", "people", "features" or "days"
    kinds: tuple[str, ...] = ()
    relationship: bool = True  # part of the relationship (vs product usage) picture
    level_weight: float = 1.0
    trend_weight: float = 1.0
    drift_weight: float = 0.0  # weight in the relationship-fall index behind the drift flag
    drop_threshold: float = 0.30  # a fall of at least this share counts against
    prior: float = 1.0  # pseudo-count that keeps sparse changes from swinging


SIGNALS: tuple[Signal, ...] = (
    Signal("questions", "Questions asked", "count",
           ("question_asked", "csm_question", "ticket_opened"), drift_weight=0.5,
           drop_threshold=0.35),
    Signal("participation", "Events, courses and programmes", "count",
           ("event_attended", "course_completed", "programme_joined", "community_post"),
           level_weight=0.5, trend_weight=0.75, drift_weight=0.5, drop_threshold=0.35),
    Signal("advocacy", "Advocacy (reviews, references, referrals, peer answers)", "count",
           ("review", "reference", "referral", "community_answer"),
           level_weight=0.5, trend_weight=0.5, drift_weight=0.25, drop_threshold=0.40),
    Signal("people", "People engaging", "people", level_weight=1.0, trend_weight=2.0,
           drift_weight=3.0, drop_threshold=0.20),
    Signal("breadth", "Distinct features used", "features", ("feature_used",),
           trend_weight=1.0, drift_weight=0.5, drop_threshold=0.25),
    Signal("active_days", "Days with product use", "days", ("login", "feature_used"),
           relationship=False, level_weight=1.5, trend_weight=1.0, drop_threshold=0.30),
)
SIGNAL_NAMES = tuple(s.name for s in SIGNALS)
_BY_NAME = {s.name: s for s in SIGNALS}
TRIGGER_KINDS = ("ticket_opened", "escalation", "incident")
OUTREACH_KINDS = ("automated_check_in",)


@dataclass(frozen=True)
class SignalSettings:
    """Thresholds and weights of the engine, as plain values (defaults are the tuned ones)."""

    block_weeks: int = 4
    gap_days: int = 7
    recency_weight: float = 5.0  # days since any customer action
    contact_recency_weight: float = 1.5  # days since a question, event or advocacy
    recency_half_life_days: float = 30.0
    contact_half_life_days: float = 60.0
    watch_score: float = 15.0
    disengaging_score: float = 35.0
    drift_index: float = 0.12  # weighted mean fall (log scale) across relationship signals
    drift_key_signal: str = "people"  # this signal must count against (people leaving)...
    drift_min_against: int = 2  # ...or, when its source is missing, this many signals must
    watch_drift_index: float = 0.25  # the fall needed when the internal view is amber ("watch")
    watch_usage_drop: float = 0.10  # ...and product use may not fall more than this
    usage_drop_alarm: float = 0.45  # a fall in product use a dashboard would show
    quiet_share: float = 0.5  # contact below this share of similar accounts is "quiet"
    narrowing: float = 0.40  # a fall in distinct features this large reads as withdrawing
    min_cohort: int = 25  # accounts needed for a segment x lifecycle baseline
    healthy_score: float = 70.0
    watch_health_score: float = 50.0
    reasons_max: int = 3
    reason_min_points: float = 3.0
    signals: tuple[Signal, ...] = field(default=SIGNALS)


ACCOUNT_COLUMNS = ("account_id",)
ACTIVITY_COLUMNS = ("account_id", "person_id", "actor_type", "occurred_at", "kind")


# --- inputs ---------------------------------------------------------------------------------


def _require(frame: pl.LazyFrame, columns: tuple[str, ...], table: str) -> dict[str, Any]:
    schema = dict(frame.collect_schema())
    missing = [c for c in columns if c not in schema]
    if missing:
        raise InputError(f"The {table} table lacks the column(s) {', '.join(missing)}; "
                         f"it has {', '.join(schema) or 'none'}.")
    return schema


def _as_datetime(name: str, dtype: Any) -> pl.Expr:
    column = pl.col(name)
    if dtype == pl.String:
        return column.str.to_datetime(strict=False, time_unit="us").alias(name)
    if dtype == pl.Date:
        return column.cast(pl.Datetime("us")).alias(name)
    if isinstance(dtype, pl.Datetime):
        return column.dt.replace_time_zone(None).cast(pl.Datetime("us")).alias(name)
    raise InputError(f"The column {name} holds {dtype}, not dates or timestamps.")


def prepare_activity(activity: pl.LazyFrame) -> pl.LazyFrame:
    """Check the activity columns and give them the types the engine expects."""
    schema = _require(activity, ACTIVITY_COLUMNS, "activity")
    exprs = [_as_datetime("occurred_at", schema["occurred_at"])]
    for name in ("feature", "question_text", "automated"):
        if name not in schema:
            dtype = pl.Boolean if name == "automated" else pl.String
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    for name in ("account_id", "person_id", "actor_type", "kind"):
        exprs.append(pl.col(name).cast(pl.String))
    if schema.get("automated") == pl.String:
        exprs.append(pl.col("automated").str.strip_chars().str.to_lowercase()
                     .is_in(["true", "1", "yes", "y", "t"]).alias("automated"))
    return activity.with_columns(exprs)


def prepare_accounts(accounts: pl.LazyFrame) -> pl.LazyFrame:
    """Check the accounts columns; fill the optional ones the engine reads with nulls."""
    schema = _require(accounts, ACCOUNT_COLUMNS, "accounts")
    exprs = [pl.col("account_id").cast(pl.String)]
    for name, dtype in (("segment", pl.String), ("lifecycle_stage", pl.String),
                        ("health_score", pl.Float64), ("health_colour", pl.String)):
        exprs.append(pl.col(name).cast(dtype) if name in schema
                     else pl.lit(None, dtype=dtype).alias(name))
    exprs.append(_as_datetime("contract_start", schema["contract_start"]).dt.date()
                 if "contract_start" in schema
                 else pl.lit(None, dtype=pl.Date).alias("contract_start"))
    return accounts.with_columns(exprs).unique("account_id", keep="first", maintain_order=False)


def resolve_as_of(activity: pl.LazyFrame, as_of: dt.date | dt.datetime | str | None) -> dt.date:
    """Return the as-of date: the one given, else the date of the latest event."""
    if isinstance(as_of, str):
        try:
            return dt.date.fromisoformat(as_of[:10])
        except ValueError as error:
            raise InputError(f"The as-of date '{as_of}' is not a date (use YYYY-MM-DD).") \
                from error
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    schema = _require(activity, ("occurred_at",), "activity")
    latest = activity.select(_as_datetime("occurred_at", schema["occurred_at"]).max()) \
        .collect().item()
    return latest.date() if latest is not None else dt.date.today()


def _window_end(as_of: dt.date) -> dt.datetime:
    """Events up to the end of the as-of date count."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


# --- expression builders --------------------------------------------------------------------


def days_before(end: dt.datetime, column: str = "occurred_at") -> pl.Expr:
    """Whole days between an event and the end of the as-of date (0 = on the as-of date)."""
    return (pl.lit(end) - pl.col(column)).dt.total_days()


def block_index(end: dt.datetime, block_days: int) -> pl.Expr:
    """Which block an event falls in, counted back from the as-of date (0 = latest)."""
    return (days_before(end) // block_days).cast(pl.Int32).alias("block")


def is_customer() -> pl.Expr:
    """Rows where the customer acted (not staff, not bots)."""
    return pl.col("actor_type").str.to_lowercase() == "customer"


def block_measure(signal: Signal) -> pl.Expr:
    """The per-block aggregate of one signal."""
    kind = pl.col("kind")
    if signal.measure == "count":
        expr = kind.is_in(signal.kinds).sum()
    elif signal.measure == "people":
        expr = pl.col("person_id").drop_nulls().n_unique()
    elif signal.measure == "features":
        expr = pl.col("feature").filter(kind.is_in(signal.kinds)).drop_nulls().n_unique()
    else:
        expr = pl.col("day").filter(kind.is_in(signal.kinds)).n_unique()
    return expr.cast(pl.Float64).alias(signal.name)


def source_present(signal: Signal) -> pl.Expr:
    """Whether the data holds anything this signal could be measured from."""
    if signal.measure == "people":
        expr = pl.col("person_id").is_not_null().any()
    elif signal.measure == "features":
        expr = (pl.col("kind").is_in(signal.kinds) & pl.col("feature").is_not_null()).any()
    else:
        expr = pl.col("kind").is_in(signal.kinds).any()
    return expr.alias(f"{signal.name}_present")


def relative_change(recent: pl.Expr, baseline: pl.Expr) -> pl.Expr:
    """Recent against baseline as a share: -0.4 is a 40% fall; null without a baseline."""
    return pl.when(baseline > 0).then(recent / baseline - 1.0) \
        .when(baseline == 0).then(pl.when(recent > 0).then(1.0).otherwise(0.0))


def shrunk_log_ratio(value: pl.Expr, reference: pl.Expr, prior: float) -> pl.Expr:
    """log((value + prior) / (reference + prior)): near 0 when counts are too small to tell."""
    return ((value + prior) / (reference + prior)).log()


def saturating(x: pl.Expr, rate: float = 1.0) -> pl.Expr:
    """Map a non-negative strength to 0..1 (0 stays 0, large values approach 1)."""
    return 1.0 - (-(x.clip(lower_bound=0.0)) * rate).exp()


def half_life_score(days: pl.Expr, half_life: float) -> pl.Expr:
    """0 for activity today, 0.5 after `half_life` days, towards 1 for long silence."""
    return 1.0 - (pl.lit(0.5) ** (days.cast(pl.Float64) / half_life))


# --- pipeline stages ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    end: dt.datetime
    block_days: int
    recent_blocks: int
    baseline_blocks: int
    settings: SignalSettings

    @property
    def blocks(self) -> int:
        return self.recent_blocks + self.baseline_blocks


def block_frame(activity: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """One row per account and block in the analysis window, each signal aggregated."""
    span = plan.blocks * plan.block_days
    start = plan.end - dt.timedelta(days=span)
    return (activity
            .filter(is_customer(), pl.col("occurred_at") >= start,
                    pl.col("occurred_at") < plan.end)
            .with_columns(block_index(plan.end, plan.block_days),
                          days_before(plan.end).cast(pl.Int32).alias("day"))
            .group_by("account_id", "block")
            .agg(*[block_measure(s) for s in plan.settings.signals]))


def history_frame(activity: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """Per account, over all history up to the as-of date: first and last customer actions."""
    contact = [k for s in plan.settings.signals if s.name in RELATIONSHIP_CONTACT
               for k in s.kinds]
    return (activity
            .filter(is_customer(), pl.col("occurred_at") < plan.end)
            .group_by("account_id")
            .agg(pl.col("occurred_at").min().alias("first_activity"),
                 pl.col("occurred_at").max().alias("last_activity"),
                 pl.col("occurred_at").filter(pl.col("kind").is_in(contact)).max()
                 .alias("last_contact")))


def _account_frame(accounts: pl.LazyFrame, history: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """Accounts with their start, exposure (which blocks count) and cohort key."""
    s = plan.settings
    start = pl.coalesce(pl.col("contract_start").cast(pl.Datetime("us")),
                        pl.col("first_activity"))
    start_days = (pl.lit(plan.end) - start).dt.total_days()
    half = plan.block_days // 2
    # A block counts once the account existed for at least half of it.
    last_block = ((start_days - half) // plan.block_days).cast(pl.Int32)
    frame = accounts.join(history, on="account_id", how="left").with_columns(
        pl.when(start.is_null()).then(pl.lit(-1, dtype=pl.Int32))
        .otherwise(last_block.clip(lower_bound=0)).alias("last_block"))
    frame = frame.with_columns(
        pl.col("last_block").clip(upper_bound=plan.recent_blocks - 1).alias("_m"),
        (pl.col("last_block") - plan.recent_blocks + 1)
        .clip(0, plan.baseline_blocks).alias("baseline_blocks_seen"))
    frame = frame.with_columns(
        pl.when(pl.col("_m") >= 0)
        .then(2.0 ** plan.recent_blocks - 2.0 ** (plan.recent_blocks - 1 - pl.col("_m")))
        .otherwise(0.0).alias("recent_weight"))
    cohort_full = pl.concat_str(pl.col("segment").fill_null("any"),
                                pl.col("lifecycle_stage").fill_null("any"), separator=" / ")
    frame = frame.with_columns(cohort_full.alias("_cohort_full"),
                               pl.col("segment").fill_null("all accounts").alias("_cohort_seg"))
    frame = frame.with_columns(
        pl.when(pl.len().over("_cohort_full") >= s.min_cohort).then(pl.col("_cohort_full"))
        .when(pl.len().over("_cohort_seg") >= s.min_cohort).then(pl.col("_cohort_seg"))
        .otherwise(pl.lit("all accounts")).alias("cohort"))
    return frame.drop("_m", "_cohort_full", "_cohort_seg")


def window_values(blocks: pl.LazyFrame, accounts: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """Per account: each signal's recent (recency-weighted) and baseline value per block."""
    r = plan.recent_blocks
    weight = pl.lit(2.0) ** (r - 1 - pl.col("block")).cast(pl.Float64)
    recent = pl.col("block") < r
    exposed = pl.col("block") <= pl.col("last_block")
    sums = []
    for sig in plan.settings.signals:
        sums.append((pl.col(sig.name) * weight).filter(recent & exposed).sum()
                    .alias(f"_{sig.name}_rsum"))
        sums.append(pl.col(sig.name).filter(~recent & exposed).sum().alias(f"_{sig.name}_bsum"))
    per_account = (blocks.join(accounts.select("account_id", "last_block"), on="account_id")
                   .group_by("account_id").agg(*sums))
    frame = accounts.join(per_account, on="account_id", how="left")
    has_base = pl.col("baseline_blocks_seen") > 0
    cols = []
    for sig in plan.settings.signals:
        cols.append(pl.when(pl.col("recent_weight") > 0)
                    .then(pl.col(f"_{sig.name}_rsum").fill_null(0.0) / pl.col("recent_weight"))
                    .alias(f"{sig.name}_recent"))
        cols.append(pl.when(has_base)
                    .then(pl.col(f"_{sig.name}_bsum").fill_null(0.0)
                          / pl.col("baseline_blocks_seen"))
                    .alias(f"{sig.name}_baseline"))
    return frame.with_columns(cols).drop([c for s in plan.settings.signals
                                          for c in (f"_{s.name}_rsum", f"_{s.name}_bsum")])


def cohort_baselines(values: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """Median recent value of each signal among similar accounts (segment x lifecycle)."""
    active = pl.col("last_activity").is_not_null()
    return (values.filter(active).group_by("cohort")
            .agg(pl.len().alias("cohort_size"),
                 *[pl.col(f"{s.name}_recent").median().alias(f"{s.name}_cohort")
                   for s in plan.settings.signals]))


def signal_columns(sig: Signal, plan: _Plan) -> list[pl.Expr]:
    """Change, against flag, level gap and trend/level strengths for one signal."""
    n = sig.name
    recent, base, cohort = pl.col(f"{n}_recent"), pl.col(f"{n}_baseline"), pl.col(f"{n}_cohort")
    trend = -shrunk_log_ratio(recent, base, sig.prior)
    level = -shrunk_log_ratio(recent, cohort, sig.prior)
    present = pl.col(f"{n}_present")
    against = (present & (relative_change(recent, base) <= -sig.drop_threshold)
               & (trend >= -math.log(1 - sig.drop_threshold) * 0.5)).fill_null(False)
    return [
        relative_change(recent, base).alias(f"{n}_change"),
        against.alias(f"{n}_against"),
        pl.when(present).then(saturating(trend, 1.2)).otherwise(None).alias(f"_{n}_trend_s"),
        pl.when(present).then(saturating(level, 1.0)).otherwise(None).alias(f"_{n}_level_s"),
        trend.clip(-0.5, 1.5).alias(f"_{n}_fall"),
    ]


def _components(plan: _Plan) -> list[tuple[str, float, pl.Expr, pl.Expr]]:
    """(name, weight, 0..1 strength, sentence) for every part of the disengagement score."""
    s = plan.settings
    parts: list[tuple[str, float, pl.Expr, pl.Expr]] = []
    since_any = days_before(plan.end, "last_activity")
    since_contact = pl.coalesce(days_before(plan.end, "last_contact"),
                                days_before(plan.end, "first_activity"))
    parts.append(("recency", s.recency_weight,
                  half_life_score(since_any, s.recency_half_life_days),
                  pl.format("No customer activity for {} days", since_any)))
    parts.append(("contact_recency", s.contact_recency_weight,
                  half_life_score(since_contact, s.contact_half_life_days),
                  pl.format("No question, event or advocacy for {} days", since_contact)))
    per_block = f"per {plan.block_days // 7} weeks"
    for sig in s.signals:
        n = sig.name
        recent = pl.col(f"{n}_recent").round(1).cast(pl.String)
        pct = _pct(pl.col(f"{n}_change").abs())
        parts.append((f"{n}_trend", sig.trend_weight, pl.col(f"_{n}_trend_s"),
                      pl.format("{} fell {}% against the baseline ({} to {} " + per_block + ")",
                                pl.lit(sig.label), pct,
                                pl.col(f"{n}_baseline").round(1).cast(pl.String), recent)))
        below = _pct(1 - pl.col(f"{n}_recent") / pl.col(f"{n}_cohort"))
        parts.append((f"{n}_level", sig.level_weight, pl.col(f"_{n}_level_s"),
                      pl.format("{} is {}% below similar accounts ({}: {} against {} "
                                + per_block + ")", pl.lit(sig.label), below, pl.col("cohort"),
                                recent, pl.col(f"{n}_cohort").round(1).cast(pl.String))))
    return parts


def _pct(x: pl.Expr) -> pl.Expr:
    """A share as a whole-number percent string ("40" for 0.4)."""
    return (x * 100).fill_nan(None).round(0).cast(pl.Int64, strict=False).cast(pl.String)


def score_stages(plan: _Plan) -> list[list[pl.Expr]]:
    """The disengagement score and its reasons, re-weighted over the parts that exist.

    Returned as successive `with_columns` stages so every part is computed once.
    """
    parts = _components(plan)
    strengths = [strength.alias(f"_s_{name}") for name, _, strength, _ in parts]
    weights = [pl.when(pl.col(f"_s_{name}").is_not_null()).then(pl.lit(w)).otherwise(0.0)
               .alias(f"_w_{name}") for name, w, _, _ in parts]
    total = pl.sum_horizontal([pl.col(f"_w_{name}") for name, *_ in parts])
    points = [pl.when(total > 0)
              .then(pl.col(f"_s_{name}").fill_null(0.0) * pl.col(f"_w_{name}") * 100.0 / total)
              .otherwise(0.0).alias(f"_p_{name}") for name, *_ in parts]
    score = pl.sum_horizontal([pl.col(f"_p_{name}") for name, *_ in parts]).round(1)
    minimum = plan.settings.reason_min_points
    reasons = pl.concat_list([
        pl.when(pl.col(f"_p_{name}") >= minimum).then(pl.struct(
            pl.col(f"_p_{name}").alias("points"),
            pl.format("{}: +{} points.", text, pl.col(f"_p_{name}").round(0).cast(pl.Int64))
            .alias("text")))
        for name, _, _, text in parts])
    e = pl.element()
    top = (reasons.list.drop_nulls()
           .list.eval(e.sort_by(e.struct.field("points"), descending=True, maintain_order=True))
           .list.head(plan.settings.reasons_max).list.eval(e.struct.field("text")))
    return [strengths, weights, points, [score.alias("disengagement_score"),
                                         top.alias("_score_reasons")]]


def internal_view_columns(plan: _Plan) -> list[pl.Expr]:
    """What the company's own dashboards say: from the health score, else from activity."""
    s = plan.settings
    colour = pl.col("health_colour").str.to_lowercase()
    from_score = (pl.when(colour == "green").then(pl.lit("healthy"))
                  .when(colour == "amber").then(pl.lit("watch"))
                  .when(colour == "red").then(pl.lit("at_risk"))
                  .when(pl.col("health_score") >= s.healthy_score).then(pl.lit("healthy"))
                  .when(pl.col("health_score") >= s.watch_health_score).then(pl.lit("watch"))
                  .when(pl.col("health_score").is_not_null()).then(pl.lit("at_risk")))
    usage_change = pl.col("active_days_change")
    usage_drop = (usage_change <= -s.usage_drop_alarm).fill_null(False)
    escalated = pl.col("escalations_recent") > 0
    tickets_spike = pl.col("tickets_recent") > 2 * pl.col("tickets_baseline").fill_null(0) + 2
    no_checkin = pl.col("check_ins_recent") == 0
    dashboard = (pl.when(escalated | (usage_change <= -0.5).fill_null(False))
                 .then(pl.lit("at_risk"))
                 .when(usage_drop | tickets_spike | no_checkin).then(pl.lit("watch"))
                 .otherwise(pl.lit("healthy")))
    return [
        pl.coalesce(from_score, dashboard).alias("internal_view"),
        pl.when(from_score.is_not_null()).then(pl.lit("health_score"))
        .otherwise(pl.lit("activity")).alias("internal_view_source"),
        dashboard.alias("dashboard_view"),
    ]


def staff_frame(activity: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """What a typical dashboard counts per account: tickets, escalations, personal check-ins."""
    r_start = plan.end - dt.timedelta(days=plan.recent_blocks * plan.block_days)
    b_start = plan.end - dt.timedelta(days=plan.blocks * plan.block_days)
    recent = pl.col("occurred_at") >= r_start
    kind = pl.col("kind")
    personal = (kind == "check_in") & ~pl.col("automated").fill_null(False)
    return (activity
            .filter(pl.col("occurred_at") >= b_start, pl.col("occurred_at") < plan.end,
                    kind.is_in(["ticket_opened", "escalation", "check_in"]))
            .group_by("account_id")
            .agg(((kind == "ticket_opened") & recent).sum().alias("tickets_recent"),
                 ((kind == "ticket_opened") & ~recent).sum().alias("tickets_baseline"),
                 ((kind == "escalation") & recent).sum().alias("escalations_recent"),
                 (personal & recent).sum().alias("check_ins_recent")))


def continuity_gap_frame(activity: pl.LazyFrame, *, end: dt.datetime, start: dt.datetime,
                         gap_days: int) -> pl.LazyFrame:
    """Automated or templated outreach that followed a support issue within `gap_days`."""
    kind = pl.col("kind")
    window = (pl.col("occurred_at") >= start - dt.timedelta(days=gap_days)) & (
        pl.col("occurred_at") < end)
    triggers = (activity.filter(window, kind.is_in(TRIGGER_KINDS))
                .select("account_id", pl.col("occurred_at").alias("trigger_at"),
                        kind.alias("trigger_kind"), pl.col("event_id").alias("trigger_event"))
                .sort("account_id", "trigger_at", "trigger_kind", "trigger_event"))
    outreach = (activity.filter(window, pl.col("occurred_at") >= start,
                                kind.is_in(OUTREACH_KINDS)
                                | ((kind == "check_in") & pl.col("automated").fill_null(False)))
                .select("account_id", pl.col("occurred_at").alias("outreach_at"),
                        kind.alias("outreach_kind"), pl.col("event_id").alias("outreach_event"))
                .sort("account_id", "outreach_at", "outreach_kind", "outreach_event"))
    return (outreach.join_asof(triggers, left_on="outreach_at", right_on="trigger_at",
                               by="account_id", strategy="backward",
                               tolerance=dt.timedelta(days=gap_days), check_sortedness=False)
            .filter(pl.col("trigger_at").is_not_null())
            .with_columns(((pl.col("outreach_at") - pl.col("trigger_at")).dt.total_hours()
                           / 24).round(1).alias("days_after")))


def list_continuity_gaps(activity: pl.LazyFrame | pl.DataFrame, *,
                         as_of: dt.date | str | None = None, weeks: int = 24,
                         gap_days: int = 7) -> pl.DataFrame:
    """List each continuity gap with its dates: which issue, which outreach, how soon after."""
    if gap_days < 1 or weeks < 1:
        raise InputError("gap_days and weeks must be at least 1.")
    activity = activity.lazy()
    prepared = _with_event_id(prepare_activity(activity))
    day = resolve_as_of(activity, as_of)
    end = _window_end(day)
    return (continuity_gap_frame(prepared, end=end, start=end - dt.timedelta(weeks=weeks),
                                 gap_days=gap_days)
            .select("account_id", "trigger_at", "trigger_kind", "outreach_at", "outreach_kind",
                    "days_after")
            .sort("account_id", "outreach_at", "trigger_at", "outreach_kind")
            .collect())


def _with_event_id(activity: pl.LazyFrame) -> pl.LazyFrame:
    if "event_id" in activity.collect_schema():
        return activity.with_columns(pl.col("event_id").cast(pl.String))
    return activity.with_columns(pl.lit(None, dtype=pl.String).alias("event_id"))


def drift_columns(plan: _Plan) -> list[pl.Expr]:
    """The relationship fall index, the drifting flag and the silence label."""
    s = plan.settings
    rel = [sig for sig in s.signals if sig.relationship]
    w = [pl.when(pl.col(f"{x.name}_present") & pl.col(f"_{x.name}_fall").is_not_null())
         .then(pl.lit(x.drift_weight)).otherwise(0.0) for x in rel]
    weight = pl.sum_horizontal(w)
    fall = pl.when(weight > 0).then(
        pl.sum_horizontal([pl.col(f"_{x.name}_fall").fill_null(0.0) * wx
                           for x, wx in zip(rel, w, strict=True)]) / weight)
    against = pl.sum_horizontal([pl.col(f"{x.name}_against").cast(pl.Int32) for x in rel])
    if s.drift_key_signal in _names(s):
        key = pl.when(pl.col(f"{s.drift_key_signal}_present"))\
            .then(pl.col(f"{s.drift_key_signal}_against"))\
            .otherwise(against >= s.drift_min_against)
    else:
        key = against >= s.drift_min_against
    declining = (fall >= s.drift_index) & key
    calm = (pl.col("escalations_recent") == 0) & ~(
        pl.col("active_days_change") <= -s.usage_drop_alarm).fill_null(False)
    # Amber counts as "looks fine" only with steady use and a clearer relationship fall.
    amber_but_calm = ((pl.col("internal_view") == "watch")
                      & (pl.col("active_days_change") > -s.watch_usage_drop).fill_null(False)
                      & (fall >= s.watch_drift_index))
    looks_healthy = calm & ((pl.col("internal_view") == "healthy") | amber_but_calm)
    contact_recent = pl.sum_horizontal([pl.col(f"{n}_recent").fill_null(0.0)
                                        for n in RELATIONSHIP_CONTACT if n in _names(s)])
    contact_cohort = pl.sum_horizontal([pl.col(f"{n}_cohort").fill_null(0.0)
                                        for n in RELATIONSHIP_CONTACT if n in _names(s)])
    quiet = contact_recent <= s.quiet_share * contact_cohort
    steady = ~(pl.any_horizontal([pl.col(f"{n}_against") for n in ("people", "active_days")
                                  if n in _names(s)] or [pl.lit(False)])
               | (pl.col("breadth_change") <= -s.narrowing).fill_null(False))
    return [
        fall.round(4).alias("relationship_fall"),
        against.alias("relationship_signals_against"),
        (declining & looks_healthy).fill_null(False).alias("looks_healthy_drifting"),
        pl.when(quiet).then(pl.when(steady).then(pl.lit("working"))
                            .otherwise(pl.lit("withdrawing"))).alias("silence"),
    ]


def _names(settings: SignalSettings) -> set[str]:
    return {s.name for s in settings.signals}


def _drift_sentence(plan: _Plan) -> pl.Expr:
    rel = [s for s in plan.settings.signals if s.relationship]
    falling = pl.concat_list([
        pl.when(pl.col(f"{s.name}_against")).then(
            pl.format("{} -{}%", pl.lit(s.label.lower()), _pct(-pl.col(f"{s.name}_change"))))
        for s in rel]).list.drop_nulls().list.join(", ")
    view = pl.when(pl.col("internal_view_source") == "health_score") \
        .then(pl.format("health score {}, {}", pl.col("health_score").round(0).cast(pl.Int64),
                        pl.col("health_colour"))) \
        .otherwise(pl.lit("steady use, check-ins done, no escalation"))
    typical = _pct(1 - (-pl.col("relationship_fall")).exp())
    return pl.format("Looks healthy inside ({}) while relationship signals fall, typically by "
                     "{}%: {}.", view, typical, falling)


def reason_columns(plan: _Plan) -> list[pl.Expr]:
    """The plain sentences, most important first."""
    gaps = pl.format("{} automated follow-up(s) came within {} days of a support issue "
                     "(continuity gaps).", pl.col("continuity_gap_count"),
                     pl.lit(plan.settings.gap_days))
    extra = pl.concat_list([
        pl.when(pl.col("looks_healthy_drifting")).then(_drift_sentence(plan)),
        pl.when(pl.col("continuity_gap_count") > 0).then(gaps),
    ]).list.drop_nulls()
    no_data = pl.format("No customer activity on or before {}.", pl.lit(str(
        (plan.end - dt.timedelta(days=1)).date())))
    return [pl.when(pl.col("status") == "no_data").then(pl.concat_list([no_data]))
            .otherwise(pl.concat_list([extra, pl.col("_score_reasons")])).alias("reasons")]


# --- the public entry point -----------------------------------------------------------------


def build_signals(accounts: pl.LazyFrame, activity: pl.LazyFrame, *, as_of: dt.date,
                  recent_weeks: int = 12, baseline_weeks: int = 12,
                  gap_days: int | None = None, health: pl.LazyFrame | None = None,
                  settings: SignalSettings | None = None) -> pl.LazyFrame:
    """Compose the whole signals pipeline as one LazyFrame (nothing is collected)."""
    s = settings or SignalSettings()
    if gap_days is not None:
        s = _replace(s, gap_days=gap_days)
    plan = _checked_plan(as_of, recent_weeks, baseline_weeks, s)
    act = _with_event_id(prepare_activity(activity))
    acc = prepare_accounts(accounts)
    if health is not None:
        acc = _latest_health(acc, health, plan.end)
    present = act.filter(pl.col("occurred_at") < plan.end, is_customer()) \
        .select(*[source_present(x) for x in s.signals])
    frame = _account_frame(acc, history_frame(act, plan), plan)
    values = window_values(block_frame(act, plan), frame, plan)
    values = values.join(cohort_baselines(values, plan), on="cohort", how="left")
    start = plan.end - dt.timedelta(days=plan.blocks * plan.block_days)
    r_start = plan.end - dt.timedelta(days=plan.recent_blocks * plan.block_days)
    gaps = (continuity_gap_frame(act, end=plan.end, start=start, gap_days=s.gap_days)
            .group_by("account_id")
            .agg(pl.len().cast(pl.Int64).alias("continuity_gap_count"),
                 (pl.col("outreach_at") >= r_start).sum().cast(pl.Float64)
                 .alias("continuity_gaps_recent"),
                 (pl.col("outreach_at") < r_start).sum().cast(pl.Float64)
                 .alias("continuity_gaps_baseline")))
    staff = staff_frame(act, plan)
    out = (values.join(present, how="cross")
           .join(gaps, on="account_id", how="left")
           .join(staff, on="account_id", how="left")
           .with_columns(pl.col("continuity_gap_count").fill_null(0),
                         pl.col("^continuity_gaps_.*$").fill_null(0.0),
                         pl.col("tickets_recent", "tickets_baseline", "escalations_recent",
                                "check_ins_recent").fill_null(0).cast(pl.Int64)))
    out = out.with_columns([e for x in s.signals for e in signal_columns(x, plan)])
    out = out.with_columns(
        relative_change(pl.col("continuity_gaps_recent"), pl.col("continuity_gaps_baseline"))
        .alias("continuity_gaps_change"),
        (pl.col("continuity_gaps_recent") > pl.col("continuity_gaps_baseline"))
        .alias("continuity_gaps_against"),
        *internal_view_columns(plan))
    for stage in score_stages(plan):
        out = out.with_columns(stage)
    out = out.with_columns(drift_columns(plan))
    no_data = pl.col("last_activity").is_null()
    out = out.with_columns(
        pl.when(no_data).then(None).otherwise(pl.col("disengagement_score"))
        .alias("disengagement_score"),
        pl.when(no_data).then(False).otherwise(pl.col("looks_healthy_drifting"))
        .alias("looks_healthy_drifting"),
        pl.when(no_data).then(None).otherwise(pl.col("silence")).alias("silence"),
        pl.when(no_data).then(pl.lit("no_data"))
        .when(pl.col("disengagement_score") >= s.disengaging_score).then(pl.lit("disengaging"))
        .when(pl.col("disengagement_score") >= s.watch_score).then(pl.lit("watch"))
        .otherwise(pl.lit("ok")).alias("status"),
        (pl.col("baseline_blocks_seen") > 0).alias("has_baseline"),
        pl.lit([x.name for x in s.signals], dtype=pl.List(pl.String))
        .list.gather(pl.concat_list([pl.when(~pl.col(f"{x.name}_present")).then(pl.lit(i))
                                     for i, x in enumerate(s.signals)]).list.drop_nulls())
        .alias("sources_missing"),
        days_before(plan.end, "last_activity").alias("days_since_activity"),
    )
    out = out.with_columns(reason_columns(plan))
    return out.select(output_columns(s)).sort("account_id")


def output_columns(settings: SignalSettings | None = None) -> list[str]:
    """The columns of the signals table, in order."""
    s = settings or SignalSettings()
    head = ["account_id", "segment", "lifecycle_stage", "cohort", "status",
            "disengagement_score", "looks_healthy_drifting", "internal_view",
            "internal_view_source", "dashboard_view", "health_score", "health_colour",
            "silence", "reasons", "sources_missing", "continuity_gap_count",
            "relationship_fall", "relationship_signals_against", "has_baseline",
            "days_since_activity", "last_activity", "tickets_recent", "escalations_recent",
            "check_ins_recent"]
    per = [f"{x.name}_{p}" for x in s.signals
           for p in ("recent", "baseline", "change", "against", "cohort")]
    gaps = [f"continuity_gaps_{p}" for p in ("recent", "baseline", "change", "against")]
    return head + per + gaps


def compute_signals(accounts: pl.LazyFrame | pl.DataFrame, activity: pl.LazyFrame | pl.DataFrame,
                    *, as_of: dt.date | dt.datetime | str | None = None, recent_weeks: int = 12,
                    baseline_weeks: int = 12, gap_days: int = 7,
                    health: pl.LazyFrame | pl.DataFrame | None = None,
                    settings: SignalSettings | None = None) -> pl.DataFrame:
    """Compute one row of signals per account as of a date (default: the latest event's date)."""
    acc, act = accounts.lazy(), activity.lazy()
    day = resolve_as_of(act, as_of)
    plan = build_signals(acc, act, as_of=day, recent_weeks=recent_weeks,
                         baseline_weeks=baseline_weeks, gap_days=gap_days,
                         health=health.lazy() if health is not None else None,
                         settings=settings)
    return plan.collect()


def _checked_plan(as_of: dt.date, recent_weeks: int, baseline_weeks: int,
                  s: SignalSettings) -> _Plan:
    if s.block_weeks < 1:
        raise InputError("block_weeks must be at least 1.")
    for name, value in (("recent_weeks", recent_weeks), ("baseline_weeks", baseline_weeks)):
        if value < s.block_weeks or value % s.block_weeks:
            raise InputError(f"{name} must be a multiple of {s.block_weeks} weeks "
                             f"(the block size), not {value}.")
    if s.gap_days < 1:
        raise InputError(f"gap_days must be at least 1, not {s.gap_days}.")
    return _Plan(_window_end(as_of), s.block_weeks * 7, recent_weeks // s.block_weeks,
                 baseline_weeks // s.block_weeks, s)


def _replace(settings: SignalSettings, **changes: Any) -> SignalSettings:
    from dataclasses import replace

    return replace(settings, **changes)


def _latest_health(accounts: pl.LazyFrame, health: pl.LazyFrame, end: dt.datetime) -> pl.LazyFrame:
    """Take each account's health score from the latest snapshot on or before the as-of date."""
    schema = _require(health, ("account_id", "week", "health_score"), "health snapshots")
    colour = pl.col("health_colour") if "health_colour" in schema else pl.lit(None, pl.String)
    latest = (health.with_columns(_as_datetime("week", schema["week"]))
              .filter(pl.col("week") < end)
              .group_by("account_id")
              .agg(pl.col("health_score").sort_by("week").last().cast(pl.Float64)
                   .alias("_hs"),
                   colour.sort_by("week").last().cast(pl.String).alias("_hc")))
    return (accounts.join(latest, on="account_id", how="left")
            .with_columns(pl.col("_hs").alias("health_score"), pl.col("_hc").alias("health_colour"))
            .drop("_hs", "_hc"))
