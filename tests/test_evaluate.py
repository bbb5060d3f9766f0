"""Flag evaluation against labels: precision and recall arithmetic, health-alone comparison."""

from __future__ import annotations

import polars as pl
import pytest

from playbooks.errors import InputError
from playbooks.signals.evaluate import evaluate_flags, read_labels


def _signals(rows):
    return pl.DataFrame(rows, schema={"account_id": pl.String, "looks_healthy_drifting": pl.Boolean,
                                      "silence": pl.String, "internal_view": pl.String,
                                      "health_colour": pl.String, "health_score": pl.Float64,
                                      "disengagement_score": pl.Float64}, orient="row")


def test_precision_and_recall_are_counted_per_flag():
    signals = _signals([
        ("A", True, None, "healthy", "green", 90.0, 20.0),
        ("B", True, None, "healthy", "green", 90.0, 20.0),
        ("C", False, "working", "healthy", "green", 90.0, 5.0),
        ("D", True, None, "watch", "amber", 60.0, 30.0),
    ])
    labels = pl.DataFrame({"account_id": ["A", "B", "C", "D"],
                           "archetype": ["drifting", "engaged", "quietly_working", "drifting"]})
    result = evaluate_flags(signals, labels)
    assert result.metric("drifting", "precision") == pytest.approx(2 / 3)
    assert result.metric("drifting", "recall") == 1.0
    assert result.metric("drifting", "health_recall") == 0.5
    assert result.share("drifting", "health_alone") == 0.5
    assert result.metric("quietly_working", "recall") == 1.0
    text = result.to_text()
    assert "health alone" in text and "drifting" in text


def test_missing_labels_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="labels"):
        read_labels(tmp_path / "labels.csv")
