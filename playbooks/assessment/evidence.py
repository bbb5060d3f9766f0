"""Evidence beside answers: whether the account data agrees with each self-assessed level.

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
| `label` | str | a readable name for it: a representative question |
| `account_count` | int | how many accounts asked about it |
| `weeks_active` | int | weeks between first and latest sighting |
| `recurring` | bool | asked in 4 or more of the last 26 weeks, by 5 or more accounts |

Each rule counts the accounts (or themes) that show a weakness. Its bounds, in `evidence` in
`playbooks/framework/knowledge/assessment.yaml`, give for each answer level the largest share
that can show it if the answer holds. A fact *agrees* with the answer when the share is within
the bound of the level given, and *disagrees* otherwise; the bound is said in the sentence.
The bounds fall as the level rises, so for one fact the verdict can only go from agrees to
disagrees as the level rises, at the level whose bound the share exceeds. A count under the
minimum count, or a share under the minimum share, is too small to mean anything: it is
offered as no evidence either way, and said so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from playbooks.assessment.bank import (
    EvidenceBounds,
    EvidenceSettings,
    QuestionBank,
    load_question_bank,
)
from playbooks.assessment.scoring import AssessmentResult

Stance = Literal["agrees", "disagrees", "context"]

SIGNAL_COLUMNS = ("account_id", "looks_healthy_drifting", "continuity_gap_count",
                  "disengagement_score", "silence")
THEME_COLUMNS = ("theme_id", "label", "account_count", "first_seen", "last_seen",
                 "weeks_active", "recurring")
NO_RULE = ("The account data has no measure for this dimension yet: no data for this; judge it "
           "from your own review.")


@dataclass(frozen=True)
class Fact:
    """One fact from the data, and whether it agrees with the answer given.

    `value` is the share counted, `count` of `total`; `bound` is the largest share the answer's
    level allows (None when the level claims nothing the data could disagree with), and
    `borne_out` the highest level whose bound the share meets.
    """

    stance: Stance
    text: str
    rule: str
    value: float
    count: int = 0
    total: int = 0
    bound: float | None = None
    borne_out: int | None = None


@dataclass(frozen=True)
class DimensionEvidence:
    """The facts for one dimension, and what could not be checked."""

    dimension_id: str
    title: str
    self_level: int | None
    facts: tuple[Fact, ...]
    missing: tuple[str, ...]
    too_few: bool = False  # a rule had data, but too few cases to mean anything

    @property
    def verdict(self) -> str:
        """`agrees`, `disagrees`, `mixed`, `unanswered` (data but no answer), `too few to
        judge` or `no data`."""
        stances = {f.stance for f in self.facts}
        if not stances:
            return "too few to judge" if self.too_few else "no data"
        if stances == {"context"}:
            return "unanswered"
        if "disagrees" in stances:
            return "mixed" if "agrees" in stances else "disagrees"
        return "agrees"


@dataclass(frozen=True)
class Count:
    """What a rule counted: `count` of `total` show the weakness; `detail` adds a sentence."""

    count: int
    total: int
    detail: str = ""


@dataclass(frozen=True)
class EvidenceRule:
    """A count over one frame that speaks to one dimension."""

    id: str
    dimension: str
    source: Literal["signals", "themes"]
    columns: tuple[str, ...]
    measure: Callable[[pl.DataFrame, EvidenceSettings], Count]
    name: str = ""  # what it looks at, in words, for the messages users read


def _stale_themes(themes: pl.DataFrame, s: EvidenceSettings) -> Count:
    stale = (themes.filter(pl.col("recurring").cast(pl.Boolean)
                           & (pl.col("weeks_active").cast(pl.Int64) >= s.stale_theme_weeks))
             .sort(["weeks_active", "account_count"], descending=True))
    if stale.height == 0:
        return Count(0, themes.height)
    top = stale.row(0, named=True)
    return Count(stale.height, themes.height,
                 f"The longest, '{top['label']}', has run {top['weeks_active']} weeks across "
                 f"{top['account_count']:,} accounts.")


def _continuity_gaps(signals: pl.DataFrame, s: EvidenceSettings) -> Count:
    gaps = signals["continuity_gap_count"].cast(pl.Int64)
    total = int(gaps.sum())
    return Count(int((gaps > 0).sum()), signals.height,
                 f"{total:,} such {'gap' if total == 1 else 'gaps'} in all.")


def _healthy_but_drifting(signals: pl.DataFrame, s: EvidenceSettings) -> Count:
    return Count(int(signals["looks_healthy_drifting"].cast(pl.Boolean).sum()), signals.height)


def _quiet_disengagement(signals: pl.DataFrame, s: EvidenceSettings) -> Count:
    scores = signals["disengagement_score"].cast(pl.Float64)
    return Count(int((scores >= s.high_disengagement).sum()), signals.height)


def _withdrawing_silence(signals: pl.DataFrame, s: EvidenceSettings) -> Count:
    return Count(int((signals["silence"].cast(pl.String) == "withdrawing").sum()),
                 signals.height)


RULES: tuple[EvidenceRule, ...] = (
    EvidenceRule("withdrawing_silence", "access_to_context", "signals", ("silence",),
                 _withdrawing_silence, "accounts gone quiet while withdrawing"),
    EvidenceRule("stale_themes", "listening_loop", "themes",
                 ("label", "account_count", "weeks_active", "recurring"), _stale_themes,
                 "themes that keep recurring"),
    EvidenceRule("continuity_gaps", "continuity", "signals", ("continuity_gap_count",),
                 _continuity_gaps, "outreach right after a support issue"),
    EvidenceRule("healthy_but_drifting", "relationship_measurement", "signals",
                 ("looks_healthy_drifting",), _healthy_but_drifting,
                 "accounts that look healthy but drift"),
    EvidenceRule("quiet_disengagement", "relationship_measurement", "signals",
                 ("disengagement_score",), _quiet_disengagement, "quiet disengagement"),
)


def gather_evidence(result: AssessmentResult, signals: pl.DataFrame | None = None,
                    themes: pl.DataFrame | None = None,
                    bank: QuestionBank | None = None) -> dict[str, DimensionEvidence]:
    """Return, per dimension of the bank, the facts that agree or disagree with its level."""
    bank = bank or load_question_bank()
    frames = {"signals": signals, "themes": themes}
    out = {}
    for dim in bank.dimensions.values():
        score = result.dimensions.get(dim.id)
        level = score.level if score else None
        facts, missing, too_few = [], [], False
        rules = [r for r in RULES if r.dimension == dim.id]
        for rule in rules:
            bounds = bank.evidence.bounds(rule.id)
            frame, problem = _usable(frames[rule.source], rule)
            if bounds is None:
                problem = (f"The question bank gives no bounds for {rule.name}: no data for "
                           "this.")
            if problem:
                missing.append(problem)
                continue
            try:
                counted = rule.measure(frame, bank.evidence)  # type: ignore[arg-type]
            except (pl.exceptions.PolarsError, TypeError, ValueError):
                missing.append(f"The {_source_name(rule)} columns for {rule.name} "
                               f"({', '.join(rule.columns)}) hold values of the wrong type: "
                               "no data for this.")
                continue
            fact, why = judge(counted, level, bounds, bank)  # type: ignore[arg-type]
            if fact is None:
                missing.append(why)
                too_few = True
            else:
                facts.append(fact)
        if not rules:
            missing.append(NO_RULE)
        out[dim.id] = DimensionEvidence(dim.id, dim.title, level, tuple(facts), tuple(missing),
                                        too_few)
    return out


def judge(counted: Count, level: int | None, bounds: EvidenceBounds,
          bank: QuestionBank) -> tuple[Fact | None, str]:
    """Hold one count against the level given; return the fact, or why there is none.

    Below the minimum count or share there is no fact, only a sentence saying the numbers are
    too small to mean anything.
    """
    settings = bank.evidence
    counts = bounds.counts.format(**settings.model_dump(exclude={"rules"}))
    share = counted.count / counted.total if counted.total else 0.0
    figure = f"{percent(share)} ({counted.count:,} of {counted.total:,} {bounds.of})"
    least = bounds.min_count or settings.min_count
    if counted.count < least or share < settings.min_share:
        return None, (f"Only {figure} {counts}: too few to say whether the data agrees with "
                      f"the answer (evidence needs at least {least:,} {bounds.of} and "
                      f"{percent(settings.min_share)}).")
    borne = max((lv for lv in bank.levels if _within(share, bounds.bound_at(lv))), default=0)
    detail = f" {counted.detail}" if counted.detail else ""
    if level is None:
        text = (f"Not answered yet; the data: {figure} {counts}, which bears out "
                f"{_level_words(borne, bank)}.{detail}")
        return Fact("context", text, bounds.id, round(share, 4), counted.count,
                    counted.total, None, borne), ""
    said = f"The answer, level {level} ({bank.level_names[level]}),"
    bound = bounds.bound_at(level)
    if bound is None:
        stance: Stance = "agrees"
        text = (f"{said} claims nothing this figure could disagree with; the data: {figure} "
                f"{counts}: agrees.")
    else:
        stance = "agrees" if _within(share, bound) else "disagrees"
        text = (f"{said} implies at most {percent(bound)} of {bounds.of} {counts}; the data: "
                f"{figure}: {stance}.")
        if stance == "disagrees":
            text += f" This figure bears out {_level_words(borne, bank)}."
    return Fact(stance, text + detail, bounds.id, round(share, 4), counted.count,
                counted.total, bound, borne), ""


def _within(share: float, bound: float | None) -> bool:
    return bound is None or share <= bound


def percent(share: float) -> str:
    """A share for reading: whole percents, one decimal under 10% (never a bare 0%)."""
    if share == 0:
        return "0%"
    if share < 0.1:
        return f"{share:.1%}".replace(".0%", "%")
    return f"{share:.0%}"


def _level_words(level: int, bank: QuestionBank) -> str:
    if level <= 0:
        return "no level"
    return f"up to level {level} ({bank.level_names[level]})"


def _source_name(rule: EvidenceRule) -> str:
    return "account signals" if rule.source == "signals" else "repeated-question themes"


def _usable(frame: pl.DataFrame | None, rule: EvidenceRule) -> tuple[pl.DataFrame | None, str]:
    """Return the rows the rule can use, or a plain message saying why there is no data."""
    name = _source_name(rule)
    if frame is None:
        return None, f"No {name} loaded: no data for {rule.name}."
    absent = [c for c in rule.columns if c not in frame.columns]
    if absent:
        return None, (f"The {name} have no {', '.join(f'`{c}`' for c in absent)} column: "
                      f"no data for {rule.name}.")
    usable = frame.drop_nulls([c for c in rule.columns if c != "silence"])
    if usable.height == 0:
        return None, f"The {name} have no rows with values for {rule.name}: no data for this."
    return usable, ""
