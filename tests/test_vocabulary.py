"""The vocabulary: kinds and channels come from the contract, every group names known kinds."""

from __future__ import annotations

import pytest

from playbooks import vocabulary
from playbooks.data.contracts import load_contract
from playbooks.vocabulary import GROUP_DEFINITIONS, KindGroup, VocabularyError, resolve_groups


def test_kinds_and_channels_are_the_contracts():
    activity = load_contract("activity")
    assert activity.field("kind").valid_values == vocabulary.KINDS
    assert activity.field("channel").valid_values == vocabulary.CHANNELS
    assert set(vocabulary.KIND_DESCRIPTIONS) == set(vocabulary.KINDS)
    assert set(vocabulary.HELP_CHANNELS) < set(vocabulary.CHANNELS)


def test_every_group_names_only_known_kinds():
    for group in vocabulary.GROUPS.values():
        assert group.kinds and set(group.kinds) <= set(vocabulary.KINDS), group.name


def test_an_unknown_kind_is_named_with_its_group():
    bad = (*GROUP_DEFINITIONS, KindGroup("typos", "x", "nobody", own=("question_askd",)))
    with pytest.raises(VocabularyError, match="'typos' names the kind 'question_askd'"):
        resolve_groups(bad, vocabulary.KINDS)


def test_an_unknown_included_group_is_named():
    bad = (KindGroup("all", "x", "nobody", includes=("questions",)),)
    with pytest.raises(VocabularyError, match="'all' includes the group 'questions'"):
        resolve_groups(bad, vocabulary.KINDS)


def test_signals_and_trap_differ_only_where_written_down():
    # The advocacy signal counts peer answers; the trap keeps them apart.
    assert set(vocabulary.ADVOCACY_AND_PEER_ANSWER_KINDS) == (
        set(vocabulary.ADVOCACY_KINDS) | set(vocabulary.PEER_ANSWER_KINDS))
    # What a continuity gap follows (any support issue) is wider than what repair follows.
    assert set(vocabulary.REPAIR_TRIGGER_KINDS) < set(vocabulary.GAP_TRIGGER_KINDS)


def test_kind_refuses_an_unknown_kind():
    assert vocabulary.kind("login") == "login"
    with pytest.raises(VocabularyError, match="'logon'"):
        vocabulary.kind("logon")


def test_the_reference_page_lists_every_group_with_its_kinds():
    from playbooks.docs import render_knowledge_markdown

    page = render_knowledge_markdown()
    for group in vocabulary.GROUPS.values():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{group.name}` |"))
        assert all(f"`{k}`" in row for k in group.kinds)


def _demo_tables():
    import datetime as dt

    import polars as pl

    rows = []
    for day in range(0, 400, 3):
        when = dt.datetime(2025, 1, 1) + dt.timedelta(days=day)
        for account, kind, text in (("A", "question_asked", "how do I export a report"),
                                    ("B", "login", None), ("A", "escalation", None),
                                    ("B", "event_attended", None)):
            rows.append({"account_id": account, "person_id": f"{account}1",
                         "actor_type": "customer", "occurred_at": when, "kind": kind,
                         "source_function": "support", "channel": "support_agent",
                         "automated": False, "feature": None, "question_text": text})
    activity = pl.DataFrame(rows)
    accounts = pl.DataFrame({"account_id": ["A", "B"], "segment": ["smb", "smb"]})
    return accounts, activity


def test_one_call_reads_the_latest_date_at_most_once(monkeypatch):
    """None means the latest event's date: resolved once by the function called, never again
    by the functions it calls."""
    from playbooks.questions.themes import find_themes
    from playbooks.signals import account_block_series, compute_signals, list_continuity_gaps
    from playbooks.trap import classified_questions, repair_after_incidents, trap_view
    from playbooks.vocabulary import activity as reading

    scans = []
    latest = reading.latest_event_date
    monkeypatch.setattr(reading, "latest_event_date",
                        lambda frame: scans.append(1) or latest(frame))
    accounts, activity = _demo_tables()
    calls = {
        "compute_signals": lambda: compute_signals(accounts, activity),
        "list_continuity_gaps": lambda: list_continuity_gaps(activity),
        "account_block_series": lambda: account_block_series(accounts, activity),
        "trap_view": lambda: trap_view(activity, accounts, drifting_every_weeks=8,
                                       drifting_weeks=16),
        "classified_questions": lambda: classified_questions(activity),
        "repair_after_incidents": lambda: repair_after_incidents(activity),
        "find_themes": lambda: find_themes(activity),
    }
    for name, call in calls.items():
        scans.clear()
        call()
        assert len(scans) == 1, name
    scans.clear()
    day = latest(activity.lazy())
    compute_signals(accounts, activity, as_of=day)
    trap_view(activity, accounts, as_of=day, drifting_every_weeks=8, drifting_weeks=16)
    assert not scans  # a date given is never read again
