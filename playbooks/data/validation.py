"""Check a table against its data contract and report every rule in plain words.

How it runs: every rule of the contract becomes a small polars expression evaluated over
every row, chunk by chunk, so memory stays bounded and 30 million rows take seconds. The
same contract is compiled into a great-expectations suite (`playbooks.data.contracts.compile_suite`)
which runs on a sample of the data (or, with `gx="full"`, on every chunk); its counts are
compared with the polars counts, so the two engines keep each other honest. A disagreement is
listed in the report as `engine_mismatches`.

Type conversion lives in `playbooks.data.conform`, the great-expectations side in
`playbooks.data.gx`; this module holds the rules as polars expressions and the report.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from playbooks.data.conform import DTYPES, TYPEFAIL, ConformState, conform
from playbooks.data.contracts import Contract, Rule, contract_rules, load_contract

MAX_EXAMPLES = 20
DEFAULT_CHUNK_ROWS = 2_000_000
GX_SAMPLE_ROWS = 10_000
_TYPEFAIL = TYPEFAIL
_DTYPES = DTYPES

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
                shown = "; ".join(f"row {e['row']}: {e['value']!r}" for e in result.examples[:5])
                lines.append(f"         e.g. {shown}")
        if self.extra_columns:
            lines.append(f"  note: columns not in the contract are kept as they are: "
                         f"{', '.join(self.extra_columns)}")
        for mismatch in self.engine_mismatches:
            lines.append(f"  WARNING engine check: {mismatch}")
        return "\n".join(lines)


# --- rules as polars expressions ------------------------------------------------------------


def _failing_expr(rule: Rule, contract: Contract, related: dict[str, pl.Series],
                  now: dt.datetime) -> pl.Expr | None:
    """Return an expression that is true on rows breaking a row-level rule, else None."""
    cols = [pl.col(c) for c in rule.columns]
    check = rule.check
    if check == "type":
        return pl.col(_TYPEFAIL + rule.columns[0])
    if check == "not_null":
        return cols[0].is_null()
    if check == "valid_values":
        return cols[0].is_not_null() & ~cols[0].is_in(list(rule.params["values"]))
    if check == "between":
        item = contract.field(rule.columns[0])
        low, high = rule.params["min"], rule.params["max"]
        if item.physical_type == "timestamp":
            low = dt.datetime.combine(low, dt.time()) if low is not None else None
            high = dt.datetime.combine(high, dt.time()) if high is not None else None
        bad = pl.lit(False)
        if low is not None:
            bad = bad | (cols[0] < pl.lit(low))
        if high is not None:
            bad = bad | (cols[0] > pl.lit(high))
        return cols[0].is_not_null() & bad
    if check == "not_in_future":
        item = contract.field(rule.columns[0])
        limit: Any = now.date() if item.physical_type == "date" else now
        return cols[0].is_not_null() & (cols[0] > pl.lit(limit))
    if check == "references":
        key = f"{rule.params['table']}.{rule.params['column']}"
        if key not in related:
            return None
        return cols[0].is_not_null() & ~cols[0].is_in(related[key].implode())
    if check == "pair_greater":
        return cols[0].is_not_null() & cols[1].is_not_null() & ~(cols[0] > cols[1])
    if check == "custom":
        from playbooks.data.contracts import CUSTOM_RULES

        return CUSTOM_RULES[rule.params["contract"]][rule.id].failing().fill_null(False)
    if check == "pair_values":
        allowed = pl.lit(False)
        for a, b in rule.params["pairs"]:
            allowed = allowed | ((cols[0] == pl.lit(a)) & (cols[1] == pl.lit(b)))
        return cols[0].is_not_null() & cols[1].is_not_null() & ~allowed
    return None


def _example_value(frame: pl.DataFrame, rule: Rule, raw: pl.DataFrame | None) -> pl.Expr:
    if rule.check == "type" and raw is not None:
        return pl.col(rule.columns[0])
    if len(rule.columns) == 1:
        return _as_text(frame, rule.columns[0])
    return pl.concat_str([pl.lit(f"{c}=") + _as_text(frame, c).fill_null("(empty)")
                          for c in rule.columns], separator=", ")


def _as_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.strftime("%Y-%m-%d %H:%M:%S")
    return pl.col(column).cast(pl.String)


@dataclass
class _Tally:
    failing: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    hashes: list[pl.Series] = field(default_factory=list)


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
        if rule.check != "references":
            continue
        table, column = rule.params["table"], rule.params["column"]
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
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    keys = related_keys(related, contract)
    rules = contract_rules(contract)
    if gx != "off":
        # Importing great-expectations takes seconds: start it now, beside the first read.
        threading.Thread(target=_warm_gx, daemon=True).start()
    state = ConformState(source)
    tallies = {r.id: _Tally() for r in rules}
    rows = 0
    columns: list[str] | None = None
    gx_thread: _GxCheck | None = None
    gx_checks: list[_GxCheck] = []
    for chunk in make_chunks():
        if columns is None:
            columns = list(chunk.columns)
        typed = conform(chunk, contract, state=state, row_offset=rows)
        _tally_chunk(typed, chunk, rules, contract, keys, now, rows, tallies)
        visible = typed.select([c for c in typed.columns if not c.startswith(_TYPEFAIL)])
        if gx != "off" and (gx == "full" or gx_thread is None) and visible.height:
            sample = visible if gx == "full" else visible.head(GX_SAMPLE_ROWS)
            gx_thread = _GxCheck(sample, typed.head(sample.height), contract, keys, now, rules)
            gx_checks.append(gx_thread)
            gx_thread.start()
            if gx == "full":
                gx_thread.join()
        if on_chunk is not None:
            on_chunk(visible)
        rows += chunk.height
    present = set(columns or [])
    results = []
    for rule in rules:
        tally = tallies[rule.id]
        missing = [c for c in rule.columns if c not in present]
        if rule.check == "columns_present":
            status = "failed" if missing else "passed"
            message = (f"Required columns missing: {', '.join(missing)}." if missing
                       else rule.description)
            results.append(RuleResult(rule.id, rule.check, list(rule.columns), rule.description,
                                      status, len(missing), 0.0,
                                      [{"row": None, "value": m} for m in missing], message))
            continue
        if rule.check == "row_count":
            ok = rows >= rule.params["min"]
            results.append(RuleResult(rule.id, rule.check, [], rule.description,
                                      "passed" if ok else "failed", 0 if ok else 1, 0.0, [],
                                      rule.description if ok else
                                      "The file has no data rows."))
            continue
        if missing:
            results.append(RuleResult(rule.id, rule.check, list(rule.columns), rule.description,
                                      "not run", message=f"Not checked: column "
                                      f"{', '.join(missing)} is missing."))
            continue
        if rule.check == "references" and f"{rule.params['table']}.{rule.params['column']}" \
                not in keys:
            results.append(RuleResult(rule.id, rule.check, list(rule.columns), rule.description,
                                      "not run", message=f"Not checked: no {rule.params['table']}"
                                      " table was given to look the values up in."))
            continue
        if rule.check in {"unique", "compound_unique"} and tally.hashes:
            _resolve_duplicates(rule, tally, make_chunks, contract, state)
        share = tally.failing / rows if rows else 0.0
        status = "failed" if tally.failing else "passed"
        results.append(RuleResult(rule.id, rule.check, list(rule.columns), rule.description,
                                  status, tally.failing, share, tally.examples[:MAX_EXAMPLES],
                                  _message(rule, contract, tally.failing, rows, share)))
    extra = [c for c in (columns or []) if c not in set(contract.column_names)]
    report = ValidationReport(contract.name, contract.version, source, rows, results, extra)
    for check in gx_checks:
        check.join()
        report.gx_rows_checked += check.rows
        report.engine_mismatches.extend(check.mismatches)
    return report


def _tally_chunk(typed: pl.DataFrame, raw: pl.DataFrame, rules: list[Rule], contract: Contract,
                 keys: dict[str, pl.Series], now: dt.datetime, offset: int,
                 tallies: dict[str, _Tally]) -> None:
    present = set(typed.columns)
    exprs: dict[str, pl.Expr] = {}
    for rule in rules:
        if any(c not in present for c in rule.columns) or not rule.columns:
            continue
        if rule.check == "type" and _TYPEFAIL + rule.columns[0] not in present:
            continue
        if rule.check in {"unique", "compound_unique"}:
            key = (pl.col(rule.columns[0]).drop_nulls() if rule.check == "unique"
                   else pl.struct([pl.col(c) for c in rule.columns]))
            tallies[rule.id].hashes.append(typed.select(key.hash(seed=7)).to_series())
            continue
        expr = _failing_expr(rule, contract, keys, now)
        if expr is not None:
            exprs[rule.id] = expr
    if not exprs:
        return
    counts = typed.select([e.sum().alias(k) for k, e in exprs.items()]).row(0, named=True)
    for rule in rules:
        count = counts.get(rule.id) or 0
        if not count:
            continue
        tally = tallies[rule.id]
        tally.failing += int(count)
        if len(tally.examples) >= MAX_EXAMPLES:
            continue
        source_frame = raw if rule.check == "type" else typed
        picked = (source_frame.with_row_index("__row", offset=offset + 1)
                  .filter(exprs[rule.id] if rule.check != "type"
                          else typed.get_column(_TYPEFAIL + rule.columns[0]))
                  .head(MAX_EXAMPLES - len(tally.examples))
                  .select(pl.col("__row"), _example_value(typed, rule, raw).alias("__value")))
        tally.examples.extend({"row": r, "value": v} for r, v in picked.iter_rows())


def _resolve_duplicates(rule: Rule, tally: _Tally,
                        make_chunks: Callable[[], Iterable[pl.DataFrame]], contract: Contract,
                        state: ConformState) -> None:
    import numpy as np

    hashes = np.concatenate([h.to_numpy() for h in tally.hashes])
    tally.hashes = []
    hashes.sort()  # sorting beats a hash table here: 30 million keys in half a second
    repeated = pl.Series(np.unique(hashes[1:][hashes[1:] == hashes[:-1]]), dtype=pl.UInt64)
    del hashes
    if repeated.is_empty():
        return
    candidates = []
    offset = 0
    for chunk in make_chunks():
        typed = conform(chunk.select(list(rule.columns)), contract, state=state,
                        row_offset=offset)
        key = (pl.col(rule.columns[0]) if rule.check == "unique"
               else pl.struct([pl.col(c) for c in rule.columns]))
        found = (typed.with_row_index("__row", offset=offset + 1)
                 .filter(pl.col(rule.columns[0]).is_not_null()
                         & key.hash(seed=7).is_in(repeated.implode()))
                 .select("__row", _example_value(typed, rule, None).alias("__value")))
        candidates.append(found)
        offset += chunk.height
    found = pl.concat(candidates).filter(pl.col("__value").is_duplicated())
    tally.failing = found.height
    tally.examples = [{"row": r, "value": v}
                      for r, v in found.sort("__value", "__row").head(MAX_EXAMPLES).iter_rows()]


_PROBLEMS = {
    "type": "{column} cannot be read as {type}",
    "not_null": "{column} is empty",
    "unique": "{column} repeats a value found on another row",
    "valid_values": "{column} is not one of the known values",
    "between": "{column} is outside the allowed range ({range})",
    "not_in_future": "{column} is in the future",
    "references": "{column} is not listed in the {table} table",
}


def _message(rule: Rule, contract: Contract, failing: int, rows: int, share: float) -> str:
    if not failing:
        return rule.description
    count = f"{failing:,} {'row' if failing == 1 else 'rows'} ({share:.2%})"
    if rule.check not in _PROBLEMS:
        verb = "breaks" if failing == 1 else "break"
        return f"{count} {verb} this rule: {rule.description}"
    item = contract.field(rule.columns[0])
    type_phrase = {"string": "text", "double": "a number", "integer": "a whole number",
                   "boolean": "yes/no (true/false)", "date": "a date",
                   "timestamp": "a date and time"}[item.physical_type]
    range_phrase = ""
    if rule.check == "between":
        low, high = rule.params["min"], rule.params["max"]
        range_phrase = (f"{low} to {high}" if low is not None and high is not None
                        else f"from {low}" if low is not None else f"up to {high}")
    problem = _PROBLEMS[rule.check].format(column=item.name, type=type_phrase,
                                           range=range_phrase,
                                           table=rule.params.get("table", ""))
    return f"{count}: {problem}."


# The great-expectations side lives in its own module; these names stay importable from here.
from playbooks.data.gx import _GxCheck, _warm_gx, compare_with_gx, run_gx  # noqa: E402

__all__ = ["ConformState", "RuleResult", "ValidationReport", "compare_with_gx", "conform",
           "related_keys", "run_gx", "validate", "validate_chunks"]
