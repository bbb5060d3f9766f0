"""What happened next, per touch: hand-made timelines in `tests/cases/trap_next/` (one YAML
file each: the account's routine, its events, the outcome expected per window), and the
invariants of the table on the demo (one row per touch, outcomes from the list, row order
without effect)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbooks.errors import InputError
from playbooks.trap.next import (
    OUTCOMES,
    TOUCHES,
    WINDOWS,
    NextSettings,
    next_summary,
    what_happened_next,
)

CASES = sorted((Path(__file__).parent / "cases" / "trap_next").glob("*.yaml"))
START = dt.datetime(2026, 1, 5, 9)
LAST_DAY = 260
BACKGROUND = ("B", "C", "D")  # steady accounts, so the company's pace is not one account's
SCHEMA = {"event_id": pl.String, "account_id": pl.String, "person_id": pl.String,
          "actor_type": pl.String, "occurred_at": pl.Datetime("us"),
          "source_function": pl.String, "kind": pl.String, "channel": pl.String,
          "automated": pl.Boolean, "feature": pl.String, "question_text": pl.String}


def _row(account: str, day: float, kind: str, **more: Any) -> dict[str, Any]:
    return {"account_id": account, "person_id": f"{account}-1",
            "actor_type": more.get("actor", "customer"),
            "occurred_at": START + dt.timedelta(days=day, hours=more.get("hour", 0)),
            "source_function": more.get("function", "product"), "kind": kind,
            "channel": more.get("channel", "product"),
            "automated": more.get("automated", False), "feature": None,
            "question_text": more.get("text")}


def case_activity(case: dict[str, Any]) -> pl.DataFrame:
    """The case's timeline as an activity table: background accounts, routine, events."""
    rows = []
    for start, stop in case.get("background", [[0, LAST_DAY]]):
        rows += [_row(b, d, "login") for b in BACKGROUND for d in range(start, stop + 1, 2)]
    for r in case.get("routine", []):
        rows += [_row(r["account"], d, r["kind"])
                 for d in range(r["from"], r["to"] + 1, r["every"])]
    for e in case["events"]:
        rows.append(_row(e["account"], e["day"], e["kind"], hour=1,
                         **{k: v for k, v in e.items() if k not in ("account", "day", "kind")}))
    frame = pl.DataFrame(rows, schema={k: v for k, v in SCHEMA.items() if k != "event_id"})
    return frame.with_row_index("event_id").with_columns(
        pl.col("event_id").cast(pl.String)).select(list(SCHEMA))


def _read(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_there_are_cases_for_each_outcome_but_the_reserved_ones() -> None:
    seen = {e["outcome"] for path in CASES for e in _read(path)["expect"]}
    assert seen == set(OUTCOMES)
    touches = {e["touch"] for path in CASES for e in _read(path)["expect"]}
    assert touches == set(TOUCHES)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_hand_made_case(path: Path) -> None:
    case = _read(path)
    result = what_happened_next(case_activity(case),
                                as_of=(START + dt.timedelta(days=LAST_DAY)).date())
    for expected in case["expect"]:
        at = START + dt.timedelta(days=expected["day"], hours=1)
        row = result.filter((pl.col("account_id") == expected["account"])
                            & (pl.col("touch_at") == at))
        assert row.height == 1, f"{path.name}: no single touch on day {expected['day']}"
        got = row.row(0, named=True)
        w = expected["window"]
        assert got["touch"] == expected["touch"], path.name
        assert got[f"outcome_{w}"] == expected["outcome"], (path.name, w, got[f"evidence_{w}"])
        assert got[f"evidence_{w}"], path.name


def test_the_evidence_names_the_numbers() -> None:
    case = _read(CASES[[p.stem for p in CASES].index("drift_silence_everywhere")])
    result = what_happened_next(case_activity(case),
                                as_of=(START + dt.timedelta(days=LAST_DAY)).date())
    row = result.filter(pl.col("account_id") == "A").row(0, named=True)
    assert row["actions_30"] == 0 and row["expected_30"] > 5
    assert row["baseline_days"] == 90
    assert "went quieter: 0 customer actions in the 30 days after" in row["evidence_30"]


@pytest.fixture(scope="module")
def demo_next() -> pl.DataFrame:
    import tempfile

    from playbooks.demo import generate_demo

    with tempfile.TemporaryDirectory() as folder:
        generate_demo(Path(folder), accounts=150, seed=5, as_of=dt.date(2026, 11, 23))
        activity = pl.read_parquet(Path(folder) / "activity.parquet")
    return what_happened_next(activity)


def test_one_row_per_touch_with_known_outcomes(demo_next: pl.DataFrame) -> None:
    assert demo_next.height > 1000
    assert set(demo_next["touch"].unique()) == set(TOUCHES)
    for w in WINDOWS:
        assert set(demo_next[f"outcome_{w}"].unique()) <= set(OUTCOMES)
        assert demo_next[f"evidence_{w}"].null_count() == 0
    # a longer window never turns an event seen in a shorter one back into silence
    for short, long in zip(WINDOWS, WINDOWS[1:], strict=False):
        seen = demo_next.filter(pl.col(f"outcome_{short}").is_in(["recontact", "escalated",
                                                                    "ticket"]))
        assert seen[f"outcome_{long}"].is_in(["recontact", "escalated", "ticket"]).all()
    assert demo_next.filter(pl.col("touch") == "automated_check_in")["recontact_days"] \
        .null_count() == demo_next.filter(pl.col("touch") == "automated_check_in").height


def test_summary_shares_add_up(demo_next: pl.DataFrame) -> None:
    summary = next_summary(demo_next, 30)
    assert summary["touches"].sum() == demo_next.height
    shares = summary.filter(pl.col("judged") > 0).select(
        pl.sum_horizontal(pl.col("^share_.*$")))
    assert ((shares.to_series() - 1).abs() < 1e-9).all()
    with pytest.raises(InputError):
        next_summary(demo_next, 14)
    with pytest.raises(InputError):
        what_happened_next(case_activity(_read(CASES[0])), settings=NextSettings(drift_ratio=0))


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_outcomes(random) -> None:
    case = _read(CASES[0])
    frame = case_activity(case)
    order = list(range(frame.height))
    random.shuffle(order)
    as_of = (START + dt.timedelta(days=LAST_DAY)).date()
    assert what_happened_next(frame, as_of=as_of).equals(
        what_happened_next(frame[order], as_of=as_of))
