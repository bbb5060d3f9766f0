"""Check a table against its data contract and report every rule in plain words.

How it runs: every rule of the contract becomes a small polars expression evaluated over
every row, chunk by chunk, so memory stays bounded and 30 million rows take seconds. The
same contract is compiled into a great-expectations suite (`playbooks.contracts.compile_suite`)
which runs on a sample of the data (or, with `gx="full"`, on every chunk); its counts are
compared with the polars counts, so the two engines keep each other honest. A disagreement is
listed in the report as `engine_mismatches`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from playbooks.contracts import Contract, Field, Rule, contract_rules, load_contract
from playbooks.errors import InputError

MAX_EXAMPLES = 20
DEFAULT_CHUNK_ROWS = 2_000_000
GX_SAMPLE_ROWS = 10_000
_TYPEFAIL = "__typefail__"

_DTYPES: dict[str, Any] = {
    "string": pl.String,
    "double": pl.Float64,
    "integer": pl.Int64,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "timestamp": pl.Datetime("us"),
}
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}

# Date formats, grouped into families; a column must use one family throughout.
_DATE_FAMILIES: dict[str, tuple[str, ...]] = {
    "YYYY-MM-DD": ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"),
    "YYYY/MM/DD": ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"),
    "DD/MM/YYYY": ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
    "MM/DD/YYYY": ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y"),
    "DD.MM.YYYY": ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"),
    "DD-MM-YYYY": ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y"),
}


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


# --- conforming raw columns to contract types ---------------------------------------------


class ConformState:
    """What earlier chunks decided (date format per column), so later chunks must agree."""

    def __init__(self, source: str = "the data") -> None:
        self.source = source
        self.date_family: dict[str, tuple[str, int, str]] = {}


def conform(frame: pl.DataFrame, contract: Contract, *, state: ConformState | None = None,
            row_offset: int = 0) -> pl.DataFrame:
    """Cast the contract's columns to their contract types.

    Text is trimmed and empty text becomes null. Values that cannot be converted become null
    and are flagged in a hidden `__typefail__<column>` column that the type rules count.
    Raises InputError when a date column mixes formats (naming column, rows and values).
    """
    state = state or ConformState()
    names = {f.name for f in contract.fields}
    # Text columns are cleaned and converted as expressions, all in one parallel pass.
    exprs: list[pl.Expr] = []
    dates: list[Field] = []
    others: list[Field] = []
    for name in frame.columns:
        if name not in names:
            continue
        item = contract.field(name)
        dtype, target = frame.schema[name], _DTYPES[item.physical_type]
        if dtype == target:
            continue
        if not _is_text(dtype):
            others.append(item)
            continue
        text = _clean_text(name)
        if target == pl.String:
            exprs.append(text.alias(name))
            continue
        if target in (pl.Date, pl.Datetime("us")):
            exprs.append(text.alias(name))
            dates.append(item)
            continue
        if target == pl.Boolean:
            low = text.str.to_lowercase()
            out = (pl.when(low.is_in(list(_TRUE))).then(True)
                   .when(low.is_in(list(_FALSE))).then(False).otherwise(None))
        else:
            number = text.str.replace(r"^\+", "").cast(pl.Float64, strict=False)
            out = number
            if target == pl.Int64:
                out = pl.when(number == number.round(0)).then(number).otherwise(None) \
                    .cast(pl.Int64)
        exprs += [out.alias(name), (text.is_not_null() & out.is_null()).alias(_TYPEFAIL + name)]
    if exprs:
        frame = frame.with_columns(exprs)
    columns: list[pl.Series] = []
    for item in dates:
        raw = frame.get_column(item.name)
        parsed = _parse_dates(raw, item, state, row_offset)
        columns += [parsed.alias(item.name),
                    (raw.is_not_null() & parsed.is_null()).alias(_TYPEFAIL + item.name)]
    for item in others:
        column, failed = _conform_column(frame.get_column(item.name), item, state, row_offset)
        columns.append(column.alias(item.name))
        if failed is not None:
            columns.append(failed.alias(_TYPEFAIL + item.name))
    return frame.with_columns(columns) if columns else frame


def _is_text(dtype: Any) -> bool:
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)


def _clean_text(name: str) -> pl.Expr:
    text = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)


def _conform_column(series: pl.Series, item: Field, state: ConformState,
                    row_offset: int) -> tuple[pl.Series, pl.Series | None]:
    target = _DTYPES[item.physical_type]
    if series.dtype == target:
        return series, None
    if series.dtype == pl.Null:
        return series.cast(target), None
    if series.dtype in (pl.String, pl.Categorical) or isinstance(series.dtype, pl.Enum):
        text = series.cast(pl.String).str.strip_chars()
        text = pl.select(pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)).to_series()
        if target == pl.String:
            return text, None
        if target == pl.Boolean:
            low = text.str.to_lowercase()
            out = pl.select(pl.when(low.is_in(list(_TRUE))).then(True)
                            .when(low.is_in(list(_FALSE))).then(False)
                            .otherwise(None)).to_series()
        elif target in (pl.Float64, pl.Int64):
            out = text.str.replace_all(r"^\+", "").cast(pl.Float64, strict=False)
            if target == pl.Int64:
                whole = out.is_not_null() & (out == out.round(0))
                out = pl.select(pl.when(whole).then(out).otherwise(None)).to_series()
                out = out.cast(pl.Int64)
        else:
            out = _parse_dates(text, item, state, row_offset)
        return out, text.is_not_null() & out.is_null()
    # A non-text column of another type.
    if target == pl.String:
        return series.cast(pl.String), None
    ok_numeric = series.dtype.is_numeric() and target in (pl.Float64, pl.Int64)
    ok_temporal = series.dtype.is_temporal() and target in (pl.Date, pl.Datetime("us"))
    ok_bool = series.dtype.is_integer() and target == pl.Boolean
    if ok_numeric or ok_temporal:
        if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone:
            series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        out = series.cast(target, strict=False)
        return out, series.is_not_null() & out.is_null()
    if ok_bool:
        out = pl.select(pl.when(series == 1).then(True).when(series == 0).then(False)
                        .otherwise(None)).to_series()
        return out, series.is_not_null() & out.is_null()
    return pl.Series(series.name, [None] * len(series), dtype=target), series.is_not_null()


def _parse_dates(text: pl.Series, item: Field, state: ConformState,
                 row_offset: int) -> pl.Series:
    """Parse text dates, insisting on one format family per column across all chunks."""
    # A trailing Z or UTC offset (+02:00) is turned into UTC; everything is stored as UTC.
    zone = text.str.extract_groups(r"(?:\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)([+-])(\d\d):?(\d\d)$")
    offset_minutes = pl.select(
        pl.when(zone.struct.field("1") == "-").then(-1).otherwise(1)
        * (zone.struct.field("2").cast(pl.Int64) * 60 + zone.struct.field("3").cast(pl.Int64))
    ).to_series().fill_null(0)
    clean = text.str.replace(r"(?i)z$", "")
    clean = clean.str.replace(r"(\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)[+-]\d\d:?\d\d$", "$1")
    clean = clean.str.replace("T", " ", literal=True)
    def parse(family: str) -> pl.Series:
        # Try the formats one after another, each only on the values still unread.
        formats = _DATE_FAMILIES[family]
        out = clean.str.to_datetime(formats[0], strict=False, time_unit="us")
        for fmt in formats[1:]:
            unread = out.is_null() & clean.is_not_null()
            if not unread.any():
                break
            later = clean.filter(unread).str.to_datetime(fmt, strict=False, time_unit="us")
            out = out.scatter(unread.arg_true(), later)
        return out

    present = clean.is_not_null()
    chosen = state.date_family.get(item.name)
    # Fast path: the family already in use (ISO by default) reads every value.
    first = parse(chosen[0] if chosen else "YYYY-MM-DD")
    if (first.is_not_null() | ~present).all():
        parsed = {chosen[0] if chosen else "YYYY-MM-DD": first}
    else:
        parsed = {family: parse(family) for family in _DATE_FAMILIES}
    full = [f for f, s in parsed.items() if (s.is_not_null() | ~present).all()]
    if chosen and chosen[0] in full:
        family = chosen[0]
    elif full:
        family = full[0]
        if {"DD/MM/YYYY", "MM/DD/YYYY"} <= set(full) and not chosen:
            example = clean.drop_nulls().head(1).to_list()
            raise InputError(
                f"{state.source}: column '{item.name}' has dates like "
                f"'{example[0] if example else ''}' that could be day/month or month/day. "
                "Export the dates as YYYY-MM-DD and try again.")
    else:
        # Which family reads the most rows; anything else is either another format or junk.
        counts = {f: int(s.is_not_null().sum()) for f, s in parsed.items()}
        family = max(counts, key=lambda f: counts[f])
        others = [f for f in counts if f != family and counts[f] > 0
                  and (parsed[f].is_not_null() & parsed[family].is_null()).any()]
        if counts[family] and others:
            _raise_mixed(clean, parsed, family, others[0], item, state, row_offset)
    if chosen and chosen[0] != family and int(parsed[family].is_not_null().sum()) > 0:
        mask = parsed[family].is_not_null()
        row = int(mask.arg_true()[0]) + row_offset + 1
        value = clean.filter(mask)[0]
        raise InputError(
            f"{state.source}: column '{item.name}' mixes date formats: row {chosen[1]} has "
            f"'{chosen[2]}' ({chosen[0]}) but row {row} has '{value}' ({family}). "
            "Export every date in one format, preferably YYYY-MM-DD.")
    out = parsed[family]
    if (offset_minutes != 0).any():
        out = out - (offset_minutes * 60_000_000).cast(pl.Duration("us"))
    if chosen is None and out.is_not_null().any():
        mask = out.is_not_null()
        state.date_family[item.name] = (family, int(mask.arg_true()[0]) + row_offset + 1,
                                        str(clean.filter(mask)[0]))
    if item.physical_type == "date":
        return out.dt.date()
    return out


def _raise_mixed(clean: pl.Series, parsed: dict[str, pl.Series], family: str, other: str,
                 item: Field, state: ConformState, row_offset: int) -> None:
    first = int(parsed[family].is_not_null().arg_true()[0])
    second_mask = parsed[other].is_not_null() & parsed[family].is_null()
    second = int(second_mask.arg_true()[0])
    raise InputError(
        f"{state.source}: column '{item.name}' mixes date formats: row "
        f"{first + row_offset + 1} has '{clean[first]}' ({family}) but row "
        f"{second + row_offset + 1} has '{clean[second]}' ({other}). "
        "Export every date in one format, preferably YYYY-MM-DD.")


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


# --- great-expectations cross-check ---------------------------------------------------------


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
    from playbooks.contracts import gx_context

    with contextlib.suppress(Exception):  # a real failure is reported by the check itself
        gx_context()


def run_gx(frame: pl.DataFrame, contract: Contract, *, keys: dict[str, pl.Series] | None = None,
           now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Run the contract's compiled great-expectations suite on a frame of contract types.

    Returns, per rule id, `success` and `unexpected_count` as great-expectations saw them.
    """
    import great_expectations as gx

    from playbooks.contracts import compile_suite, gx_context

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
