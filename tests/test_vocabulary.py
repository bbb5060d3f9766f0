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
