"""Evidence beside answers: what the account data says about each self-assessed dimension.

Both inputs are optional polars frames; any missing frame, column or value is reported as a
plain "no data for this" message instead of failing.

Columns read from `signals` (one row per account, from the account-signals engine):

| column | type | meaning |
|---|---|---|
| `account_id` | str | the account |
| `looks_healthy_drifting` | bool | the internal view says fine while relationship signals decline |
| `continuity_gap_count` | int | automated or templated outreach right after a support issue |
| `disengagement_score` | float, 0-100 | quiet disengagement; higher is more withdrawn |
| `silence` | str or null | why it is quiet: `working` or `withdrawing`; null if not quiet |

Columns read from `themes` (one row per repeated-question theme across accounts):

| column | type | meaning |
|---|---|---|
| `theme_id` | str | the theme |
| `label` | str | a readable name for it |
| `account_count` | int | how many accounts asked about it |
| `first_seen`, `last_seen` | date | first and latest week it was asked |
| `weeks_active` | int | weeks between first and latest sighting |
| `recurring` | bool | still being asked |

Thresholds come from `evidence_thresholds` in `playbooks/framework/knowledge/assessment.yaml`.
A fact *supports* the answer when the data agrees with it (weak data beside a low level,
healthy data beside a level at or above `claimed_level`), and *contradicts* it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from playbooks.assessment.bank import EvidenceThresholds, QuestionBank, load_question_bank
from playbooks.assessment.scoring import AssessmentResult

Stance = Literal["supports", "contradicts", "context"]

SIGNAL_COLUMNS = ("account_id", "looks_healthy_drifting", "continuity_gap_count",
                  "disengagement_score", "silence")
THEME_COLUMNS = ("theme_id", "label", "account_count", "first_seen", "last_seen",
                 "weeks_active", "recurring")
NO_RULE = ("The account data has no measure for this dimension yet: no data for this; judge it "
           "from your own review.")


@dataclass(frozen=True)
class Fact:
    """One fact from the data, and whether it supports or contradicts the answer."""

    stance: Stance
    text: str
    rule: str
    value: float


@dataclass(frozen=True)
class DimensionEvidence:
    """The facts for one dimension, and what could not be checked."""

    dimension_id: str
    title: str
    self_level: int | None
    facts: tuple[Fact, ...]
    missing: tuple[str, ...]

    @property
    def verdict(self) -> str:
        """`supported`, `contradicted`, `mixed`, `unanswered` (data but no answer) or `no data`."""
        stances = {f.stance for f in self.facts}
        if not stances:
            return "no data"
        if stances == {"context"}:
            return "unanswered"
        if "contradicts" in stances:
            return "mixed" if "supports" in stances else "contradicted"
        return "supported"


@dataclass(frozen=True)
class _Reading:
    weak: bool
    text: str
    value: float


@dataclass(frozen=True)
class EvidenceRule:
    """A measurement of one frame that speaks to one dimension."""

    id: str
    dimension: str
    source: Literal["signals", "themes"]
    columns: tuple[str, ...]
    measure: Callable[[pl.DataFrame, EvidenceThresholds], _Reading]


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} accounts ({part / whole:.0%})"


def _stale_themes(themes: pl.DataFrame, t: EvidenceThresholds) -> _Reading:
    stale = (themes.filter(pl.col("recurring").cast(pl.Boolean)
                           & (pl.col("weeks_active").cast(pl.Int64) >= t.stale_theme_weeks))
             .sort(["weeks_active", "account_count"], descending=True))
    if stale.height == 0:
        return _Reading(False, f"None of the {themes.height} repeated-question themes has kept "
                        f"recurring for {t.stale_theme_weeks} weeks or more.", 0)
    top = stale.row(0, named=True)
    return _Reading(True, f"{stale.height} of {themes.height} repeated-question themes are still "
                    f"recurring after {t.stale_theme_weeks} weeks or more; the longest, "
                    f"'{top['label']}', has run {top['weeks_active']} weeks across "
                    f"{top['account_count']} accounts.", stale.height)


def _continuity_gaps(signals: pl.DataFrame, t: EvidenceThresholds) -> _Reading:
    gaps = signals["continuity_gap_count"].cast(pl.Int64)
    hit, total = int((gaps > 0).sum()), int(gaps.sum())
    share = hit / signals.height
    return _Reading(share > t.continuity_gap_share,
                    f"{_share(hit, signals.height)} received automated or templated outreach "
                    f"right after a support issue or escalation ({total} such gaps in all).",
                    round(share, 4))


def _healthy_but_drifting(signals: pl.DataFrame, t: EvidenceThresholds) -> _Reading:
    hit = int(signals["looks_healthy_drifting"].cast(pl.Boolean).sum())
    share = hit / signals.height
    return _Reading(share > t.drifting_share,
                    f"{_share(hit, signals.height)} look healthy on internal measures while "
                    "their relationship signals decline.", round(share, 4))


def _quiet_disengagement(signals: pl.DataFrame, t: EvidenceThresholds) -> _Reading:
    scores = signals["disengagement_score"].cast(pl.Float64)
    hit = int((scores >= t.high_disengagement).sum())
    share = hit / signals.height
    return _Reading(share > t.high_disengagement_share,
                    f"{_share(hit, signals.height)} have a quiet-disengagement score of "
                    f"{t.high_disengagement:g} or more.", round(share, 4))


def _withdrawing_silence(signals: pl.DataFrame, t: EvidenceThresholds) -> _Reading:
    hit = int((signals["silence"].cast(pl.String) == "withdrawing").sum())
    share = hit / signals.height
    return _Reading(share > t.withdrawing_share,
                    f"{_share(hit, signals.height)} have gone quiet in a withdrawing way "
                    "(narrower use, fewer questions) rather than because things work.",
                    round(share, 4))


RULES: tuple[EvidenceRule, ...] = (
    EvidenceRule("withdrawing_silence", "access_to_context", "signals", ("silence",),
                 _withdrawing_silence),
    EvidenceRule("stale_themes", "listening_loop", "themes",
                 ("label", "account_count", "weeks_active", "recurring"), _stale_themes),
    EvidenceRule("continuity_gaps", "continuity", "signals", ("continuity_gap_count",),
                 _continuity_gaps),
    EvidenceRule("healthy_but_drifting", "relationship_measurement", "signals",
                 ("looks_healthy_drifting",), _healthy_but_drifting),
    EvidenceRule("quiet_disengagement", "relationship_measurement", "signals",
                 ("disengagement_score",), _quiet_disengagement),
)


def gather_evidence(result: AssessmentResult, signals: pl.DataFrame | None = None,
                    themes: pl.DataFrame | None = None,
                    bank: QuestionBank | None = None) -> dict[str, DimensionEvidence]:
    """Return, per dimension of the bank, the facts that support or contradict its level."""
    bank = bank or load_question_bank()
    frames = {"signals": signals, "themes": themes}
    out = {}
    for dim in bank.dimensions.values():
        score = result.dimensions.get(dim.id)
        level = score.level if score else None
        facts, missing = [], []
        rules = [r for r in RULES if r.dimension == dim.id]
        for rule in rules:
            frame, problem = _usable(frames[rule.source], rule)
            if problem:
                missing.append(problem)
                continue
            try:
                reading = rule.measure(frame, bank.thresholds)  # type: ignore[arg-type]
            except (pl.exceptions.PolarsError, TypeError, ValueError):
                missing.append(f"The {_source_name(rule)} columns for {rule.id} "
                               f"({', '.join(rule.columns)}) hold values of the wrong type: "
                               "no data for this.")
                continue
            facts.append(Fact(_stance(reading.weak, level, bank.thresholds.claimed_level),
                              reading.text, rule.id, reading.value))
        if not rules:
            missing.append(NO_RULE)
        out[dim.id] = DimensionEvidence(dim.id, dim.title, level, tuple(facts), tuple(missing))
    return out


def _stance(weak: bool, level: int | None, claimed: int) -> Stance:
    if level is None:
        return "context"
    return "contradicts" if weak == (level >= claimed) else "supports"


def _source_name(rule: EvidenceRule) -> str:
    return "account signals" if rule.source == "signals" else "repeated-question themes"


def _usable(frame: pl.DataFrame | None, rule: EvidenceRule) -> tuple[pl.DataFrame | None, str]:
    """Return the rows the rule can use, or a plain message saying why there is no data."""
    name = _source_name(rule)
    if frame is None:
        return None, f"No {name} loaded: no data for this ({rule.id})."
    absent = [c for c in rule.columns if c not in frame.columns]
    if absent:
        return None, (f"The {name} have no {', '.join(f'`{c}`' for c in absent)} column: "
                      f"no data for this ({rule.id}).")
    usable = frame.drop_nulls([c for c in rule.columns if c != "silence"])
    if usable.height == 0:
        return None, f"The {name} have no rows with values for {rule.id}: no data for this."
    return usable, ""
