"""Count a contract's failing rows chunk by chunk, keeping the first examples of each rule.

Each rule's check unit (`playbooks.data.checks`) gives the polars expression true on its
failing rows; one `select` sums them all over a chunk. Duplicate checks keep a 64-bit hash of
each row's key instead, and `resolve_duplicates` finds the repeats once every chunk is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from playbooks.data.checks import CheckContext, check_for
from playbooks.data.conform import ConformState, conform
from playbooks.data.contract_model import Contract, Rule

MAX_EXAMPLES = 20
_HASH_SEED = 7


@dataclass
class Tally:
    """What one rule found so far: failing rows, the first examples, and key hashes."""

    failing: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    hashes: list[pl.Series] = field(default_factory=list)


def tally_chunk(typed: pl.DataFrame, raw: pl.DataFrame, rules: list[Rule],
                context: CheckContext, offset: int, tallies: dict[str, Tally]) -> None:
    """Add one chunk's failing rows (and first examples) to each row-level rule's tally.

    `typed` is the chunk converted to contract types (with the hidden type-failure flags),
    `raw` the chunk as read, `offset` the rows before it (examples are numbered from 1).
    """
    present = set(typed.columns)
    exprs: dict[str, pl.Expr] = {}
    for rule in rules:
        unit = check_for(rule)
        if unit.table_level or not rule.columns or not unit.countable(rule, present):
            continue
        if unit.counts_duplicates:
            key = unit.hash_key(rule).hash(seed=_HASH_SEED)
            tallies[rule.id].hashes.append(typed.select(key).to_series())
            continue
        expr = unit.failing(rule, context)
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
        mask: pl.Expr | pl.Series = exprs[rule.id]
        source = typed
        if check_for(rule).reads_raw:  # examples as read: the flags live on the typed chunk
            source, mask = raw, typed.select(exprs[rule.id]).to_series()
        picked = (source.with_row_index("__row", offset=offset + 1)
                  .filter(mask)
                  .head(MAX_EXAMPLES - len(tally.examples))
                  .select(pl.col("__row"), example_value(typed, rule, raw).alias("__value")))
        tally.examples.extend({"row": r, "value": v} for r, v in picked.iter_rows())


def example_value(frame: pl.DataFrame, rule: Rule, raw: pl.DataFrame | None) -> pl.Expr:
    """Return how an example row shows the rule's value(s): as read, as text, or `col=value`."""
    if check_for(rule).reads_raw and raw is not None:
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


def resolve_duplicates(rule: Rule, tally: Tally,
                       make_chunks: Callable[[], Iterable[pl.DataFrame]], contract: Contract,
                       state: ConformState) -> None:
    """Turn a duplicate check's key hashes into its failing rows and examples.

    The hashes are sorted once to find the repeated ones; only when there are some are the
    chunks read again (just the rule's columns) to list the rows holding a repeated key.
    """
    import numpy as np

    hashes = np.concatenate([h.to_numpy() for h in tally.hashes])
    tally.hashes = []
    hashes.sort()  # sorting beats a hash table here: 30 million keys in half a second
    repeated = pl.Series(np.unique(hashes[1:][hashes[1:] == hashes[:-1]]), dtype=pl.UInt64)
    del hashes
    if repeated.is_empty():
        return
    key = check_for(rule).row_key(rule)
    candidates = []
    offset = 0
    for chunk in make_chunks():
        typed = conform(chunk.select(list(rule.columns)), contract, state=state,
                        row_offset=offset)
        found = (typed.with_row_index("__row", offset=offset + 1)
                 .filter(pl.col(rule.columns[0]).is_not_null()
                         & key.hash(seed=_HASH_SEED).is_in(repeated.implode()))
                 .select("__row", example_value(typed, rule, None).alias("__value")))
        candidates.append(found)
        offset += chunk.height
    found = pl.concat(candidates).filter(pl.col("__value").is_duplicated())
    tally.failing = found.height
    tally.examples = [{"row": r, "value": v}
                      for r, v in found.sort("__value", "__row").head(MAX_EXAMPLES).iter_rows()]
