"""From per-account values to the judgement: changes, the score, the flags and the reasons."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from playbooks.signals.inputs import days_before
from playbooks.signals.model import RELATIONSHIP_CONTACT, Signal, SignalSettings, SignalWindow


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


def signal_columns(sig: Signal, plan: SignalWindow) -> list[pl.Expr]:
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


def _components(plan: SignalWindow) -> list[tuple[str, float, pl.Expr, pl.Expr]]:
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
    parts.append(("quiet_risk", s.quiet_weight, quiet_risk(since_any, plan),
                  pl.format("Silent for {} days against its own pace of about {} active days "
                            "per {} weeks", since_any, _pace(plan).round(1).cast(pl.String),
                            pl.lit(plan.block_days // 7))))
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


def _pace(plan: SignalWindow) -> pl.Expr:
    """How many days per block the account usually does something: the larger of its recent
    and baseline days of product use, or of its questions, events and advocacy for accounts
    whose contact is not product use."""
    contact = [pl.col(f"{n}_{w}").fill_null(0.0) for n in ("questions", "participation",
                                                           "advocacy")
               if n in plan.settings.signal_names for w in ("recent",)]
    return pl.max_horizontal(pl.col("active_days_recent").fill_null(0.0),
                             pl.col("active_days_baseline").fill_null(0.0),
                             pl.sum_horizontal(contact) if contact else pl.lit(0.0))


def quiet_risk(since_any: pl.Expr, plan: SignalWindow) -> pl.Expr:
    """The chance the account shows no activity over the coming horizon, given its own pace
    and its current silence (0..1).

    With a daily rate r (active days per block over the block's days) and d silent days, an
    account still going would have been silent that long with probability exp(-r d); with a
    prior share p of accounts that stopped, the chance it has stopped is p / (p + (1-p)e^(-rd)),
    and a still-active account stays silent over the horizon H with probability exp(-r H).
    A fast account gone silent, and a slow account, both score high; a fast, recent one low.
    """
    s = plan.settings
    rate = (_pace(plan) / plan.block_days).clip(lower_bound=1e-3)
    days = since_any.cast(pl.Float64)
    prior = s.quiet_stop_prior
    still = (1 - prior) * (-(rate * days)).exp()
    return (prior + still * (-(rate * s.quiet_horizon_days)).exp()) / (prior + still)


def _pct(x: pl.Expr) -> pl.Expr:
    """A share as a whole-number percent string ("40" for 0.4)."""
    return (x * 100).fill_nan(None).round(0).cast(pl.Int64, strict=False).cast(pl.String)


def score_stages(plan: SignalWindow) -> list[list[pl.Expr]]:
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
    return [strengths, weights, points, [score.alias("disengagement_score")]]


def status_expr(no_data: pl.Expr, s: SignalSettings) -> pl.Expr:
    """The status read from the disengagement score: no_data, disengaging, watch or ok."""
    return (pl.when(no_data).then(pl.lit("no_data"))
            .when(pl.col("disengagement_score") >= s.disengaging_score)
            .then(pl.lit("disengaging"))
            .when(pl.col("disengagement_score") >= s.watch_score).then(pl.lit("watch"))
            .otherwise(pl.lit("ok")).alias("status"))


def internal_view_columns(plan: SignalWindow) -> list[pl.Expr]:
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


def drift_columns(plan: SignalWindow) -> list[pl.Expr]:
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
    if s.drift_key_signal in s.signal_names:
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
                                        for n in RELATIONSHIP_CONTACT if n in s.signal_names])
    contact_cohort = pl.sum_horizontal([pl.col(f"{n}_cohort").fill_null(0.0)
                                        for n in RELATIONSHIP_CONTACT if n in s.signal_names])
    quiet = contact_recent <= s.quiet_share * contact_cohort
    steady = ~(pl.any_horizontal([pl.col(f"{n}_against") for n in ("people", "active_days")
                                  if n in s.signal_names] or [pl.lit(False)])
               | (pl.col("breadth_change") <= -s.narrowing).fill_null(False))
    return [
        fall.round(4).alias("relationship_fall"),
        against.alias("relationship_signals_against"),
        (declining & looks_healthy).fill_null(False).alias("looks_healthy_drifting"),
        pl.when(quiet).then(pl.when(steady).then(pl.lit("working"))
                            .otherwise(pl.lit("withdrawing"))).alias("silence"),
    ]


def _drift_sentence(plan: SignalWindow) -> pl.Expr:
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


def with_reasons(frame: pl.LazyFrame, plan: SignalWindow) -> pl.LazyFrame:
    """Add `reasons`: the plain sentences, most important first.

    The drift sentence and the continuity-gap sentence (when they apply), then the score's
    parts worth at least `reason_min_points`, largest first (ties in part order), at most
    `reasons_max` of them. An account without data gets one sentence saying so. Built as a
    long table (one row per sentence) and gathered per account: list building row by row
    is far slower.
    """
    s = plan.settings
    rows = frame.cache()  # one row per account (accounts are unique by id)
    no_data = pl.col("status") == "no_data"
    gaps = pl.format("{} automated follow-up(s) came within {} days of a support issue "
                     "(continuity gaps).", pl.col("continuity_gap_count"), pl.lit(s.gap_days))
    day = str((plan.end - dt.timedelta(days=1)).date())
    no_data_text = pl.format("No customer activity on or before {}.", pl.lit(day))

    def sentences(when: pl.Expr, order: int, text: pl.Expr, points: pl.Expr | None = None,
                  part: int = 0) -> pl.LazyFrame:
        return rows.filter(when).select(
            "account_id", pl.lit(order, pl.Int32).alias("_o"),
            (pl.lit(0.0) if points is None else points).cast(pl.Float64).alias("_points"),
            pl.lit(part, pl.Int32).alias("_k"), text.cast(pl.String).alias("_text"))

    first = [sentences(no_data, 0, no_data_text),
             sentences(~no_data & pl.col("looks_healthy_drifting"), 0, _drift_sentence(plan)),
             sentences(~no_data & (pl.col("continuity_gap_count") > 0), 1, gaps)]
    # A sentence that cannot be written (a null input) is left out, as a null list item was.
    first = [f.filter(pl.col("_text").is_not_null()) for f in first]
    parts = [sentences(~no_data & (pl.col(f"_p_{name}") >= s.reason_min_points), 2,
                       pl.format("{}: +{} points.", text,
                                 pl.col(f"_p_{name}").round(0).cast(pl.Int64)),
                       pl.col(f"_p_{name}"), k)
             for k, (name, _, _, text) in enumerate(_components(plan))]
    order = ["account_id", "_o", "_points", "_k"]
    descending = [False, False, True, False]
    top = (pl.concat(parts, how="vertical").sort(order, descending=descending)
           .filter(pl.int_range(pl.len()).over("account_id") < s.reasons_max))
    gathered = (pl.concat([*first, top], how="vertical").sort(order, descending=descending)
                .group_by("account_id", maintain_order=True).agg(pl.col("_text").alias("reasons")))
    return (rows.join(gathered, on="account_id", how="left", nulls_equal=True)
            .with_columns(pl.col("reasons").fill_null(pl.lit([], dtype=pl.List(pl.String)))))
