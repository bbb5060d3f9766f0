"""Rank channels for a customer moment: what the customer is trying to decide, and the
situation around it, decide which channel fits. Every ranking carries its reasons."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from playbooks.errors import InputError
from playbooks.framework.model import FitLevel, Knowledge, ModifierValue, load_knowledge

Stakes = Literal["routine", "consequential"]
Familiarity = Literal["familiar", "unfamiliar"]


@dataclass(frozen=True)
class Situation:
    """A customer moment: the need behind it and what surrounds it.

    `stage`, `stakes` and `familiarity` may be left unset when unknown; unset modifiers do
    not move any fit.
    """

    need: str
    stage: str | None = None
    stakes: str | None = None
    familiarity: str | None = None
    org_risk: bool = False
    off_hours: bool = False

    def modifier_values(self) -> list[tuple[str, str]]:
        """The modifier settings in force, as (modifier id, value id) pairs."""
        pairs = []
        if self.stakes is not None:
            pairs.append(("stakes", self.stakes))
        if self.familiarity is not None:
            pairs.append(("familiarity", self.familiarity))
        pairs.append(("org_risk", "yes" if self.org_risk else "no"))
        pairs.append(("off_hours", "yes" if self.off_hours else "no"))
        return pairs


@dataclass(frozen=True)
class ChannelFit:
    """One channel's fit for a situation."""

    channel: str
    label: str
    kind: str
    fit: FitLevel
    score: float
    automation_alone_ok: bool
    reasons: list[str]


@dataclass(frozen=True)
class Recommendation:
    """Every channel ranked best first, whether a person or peer must be reachable, and notes."""

    situation: Situation
    channels: list[ChannelFit]
    needs_person_or_peer: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `playbooks recommend --json`."""
        return {
            "channels": [
                {
                    "channel": c.channel,
                    "fit": c.fit,
                    "automation_alone_ok": c.automation_alone_ok,
                    "reasons": list(c.reasons),
                }
                for c in self.channels
            ],
            "needs_person_or_peer": self.needs_person_or_peer,
            "notes": list(self.notes),
        }

    def top(self, n: int = 3) -> list[str]:
        """The ids of the best `n` channels."""
        return [c.channel for c in self.channels[:n]]


def check_situation(situation: Situation, knowledge: Knowledge) -> None:
    """Refuse values the framework does not know, listing the valid choices."""
    _check_choice("need", situation.need, knowledge.needs)
    if situation.stage is not None:
        _check_choice("stage", situation.stage, knowledge.stages)
    for modifier, value in situation.modifier_values():
        valid = [v.id for v in knowledge.modifiers[modifier].values]
        _check_choice(modifier, value, valid)


def _check_choice(name: str, value: object, valid: Any) -> None:
    choices = list(valid)
    if value not in choices:
        raise InputError(f"unknown {name} {value!r}; choose one of: {', '.join(choices)}")


def recommend(situation: Situation | dict[str, Any], knowledge: Knowledge | None = None
              ) -> Recommendation:
    """Rank every channel for `situation`, best first, with the reasons behind each fit.

    A channel's score starts from its fit for the need (strong, partial, poor), then moves
    with each situation modifier and with the journey stage; the final fit level is read from
    the adjusted score. Shifts aimed at a kind of channel, and the stage bonus, raise only
    channels that fit the need at least partly; a shift aimed at one named channel always applies.
    Ties keep the order of the channels in the knowledge files.
    """
    kb = knowledge or load_knowledge()
    if isinstance(situation, dict):
        situation = Situation(**situation)
    check_situation(situation, kb)

    need = kb.needs[situation.need]
    in_force: list[tuple[str, ModifierValue]] = [
        (modifier, kb.modifier_value(modifier, value))
        for modifier, value in situation.modifier_values()
    ]
    needs_person = need.needs_person_or_peer or any(
        v.requires_person_or_peer for _, v in in_force
    )
    stage = kb.stages[situation.stage] if situation.stage else None

    ranked = []
    for order, channel in enumerate(kb.channels.values()):
        cell = kb.fit[need.id][channel.id]
        score = getattr(kb.levels, cell.level)
        reasons = [f"{cell.level} fit for {need.label.lower()}: {cell.rationale}"]
        for _, value in in_force:
            for shift in value.shifts:
                if shift.channel != channel.id and shift.kind != channel.kind:
                    continue
                if shift.by > 0 and cell.level == "poor" and shift.channel is None:
                    continue  # a broad shift favours fitting channels; it cannot make one fit
                score += shift.by
                sign = "raised" if shift.by > 0 else "lowered"
                reasons.append(f"{value.label} {sign} the fit: {shift.reason}")
        if stage and channel.id in stage.typical_channels and cell.level != "poor":
            score += kb.stage_bonus
            reasons.append(f"customers expect this channel at the {stage.label.lower()} stage")
        score = round(score, 3)  # sums of tenths must not land a hair below a threshold
        level = kb.level_of(score)
        automated = channel.kind == "automated"
        alone_ok = automated and not needs_person and level != "poor"
        if automated and needs_person and level != "poor":
            reasons.append("use it only with a visible path to a person or a peer")
        ranked.append((-score, order, ChannelFit(
            channel=channel.id, label=channel.label, kind=channel.kind, fit=level,
            score=score, automation_alone_ok=alone_ok, reasons=reasons,
        )))
    ranked.sort(key=lambda item: (item[0], item[1]))
    channels = [item[2] for item in ranked]

    notes = [need.note]
    notes += [value.note for _, value in in_force if value.note]
    if needs_person and channels[0].kind == "automated":
        notes.append(
            f"{channels[0].label} can answer first here, but a person or a peer must be "
            "reachable from it."
        )
    if needs_person and not any(c.kind != "automated" and c.fit != "poor" for c in channels):
        notes.append("No staffed or peer channel fits this moment well: consider adding one.")
    return Recommendation(situation=situation, channels=channels,
                          needs_person_or_peer=needs_person, notes=notes)


def situation_dict(situation: Situation) -> dict[str, Any]:
    """A plain dict of a situation, for display and storage."""
    return asdict(situation)
