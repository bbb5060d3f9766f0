"""Heavy results kept beside the workspace: computed once per workspace version, read back
afterwards, replaced when the workspace changes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from playbooks.results.store import FOLDER, stored


def test_a_result_is_computed_once_per_workspace_version(tmp_path: Path) -> None:
    calls: list[int] = []

    def compute() -> pl.DataFrame:
        calls.append(1)
        return pl.DataFrame({"account_id": ["A", "B"], "reasons": [["x"], []]})

    first = stored((str(tmp_path), (1.0, 2.0)), "signals", compute)
    again = stored((str(tmp_path), (1.0, 2.0)), "signals", compute)
    assert calls == [1] and again.equals(first)
    newer = stored((str(tmp_path), (1.0, 3.0)), "signals", compute)
    assert calls == [1, 1] and newer.equals(first)
    assert len(list((tmp_path / FOLDER).glob("signals-*.parquet"))) == 1  # the stale one went
    other = stored((str(tmp_path), (1.0, 3.0)), "signals", compute, 13)
    assert calls == [1, 1, 1] and other.equals(first)
    stored((str(tmp_path), (1.0, 3.0)), "signals", compute)  # the variants do not evict
    stored((str(tmp_path), (1.0, 3.0)), "signals", compute, 13)  # each other
    assert calls == [1, 1, 1]


def test_a_result_that_cannot_be_stored_is_still_returned(tmp_path: Path) -> None:
    (tmp_path / FOLDER).write_text("a file where the folder would go")
    frame = stored((str(tmp_path), (1.0,)), "gaps", lambda: pl.DataFrame({"n": [1]}))
    assert frame["n"].to_list() == [1]
