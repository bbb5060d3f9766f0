"""The demo's activity, drawn one block of accounts at a time (and the block's health scores).

Each event stream is a Poisson count per account-week, scaled by the account's archetype and
drift, expanded with `np.repeat` and decorated with vectorised lookups; the planted cost of
automation then thins the questions of exposed accounts (`playbooks.demo.cost`); derived rows
(ticket closures, assistant answers, templated check-ins after escalations) follow the kept
ones; last, a broken export removes one source's rows for a few weeks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from playbooks.demo.cost import EXPOSURE_COLUMNS, EXPOSURE_SCHEMA, apply_cost
from playbooks.demo.health import health_snapshots
from playbooks.demo.questions import QUESTION_TEXTS, pick_questions
from playbooks.demo.world import (
    ARCHETYPES,
    BEHAVIOURS,
    FEATURES,
    LEVELS,
    SEG_ACTIVITY,
    STREAMS,
    Stream,
    arrow_schema,
    to_us,
)
from playbooks.vocabulary import ACTORS, CHANNELS, FUNCTIONS, KINDS

BROKEN_SOURCE = "community"  # the export that breaks: the community platform's


def block_frames(plan: dict[str, Any], start: int, stop: int, block: int,
                 first_event: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Draw the activity, health snapshots and exposure of accounts `start` to `stop`.

    Each block has its own random stream (seeded by the plan's seed and the block number),
    so the output does not depend on how blocks are scheduled; `first_event` numbers the ids.
    """
    rng = np.random.default_rng([plan["seed"], 1, block])
    weeks = plan["weeks"]
    n = stop - start
    sl = slice(start, stop)
    arch = plan["arch"][sl]
    w = np.arange(weeks)[None, :]
    active = w >= plan["start_week"][sl][:, None]
    onset = plan["onset"][sl][:, None]
    decline = np.clip((w - onset + 1) / np.maximum(weeks - onset, 1), 0.0, 1.0)
    ramp = np.where(arch[:, None] == ARCHETYPES.index("onboarding"),
                    np.clip((w - plan["start_week"][sl][:, None] + 1) / 8.0, 0.15, 1.0), 1.0)
    busy = rng.gamma(6.0, 1 / 6.0, size=(n, weeks))
    holiday = _holiday_factor(plan["window_start"], weeks, plan["season"])[None, :]
    seg_mult = SEG_ACTIVITY[plan["seg"][sl]][:, None]
    levels = LEVELS[arch] * plan["noise"][sl]
    is_risk = (arch == ARCHETYPES.index("at_risk_visible"))[:, None]

    def group(name: str) -> np.ndarray:
        g = BEHAVIOURS.index(name)
        base = levels[:, g][:, None]
        if name == "usage":
            floor = plan["usage_floor"][sl][:, None]
            return base * (1 - decline * (1 - floor)) * ramp
        if name == "relationship":
            return base * (1 - decline * (1 - plan["rel_floor"][sl][:, None]))
        if name == "advocacy":
            return base * (1 - decline * (1 - plan["adv_floor"][sl][:, None]))
        if name == "tickets":
            return base * (1 + decline * 1.5 * is_risk)
        if name == "escalation":
            return base * (1 + decline * 18 * is_risk)
        return np.broadcast_to(base, (n, weeks))

    groups = {name: group(name) for name in BEHAVIOURS}
    progress = w / max(weeks - 1, 1)
    people = np.maximum(1, np.round(plan["people"][sl][:, None] * (
        1 - decline * (1 - plan["people_floor"][sl][:, None])) * ramp)).astype(np.int32)
    breadth = np.maximum(2, np.round(plan["breadth"][sl][:, None] * (
        1 - decline * (1 - plan["breadth_floor"][sl][:, None])) * np.minimum(1, ramp * 1.2)))
    parts: list[dict[str, np.ndarray]] = []
    counts_by_kind: dict[str, np.ndarray] = {}
    for stream in STREAMS:
        lam = stream.rate * seg_mult * groups[stream.group] * active
        if stream.actor == "customer":
            lam = lam * busy * holiday
        counts = rng.poisson(lam)
        counts_by_kind[stream.kind] = counts_by_kind.get(stream.kind, 0) + counts
        cell = np.repeat(np.arange(n * weeks), counts.ravel())
        if cell.size == 0:
            continue
        acc, week = cell // weeks, cell % weeks
        part = _events(stream, acc, week, rng, plan, start, people, breadth, progress)
        parts.append(part)
    exposure = pl.DataFrame(schema=EXPOSURE_SCHEMA)
    if parts:
        parts, summary = apply_cost(parts, plan["automation_cost"],
                                    np.random.default_rng([plan["seed"], 2, block]), n)
        exposure = _exposure_frame(summary, plan, start, n)
    # Derived rows: closures, assistant answers, templated check-ins after escalations.
    parts.extend(_derived(parts, rng, plan, start))
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else None
    if merged is not None and plan["broken_export"][1] > 0:
        merged = _break_export(merged, plan)
    activity = _activity_frame(merged, plan, start, first_event)
    health = health_snapshots(plan, sl, counts_by_kind, active, rng)
    return activity, health, exposure


