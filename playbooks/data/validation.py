"""Check a table against its data contract and report every rule in plain words.

How it runs: every rule of the contract becomes a small polars expression evaluated over
every row, chunk by chunk, so memory stays bounded and 30 million rows take seconds. The
same contract is compiled into a great-expectations suite (`playbooks.data.gx.compile_suite`)
which runs on a sample of the data (or, with `gx="full"`, on every chunk); its counts are
compared with the polars counts, so the two engines keep each other honest. A disagreement is
listed in the report as `engine_mismatches`.

What each kind of rule checks lives in its check unit (`playbooks.data.checks`), the
counting per chunk in `playbooks.data.tally`, type conversion in `playbooks.data.conform` and
the great-expectations side in `playbooks.data.gx`; this module runs a table through them and
writes the report.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from playbooks.data.checks import CheckContext, check_for, referenced_column
from playbooks.data.conform import TYPEFAIL, ConformState, conform
from playbooks.data.contracts import Contract, Rule, contract_rules, load_contract
from playbooks.data.gx import GxCheck, compare_with_gx, run_gx, warm_gx
from playbooks.data.tally import MAX_EXAMPLES, Tally, resolve_duplicates, tally_chunk

__all__ = ["DEFAULT_CHUNK_ROWS", "GX_SAMPLE_ROWS", "MAX_EXAMPLES", "ConformState", "RuleResult",
           "ValidationReport", "compare_with_gx", "conform", "related_keys", "run_gx",
           "validate", "validate_chunks"]

DEFAULT_CHUNK_ROWS = 2_000_000
GX_SAMPLE_ROWS = 10_000


@dataclass
class RuleResult:
    """The outcome of one contract rule."""

    rule_id: str
    check: str
    columns: list[str]
    description: str
    status: str  # "passed", "failed" or "not run"
    failing_rows: int = 0
    share: float = 0.0
    examples: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def example_text(example: dict[str, Any]) -> str:
    """Write one failing example as `row 3: 'value'` (just the value when it has no row)."""
    value = repr(example.get("value"))
    return value if example.get("row") is None else f"row {example['row']}: {value}"


@dataclass
class ValidationReport:
    """Every rule of a contract with its outcome, for one table."""

    contract: str
    contract_version: str
    source: str
    rows: int
    results: list[RuleResult]
    extra_columns: list[str] = field(default_factory=list)
    gx_rows_checked: int = 0
    engine_mismatches: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == "failed"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["valid"] = self.valid
        return data

    def to_text(self) -> str:
        """Render the report for a terminal: a verdict line, then one line per rule."""
        verdict = "VALID" if self.valid else f"INVALID ({len(self.failed)} rules failed)"
        lines = [f"{self.source}: {verdict} against contract '{self.contract}' "
                 f"v{self.contract_version}, {self.rows:,} rows."]
        for result in self.results:
            mark = {"passed": "ok  ", "failed": "FAIL", "not run": "skip"}[result.status]
            lines.append(f"  {mark} {result.rule_id}: {result.message}")
            if result.status == "failed" and result.examples:
                shown = "; ".join(example_text(e) for e in result.examples[:5])
                lines.append(f"         e.g. {shown}")
        if self.extra_columns:
            lines.append(f"  note: columns not in the contract are kept as they are: "
                         f"{', '.join(self.extra_columns)}")
        for mismatch in self.engine_mismatches:
            lines.append(f"  WARNING engine check: {mismatch}")
        return "\n".join(lines)


def validate(frame: pl.DataFrame | pl.LazyFrame, contract: Contract | str, *,
             related: dict[str, pl.DataFrame] | pl.DataFrame | None = None,
             source: str = "the data", now: dt.datetime | None = None,
             chunk_rows: int = DEFAULT_CHUNK_ROWS, gx: str = "sample") -> ValidationReport:
    """Check a frame against a contract and report every rule.

    Args:
        frame: the table, with the contract's column names (rename export columns first).
        contract: a `Contract` or a contract name such as "activity".
        related: frames of referenced tables, e.g. {"accounts": accounts}; a bare frame is
            taken as the accounts table. Reference rules without their table are "not run".
        source: how messages name the data (a file name).
        now: the moment "not in the future" is measured against (default: now, UTC).
        chunk_rows: rows checked at a time.
        gx: "sample" runs the compiled great-expectations suite on the first rows and compares
            its counts with the polars counts (first 10,000 rows); "full" does so for every
            chunk; "off" skips it.
    """
    if isinstance(frame, pl.LazyFrame):
        data = frame.collect()
    elif isinstance(frame, pl.DataFrame):
        data = frame
    else:  # a pandas frame from a notebook
        data = pl.from_pandas(frame)

    def chunks() -> Iterator[pl.DataFrame]:
        if data.height == 0:
            yield data
        for start in range(0, data.height, chunk_rows):
            yield data.slice(start, chunk_rows)

    return validate_chunks(chunks, contract, related=related, source=source, now=now, gx=gx)


def related_keys(related: dict[str, pl.DataFrame] | pl.DataFrame | None,
                 contract: Contract) -> dict[str, pl.Series]:
    """Turn related frames into the key columns that reference rules look values up in."""
    if related is None:
        return {}
    if isinstance(related, pl.DataFrame):
        related = {"accounts": related}
    keys = {}
    for rule in contract_rules(contract):
        target = referenced_column(rule)
        if target is None:
            continue
        table, column = target
        other = related.get(table)
        if other is not None and column in other.columns:
            keys[f"{table}.{column}"] = other.get_column(column).cast(pl.String).drop_nulls()
    return keys


def validate_chunks(make_chunks: Callable[[], Iterable[pl.DataFrame]], contract: Contract | str,
                    *, related: dict[str, pl.DataFrame] | pl.DataFrame | None = None,
                    source: str = "the data", now: dt.datetime | None = None,
                    gx: str = "sample", on_chunk: Callable[[pl.DataFrame], None] | None = None,
                    ) -> ValidationReport:
    """Check data given as chunks; `make_chunks()` must yield the same chunks each call.

    `on_chunk` receives every conformed chunk (contract types, hidden columns dropped), which
    is how an import writes what it checks in the same pass. The chunks are read a second time
    only when a uniqueness rule finds a repeated value, to show which rows repeat it.
    """
    if isinstance(contract, str):
        contract = load_contract(contract)
    context = CheckContext(contract, related_keys(related, contract),
                           now or dt.datetime.now(dt.UTC).replace(tzinfo=None))
    rules = contract_rules(contract)
    if gx != "off":
        # Importing great-expectations takes seconds: start it now, beside the first read.
        threading.Thread(target=warm_gx, daemon=True).start()
    state = ConformState(source)
    done = _read_chunks(make_chunks, context, rules, state, gx, on_chunk)
    results = [_result(rule, done, context, make_chunks, state) for rule in rules]
    extra = [c for c in done.columns if c not in set(contract.column_names)]
    report = ValidationReport(contract.name, contract.version, source, done.rows, results, extra)
    for check in done.gx_checks:
        check.join()
        report.gx_rows_checked += check.rows
        report.engine_mismatches.extend(check.mismatches)
    return report


@dataclass
class _Pass:
    """What one read through the chunks found: rows, the columns, each rule's tally."""

    tallies: dict[str, Tally]
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    gx_checks: list[GxCheck] = field(default_factory=list)


