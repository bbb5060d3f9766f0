"""One small rule per anti-pattern. Each rule reads a journey map and yields the touchpoints
where its anti-pattern shows, with the reason in plain words. The rule's name, severity,
explanation and play come from `knowledge/anti_patterns.yaml` under the same id."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from playbooks.advice.advisor import Situation, recommend
from playbooks.advice.journey import Finding, JourneyMap, Touchpoint, load_journey_map
from playbooks.errors import KnowledgeError
from playbooks.framework.model import SEVERITIES, Knowledge, load_knowledge

Hit = tuple[Touchpoint, str]
Rule = Callable[[JourneyMap, Knowledge], Iterator[Hit]]

RULES: dict[str, Rule] = {}
CONNECTING_FUNCTIONS = ("support", "product", "customer_success", "education")


def rule(anti_pattern_id: str) -> Callable[[Rule], Rule]:
    """Register a rule for the anti-pattern with this id."""

    def register(function: Rule) -> Rule:
        RULES[anti_pattern_id] = function
        return function

    return register


def _is_community(tp: Touchpoint, kb: Knowledge) -> bool:
    return tp.function == "community" or tp.channel == "peer_community"


def _label(kb: Knowledge, kind: str, key: str) -> str:
    return getattr(kb, kind)[key].label.lower()


def _risk_words(tp: Touchpoint) -> list[str]:
    words = []
    if tp.stakes == "consequential":
        words.append("consequential")
    if tp.familiarity == "unfamiliar":
        words.append("unfamiliar to the customer")
    if tp.org_risk:
        words.append("exposed to internal politics or buy-in")
    return words


@rule("automation_without_escape")
def _automation_without_escape(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    for tp in jm.touchpoints:
        if not tp.automated or tp.person_reachable:
            continue
        need = kb.needs[tp.need]
        risks = _risk_words(tp)
        if not need.needs_person_or_peer and not risks:
            continue
        why = []
        if need.needs_person_or_peer:
            why.append(f"the customer needs {need.label.lower()} here")
        if risks:
            why.append("the moment is " + " and ".join(risks))
        yield tp, (f"'{tp.touchpoint}' is automated with no way to reach a person or a peer, "
                   f"yet {'; '.join(why)}.")


@rule("people_on_routine_retrieval")
def _people_on_routine_retrieval(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    for tp in jm.touchpoints:
        staffed = kb.channels[tp.channel].kind == "staffed"
        routine = tp.stakes == "routine" and tp.familiarity == "familiar" and not tp.org_risk
        if staffed and not tp.automated and tp.need == "information" and routine:
            label = kb.channels[tp.channel].label
            yield tp, (f"'{tp.touchpoint}' puts the {label} channel on routine, "
                       "familiar factual questions that self-service would answer at once.")


@rule("community_as_fallback")
def _community_as_fallback(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    for tp in jm.touchpoints:
        if tp.fallback and kb.channels[tp.fallback].kind == "peer" and tp.automated:
            yield tp, (f"Questions that '{tp.touchpoint}' cannot answer are sent to the "
                       f"{kb.channels[tp.fallback].label} instead of a person who owns them.")
        elif (tp.channel == "peer_community" and tp.stage == "troubleshooting"
              and tp.need == "information"):
            yield tp, (f"'{tp.touchpoint}' relies on customers to answer factual support "
                       "questions: service work handed to the community.")


@rule("community_disconnected")
def _community_disconnected(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    community = [tp for tp in jm.touchpoints if _is_community(tp, kb)]
    flagged = set()
    for tp in community:
        linked = [f for f in tp.shares_context_with if f in CONNECTING_FUNCTIONS]
        if not linked and not tp.community_connected:
            flagged.add(tp.row)
            yield tp, (f"'{tp.touchpoint}' shares what happens there with none of support, "
                       "product, success or education.")
    others_linked = [tp for tp in jm.touchpoints
                     if not _is_community(tp, kb) and tp.community_connected]
    if community and not others_linked and community[0].row not in flagged:
        yield community[0], ("No touchpoint outside the community is connected to it, so "
                             "nothing customers learn from each other reaches the rest of the "
                             "journey.")


@rule("sales_in_peer_space")
def _sales_in_peer_space(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    for tp in jm.touchpoints:
        if kb.channels[tp.channel].kind != "peer":
            continue
        commercial = [m for m in tp.measured_by if kb.metrics[m].kind == "commercial"]
        if tp.function == "sales" or commercial:
            how = []
            if tp.function == "sales":
                how.append("it is owned by sales")
            if commercial:
                names = ", ".join(kb.metrics[m].label.lower() for m in commercial)
                how.append(f"it is measured by {names}")
            yield tp, (f"'{tp.touchpoint}' is a peer space, but {' and '.join(how)}, so "
                       "conversations between customers become sales opportunities.")


def _stage_order(kb: Knowledge) -> dict[str, int]:
    return {stage: i for i, stage in enumerate(kb.stages)}


@rule("handoff_without_context")
def _handoff_without_context(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    """A person (or outreach in a person's name) reaches the customer without seeing what
    another function just did: the touchpoint right before it, or any support issue."""
    order = _stage_order(kb)
    ordered = sorted(jm.touchpoints, key=lambda tp: (order[tp.stage], tp.row))
    issues = sorted((tp for tp in ordered if tp.stage == "troubleshooting"),
                    key=lambda tp: kb.channels[tp.channel].kind != "staffed")
    after_sale = order["onboarding"]
    for index, after in enumerate(ordered):
        if kb.channels[after.channel].kind != "staffed":
            continue
        previous = [ordered[index - 1]] if index else []
        previous = [tp for tp in previous if order[after.stage] - order[tp.stage] <= 1]
        support_issues = [tp for tp in issues if tp is not after]
        earlier = (support_issues if order[after.stage] >= after_sale else []) + previous
        for before in earlier:
            if before.function == after.function or before.function in after.shares_context_with:
                continue
            yield after, (f"'{after.touchpoint}' ({_label(kb, 'functions', after.function)}) "
                          f"reaches the customer without seeing '{before.touchpoint}' "
                          f"({_label(kb, 'functions', before.function)}).")
            break


@rule("unheard_repeated_questions")
def _unheard_repeated_questions(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    for tp in jm.touchpoints:
        if not kb.channels[tp.channel].receives_questions:
            continue
        if tp.function in ("product", "education"):
            continue
        if {"product", "education"} & set(tp.shares_context_with):
            continue
        yield tp, (f"Questions asked at '{tp.touchpoint}' reach neither product nor education, so "
                   "the ones that keep coming back cannot turn into fixes.")


@rule("efficiency_only_measurement")
def _efficiency_only_measurement(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    for stage in kb.stages:
        at_stage = [tp for tp in jm.touchpoints if tp.stage == stage]
        if not at_stage:
            continue
        metrics = sorted({m for tp in at_stage for m in tp.measured_by})
        if any(kb.metrics[m].kind == "relationship" for m in metrics):
            continue
        if metrics:
            used = ", ".join(kb.metrics[m].label.lower() for m in metrics)
            what = f"is measured only by {used}"
        else:
            what = "has no measure at all"
        yield at_stage[0], (f"The {kb.stages[stage].label.lower()} stage {what}: no relationship "
                            "signal would show a customer drifting away.")


@rule("persona_only_personalisation")
def _persona_only_personalisation(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    for tp in jm.touchpoints:
        if tp.personalisation == "persona" and not tp.person_reachable:
            yield tp, (f"'{tp.touchpoint}' tailors messages by persona, but nobody there knows "
                       "the customer's own history and no person can be reached.")


@rule("poor_channel_fit")
def _poor_channel_fit(jm: JourneyMap, kb: Knowledge) -> Iterator[Hit]:
    for tp in jm.touchpoints:
        result = recommend(Situation(need=tp.need, stage=tp.stage, stakes=tp.stakes,
                                     familiarity=tp.familiarity, org_risk=tp.org_risk), kb)
        fit = next(c for c in result.channels if c.channel == tp.channel)
        if fit.fit == "poor":
            better = ", ".join(c.label for c in result.channels[:3])
            yield tp, (f"The {kb.channels[tp.channel].label} channel is a poor fit for "
                       f"{kb.needs[tp.need].label.lower()} in this situation; better: {better}.")


def run_rules(jm: JourneyMap, kb: Knowledge) -> list[Finding]:
    """Run every rule that has an anti-pattern in the knowledge; most severe first.

    The map's own measures count as the kind guessed (or corrected) for them.
    """
    kb = jm.knowledge_with_guesses(kb)
    missing = [a for a in kb.anti_patterns if a not in RULES]
    if missing:
        raise KnowledgeError(
            f"{kb.source / 'anti_patterns.yaml'}: no detection rule for "
            f"{', '.join(missing)}; the rules are: {', '.join(RULES)}"
        )
    findings = []
    for anti_id, anti in kb.anti_patterns.items():
        play = kb.plays[anti.play]
        seen = set()
        for tp, reason in RULES[anti_id](jm, kb):
            if tp.row in seen:
                continue
            seen.add(tp.row)
            findings.append(Finding(
                anti_pattern=anti_id, name=anti.name, severity=anti.severity, row=tp.row,
                touchpoint=tp.touchpoint, stage=tp.stage, function=tp.function, reason=reason,
                play=play.id, play_title=play.title, play_description=play.description,
                stage_label=kb.stages[tp.stage].label,
                function_label=kb.functions[tp.function].label,
            ))
    rank: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (rank[f.severity], f.row, f.anti_pattern))
    return findings


def diagnose(journey_map: JourneyMap | Path | str, knowledge: Knowledge | None = None
             ) -> list[Finding]:
    """Find the anti-patterns in a journey map, most severe first, each with reason and play."""
    kb = knowledge or load_knowledge()
    if not isinstance(journey_map, JourneyMap):
        journey_map = load_journey_map(journey_map, knowledge=kb)
    return run_rules(journey_map, kb)