def _exposure_frame(summary: dict[str, np.ndarray], plan: dict[str, Any], start: int,
                    n: int) -> pl.DataFrame:
    nf = len(FUNCTIONS)
    frame = pl.DataFrame({
        "account_id": plan["ids"].gather(np.repeat(np.arange(start, start + n), nf)),
        "function": pl.Series(FUNCTIONS).gather(np.tile(np.arange(nf), n)),
        **summary}).filter(pl.col("personal_questions") > 0)
    return frame.with_columns(
        (pl.col("automated_alone") / pl.col("personal_questions")).alias("exposure")
    ).select(EXPOSURE_COLUMNS)


def _break_export(merged: dict[str, np.ndarray], plan: dict[str, Any]) -> dict[str, np.ndarray]:
    """Drop the broken source's rows in the weeks its export was missing."""
    first, length = plan["broken_export"]
    base = to_us(np.array([np.datetime64(plan["window_start"])]))[0]
    week_us = 7 * 86_400_000_000
    lost = ((merged["function"] == FUNCTIONS.index(BROKEN_SOURCE))
            & (merged["ts"] >= base + first * week_us)
            & (merged["ts"] < base + (first + length) * week_us))
    return {k: v[~lost] for k, v in merged.items()}


def _holiday_factor(window_start: dt.date, weeks: int, season: float = 0.55) -> np.ndarray:
    """Customer activity per week: `season` from 20 December to 3 January, 1 otherwise."""
    factor = np.ones(weeks)
    for i in range(weeks):
        day = window_start + dt.timedelta(weeks=i)
        if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
            factor[i] = season
    return factor


def _timestamps(week: np.ndarray, rng: np.random.Generator, plan: dict[str, Any]) -> np.ndarray:
    base = to_us(np.array([np.datetime64(plan["window_start"])]))[0]
    day = rng.choice(7, size=week.size, p=(0.19, 0.2, 0.2, 0.19, 0.16, 0.03, 0.03))
    seconds = np.clip(rng.normal(13.5 * 3600, 3 * 3600, size=week.size), 0, 86_399)
    return base + (week * 7 + day) * 86_400_000_000 + (seconds * 1e6).astype(np.int64)


def _events(stream: Stream, acc: np.ndarray, week: np.ndarray, rng: np.random.Generator,
            plan: dict[str, Any], start: int, people: np.ndarray, breadth: np.ndarray,
            progress: np.ndarray) -> dict[str, np.ndarray]:
    size = acc.size
    weeks = plan["weeks"]
    ts = np.maximum(_timestamps(week, rng, plan), plan["start_us"][start + acc])
    channel = np.full(size, CHANNELS.index(stream.channel), dtype=np.int8)
    automated = np.full(size, stream.automated)
    if stream.kind == "question_asked" and stream.function in {"support", "education"}:
        share = (0.15 + 0.5 * progress[0, week]) if stream.function == "support" \
            else np.full(size, 0.3)
        automated = rng.random(size) < share
        channel = np.where(automated, CHANNELS.index("ai_assistant"), channel).astype(np.int8)
    if stream.actor == "customer":
        reach = people[acc, week]
        person = np.floor(rng.random(size) ** 1.6 * reach).astype(np.int32)
    elif stream.kind == "check_in":
        person = -(1 + plan["owner"][start + acc]).astype(np.int32)
    elif stream.kind == "sales_meeting":
        person = -(1 + plan["n_owners"] + 30 + (start + acc) % 12).astype(np.int32)
    elif stream.kind == "incident":
        person = np.full(size, -len(plan["staff_names"]), dtype=np.int32)
    else:  # bots
        bot = {"automated_check_in": "bot-checkin", "outreach_email": "bot-outreach"}
        person = np.full(size, -(1 + plan["staff_names"].index(bot[stream.kind])),
                         dtype=np.int32)
    feature = np.full(size, -1, dtype=np.int16)
    if stream.kind == "feature_used":
        slot = np.floor(rng.random(size) ** 1.3 * breadth[acc, week]).astype(np.int64)
        feature = plan["feature_order"][start + acc, np.minimum(slot, len(FEATURES) - 1)]
    question = np.full(size, -1, dtype=np.int32)
    if stream.questions:
        question = pick_questions(stream.function, week, weeks, rng)
    return {"acc": acc.astype(np.int32), "ts": ts, "person": person,
            "actor": np.full(size, ACTORS.index(stream.actor), dtype=np.int8),
            "kind": np.full(size, KINDS.index(stream.kind), dtype=np.int8),
            "function": np.full(size, FUNCTIONS.index(stream.function), dtype=np.int8),
            "channel": channel, "automated": automated, "feature": feature,
            "question": question}


