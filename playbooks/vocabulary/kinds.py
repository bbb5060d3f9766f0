"""The words of the activity table, defined once: event kinds, their groups, and the channels.

The kinds, channels, functions and actor types are read from the activity contract that ships
with CX Playbooks (`data_contracts/activity.yaml`, the `validValues` of each property; a
company's own PLAYBOOKS_CONTRACTS folder does not change the words the engine counts); the
channels customers bring their needs to are read from the knowledge file `channels.yaml`. The
groups of kinds the engine counts are declared below as data, each with what it means and,
where it is a product decision, why; every group is checked when this module loads to name
only kinds the contract knows.

Signals and trap read the same groups, with one deliberate difference: the `advocacy` signal
counts a peer answer (`community_answer`) as advocacy (`advocacy_and_peer_answers`), while the
trap view shows peer answers as a measure of their own (`peer_answers`) beside `advocacy`.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbooks.data.contracts import Contract, load_contract, shipped_contracts_dir
from playbooks.errors import PlaybooksError
from playbooks.framework.parsing import KNOWLEDGE_DIR, read_yaml


class VocabularyError(PlaybooksError):
    """A group of event kinds names a kind, or a group, the vocabulary does not know."""


@dataclass(frozen=True)
class KindGroup:
    """A named set of event kinds the engine counts together.

    `includes` names other groups whose kinds belong to this one as well; `kinds` are the
    resolved kinds (the group's own, after those of the groups it includes), in order.
    """

    name: str
    meaning: str
    used_by: str
    own: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()
    rationale: str = ""
    kinds: tuple[str, ...] = ()


# The groups, as data. `used_by` says where each one is read.
GROUP_DEFINITIONS: tuple[KindGroup, ...] = (
    KindGroup(
        "questions", "Questions the customer asked, in any channel.",
        "signals (questions), trap (questions per account, automation share), trap needs",
        own=("question_asked", "csm_question", "ticket_opened"),
        rationale="Product decision: a ticket counts as a question (asked through the help "
        "desk); a community post does not (it is participation)."),
    KindGroup(
        "participation", "Taking part: events, courses, programmes and community posts.",
        "signals (participation), trap (participation per account)",
        own=("event_attended", "course_completed", "programme_joined", "community_post")),
    KindGroup(
        "advocacy", "Speaking for the company in public: reviews, references, referrals.",
        "trap (advocacy per account)",
        own=("review", "reference", "referral")),
    KindGroup(
        "peer_answers", "Answers customers gave each other in the community.",
        "trap (peer answers per account)",
        own=("community_answer",)),
    KindGroup(
        "advocacy_and_peer_answers", "Advocacy with the answers customers give each other.",
        "signals (advocacy)",
        includes=("advocacy", "peer_answers"),
        rationale="Product decision: the advocacy signal counts answering another customer "
        "as advocacy (its label names peer answers); the trap view shows peer answers as a "
        "measure of their own, beside advocacy."),
    KindGroup(
        "feature_use", "Use of a named product feature.",
        "signals (breadth: distinct features), trap (breadth of use)",
        own=("feature_used",)),
    KindGroup(
        "product_use", "Any use of the product: signing in or using a feature.",
        "signals (active days)",
        own=("login", "feature_used")),
    KindGroup(
        "dashboard_counts", "What a typical internal dashboard counts per account.",
        "signals (tickets, escalations and personal check-ins recent)",
        own=("ticket_opened", "escalation", "check_in")),
    KindGroup(
        "continuity_gap_triggers", "Support issues after which templated outreach is a "
        "continuity gap.", "signals (continuity gaps)",
        own=("ticket_opened", "escalation", "incident"),
        rationale="Product decision: an ordinary ticket counts as a support issue here, as "
        "escalations and incidents do; repair (repair_triggers) follows only the latter."),
    KindGroup(
        "automated_outreach", "Outreach sent without a person writing it.",
        "signals (continuity gaps; an automated check_in row counts as well)",
        own=("automated_check_in",)),
    KindGroup(
        "repair_triggers", "Serious problems after which repair is measured.",
        "trap (repair after incidents)",
        own=("escalation", "incident"),
        rationale="Product decision: repair is judged after escalations and incidents only, "
        "not after an ordinary ticket (unlike continuity_gap_triggers)."),
    KindGroup(
        "repair_returns", "Customer actions that count as coming back after a problem.",
        "trap (repair after incidents)",
        own=("check_in",), includes=("questions", "participation", "advocacy", "peer_answers"),
        rationale="A check-in counts when the customer is the actor (e.g. a reply logged by "
        "the CRM); a check-in the company sends is not the customer returning."),
)


def _values(contract: Contract, name: str) -> tuple[str, ...]:
    values = contract.field(name).valid_values
    if not values:
        raise VocabularyError(f"{contract.path.name}: the '{name}' property lists no "
                              "validValues, so the playbooks do not know its vocabulary.")
    return tuple(values)


def resolve_groups(definitions: tuple[KindGroup, ...],
                   kinds: tuple[str, ...]) -> dict[str, KindGroup]:
    """Resolve each group's kinds and check that every kind and included group is known.

    Raises VocabularyError naming the group and the unknown kind (or group).
    """
    known = set(kinds)
    resolved: dict[str, KindGroup] = {}
    for group in definitions:
        if group.name in resolved:
            raise VocabularyError(f"The kind group '{group.name}' is declared twice.")
        for kind in group.own:
            if kind not in known:
                raise VocabularyError(
                    f"The kind group '{group.name}' names the kind '{kind}', which the "
                    f"activity contract does not list. Known kinds: {', '.join(kinds)}.")
        members: list[str] = []
        for other in group.includes:
            if other not in resolved:
                raise VocabularyError(
                    f"The kind group '{group.name}' includes the group '{other}', which is "
                    "not declared before it.")
            members.extend(resolved[other].kinds)
        members.extend(group.own)
        if not members:
            raise VocabularyError(f"The kind group '{group.name}' has no kinds.")
        resolved[group.name] = KindGroup(group.name, group.meaning, group.used_by, group.own,
                                         group.includes, group.rationale,
                                         tuple(dict.fromkeys(members)))
    return resolved


def _help_channels(channels: tuple[str, ...]) -> tuple[str, ...]:
    path = KNOWLEDGE_DIR / "channels.yaml"
    ids = tuple(str(item["id"]) for item in read_yaml(path)["channels"])
    unknown = [c for c in ids if c not in channels]
    if unknown:
        raise VocabularyError(f"{path.name}: the channel '{unknown[0]}' is not one the "
                              "activity contract lists.")
    return ids


ACTIVITY_CONTRACT = load_contract(shipped_contracts_dir() / "activity.yaml")
KINDS: tuple[str, ...] = _values(ACTIVITY_CONTRACT, "kind")
KIND_DESCRIPTIONS: dict[str, str] = dict(ACTIVITY_CONTRACT.field("kind").value_descriptions)
CHANNELS: tuple[str, ...] = _values(ACTIVITY_CONTRACT, "channel")
HELP_CHANNELS: tuple[str, ...] = _help_channels(CHANNELS)  # where customers bring a need
FUNCTIONS: tuple[str, ...] = _values(ACTIVITY_CONTRACT, "source_function")
ACTORS: tuple[str, ...] = _values(ACTIVITY_CONTRACT, "actor_type")
GROUPS: dict[str, KindGroup] = resolve_groups(GROUP_DEFINITIONS, KINDS)

QUESTION_KINDS = GROUPS["questions"].kinds
PARTICIPATION_KINDS = GROUPS["participation"].kinds
ADVOCACY_KINDS = GROUPS["advocacy"].kinds
PEER_ANSWER_KINDS = GROUPS["peer_answers"].kinds
ADVOCACY_AND_PEER_ANSWER_KINDS = GROUPS["advocacy_and_peer_answers"].kinds
FEATURE_USE_KINDS = GROUPS["feature_use"].kinds
PRODUCT_USE_KINDS = GROUPS["product_use"].kinds
DASHBOARD_KINDS = GROUPS["dashboard_counts"].kinds
GAP_TRIGGER_KINDS = GROUPS["continuity_gap_triggers"].kinds
AUTOMATED_OUTREACH_KINDS = GROUPS["automated_outreach"].kinds
REPAIR_TRIGGER_KINDS = GROUPS["repair_triggers"].kinds
REPAIR_RETURN_KINDS = GROUPS["repair_returns"].kinds


def kind(name: str) -> str:
    """Return `name` if the activity contract lists it as a kind; raise VocabularyError if not."""
    if name not in KINDS:
        raise VocabularyError(f"'{name}' is not a kind of event the activity contract lists.")
    return name
