"""The demo company's world: archetypes, segments, the activity table's words, event streams.

The kinds, functions, channels and actor types are the activity table's words from
`playbooks.vocabulary` (read from the shipped activity contract). The event streams say, per
kind of event, who does it, where, and how often for an engaged mid-sized account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

ARCHETYPES = ("engaged", "quietly_working", "drifting", "noisy_loyal", "onboarding",
              "at_risk_visible")
SEGMENTS = ("enterprise", "mid_market", "smb")
SEG_ACTIVITY = np.array([2.5, 1.3, 0.7])
DEFAULT_ACCOUNTS = 2_000
DEFAULT_WEEKS = 104
DEFAULT_SEED = 7

FEATURES = ("report_builder", "dashboards", "workflows", "approvals", "forecasting",
            "integrations", "api", "webhooks", "sso", "user_admin", "permissions", "alerts",
            "scheduling", "templates", "comments", "mobile_app", "data_import", "audit_log",
            "custom_fields", "search", "calendar", "goals", "time_tracking", "budgets",
            "invoicing", "analytics", "sandbox", "ai_summaries", "portals", "automations")

# Groups of behaviour an archetype scales: usage, relationship, advocacy, tickets,
# escalations, staff attention.
BEHAVIOURS = ("usage", "relationship", "advocacy", "tickets", "escalation", "staff", "flat")
LEVELS = np.array([
    # usage rel  adv  tick esc  staff flat
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],   # engaged
    [1.1, 0.25, 0.3, 0.3, 0.5, 0.6, 1.0],  # quietly_working
    [1.0, 1.0, 0.9, 0.5, 0.5, 1.1, 1.0],   # drifting (before the drift)
    [1.2, 2.0, 2.0, 4.0, 1.5, 1.2, 1.0],   # noisy_loyal
    [0.9, 1.5, 0.2, 1.5, 0.5, 1.5, 1.0],   # onboarding
    [1.0, 0.9, 0.6, 1.5, 1.0, 1.0, 1.0],   # at_risk_visible (before the slide)
])


@dataclass(frozen=True)
class Stream:
    """One stream of events: a kind in a function and channel, by an actor, at a base rate."""

    kind: str
    function: str
    channel: str
    actor: str
    automated: bool
    rate: float  # events per account-week for an engaged mid-sized account
    group: str
    questions: bool = False


STREAMS = (
    Stream("login", "product", "product", "customer", False, 1.9, "usage"),
    Stream("feature_used", "product", "product", "customer", False, 1.8, "usage"),
    Stream("article_viewed", "support", "help_center", "customer", False, 0.22, "usage"),
    Stream("article_viewed", "education", "vendor_content", "customer", False, 0.12, "usage"),
    Stream("question_asked", "support", "support_agent", "customer", False, 0.32,
            "relationship", True),
    Stream("question_asked", "community", "peer_community", "customer", False, 0.07,
            "relationship", True),
    Stream("question_asked", "education", "courses", "customer", False, 0.07,
            "relationship", True),
    Stream("question_asked", "product", "in_product_guidance", "customer", True, 0.04,
            "relationship", True),
    Stream("csm_question", "customer_success", "customer_success_manager", "customer", False,
            0.05, "relationship", True),
    Stream("ticket_opened", "support", "support_agent", "customer", False, 0.12, "tickets"),
    Stream("check_in", "customer_success", "customer_success_manager", "staff", False, 0.32,
            "staff"),
    Stream("automated_check_in", "customer_success", "email", "bot", True, 0.06, "staff"),
    Stream("outreach_email", "marketing", "email", "bot", True, 0.22, "flat"),
    Stream("sales_meeting", "sales", "sales_team", "staff", False, 0.03, "staff"),
    Stream("event_attended", "marketing", "events", "customer", False, 0.04, "relationship"),
    Stream("event_attended", "community", "events", "customer", False, 0.02, "relationship"),
    Stream("course_completed", "education", "courses", "customer", False, 0.05,
            "relationship"),
    Stream("programme_joined", "education", "customer_led_education", "customer", False,
            0.008, "relationship"),
    Stream("community_post", "community", "peer_community", "customer", False, 0.06,
            "relationship"),
    Stream("community_answer", "community", "peer_community", "customer", False, 0.03,
            "advocacy"),
    Stream("review", "marketing", "peer_community", "customer", False, 0.004, "advocacy"),
    Stream("reference", "sales", "sales_team", "customer", False, 0.003, "advocacy"),
    Stream("referral", "sales", "sales_team", "customer", False, 0.002, "advocacy"),
    Stream("escalation", "support", "support_agent", "customer", False, 0.003, "escalation"),
    Stream("incident", "product", "product", "staff", False, 0.004, "escalation"),
)


def to_us(values: np.ndarray) -> np.ndarray:
    """Return datetimes as microseconds since the epoch (int64)."""
    return values.astype("datetime64[us]").astype(np.int64)


def arrow_schema(name: str) -> Any:
    """Return the Arrow schema the demo writes a table with (`accounts`, `activity`, ...)."""
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
                      ("lifecycle_stage", string), ("domain", string), ("website", string),
                      ("alternate_ids", string), ("churned_on", pa.date32()),
                      ("downgraded_on", pa.date32()), ("health_score", pa.float64()),
                      ("health_colour", string)])
