"""Run a contract's compiled great-expectations suite and compare it with the polars rules.

great-expectations is the reference engine behind the contracts; the polars rules in
`playbooks.data.validation` are what makes 30 million rows take seconds. This module runs the
compiled suite on a frame (by default a sample, in a background thread) and lists every rule
where the two engines count a different number of failing rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import uuid
from typing import Any

import polars as pl

from playbooks.data.contracts import Contract, Rule, contract_rules
from playbooks.data.validation import _Tally, _tally_chunk


class _GxCheck(threading.Thread):
    """Run the compiled suite on a frame in the background and compare it with polars."""

    def __init__(self, frame: pl.DataFrame, typed: pl.DataFrame, contract: Contract,
                 keys: dict[str, pl.Series], now: dt.datetime, rules: list[Rule]) -> None:
        super().__init__(daemon=True)
        self.frame, self.typed, self.contract = frame, typed, contract
        self.keys, self.now, self.rules = keys, now, rules
        self.rows = frame.height
        self.mismatches: list[str] = []

    def run(self) -> None:
        try:
            self.mismatches = compare_with_gx(self.frame, self.typed, self.contract, self.keys,
                                              self.now, self.rules)
        except Exception as error:  # noqa: BLE001 - reported, never fatal to the polars result
            self.mismatches = [f"great-expectations could not run: {type(error).__name__}: "
                               f"{error}"]


_GX_LOCK = threading.Lock()


def _warm_gx() -> None:
    from playbooks.data.contracts import gx_context

    with contextlib.suppress(Exception):  # a real failure is reported by the check itself
        gx_context()


def run_gx(frame: pl.DataFrame, contract: Contract, *, keys: dict[str, pl.Series] | None = None,
           now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Run the contract's compiled great-expectations suite on a frame of contract types.

    Returns, per rule id, `success` and `unexpected_count` as great-expectations saw them.
    """
    import great_expectations as gx

    from playbooks.data.contracts import compile_suite, gx_context

    # Only the referenced values that occur in the frame matter for membership, and a short
    # value set keeps great-expectations fast (it copies the set into every result).
    related = {}
    for rule in contract_rules(contract):
        key = f"{rule.params.get('table')}.{rule.params.get('column')}"
        if rule.check == "references" and rule.columns[0] in frame.columns and key in (keys or {}):
            seen = frame.get_column(rule.columns[0]).drop_nulls().unique().cast(pl.String)
            known = (keys or {})[key]
            related[key] = known.filter(known.is_in(seen.implode())).to_list()
    with _GX_LOCK:
        context = gx_context()
        name = f"cx-{contract.name}-{uuid.uuid4().hex}"
        suite = context.suites.add(compile_suite(contract, columns=frame.columns,
                                                 related=related, now=now, name=name))
        source = context.data_sources.add_pandas(name)
        batch = source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("all")
        definition = gx.ValidationDefinition(data=batch, suite=suite, name=name)
        try:
            result = definition.run(batch_parameters={"dataframe": frame.to_pandas()},
                                    result_format="SUMMARY")
        finally:
            for store in (context.validation_definitions, context.suites, context.data_sources):
                with contextlib.suppress(Exception):
                    store.delete(name)
    out: dict[str, dict[str, Any]] = {}
    for item in result.results:
        config = item.expectation_config
        rule_id = str((config.meta or {}).get("rule_id")) if config is not None else ""
        out[rule_id] = {"success": bool(item.success),
                        "unexpected_count": (item.result or {}).get("unexpected_count")}
    return out


def compare_with_gx(frame: pl.DataFrame, typed: pl.DataFrame, contract: Contract,
                    keys: dict[str, pl.Series], now: dt.datetime,
                    rules: list[Rule]) -> list[str]:
    """List the rules where great-expectations and the polars rules disagree on a frame."""
    gx_results = run_gx(frame, contract, keys=keys, now=now)
    tallies = {r.id: _Tally() for r in rules}
    _tally_chunk(typed, typed, rules, contract, keys, now, 0, tallies)
    mismatches = []
    for rule in rules:
        if rule.id not in gx_results:
            continue
        seen = gx_results[rule.id]
        if rule.check in {"columns_present", "row_count"}:
            ours_ok = (all(c in frame.columns for c in rule.columns)
                       if rule.check == "columns_present" else frame.height >= rule.params["min"])
            if ours_ok != seen["success"]:
                mismatches.append(f"{rule.id}: great-expectations says "
                                  f"{'pass' if seen['success'] else 'fail'}, polars disagrees")
            continue
        tally = tallies[rule.id]
        if rule.check in {"unique", "compound_unique"}:
            key = (pl.col(rule.columns[0]) if rule.check == "unique"
                   else pl.struct([pl.col(c) for c in rule.columns]))
            tally.failing = int(frame.filter(pl.col(rule.columns[0]).is_not_null())
                                .select(key.is_duplicated().sum()).item())
        expected = seen["unexpected_count"]
        if expected is not None and int(expected) != tally.failing:
            mismatches.append(f"{rule.id}: great-expectations counts {expected} failing rows "
                              f"in the first {frame.height:,}, polars counts {tally.failing}")
    return mismatches
