"""The decision framework as data: needs, channels, fit, modifiers, stages, metrics,
anti-patterns and plays, loaded from `playbooks/framework/knowledge/` and checked for
consistency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from playbooks.errors import KnowledgeError
from playbooks.framework.overlays import apply_overlays, default_overlays, overlay_stamp
from playbooks.framework.pairs import Pair, PairsFile
from playbooks.framework.parsing import (
    KNOWLEDGE_DIR,
    Record,
    check_reference,
    check_unique_ids,
    parse_data,
    read_yaml,
)

FitLevel = Literal["strong", "partial", "poor"]
ChannelKind = Literal["automated", "staffed", "peer"]
Severity = Literal["high", "medium", "low"]
MetricKind = Literal["efficiency", "relationship", "commercial"]

FIT_LEVELS: tuple[FitLevel, ...] = ("strong", "partial", "poor")
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low")


class Need(Record):
    id: str
    label: str
    asks: str
    description: str
    needs_person_or_peer: bool
    note: str


class Channel(Record):
    id: str
    label: str
    kind: ChannelKind
    receives_questions: bool
    available_off_hours: bool
    description: str


class FitCell(Record):
    level: FitLevel
    rationale: str = Field(min_length=10)


class Thresholds(Record):
    strong: float
    partial: float


class Levels(Record):
    strong: float
    partial: float
    poor: float


class Shift(Record):
    kind: ChannelKind | None = None
    channel: str | None = None
    by: float
    reason: str


class ModifierValue(Record):
    id: str
    label: str
    description: str
    requires_person_or_peer: bool = False
    note: str | None = None
    shifts: list[Shift] = []


class Modifier(Record):
    id: str
    label: str
    description: str
    values: list[ModifierValue]


class Function(Record):
    id: str
    label: str
    description: str


class Stage(Record):
    id: str
    label: str
    description: str
    owners: list[str]
    typical_channels: list[str]


class Metric(Record):
    id: str
    label: str
    kind: MetricKind
    description: str


class AntiPattern(Record):
    id: str
    name: str
    severity: Severity
    explanation: str
    play: str


class Play(Record):
    id: str
    title: str
    functions: list[str]
    description: str
    owner: str = Field(min_length=3)  # who usually owns it, in plain words
    first_step: str = Field(min_length=10)  # the first step to take this quarter
    success_sign: str = Field(min_length=10)  # how you will know it worked


class NeedsFile(Record):
    needs: list[Need]


class ChannelsFile(Record):
    channels: list[Channel]


class FitFile(Record):
    levels: Levels
    thresholds: Thresholds
    stage_bonus: float
    fit: dict[str, dict[str, FitCell]]


class ModifiersFile(Record):
    modifiers: list[Modifier]


class JourneyFile(Record):
    functions: list[Function]
    stages: list[Stage]


class MetricsFile(Record):
    metrics: list[Metric]


class AntiPatternsFile(Record):
    anti_patterns: list[AntiPattern]


class PlaysFile(Record):
    plays: list[Play]


@dataclass(frozen=True)
class Knowledge:
    """The whole framework, every list keyed by id in file order."""

    needs: dict[str, Need]
    channels: dict[str, Channel]
    fit: dict[str, dict[str, FitCell]]
    levels: Levels
    thresholds: Thresholds
    stage_bonus: float
    modifiers: dict[str, Modifier]
    functions: dict[str, Function]
    stages: dict[str, Stage]
    metrics: dict[str, Metric]
    anti_patterns: dict[str, AntiPattern]
    plays: dict[str, Play]
    source: Path
    pairs: dict[str, Pair] = field(default_factory=dict)  # efficiency beside relationship

    def modifier_value(self, modifier: str, value: str) -> ModifierValue:
        """Return one value of a modifier, e.g. ("stakes", "routine")."""
        for item in self.modifiers[modifier].values:
            if item.id == value:
                return item
        raise KeyError(f"{modifier}={value}")

    def level_of(self, score: float) -> FitLevel:
        """Read an adjusted score as a fit level."""
        if score >= self.thresholds.strong:
            return "strong"
        if score >= self.thresholds.partial:
            return "partial"
        return "poor"


FILES = {
    "needs": ("needs.yaml", NeedsFile),
    "channels": ("channels.yaml", ChannelsFile),
    "fit": ("fit.yaml", FitFile),
    "modifiers": ("modifiers.yaml", ModifiersFile),
    "journey": ("journey.yaml", JourneyFile),
    "metrics": ("metrics.yaml", MetricsFile),
    "anti_patterns": ("anti_patterns.yaml", AntiPatternsFile),
    "plays": ("plays.yaml", PlaysFile),
    "pairs": ("pairs.yaml", PairsFile),
}

# Which knowledge files refer to ids defined in which others.
REFERS_TO = {
    "fit": ("needs", "channels"),
    "modifiers": ("channels",),
    "journey": ("channels",),
    "anti_patterns": ("plays",),
    "plays": ("journey",),
}

REQUIRED_MODIFIERS = {
    "stakes": {"routine", "consequential"},
    "familiarity": {"familiar", "unfamiliar"},
    "org_risk": {"yes", "no"},
    "off_hours": {"yes", "no"},
}


def load_knowledge(directory: Path | str | None = None,
                   overlays: Sequence[Path | str] | None = None) -> Knowledge:
    """Load and check the knowledge files in `directory` (the shipped ones by default),
    with a company's own files laid over them.

    `overlays` are YAML files (or folders of them) holding any of the top-level keys of the
    knowledge files; a record whose id exists replaces the fields it gives, a new id adds a
    record, and `fit` cells merge per need and channel. By default the overlays come from the
    environment variable PLAYBOOKS_KNOWLEDGE_OVERLAY (paths separated by the system's path
    separator). The merged result is checked like the shipped files; problems name the file
    and key. Raises KnowledgeError.
    """
    if overlays is None:
        overlays = default_overlays()
    if directory is None:
        return _load_default(tuple(str(Path(p).resolve()) for p in overlays),
                             overlay_stamp(overlays))
    return _load(Path(directory), [Path(p) for p in overlays])


@lru_cache(maxsize=4)
def _load_default(overlays: tuple[str, ...], stamp: tuple[Any, ...] = ()) -> Knowledge:
    """The shipped knowledge with these overlays; `stamp` (the files' change times) makes a
    saved overlay reload."""
    return _load(KNOWLEDGE_DIR, [Path(p) for p in overlays])


def _load(root: Path, overlays: Sequence[Path] = ()) -> Knowledge:
    """Read the files, lay the overlays over them, validate each file, then check the ids
    and the references between files."""
    if not root.is_dir():
        raise KnowledgeError(f"{root}: the knowledge folder does not exist")
    raw = {name: read_yaml(root / file) for name, (file, _) in FILES.items()}
    touched = apply_overlays(raw, overlays)
    shown = _shown_sources(root, touched)
    parsed: dict[str, Any] = {name: parse_data(raw[name], model, shown[name])  # type: ignore[arg-type]
                              for name, (_, model) in FILES.items()}
    _check_unique(parsed, shown)
    _check_references(parsed, shown)
    return _knowledge(parsed, root)


def _shown_sources(root: Path, touched: dict[str, list[Path]]) -> dict[str, str]:
    """Name each file group in messages as its file plus the overlays that bear on it.

    A problem in one file can come from an overlay of a file it refers to (a new channel
    with no fit cells, say), so messages name the overlays of both.
    """
    shown = {}
    for name, (file_name, _) in FILES.items():
        related = [f for group in (name, *REFERS_TO.get(name, ())) for f in touched[group]]
        shown[name] = " + ".join([str(root / file_name), *dict.fromkeys(map(str, related))])
    return shown


def _check_unique(parsed: dict[str, Any], shown: dict[str, str]) -> None:
    """Refuse two records with one id in any list of the knowledge."""
    for group, key, records in (
        ("needs", "needs", parsed["needs"].needs),
        ("channels", "channels", parsed["channels"].channels),
        ("modifiers", "modifiers", parsed["modifiers"].modifiers),
        ("journey", "functions", parsed["journey"].functions),
        ("journey", "stages", parsed["journey"].stages),
        ("metrics", "metrics", parsed["metrics"].metrics),
        ("anti_patterns", "anti_patterns", parsed["anti_patterns"].anti_patterns),
        ("plays", "plays", parsed["plays"].plays),
        ("pairs", "pairs", parsed["pairs"].pairs),
    ):
        check_unique_ids(shown[group], key, records)


def _check_references(parsed: dict[str, Any], shown: dict[str, str]) -> None:
    """Refuse a reference from one file to an id another file does not define."""
    journey: JourneyFile = parsed["journey"]
    need_ids = [n.id for n in parsed["needs"].needs]
    channel_ids = [c.id for c in parsed["channels"].channels]
    function_ids = [f.id for f in journey.functions]
    play_ids = [p.id for p in parsed["plays"].plays]
    _check_fit(shown["fit"], parsed["fit"], need_ids, channel_ids)
    _check_modifiers(shown["modifiers"], parsed["modifiers"], channel_ids)
    for i, stage in enumerate(journey.stages):
        for j, owner in enumerate(stage.owners):
            check_reference(shown["journey"], f"stages[{i}].owners[{j}]", owner, function_ids,
                            "function")
        for j, channel in enumerate(stage.typical_channels):
            check_reference(shown["journey"], f"stages[{i}].typical_channels[{j}]", channel,
                            channel_ids, "channel")
    for i, item in enumerate(parsed["anti_patterns"].anti_patterns):
        check_reference(shown["anti_patterns"], f"anti_patterns[{i}].play", item.play, play_ids,
                        "play")
    for i, play in enumerate(parsed["plays"].plays):
        for j, function in enumerate(play.functions):
            check_reference(shown["plays"], f"plays[{i}].functions[{j}]", function, function_ids,
                            "function")


def _knowledge(parsed: dict[str, Any], root: Path) -> Knowledge:
    """Key every list of the checked files by id, in file order."""
    fit: FitFile = parsed["fit"]
    journey: JourneyFile = parsed["journey"]
    return Knowledge(
        needs={n.id: n for n in parsed["needs"].needs},
        channels={c.id: c for c in parsed["channels"].channels},
        fit=fit.fit,
        levels=fit.levels,
        thresholds=fit.thresholds,
        stage_bonus=fit.stage_bonus,
        modifiers={m.id: m for m in parsed["modifiers"].modifiers},
        functions={f.id: f for f in journey.functions},
        stages={s.id: s for s in journey.stages},
        metrics={m.id: m for m in parsed["metrics"].metrics},
        anti_patterns={a.id: a for a in parsed["anti_patterns"].anti_patterns},
        plays={p.id: p for p in parsed["plays"].plays},
        source=root,
        pairs={p.id: p for p in parsed["pairs"].pairs},
    )


def _check_fit(path: Path | str, fit: FitFile, need_ids: list[str], channel_ids: list[str]) -> None:
    for need, row in fit.fit.items():
        check_reference(path, f"fit.{need}", need, need_ids, "need")
        for channel in row:
            check_reference(path, f"fit.{need}.{channel}", channel, channel_ids, "channel")
    for need in need_ids:
        cells = fit.fit.get(need)
        if cells is None:
            raise KnowledgeError(f"{path}: fit.{need}: missing; every need needs a row of fits")
        for channel in channel_ids:
            if channel not in cells:
                raise KnowledgeError(
                    f"{path}: fit.{need}.{channel}: missing; every need and channel pair needs a "
                    "level and a rationale"
                )
    if not fit.thresholds.strong > fit.thresholds.partial:
        raise KnowledgeError(f"{path}: thresholds.strong: must be above thresholds.partial")


def _check_modifiers(path: Path | str, modifiers: ModifiersFile, channel_ids: list[str]) -> None:
    by_id = {m.id: m for m in modifiers.modifiers}
    for required, values in REQUIRED_MODIFIERS.items():
        if required not in by_id:
            raise KnowledgeError(f"{path}: modifiers: the modifier {required!r} is required")
        present = {v.id for v in by_id[required].values}
        if missing := values - present:
            raise KnowledgeError(
                f"{path}: modifiers.{required}.values: missing {', '.join(sorted(missing))}"
            )
    for i, modifier in enumerate(modifiers.modifiers):
        check_unique_ids(path, f"modifiers[{i}].values", modifier.values)
        for j, value in enumerate(modifier.values):
            for k, shift in enumerate(value.shifts):
                key = f"modifiers[{i}].values[{j}].shifts[{k}]"
                if (shift.kind is None) == (shift.channel is None):
                    raise KnowledgeError(
                        f"{path}: {key}: give either `kind` or `channel`, not both")
                if shift.channel is not None:
                    check_reference(path, f"{key}.channel", shift.channel, channel_ids, "channel")