def _read_chunks(make_chunks: Callable[[], Iterable[pl.DataFrame]], context: CheckContext,
                 rules: list[Rule], state: ConformState, gx: str,
                 on_chunk: Callable[[pl.DataFrame], None] | None) -> _Pass:
    """Convert and tally every chunk; start the great-expectations check on the first (or all)."""
    done = _Pass({r.id: Tally() for r in rules})
    seen_columns = False
    for chunk in make_chunks():
        if not seen_columns:
            done.columns, seen_columns = list(chunk.columns), True
        typed = conform(chunk, context.contract, state=state, row_offset=done.rows)
        tally_chunk(typed, chunk, rules, context, done.rows, done.tallies)
        visible = typed.select([c for c in typed.columns if not c.startswith(TYPEFAIL)])
        if gx != "off" and (gx == "full" or not done.gx_checks) and visible.height:
            sample = visible if gx == "full" else visible.head(GX_SAMPLE_ROWS)
            check = GxCheck(sample, typed.head(sample.height), context.contract,
                            dict(context.keys), context.now, rules)
            done.gx_checks.append(check)
            check.start()
            if gx == "full":
                check.join()
        if on_chunk is not None:
            on_chunk(visible)
        done.rows += chunk.height
    return done


def _result(rule: Rule, done: _Pass, context: CheckContext,
            make_chunks: Callable[[], Iterable[pl.DataFrame]], state: ConformState) -> RuleResult:
    """Turn one rule's tally (or, for a table-level rule, the table) into its result."""
    unit = check_for(rule)
    columns = list(rule.columns)
    if unit.table_level:
        verdict = unit.judge(rule, done.columns, done.rows)
        return RuleResult(rule.id, rule.check, columns, rule.description,
                          "passed" if verdict.passed else "failed", verdict.failing, 0.0,
                          verdict.examples, verdict.message)
    missing = [c for c in rule.columns if c not in set(done.columns)]
    reason = (f"Not checked: column {', '.join(missing)} is missing." if missing
              else unit.not_run(rule, context))
    if reason:
        return RuleResult(rule.id, rule.check, columns, rule.description, "not run",
                          message=reason)
    tally = done.tallies[rule.id]
    if unit.counts_duplicates and tally.hashes:
        resolve_duplicates(rule, tally, make_chunks, context.contract, state)
    share = tally.failing / done.rows if done.rows else 0.0
    status = "failed" if tally.failing else "passed"
    return RuleResult(rule.id, rule.check, columns, rule.description, status, tally.failing,
                      share, tally.examples[:MAX_EXAMPLES],
                      problem_message(rule, context.contract, tally.failing, share))


def problem_message(rule: Rule, contract: Contract, failing: int, share: float) -> str:
    """Say how many rows break a rule and what is wrong with them (the rule itself if none)."""
    if not failing:
        return rule.description
    count = f"{failing:,} {'row' if failing == 1 else 'rows'} ({share:.2%})"
    problem = check_for(rule).problem(rule, contract)
    if problem is None:
        verb = "breaks" if failing == 1 else "break"
        return f"{count} {verb} this rule: {rule.description}"
    return f"{count}: {problem}."
