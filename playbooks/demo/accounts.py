"""The demo's accounts: archetype, segment, size, owner, contract dates, and how they drift.

`plan_accounts` draws every account once; the plan it returns also carries what the activity
blocks need per account (when the drift starts, how deep it goes, the feature order, staff).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from playbooks.demo.world import ARCHETYPES, BEHAVIOURS, FEATURES, SEGMENTS, to_us

_ARCH_SHARE = (0.35, 0.20, 0.15, 0.10, 0.10, 0.10)
_SEG_SHARE = (0.15, 0.35, 0.50)
_SEG_PEOPLE = ((8, 30), (4, 12), (2, 6))
_SEG_VALUE = (150_000.0, 40_000.0, 8_000.0)
_FIRST = ("Alex", "Priya", "Jonas", "Maria", "Tom", "Aisha", "Chen", "Lena", "Omar", "Sofia",
          "Ravi", "Emma", "Lucas", "Hana", "Diego", "Grace", "Ivan", "Nora", "Sam", "Yuki")
_LAST = ("Raman", "Okafor", "Berg", "Silva", "Novak", "Haddad", "Kim", "Fischer", "Moreau",
         "Costa", "Walsh", "Tanaka", "Lund", "Patel", "Rossi", "Adeyemi", "Clarke", "Meyer")
_NAME_A = ("Northwind", "Bluepeak", "Granite", "Silverline", "Harbor", "Summit", "Redwood",
           "Lumen", "Atlas", "Cobalt", "Evergreen", "Brightwater", "Ironbridge", "Meridian",
           "Nimbus", "Orchid", "Pioneer", "Quarry", "Riverside", "Sterling", "Tidewater",
           "Vantage", "Willow", "Zenith", "Amber", "Beacon", "Crescent", "Driftwood", "Falcon",
           "Juniper")
_NAME_B = ("Logistics", "Analytics", "Health", "Foods", "Energy", "Capital", "Retail",
           "Labs", "Systems", "Media", "Freight", "Insurance", "Robotics", "Studios",
           "Pharma", "Foods Group", "Mobility", "Software", "Holdings", "Partners")


def plan_accounts(n: int, weeks: int, seed: int, as_of: dt.date) -> dict[str, Any]:
    """Draw every account once: the accounts table, and per account what its activity needs."""
    rng = np.random.default_rng([seed, 0])
    arch = rng.choice(len(ARCHETYPES), size=n, p=_ARCH_SHARE)
    seg = rng.choice(len(SEGMENTS), size=n, p=_SEG_SHARE)
    low = np.array([p[0] for p in _SEG_PEOPLE])[seg]
    high = np.array([p[1] for p in _SEG_PEOPLE])[seg]
    people = rng.integers(low, high + 1)
    window_start = as_of - dt.timedelta(weeks=weeks)
    # Contract start: onboarding accounts signed 3 to 14 weeks ago, the rest 1 to 6 years ago.
    days_ago = np.where(arch == ARCHETYPES.index("onboarding"),
                        rng.integers(21, 99, size=n), rng.integers(365, 6 * 365, size=n))
    start = np.datetime64(as_of) - days_ago.astype("timedelta64[D]")
    start_week = ((start - np.datetime64(window_start)).astype(int) // 7).clip(0, None)
    years = np.ceil((np.datetime64(as_of) - start).astype(int) / 365.25).clip(1, None)
    renewal = start + (np.round(years * 365.25)).astype("timedelta64[D]")
    renewal = np.where(renewal <= np.datetime64(as_of), renewal + np.timedelta64(365, "D"),
                       renewal)
    until_renewal = (renewal - np.datetime64(as_of)).astype(int)
    stage_pick = rng.random(n)
    stage = np.where(stage_pick < 0.55, "adoption",
                     np.where(stage_pick < 0.8, "expansion", "advocacy")).astype(object)
    stage[until_renewal < 90] = "renewal"
    stage[arch == ARCHETYPES.index("at_risk_visible")] = np.where(
        rng.random(int((arch == ARCHETYPES.index("at_risk_visible")).sum())) < 0.6,
        "troubleshooting", "renewal")
    stage[arch == ARCHETYPES.index("onboarding")] = "onboarding"
    value = np.round(np.array(_SEG_VALUE)[seg] * rng.lognormal(0, 0.5, size=n), -2)
    n_owners = int(min(len(_FIRST) * len(_LAST), max(8, n // 120)))
    owner_names = [f"{_FIRST[i % len(_FIRST)]} {_LAST[(i * 7 + i // len(_FIRST)) % len(_LAST)]}"
                   for i in range(n_owners)]
    owner = rng.integers(0, n_owners, size=n)
    names = [f"{_NAME_A[a]} {_NAME_B[b]}" for a, b in
             zip(rng.integers(0, len(_NAME_A), n), rng.integers(0, len(_NAME_B), n),
                 strict=True)]
    ids = pl.Series("account_id", [f"ACC-{i:06d}" for i in range(1, n + 1)])
    frame = pl.DataFrame({
        "account_id": ids,
        "name": names,
        "segment": np.array(SEGMENTS)[seg],
        "owner": np.array(owner_names)[owner],
        "annual_value": value.astype(float),
        "contract_start": start.astype("datetime64[D]"),
        "renewal_date": renewal.astype("datetime64[D]"),
        "lifecycle_stage": stage.astype(str),
    }).with_columns(
        pl.when(pl.col("name").cum_count().over("name") > 1)
        .then(pl.col("name") + " " + pl.col("name").cum_count().over("name").cast(pl.String))
        .otherwise(pl.col("name")).alias("name"),
        pl.col("contract_start").cast(pl.Date), pl.col("renewal_date").cast(pl.Date))
    # How other systems know each account, for the account crosswalk (playbooks.data.crosswalk).
    domain = pl.col("name").str.to_lowercase().str.replace_all(r"[^a-z0-9]", "") + ".com"
    number = pl.col("account_id").str.strip_prefix("ACC-")
    frame = frame.with_columns(
        domain.alias("domain"), ("https://www." + domain).alias("website"),
        ("gainsight:GS" + number + ";product:ws_" + number).alias("alternate_ids"),
        # No demo account has left or renewed for less: the outcome columns stay empty.
        pl.lit(None, pl.Date).alias("churned_on"), pl.lit(None, pl.Date).alias("downgraded_on"))
    # The drift: when it starts (weeks before the end) and how deep it goes.
    is_drift = arch == ARCHETYPES.index("drifting")
    is_risk = arch == ARCHETYPES.index("at_risk_visible")
    length = np.where(is_drift, rng.integers(12, 21, size=n),
                      np.where(is_risk, rng.integers(8, 21, size=n), 0))
    onset = np.where(length > 0, weeks - np.minimum(length, weeks), weeks)
    staff_names = ([_slug("csm", o) for o in owner_names]
                   + [f"agent-{i:02d}" for i in range(1, 31)]
                   + [f"sales-{i:02d}" for i in range(1, 13)]
                   + ["bot-assistant", "bot-checkin", "bot-outreach", "ops-oncall"])
    return {
        "n": n, "weeks": weeks, "seed": seed, "as_of": as_of, "window_start": window_start,
        "arch": arch, "seg": seg, "people": people, "start_week": start_week,
        "start_us": to_us(start.astype("datetime64[us]")),
        "onset": onset,
        "usage_floor": np.where(is_risk, rng.uniform(0.25, 0.45, n), 1.0),
        "rel_floor": np.where(is_drift, rng.uniform(0.15, 0.4, n),
                              np.where(is_risk, rng.uniform(0.4, 0.6, n), 1.0)),
        "adv_floor": np.where(is_drift, rng.uniform(0.0, 0.2, n),
                              np.where(is_risk, 0.1, 1.0)),
        "people_floor": np.where(is_drift, rng.uniform(0.25, 0.45, n),
                                 np.where(is_risk, rng.uniform(0.5, 0.7, n), 1.0)),
        "breadth": _breadth(arch, rng),
        "breadth_floor": np.where(is_drift, rng.uniform(0.25, 0.4, n),
                                  np.where(is_risk, rng.uniform(0.4, 0.6, n), 1.0)),
        "noise": rng.lognormal(0, 0.3, size=(n, len(BEHAVIOURS))),
        "owner": owner, "n_owners": n_owners, "staff_names": staff_names,
        "feature_order": np.argsort(rng.random((n, len(FEATURES))), axis=1).astype(np.int16),
        "accounts_base": frame, "ids": ids,
        "archetype_names": np.array(ARCHETYPES)[arch],
        "accounts": frame,
        "last_score": np.full(n, np.nan), "last_colour": np.full(n, None, dtype=object),
    }


def _slug(prefix: str, name: str) -> str:
    return f"{prefix}-{name.lower().replace(' ', '.')}"


def _breadth(arch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    low = np.array([12, 18, 12, 16, 8, 10])[arch]
    high = np.array([18, 26, 18, 24, 12, 16])[arch]
    return rng.integers(low, high + 1)
