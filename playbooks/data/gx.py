"""The great-expectations side of the contracts: the compiled suite, and the cross-check.

great-expectations is the reference engine behind the contracts; the polars rules in
`playbooks.data.validation` are what makes 30 million rows take seconds. This module compiles
a contract into a great-expectations 1.x suite (each check unit gives its expectations), runs
it on a frame (by default a sample, in a background thread) and lists every rule where the
two engines count a different number of failing rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import threading
import uuid
from typing import Any

import polars as pl

from playbooks.data.checks import CheckContext, SuiteContext, check_for, referenced_column
from playbooks.data.contract_model import Contract, Rule
from playbooks.data.tally import Tally, tally_chunk

_CONTEXT: list[Any] = []
_CONTEXT_LOCK = threading.Lock()
_GX_LOCK = threading.Lock()


def gx_context() -> Any:
    """Return the process's ephemeral great-expectations context (progress bars, analytics off).

    great-expectations is imported here, on first use, because importing it takes seconds.
    """
    with _CONTEXT_LOCK:
        if not _CONTEXT:
            _CONTEXT.append(_new_gx_context())
    return _CONTEXT[0]


def import_gx() -> Any:
    """Import great-expectations without letting it import pyspark when the Spark extra is
    installed: the contracts are checked on pandas, and pyspark would add a third of a second
    and its warnings about pandas versions to every command that reads a file. A later
    `import pyspark` (the Spark engine) works as usual."""
    if "great_expectations" in sys.modules:
        return sys.modules["great_expectations"]
    hidden = "pyspark" not in sys.modules
    if hidden:
        sys.modules["pyspark"] = None  # type: ignore[assignment]  # an import of it fails
    try:
        import great_expectations as gx
    finally:
        if hidden and sys.modules.get("pyspark", 0) is None:
            del sys.modules["pyspark"]
    return gx


def _new_gx_context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                         metric_calculations=False)
    return context


def warm_gx() -> None:
    """Import great-expectations and build its context now (in a thread beside the first read)."""
    with contextlib.suppress(Exception):  # a real failure is reported by the check itself
        gx_context()


def compile_suite(contract: Contract, *, columns: list[str] | None = None,
                  related: dict[str, list[Any]] | None = None,
                  now: dt.datetime | None = None, name: str | None = None) -> Any:
    """Compile a contract into a great-expectations 1.x `ExpectationSuite`.

    Args:
        columns: the columns the data actually has; rules on absent columns are left out
            (the `columns_present` rule reports them). Defaults to every contract column.
        related: the known values of referenced columns, e.g. {"accounts.account_id": [...]};
            reference rules without them are left out.
        now: the moment "not in the future" is measured against (default: now, UTC).

    Each expectation carries `meta={"rule_id": ...}` naming the contract rule it checks. The
    `type` rules have no expectation: type conversion happens before the data reaches
    great-expectations (see `playbooks.data.conform`).
    """
    gx_context()
    import great_expectations as gx
    import great_expectations.expectations as gxe

    present = set(columns if columns is not None else contract.column_names)
    context = SuiteContext(contract, related or {}, now or _utc_now(), gxe)
    suite = gx.ExpectationSuite(name=name or f"{contract.name}-{contract.version}")
    for rule in contract.rules:
        unit = check_for(rule)
        if not unit.applies(rule, present):
            continue
        for expectation in unit.expectations(rule, context, {"rule_id": rule.id}):
            suite.add_expectation(expectation)
    return suite


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class GxCheck(threading.Thread):
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


def run_gx(frame: pl.DataFrame, contract: Contract, *, keys: dict[str, pl.Series] | None = None,
           now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Run the contract's compiled great-expectations suite on a frame of contract types.

    Returns, per rule id, `success` and `unexpected_count` as great-expectations saw them.
    """
    import great_expectations as gx

    # Only the referenced values that occur in the frame matter for membership, and a short
    # value set keeps great-expectations fast (it copies the set into every result).
    related = {}
    for rule in contract.rules:
        target = referenced_column(rule)
        key = f"{target[0]}.{target[1]}" if target else ""
        if target and rule.columns[0] in frame.columns and key in (keys or {}):
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
    context = CheckContext(contract, keys, now)
    tallies = {r.id: Tally() for r in rules}
    tally_chunk(typed, typed, rules, context, 0, tallies)
    mismatches = []
    for rule in rules:
        if rule.id not in gx_results:
            continue
        seen = gx_results[rule.id]
        unit = check_for(rule)
        if unit.table_level:
            ours_ok = unit.judge(rule, frame.columns, frame.height).passed
            if ours_ok != seen["success"]:
                mismatches.append(f"{rule.id}: great-expectations says "
                                  f"{'pass' if seen['success'] else 'fail'}, polars disagrees")
            continue
        failing = tallies[rule.id].failing
        if unit.counts_duplicates:  # the whole frame at once: no hashes to resolve
            expr = unit.failing(rule, context)
            failing = int(frame.select(expr.sum()).item()) if expr is not None else 0
        expected = seen["unexpected_count"]
        if expected is not None and int(expected) != failing:
            mismatches.append(f"{rule.id}: great-expectations counts {expected} failing rows "
                              f"in the first {frame.height:,}, polars counts {failing}")
    return mismatches
