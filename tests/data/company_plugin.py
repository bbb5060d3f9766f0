"""A company's own code, loaded through PLAYBOOKS_PLUGINS (used by tests/test_extension.py)."""

import polars as pl

from playbooks.signals import register_signal

register_signal(
    "live_sessions",
    "Live sessions and courses attended",
    events=pl.col("kind").is_in(["event_attended", "course_completed"]),
    weight=15,
    threshold=0.3,
)
