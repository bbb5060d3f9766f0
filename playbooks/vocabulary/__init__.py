"""The activity table's words, defined once: event kinds and their groups, channels
(`kinds`), and how the activity table is read in those words (`activity`)."""

from __future__ import annotations

from playbooks.vocabulary.kinds import (
    ACTIVITY_CONTRACT,
    ACTORS,
    ADVOCACY_AND_PEER_ANSWER_KINDS,
    ADVOCACY_KINDS,
    AUTOMATED_OUTREACH_KINDS,
    CHANNELS,
    DASHBOARD_KINDS,
    FEATURE_USE_KINDS,
    FUNCTIONS,
    GAP_TRIGGER_KINDS,
    GROUP_DEFINITIONS,
    GROUPS,
    HELP_CHANNELS,
    KIND_DESCRIPTIONS,
    KINDS,
    PARTICIPATION_KINDS,
    PEER_ANSWER_KINDS,
    PRODUCT_USE_KINDS,
    QUESTION_KINDS,
    REPAIR_RETURN_KINDS,
    REPAIR_TRIGGER_KINDS,
    KindGroup,
    VocabularyError,
    kind,
    resolve_groups,
)

__all__ = [
    "ACTIVITY_CONTRACT", "ACTORS", "ADVOCACY_AND_PEER_ANSWER_KINDS", "ADVOCACY_KINDS",
    "AUTOMATED_OUTREACH_KINDS", "CHANNELS", "DASHBOARD_KINDS", "FEATURE_USE_KINDS", "FUNCTIONS",
    "GAP_TRIGGER_KINDS", "GROUPS", "GROUP_DEFINITIONS", "HELP_CHANNELS", "KINDS",
    "KIND_DESCRIPTIONS", "PARTICIPATION_KINDS", "PEER_ANSWER_KINDS", "PRODUCT_USE_KINDS",
    "QUESTION_KINDS", "REPAIR_RETURN_KINDS", "REPAIR_TRIGGER_KINDS", "KindGroup",
    "VocabularyError", "kind", "resolve_groups",
]
