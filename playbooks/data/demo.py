"""Generate a believable demo workspace: a B2B software company and its accounts.

Every account follows an archetype (written with the ground truth to `labels.csv`):

- engaged: steady activity everywhere;
- quietly_working: little contact with anyone, broad and steady product use;
- drifting: over the last 12 to 20 weeks fewer questions, events, courses and advocacy,
  narrower feature use and fewer people engaging, while logins stay stable, tickets stay low,
  check-ins happen and the internal health score stays green;
- noisy_loyal: many tickets and questions, deeply engaged, strong advocates;
- onboarding: signed in the last few months, ramping up;
- at_risk_visible: escalations, falling usage, amber or red health.

Company-wide trends are built in as well: in support, the share of customer questions
answered by the AI assistant alone rises over the period while support questions per account
fall; education has no such trend. After escalations and incidents, a bot often sends a
templated check-in within days (a continuity gap). Question texts come from recurring themes,
some pointing at a product gap (exporting reports to CSV) or an education gap (SSO setup).

Everything is drawn with numpy, one block of accounts at a time, so 50,000 accounts over
104 weeks (about 30 million events) take well under a minute with bounded memory. The same
seed gives the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from playbooks.errors import InputError

ARCHETYPES = ("engaged", "quietly_working", "drifting", "noisy_loyal", "onboarding",
              "at_risk_visible")
_ARCH_SHARE = (0.35, 0.20, 0.15, 0.10, 0.10, 0.10)
SEGMENTS = ("enterprise", "mid_market", "smb")
_SEG_SHARE = (0.15, 0.35, 0.50)
_SEG_ACTIVITY = np.array([2.5, 1.3, 0.7])
_SEG_PEOPLE = ((8, 30), (4, 12), (2, 6))
_SEG_VALUE = (150_000.0, 40_000.0, 8_000.0)
_BLOCK = 2_500  # accounts per block; fixed so the output does not depend on memory
DEFAULT_ACCOUNTS = 2_000
DEFAULT_WEEKS = 104
DEFAULT_SEED = 7

KINDS = ("ticket_opened", "ticket_closed", "question_asked", "csm_question", "check_in",
         "automated_check_in", "feature_used", "login", "event_attended", "course_completed",
         "programme_joined", "community_post", "community_answer", "review", "reference",
         "referral", "escalation", "incident", "assistant_answer", "article_viewed",
         "outreach_email", "sales_meeting")
FUNCTIONS = ("marketing", "sales", "customer_success", "support", "product", "education",
             "community")
CHANNELS = ("help_center", "ai_assistant", "in_product_guidance", "courses", "vendor_content",
            "support_agent", "customer_success_manager", "sales_team", "peer_community",
            "customer_led_education", "events", "product", "email")
ACTORS = ("customer", "staff", "bot")
FEATURES = ("report_builder", "dashboards", "workflows", "approvals", "forecasting",
            "integrations", "api", "webhooks", "sso", "user_admin", "permissions", "alerts",
            "scheduling", "templates", "comments", "mobile_app", "data_import", "audit_log",
            "custom_fields", "search", "calendar", "goals", "time_tracking", "budgets",
            "invoicing", "analytics", "sandbox", "ai_summaries", "portals", "automations")

# Groups of behaviour an archetype scales: usage, relationship, advocacy, tickets,
# escalations, staff attention.
_GROUPS = ("usage", "relationship", "advocacy", "tickets", "escalation", "staff", "flat")
_LEVELS = np.array([
    # usage rel  adv  tick esc  staff flat
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],   # engaged
    [1.1, 0.25, 0.3, 0.3, 0.5, 0.6, 1.0],  # quietly_working
    [1.0, 1.0, 0.9, 0.5, 0.5, 1.1, 1.0],   # drifting (before the drift)
    [1.2, 2.0, 2.0, 4.0, 1.5, 1.2, 1.0],   # noisy_loyal
    [0.9, 1.5, 0.2, 1.5, 0.5, 1.5, 1.0],   # onboarding
    [1.0, 0.9, 0.6, 1.5, 1.0, 1.0, 1.0],   # at_risk_visible (before the slide)
])


@dataclass(frozen=True)
class _Stream:
    kind: str
    function: str
    channel: str
    actor: str
    automated: bool
    rate: float  # events per account-week for an engaged mid-sized account
    group: str
    questions: bool = False


_STREAMS = (
    _Stream("login", "product", "product", "customer", False, 1.9, "usage"),
    _Stream("feature_used", "product", "product", "customer", False, 1.8, "usage"),
    _Stream("article_viewed", "support", "help_center", "customer", False, 0.22, "usage"),
    _Stream("article_viewed", "education", "vendor_content", "customer", False, 0.12, "usage"),
    _Stream("question_asked", "support", "support_agent", "customer", False, 0.32,
            "relationship", True),
    _Stream("question_asked", "community", "peer_community", "customer", False, 0.07,
            "relationship", True),
    _Stream("question_asked", "education", "courses", "customer", False, 0.07,
            "relationship", True),
    _Stream("question_asked", "product", "in_product_guidance", "customer", True, 0.04,
            "relationship", True),
    _Stream("csm_question", "customer_success", "customer_success_manager", "customer", False,
            0.05, "relationship", True),
    _Stream("ticket_opened", "support", "support_agent", "customer", False, 0.12, "tickets"),
    _Stream("check_in", "customer_success", "customer_success_manager", "staff", False, 0.32,
            "staff"),
    _Stream("automated_check_in", "customer_success", "email", "bot", True, 0.06, "staff"),
    _Stream("outreach_email", "marketing", "email", "bot", True, 0.22, "flat"),
    _Stream("sales_meeting", "sales", "sales_team", "staff", False, 0.03, "staff"),
    _Stream("event_attended", "marketing", "events", "customer", False, 0.04, "relationship"),
    _Stream("event_attended", "community", "events", "customer", False, 0.02, "relationship"),
    _Stream("course_completed", "education", "courses", "customer", False, 0.05,
            "relationship"),
    _Stream("programme_joined", "education", "customer_led_education", "customer", False,
            0.008, "relationship"),
    _Stream("community_post", "community", "peer_community", "customer", False, 0.06,
            "relationship"),
    _Stream("community_answer", "community", "peer_community", "customer", False, 0.03,
            "advocacy"),
    _Stream("review", "marketing", "peer_community", "customer", False, 0.004, "advocacy"),
    _Stream("reference", "sales", "sales_team", "customer", False, 0.003, "advocacy"),
    _Stream("referral", "sales", "sales_team", "customer", False, 0.002, "advocacy"),
    _Stream("escalation", "support", "support_agent", "customer", False, 0.003, "escalation"),
    _Stream("incident", "product", "product", "staff", False, 0.004, "escalation"),
)

# Question themes: (id, need, texts). Gap themes recur across many accounts for many weeks.
THEMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("export_csv", "information", (
        "How do I export the report to CSV?",
        "Is there a way to export this report as a CSV file?",
        "Export report to CSV - where is the button?",
        "Can I get the dashboard data out as a CSV?",
        "How to download report data in CSV format",
        "We need the weekly report in CSV for finance, how do we export it?")),
    ("sso_setup", "information", (
        "How do I set up SSO with Okta?",
        "What are the steps for SAML single sign-on?",
        "Where do I configure SSO for our workspace?",
        "SSO login fails after setup, what did we miss?")),
    ("bulk_permissions", "information", (
        "How do I change permissions for many users at once?",
        "Is there a bulk edit for user roles?",
        "Can permissions be set per team instead of per user?")),
    ("webhook_retries", "information", (
        "How do webhook retries work?",
        "Our webhooks stopped firing, how do retries behave?",
        "Webhook delivery failed - will it retry on its own?")),
    ("invite_users", "information", (
        "How do I invite new users?",
        "How can we add teammates to our account?",
        "Can I add users in bulk from a spreadsheet?")),
    ("api_limits", "information", (
        "What are the API rate limits?",
        "We hit the API limit, how do we raise it?",
        "The API returns 429, what does it mean?")),
    ("billing", "information", (
        "Where can I find our invoices?",
        "How do I update our billing details?")),
    ("dashboard_filters", "information", (
        "How do I filter the dashboard by region?",
        "Can I save a filter on a dashboard?")),
    ("rollout_plan", "judgment", (
        "Should we roll out to all teams at once or in phases?",
        "How would you structure workspaces for ten business units?",
        "Which approval setup would you recommend for a team like ours?")),
    ("data_model", "judgment", (
        "Should we model regions as teams or as projects?",
        "Is it better to use custom fields or separate templates for our process?")),
    ("on_track", "reassurance", (
        "Are we on track with our rollout compared with similar customers?",
        "Is it normal that adoption is slow in the first months?",
        "We are worried the migration will slip - is our plan sound?")),
    ("similar_customers", "proof", (
        "Do other logistics companies use this for forecasting?",
        "Any examples of teams like ours using the reporting module?")),
    ("peer_stories", "peer_experience", (
        "Has anyone migrated from spreadsheets - what went wrong first?",
        "How did you get leadership buy-in for the rollout?",
        "What do you wish you had known before going live?")),
)
_THEME_IDS = tuple(t[0] for t in THEMES)
# Base weight of each theme per question stream function, in THEMES order.
_THEME_WEIGHTS = {
    "support": (0.4, 0.3, 0.3, 0.3, 1.0, 0.8, 0.8, 0.8, 0.3, 0.2, 0.15, 0.05, 0.05),
    "community": (0.3, 0.2, 0.2, 0.2, 0.2, 0.3, 0.05, 0.4, 0.8, 0.8, 0.5, 0.8, 1.2),
    "education": (0.2, 0.4, 0.2, 0.3, 0.5, 0.3, 0.05, 0.6, 0.4, 0.4, 0.3, 0.2, 0.2),
    "product": (0.5, 0.1, 0.3, 0.1, 0.8, 0.1, 0.1, 1.0, 0.05, 0.05, 0.05, 0.02, 0.02),
    "customer_success": (0.1, 0.1, 0.1, 0.05, 0.2, 0.1, 0.3, 0.2, 1.2, 1.0, 1.2, 0.6, 0.4),
}
# Gap themes: (theme, first week share, last week share, extra weight per function).
_GAPS = (
    ("export_csv", 0.25, 1.0, {"support": 2.5, "community": 1.2, "product": 2.0,
                               "customer_success": 0.4}),
    ("bulk_permissions", 0.5, 1.0, {"support": 1.2, "community": 0.6, "product": 0.8}),
    ("sso_setup", 0.4, 0.9, {"support": 1.5, "education": 1.8, "community": 0.6}),
    ("webhook_retries", 0.6, 1.0, {"support": 0.8, "education": 0.8}),
)

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


def default_as_of(today: dt.date | None = None) -> dt.date:
    """Return the Monday on or before today: the demo's data ends there."""
    today = today or dt.date.today()
    return today - dt.timedelta(days=today.weekday())