def _derived(parts: list[dict[str, np.ndarray]], rng: np.random.Generator,
             plan: dict[str, Any], start: int) -> list[dict[str, np.ndarray]]:
    if not parts:
        return []
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    end_us = to_us(np.array([np.datetime64(plan["as_of"])]))[0]
    hour = 3_600_000_000
    out = []

    def make(mask: np.ndarray, kind: str, function: np.ndarray | str, channel: str, actor: str,
             automated: bool, person: np.ndarray | int, delay: np.ndarray) -> None:
        ts = merged["ts"][mask] + delay
        keep = ts < end_us
        size = int(keep.sum())
        func = (np.full(size, FUNCTIONS.index(function), dtype=np.int8)
                if isinstance(function, str) else function[keep])
        who = (np.full(size, person, dtype=np.int32) if isinstance(person, int)
               else person[keep])
        out.append({"acc": merged["acc"][mask][keep], "ts": ts[keep], "person": who,
                    "actor": np.full(size, ACTORS.index(actor), dtype=np.int8),
                    "kind": np.full(size, KINDS.index(kind), dtype=np.int8),
                    "function": func,
                    "channel": np.full(size, CHANNELS.index(channel), dtype=np.int8),
                    "automated": np.full(size, automated),
                    "feature": np.full(size, -1, dtype=np.int16),
                    "question": np.full(size, -1, dtype=np.int32)})

    staff = plan["staff_names"]
    opened = merged["kind"] == KINDS.index("ticket_opened")
    agents = -(1 + plan["n_owners"] + rng.integers(0, 30, size=int(opened.sum()))).astype(
        np.int32)
    make(opened, "ticket_closed", "support", "support_agent", "staff", False, agents,
         rng.integers(2 * hour, 120 * hour, size=int(opened.sum())))
    answered = (merged["kind"] == KINDS.index("question_asked")) & (
        merged["channel"] == CHANNELS.index("ai_assistant"))
    make(answered, "assistant_answer", merged["function"][answered], "ai_assistant", "bot",
         True, -(1 + staff.index("bot-assistant")),
         rng.integers(2_000_000, 40_000_000, size=int(answered.sum())))
    serious = np.isin(merged["kind"], [KINDS.index("escalation"), KINDS.index("incident")])
    at_risk = plan["arch"][start + merged["acc"]] == ARCHETYPES.index("at_risk_visible")
    gap = serious & (rng.random(serious.size) < np.where(at_risk, 0.6, 0.4))
    make(gap, "automated_check_in", "customer_success", "email", "bot", True,
         -(1 + staff.index("bot-checkin")),
         rng.integers(24 * hour, 96 * hour, size=int(gap.sum())))
    return out


def _activity_frame(data: dict[str, np.ndarray] | None, plan: dict[str, Any], start: int,
                    first_event: int) -> pl.DataFrame:
    if data is None:
        return pl.DataFrame(schema=arrow_schema("activity"))
    ids = plan["ids"]
    staff = pl.Series(plan["staff_names"])
    frame = pl.DataFrame({
        "acc": data["acc"] + start, "ts": data["ts"], "person": data["person"],
        "actor": data["actor"], "kind": data["kind"], "function": data["function"],
        "channel": data["channel"], "automated": data["automated"],
        "feature": data["feature"], "question": data["question"],
    }).sort("acc", "ts")
    account = ids.gather(frame["acc"])
    person_code = frame["person"]
    customer_person = (account + "-p" + (person_code + 1).cast(pl.String).str.zfill(2))
    staff_person = staff.gather((-person_code - 1).clip(0, len(staff) - 1))
    return pl.DataFrame({
        "event_id": pl.int_range(first_event + 1, first_event + frame.height + 1,
                                 eager=True).cast(pl.String).str.zfill(10),
        "account_id": account,
        "person_id": pl.select(pl.when(person_code >= 0).then(customer_person)
                               .otherwise(staff_person)).to_series(),
        "actor_type": pl.Series(ACTORS).gather(frame["actor"]),
        "occurred_at": frame["ts"].cast(pl.Datetime("us")),
        "source_function": pl.Series(FUNCTIONS).gather(frame["function"]),
        "kind": pl.Series(KINDS).gather(frame["kind"]),
        "channel": pl.Series(CHANNELS).gather(frame["channel"]),
        "automated": frame["automated"],
        "feature": pl.Series(FEATURES).gather(
            pl.select(pl.when(frame["feature"] >= 0).then(frame["feature"])).to_series()),
        "question_text": pl.Series(QUESTION_TEXTS).gather(
            pl.select(pl.when(frame["question"] >= 0).then(frame["question"])).to_series()),
    }).with_columns(pl.lit("EV").add(pl.col("event_id")).alias("event_id"))
