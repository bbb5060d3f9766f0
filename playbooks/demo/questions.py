"""The demo's question texts: recurring themes, some pointing at a product or education gap."""

from __future__ import annotations

import numpy as np

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
        "SSO login fails after setup - which setting is wrong?")),
    ("bulk_permissions", "information", (
        "How do I change permissions for many users at once?",
        "Is there a bulk edit for user roles?",
        "Can permissions be set per team instead of per user?")),
    ("webhook_retries", "information", (
        "How do webhook retries work?",
        "Our webhooks stopped firing, how do retries behave?",
        "Webhook delivery failed - how often does it retry?")),
    ("invite_users", "information", (
        "How do I invite new users?",
        "How do we add teammates to our account?",
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
_VARIANT_OFFSET = np.cumsum([0] + [len(t[2]) for t in THEMES])[:-1]
_VARIANT_COUNT = np.array([len(t[2]) for t in THEMES])
QUESTION_TEXTS = tuple(text for theme in THEMES for text in theme[2])


def pick_questions(function: str, week: np.ndarray, weeks: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Pick a question text (an index into QUESTION_TEXTS, -1 for none) per event of a week."""
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