@dataclass
class DemoResult:
    """What `generate_demo` wrote."""

    out_dir: Path
    accounts: int
    weeks: int
    events: int
    snapshots: int
    as_of: dt.date
    seed: int


def generate_demo(out_dir: str | os.PathLike[str], accounts: int = DEFAULT_ACCOUNTS,
                  weeks: int = DEFAULT_WEEKS, seed: int = DEFAULT_SEED,
                  as_of: dt.date | None = None, *,
                  protect_imported: bool = False) -> DemoResult:
    """Write a complete demo workspace: accounts, activity, health snapshots, labels, marker.

    Deterministic per (accounts, weeks, seed, as_of). Files are written under temporary names
    and swapped in at the end, so an interrupted run leaves no half-written tables. With
    `protect_imported`, a folder holding imported (non-demo) tables is refused instead of
    replaced; the command line sets it unless told `--replace-data`.
    """
    import pyarrow.parquet as pq

    if accounts < 1 or weeks < 1:
        raise InputError("The demo needs at least one account and one week.")
    as_of = as_of or default_as_of()
    if as_of > dt.date.today():
        raise InputError(f"The demo as-of date {as_of} is in the future; the data would be too.")
    folder = Path(out_dir)
    imported = [t for t in ("accounts", "activity", "health_snapshots")
                if (folder / f"{t}.parquet").exists()]
    if protect_imported and imported and not (folder / "demo.json").exists():
        raise InputError(f"{folder} holds imported data ({', '.join(imported)}); the demo would "
                         "replace it. Choose another folder with --out, or pass --replace-data.")
    folder.mkdir(parents=True, exist_ok=True)
    plan = _plan_accounts(accounts, weeks, seed, as_of)
    tag = f".demo-{os.getpid()}"
    temp = {name: folder / f"{tag}-{name}.parquet" for name in
            ("accounts", "activity", "health_snapshots")}
    writers: dict[str, Any] = {}
    events = snapshots = 0
    try:
        for name in ("activity", "health_snapshots"):
            writers[name] = pq.ParquetWriter(temp[name], _arrow_schema(name),
                                             compression="zstd")

        def write(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
            for name, frame in zip(("activity", "health_snapshots"), frames, strict=True):
                writers[name].write_table(frame.to_arrow().cast(_arrow_schema(name)))

        # Write one block while the next is drawn: the writer releases the GIL.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = None
            for block, start in enumerate(range(0, accounts, _BLOCK)):
                stop = min(start + _BLOCK, accounts)
                frames = _block_frames(plan, start, stop, block, events)
                events += frames[0].height
                snapshots += frames[1].height
                if pending is not None:
                    pending.result()
                pending = pool.submit(write, frames)
            if pending is not None:
                pending.result()
        for writer in writers.values():
            writer.close()
        writers = {}
        pq.write_table(plan["accounts"].to_arrow().cast(_arrow_schema("accounts")),
                       temp["accounts"], compression="zstd")
        for name, path in temp.items():
            os.replace(path, folder / f"{name}.parquet")
        plan["accounts"].select("account_id", pl.Series("archetype", plan["archetype_names"])) \
            .write_csv(folder / "labels.csv")
        marker = {"demo": True,
                  "note": "Generated demo data for CX Playbooks; no real customers.",
                  "seed": seed, "accounts": accounts, "weeks": weeks,
                  "as_of": as_of.isoformat(), "events": events,
                  "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        (folder / "demo.json").write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    finally:
        for writer in writers.values():
            writer.close()
        for path in temp.values():
            path.unlink(missing_ok=True)
    return DemoResult(folder, accounts, weeks, events, snapshots, as_of, seed)


def ensure_demo_workspace(path: str | os.PathLike[str], accounts: int = DEFAULT_ACCOUNTS,
                          seed: int = DEFAULT_SEED, weeks: int = DEFAULT_WEEKS) -> bool:
    """Generate the demo into `path` unless it already holds data; return True if generated."""
    from playbooks.data.workspace import workspace_status

    if workspace_status(path).has_data:
        return False
    generate_demo(path, accounts=accounts, weeks=weeks, seed=seed)
    return True


def _arrow_schema(name: str) -> Any:
    import pyarrow as pa

    string = pa.string()
    if name == "activity":
        return pa.schema([("event_id", string), ("account_id", string), ("person_id", string),
                          ("actor_type", string), ("occurred_at", pa.timestamp("us")),
                          ("source_function", string), ("kind", string), ("channel", string),
                          ("automated", pa.bool_()), ("feature", string),
                          ("question_text", string)])
    if name == "health_snapshots":
        return pa.schema([("account_id", string), ("week", pa.date32()),
                          ("health_score", pa.float64()), ("health_colour", string)])
    return pa.schema([("account_id", string), ("name", string), ("segment", string),
                      ("owner", string), ("annual_value", pa.float64()),
                      ("contract_start", pa.date32()), ("renewal_date", pa.date32()),
                      ("lifecycle_stage", string), ("health_score", pa.float64()),
                      ("health_colour", string)])


# --- accounts -------------------------------------------------------------------------------


def _plan_accounts(n: int, weeks: int, seed: int, as_of: dt.date) -> dict[str, Any]:
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
        "start_us": _to_us(start.astype("datetime64[us]")),
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
        "noise": rng.lognormal(0, 0.3, size=(n, len(_GROUPS))),
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


def _to_us(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[us]").astype(np.int64)


# --- activity, one block of accounts at a time ------------------------------------------


def _block_frames(plan: dict[str, Any], start: int, stop: int, block: int,
                  first_event: int) -> tuple[pl.DataFrame, pl.DataFrame]:
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
    holiday = _holiday_factor(plan["window_start"], weeks)[None, :]
    seg_mult = _SEG_ACTIVITY[plan["seg"][sl]][:, None]
    levels = _LEVELS[arch] * plan["noise"][sl]
    is_risk = (arch == ARCHETYPES.index("at_risk_visible"))[:, None]

    def group(name: str) -> np.ndarray:
        g = _GROUPS.index(name)
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

    groups = {name: group(name) for name in _GROUPS}
    progress = w / max(weeks - 1, 1)
    people = np.maximum(1, np.round(plan["people"][sl][:, None] * (
        1 - decline * (1 - plan["people_floor"][sl][:, None])) * ramp)).astype(np.int32)
    breadth = np.maximum(2, np.round(plan["breadth"][sl][:, None] * (
        1 - decline * (1 - plan["breadth_floor"][sl][:, None])) * np.minimum(1, ramp * 1.2)))
    parts: list[dict[str, np.ndarray]] = []
    counts_by_kind: dict[str, np.ndarray] = {}
    for stream in _STREAMS:
        lam = stream.rate * seg_mult * groups[stream.group] * active
        if stream.actor == "customer":
            lam = lam * busy * holiday
        if stream.function == "support" and stream.kind == "question_asked":
            lam = lam * (1 - 0.3 * progress)
        counts = rng.poisson(lam)
        counts_by_kind[stream.kind] = counts_by_kind.get(stream.kind, 0) + counts
        cell = np.repeat(np.arange(n * weeks), counts.ravel())
        if cell.size == 0:
            continue
        acc, week = cell // weeks, cell % weeks
        part = _events(stream, acc, week, rng, plan, start, people, breadth, progress)
        parts.append(part)
    # Derived rows: closures, assistant answers, templated check-ins after escalations.
    parts.extend(_derived(parts, rng, plan, start))
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else None
    activity = _activity_frame(merged, plan, start, first_event)
    health = _health(plan, sl, counts_by_kind, active, rng)
    return activity, health


def _holiday_factor(window_start: dt.date, weeks: int) -> np.ndarray:
    factor = np.ones(weeks)
    for i in range(weeks):
        day = window_start + dt.timedelta(weeks=i)
        if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
            factor[i] = 0.55
    return factor


def _timestamps(week: np.ndarray, rng: np.random.Generator, plan: dict[str, Any]) -> np.ndarray:
    base = _to_us(np.array([np.datetime64(plan["window_start"])]))[0]
    day = rng.choice(7, size=week.size, p=(0.19, 0.2, 0.2, 0.19, 0.16, 0.03, 0.03))
    seconds = np.clip(rng.normal(13.5 * 3600, 3 * 3600, size=week.size), 0, 86_399)
    return base + (week * 7 + day) * 86_400_000_000 + (seconds * 1e6).astype(np.int64)


def _events(stream: _Stream, acc: np.ndarray, week: np.ndarray, rng: np.random.Generator,
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
        question = _pick_questions(stream.function, week, weeks, rng)
    return {"acc": acc.astype(np.int32), "ts": ts, "person": person,
            "actor": np.full(size, ACTORS.index(stream.actor), dtype=np.int8),
            "kind": np.full(size, KINDS.index(stream.kind), dtype=np.int8),
            "function": np.full(size, FUNCTIONS.index(stream.function), dtype=np.int8),
            "channel": channel, "automated": automated, "feature": feature,
            "question": question}


_VARIANT_OFFSET = np.cumsum([0] + [len(t[2]) for t in THEMES])[:-1]
_VARIANT_COUNT = np.array([len(t[2]) for t in THEMES])
QUESTION_TEXTS = tuple(text for theme in THEMES for text in theme[2])


def _pick_questions(function: str, week: np.ndarray, weeks: int,
                    rng: np.random.Generator) -> np.ndarray:
    weights = np.tile(np.array(_THEME_WEIGHTS[function], dtype=float), (weeks, 1))
    share = np.arange(weeks) / max(weeks - 1, 1)
    for theme, first, last, extra in _GAPS:
        on = (share >= first) & (share <= last)
        weights[on, _THEME_IDS.index(theme)] += extra.get(function, 0.0)
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(week.size)
    theme = (cdf[week] < u[:, None]).sum(axis=1).clip(0, len(THEMES) - 1)
    variant = np.floor(rng.random(week.size) * _VARIANT_COUNT[theme]).astype(np.int64)
    index = (_VARIANT_OFFSET[theme] + variant).astype(np.int32)
    index[rng.random(week.size) < 0.08] = -1  # some sources keep no text
    return index


def _derived(parts: list[dict[str, np.ndarray]], rng: np.random.Generator,
             plan: dict[str, Any], start: int) -> list[dict[str, np.ndarray]]:
    if not parts:
        return []
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    end_us = _to_us(np.array([np.datetime64(plan["as_of"])]))[0]
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
        return pl.DataFrame(schema=_arrow_schema("activity"))
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


def _rolling(matrix: np.ndarray, width: int) -> np.ndarray:
    total = np.cumsum(matrix, axis=1)
    shifted = np.zeros_like(total)
    shifted[:, width:] = total[:, :-width]
    return total - shifted


def _health(plan: dict[str, Any], sl: slice, counts: dict[str, Any], active: np.ndarray,
            rng: np.random.Generator) -> pl.DataFrame:
    """Score accounts the way a typical platform does: logins, tickets, check-ins, escalations."""
    weeks = plan["weeks"]
    n = active.shape[0]
    seg_mult = _SEG_ACTIVITY[plan["seg"][sl]][:, None]
    expected = 1.9 * seg_mult * plan["noise"][sl][:, 0:1] * 0.85
    logins = _rolling(counts["login"], 4) / np.maximum(1, np.minimum(
        4, np.arange(1, weeks + 1)[None, :] - plan["start_week"][sl][:, None]))
    usage = np.clip(logins / expected, 0, 1)
    tickets = np.clip(_rolling(counts["ticket_opened"], 4) / (4 * 0.36 * seg_mult), 0, 1)
    checked = _rolling(counts["check_in"], 8) > 0
    escalated = _rolling(counts["escalation"] + counts["incident"], 8) > 0
    score = (40 * usage + 20 * (1 - tickets) + 15 * checked + 25 * np.where(escalated, 0.3, 1)
             + rng.normal(0, 2, size=(n, weeks)))
    score = np.clip(np.round(score), 0, 100)
    colour = np.where(score >= 70, 0, np.where(score >= 50, 1, 2))
    plan["last_score"][sl] = np.where(active[:, -1], score[:, -1], np.nan)
    plan["last_colour"][sl] = np.array(["green", "amber", "red"], dtype=object)[colour[:, -1]]
    acc, week = np.nonzero(active)
    frame = pl.DataFrame({
        "account_id": plan["ids"].gather(acc + sl.start),
        "week": (np.datetime64(plan["window_start"]) + (week * 7).astype("timedelta64[D]")),
        "health_score": score[acc, week].astype(float),
        "health_colour": pl.Series(["green", "amber", "red"]).gather(colour[acc, week]),
    }).with_columns(pl.col("week").cast(pl.Date))
    if sl.stop == plan["n"]:
        plan["accounts"] = plan["accounts_base"].with_columns(
            pl.Series("health_score", plan["last_score"], dtype=pl.Float64).fill_nan(None),
            pl.Series("health_colour", plan["last_colour"].tolist(), dtype=pl.String))
    return frame
