"""What the signals engine measures and with which settings: signals, settings, the window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from playbooks import vocabulary
from playbooks.errors import InputError
from playbooks.vocabulary.activity import window_end

RELATIONSHIP_CONTACT = ("questions", "participation", "advocacy")


@dataclass(frozen=True)
class Signal:
    """One per-account signal: what it counts, how it reads, and how it counts against."""

    name: str
    label: str  # plain noun phrase for sentences
    measure: str  # "count", "people", "features" or "days"
    kinds: tuple[str, ...] = ()
    relationship: bool = True  # part of the relationship (vs product usage) picture
    drift_weight: float = 0.0  # weight in the relationship-fall index behind the drift flag
    drop_threshold: float = 0.30  # a fall of at least this share counts against
    prior: float = 1.0  # pseudo-count that keeps sparse changes from swinging


# The kinds each signal counts are groups of the vocabulary (playbooks.vocabulary), where the
# difference from the trap view is written down: the advocacy signal counts peer answers.
SIGNALS: tuple[Signal, ...] = (
    Signal("questions", "Questions asked", "count", vocabulary.QUESTION_KINDS,
           drift_weight=0.5, drop_threshold=0.35),
    Signal("participation", "Events, courses and programmes", "count",
           vocabulary.PARTICIPATION_KINDS, drift_weight=0.5, drop_threshold=0.35),
    Signal("advocacy", "Advocacy (reviews, references, referrals, peer answers)", "count",
           vocabulary.ADVOCACY_AND_PEER_ANSWER_KINDS, drift_weight=0.25, drop_threshold=0.40),
    Signal("people", "People engaging", "people", drift_weight=3.0, drop_threshold=0.20),
    Signal("breadth", "Distinct features used", "features", vocabulary.FEATURE_USE_KINDS,
           drift_weight=0.5, drop_threshold=0.25),
    Signal("active_days", "Days with product use", "days", vocabulary.PRODUCT_USE_KINDS,
           relationship=False, drop_threshold=0.30),
)
SIGNAL_NAMES = tuple(s.name for s in SIGNALS)


@dataclass(frozen=True)
class SignalSettings:
    """Thresholds and weights of the engine, as plain values (defaults are the tuned ones)."""

    block_weeks: int = 4
    gap_days: int = 7
    # The score is the chance (in percent) of no customer activity over the model's horizon.
    watch_score: float = 25.0
    disengaging_score: float = 50.0
    drift_index: float = 0.08  # weighted mean fall (log scale) across relationship signals
    drift_key_signal: str = "people"  # people must be leaving (see people_leaving)...
    drift_min_against: int = 2  # ...or, when its source is missing, this many signals must
    # People leaving: the mean of the fall in people engaging (a share) and the share of the
    # baseline's people not seen at all in the last `people_quiet_days`.
    people_leaving: float = 0.275
    people_quiet_days: int = 42
    watch_drift_index: float = 0.25  # the fall needed when the internal view is amber ("watch")
    watch_usage_drop: float = 0.30  # ...and product use may not fall more than this
    usage_drop_alarm: float = 0.45  # a fall in product use a dashboard would show
    quiet_share: float = 0.5  # contact below this share of similar accounts is "quiet"
    narrowing: float = 0.40  # a fall in distinct features this large reads as withdrawing
    min_cohort: int = 25  # accounts needed for a segment x lifecycle baseline
    healthy_score: float = 70.0
    watch_health_score: float = 50.0
    reasons_max: int = 3
    reason_min_points: float = 3.0
    signals: tuple[Signal, ...] = field(default=SIGNALS)

    @property
    def signal_names(self) -> set[str]:
        """The names of the signals these settings measure."""
        return {s.name for s in self.signals}


@dataclass(frozen=True)
class SignalWindow:
    """The windows one signals run compares, and the settings it runs with.

    Time is cut into blocks of `block_days` counted back from `end` (the end of the as-of
    date, exclusive): the latest `recent_blocks` form the recent window, the
    `baseline_blocks` before them the baseline. The engine's stages and the custom signals
    read the same window.
    """

    end: dt.datetime
    block_days: int
    recent_blocks: int
    baseline_blocks: int
    settings: SignalSettings = field(default_factory=SignalSettings)

    @property
    def blocks(self) -> int:
        """Blocks in the whole window (recent and baseline)."""
        return self.recent_blocks + self.baseline_blocks

    @property
    def start(self) -> dt.datetime:
        """Start of the analysis window (the oldest baseline block)."""
        return self.end - dt.timedelta(days=self.blocks * self.block_days)

    @property
    def baseline_start(self) -> dt.datetime:
        """Start of the baseline window: the start of the whole window."""
        return self.start

    @property
    def recent_start(self) -> dt.datetime:
        """Start of the recent window (the baseline ends here)."""
        return self.end - dt.timedelta(days=self.recent_blocks * self.block_days)


def signal_window(as_of: dt.date, recent_weeks: int = 12, baseline_weeks: int = 12,
                  settings: SignalSettings | None = None) -> SignalWindow:
    """Check the window sizes against the block size and return the window of one run.

    Raises InputError for a window that is not a whole number of blocks.
    """
    s = settings or SignalSettings()
    if s.block_weeks < 1:
        raise InputError("block_weeks must be at least 1.")
    for name, value in (("recent_weeks", recent_weeks), ("baseline_weeks", baseline_weeks)):
        if value < s.block_weeks or value % s.block_weeks:
            raise InputError(f"{name} must be a multiple of {s.block_weeks} weeks "
                             f"(the block size), not {value}.")
    if s.gap_days < 1:
        raise InputError(f"gap_days must be at least 1, not {s.gap_days}.")
    return SignalWindow(window_end(as_of), s.block_weeks * 7, recent_weeks // s.block_weeks,
                        baseline_weeks // s.block_weeks, s)


def output_columns(settings: SignalSettings | None = None) -> list[str]:
    """The columns of the signals table, in order."""
    s = settings or SignalSettings()
    head = ["account_id", "segment", "lifecycle_stage", "cohort", "status",
            "disengagement_score", "quiet_chance", "looks_healthy_drifting", "internal_view",
            "internal_view_source", "dashboard_view", "health_score", "health_colour",
            "silence", "reasons", "score_base", "score_points", "sources_missing",
            "continuity_gap_count", "relationship_fall", "relationship_signals_against",
            "people_seen_before", "people_gone_quiet", "has_baseline", "days_since_activity",
            "last_activity", "tickets_recent", "escalations_recent", "check_ins_recent"]
    per = [f"{x.name}_{p}" for x in s.signals
           for p in ("recent", "baseline", "change", "against", "cohort")]
    gaps = [f"continuity_gaps_{p}" for p in ("recent", "baseline", "change", "against")]
    return head + per + gaps
