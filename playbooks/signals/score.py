"""From per-account values to the judgement: changes, the score, the flags and the reasons."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from playbooks.signals.features import FEATURES_BY_NAME, feature_columns
from playbooks.signals.model import RELATIONSHIP_CONTACT, Signal, SignalSettings, SignalWindow
from playbooks.signals.score_model import ScoreModel, score_columns


def relative_change(recent: pl.Expr, baseline: pl.Expr) -> pl.Expr:
    """Recent against baseline as a share: -0.4 is a 40% fall; null without a baseline."""
    return pl.when(baseline > 0).then(recent / baseline - 1.0) \
        .when(baseline == 0).then(pl.when(recent > 0).then(1.0).otherwise(0.0))


def shrunk_log_ratio(value: pl.Expr, reference: pl.Expr, prior: float) -> pl.Expr:
    """log((value + prior) / (reference + prior)): near 0 when counts are too small to tell."""
    return ((value + prior) / (reference + prior)).log()


def signal_columns(sig: Signal, plan: SignalWindow) -> list[pl.Expr]:
    """Change, against flag and the fall (log scale) behind the drift index, for one signal."""
    n = sig.name
    recent, base = pl.col(f"{n}_recent"), pl.col(f"{n}_baseline")
    trend = -shrunk_log_ratio(recent, base, sig.prior)
    present = pl.col(f"{n}_present")
    against = (present & (relative_change(recent, base) <= -sig.drop_threshold)
               & (trend >= -math.log(1 - sig.drop_threshold) * 0.5)).fill_null(False)
    return [
        relative_change(recent, base).alias(f"{n}_change"),
        against.alias(f"{n}_against"),
        trend.clip(-0.5, 1.5).alias(f"_{n}_fall"),
    ]


def _pct(x: pl.Expr) -> pl.Expr:
    """A share as a whole-number percent string ("40" for 0.4)."""
    return (x * 100).fill_nan(None).round(0).cast(pl.Int64, strict=False).cast(pl.String)


def score_stages(plan: SignalWindow, model: ScoreModel) -> list[list[pl.Expr]]:
    """The features, then the fitted score and each feature's points, as successive
    `with_columns` stages (every part computed once)."""
    return [feature_columns(plan), *score_columns(model)]


def score_points(model: ScoreModel) -> pl.Expr:
    """Each feature's points in the score, as one struct column (`score_base` plus these
    add up to the score)."""
    if not model.features:
        return pl.lit(None, dtype=pl.Struct({"none": pl.Float64})).alias("score_points")
    return pl.struct([pl.col(f"_p_{n}").round(2).alias(n) for n in model.features])\
        .alias("score_points")


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


def people_leaving(s: SignalSettings) -> pl.Expr:
    """How far people are leaving: the mean of the fall in people engaging (a share, 0 when
    it rose) and the share of the baseline's people not seen at all in the last
    `people_quiet_days`. Both read the same people; together they are steadier than either
    (a small account's count per block is noisy; a person gone for weeks is not)."""
    fall = (-pl.col("people_change")).clip(lower_bound=0.0)
    net = (pl.col("people_gone_quiet") - pl.col("_people_new")).clip(lower_bound=0)
    gone = pl.when(pl.col("people_seen_before") > 0)\
        .then(net / pl.col("people_seen_before")).otherwise(0.0)
    return 0.5 * fall + 0.5 * gone


def _key_falls(name: str, s: SignalSettings) -> pl.Expr:
    """Whether the key signal counts against the account: people leaving, else its fall."""
    if name == "people":
        return (people_leaving(s) >= s.people_leaving).fill_null(False)
    return pl.col(f"{name}_against")


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
            .then(_key_falls(s.drift_key_signal, s))\
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

    def falls(s: Signal) -> pl.Expr:
        # People are named whenever they fall: leaving is what raised the flag.
        shown = pl.col(f"{s.name}_against")
        if s.name == "people":
            shown = shown | (pl.col("people_change") < 0)
        return pl.when(shown).then(
            pl.format("{} -{}%", pl.lit(s.label.lower()), _pct(-pl.col(f"{s.name}_change"))))

    gone = pl.when(pl.col("people_gone_quiet") > 0).then(pl.format(
        "{} of the {} people active before not seen in the last {} weeks",
        pl.col("people_gone_quiet"), pl.col("people_seen_before"),
        pl.lit(plan.settings.people_quiet_days // 7)))
    falling = pl.concat_list([falls(s) for s in rel] + [gone]).list.drop_nulls().list.join(", ")
    score = pl.col("health_score").round(0).cast(pl.Int64)
    view = pl.when(pl.col("internal_view_source") == "health_score") \
        .then(pl.when(score.is_null()).then(pl.format("health {}", pl.col("health_colour")))
              .when(pl.col("health_colour").is_null()).then(pl.format("health score {}", score))
              .otherwise(pl.format("health score {}, {}", score, pl.col("health_colour")))) \
        .otherwise(pl.lit("steady use, check-ins done, no escalation"))
    typical = _pct(1 - (-pl.col("relationship_fall")).exp())
    return pl.format("Looks healthy inside ({}) while relationship signals fall, typically by "
                     "{}%: {}.", view, typical, falling)


def with_reasons(frame: pl.LazyFrame, plan: SignalWindow, model: ScoreModel) -> pl.LazyFrame:
    """Add `reasons`: the plain sentences, most important first.

    The drift sentence and the continuity-gap sentence (when they apply), then the fitted
    score's parts (each feature's points) worth at least `reason_min_points`, largest first
    (ties in feature order), at most `reasons_max` of them. An account without data gets one
    sentence saying so. Built as a long table (one row per sentence) and gathered per
    account: list building row by row is far slower.
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
                       pl.format("{}: +{} points.", FEATURES_BY_NAME[name].sentence(plan),
                                 pl.col(f"_p_{name}").round(0).cast(pl.Int64)),
                       pl.col(f"_p_{name}"), k)
             for k, name in enumerate(model.features)]
    if not parts:
        parts = [sentences(pl.lit(False), 2, pl.lit(""))]
    order = ["account_id", "_o", "_points", "_k"]
    descending = [False, False, True, False]
    top = (pl.concat(parts, how="vertical").sort(order, descending=descending)
           .filter(pl.int_range(pl.len()).over("account_id") < s.reasons_max))
    gathered = (pl.concat([*first, top], how="vertical").sort(order, descending=descending)
                .group_by("account_id", maintain_order=True).agg(pl.col("_text").alias("reasons")))
    return (rows.join(gathered, on="account_id", how="left", nulls_equal=True)
            .with_columns(pl.col("reasons").fill_null(pl.lit([], dtype=pl.List(pl.String)))))
