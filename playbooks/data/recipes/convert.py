"""Turn a known tool's export into a contract-shaped Parquet file the import takes as it is.

`convert_export` runs the recipe (`engine.convert_batches`), resolves the account references
of activity rows (`account_ref`, `account_ref_kind`) to account ids through the account
crosswalk (`playbooks.data.crosswalk.resolve_accounts`, with the workspace's accounts and its
saved decisions), and writes the rows, in the contract's columns and types, to a temporary
Parquet file in the workspace (`.recipe-*.parquet`). The import then checks that file against
the contract and swaps it in like any other. Rows whose account is not found (or only found
by a similar name, waiting for `playbooks accounts accept`) are left out, counted and reported
with the reasons; the crosswalk is not saved here: the caller saves `resolution` once the
import has succeeded (`crosswalk.merge_crosswalk`, `crosswalk_store.save_crosswalk`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data.conform import DTYPES
from playbooks.data.contracts import load_contract
from playbooks.data.crosswalk import RESULT_SCHEMA, resolve_accounts
from playbooks.data.crosswalk_accounts import account_keys
from playbooks.data.crosswalk_store import Crosswalk, load_crosswalk
from playbooks.data.recipes.engine import (
    REF,
    REF_KIND,
    SOURCE_ROW,
    ConversionStats,
    convert_batches,
)
from playbooks.data.recipes.schema import Recipe
from playbooks.data.sources import read_sources, scan_table
from playbooks.errors import InputError

TEMP_PREFIX = ".recipe-"
_REF_KINDS = {"id": "id", "alt_id": "id", "domain": "domain", "name": "name"}
_SAID = {"id": "their CRM id", "alt_id": "another system's id", "domain": "email domain",
         "name": "company name"}


@dataclass
class ConvertedExport:
    """An export converted by a recipe: where the contract rows are and what was counted."""

    table: str
    source: str
    tool: str
    recipe_id: str
    path: Path
    original_file: str
    rows_in: int = 0
    rows_out: int = 0
    filtered_out: int = 0
    no_event: int = 0
    unmatched: int = 0
    unmatched_reasons: dict[str, int] = field(default_factory=dict)
    resolution: pl.DataFrame | None = None
    source_rows: pl.Series | None = None  # per converted row, the export row it came from

    def export_row(self, converted_row: int) -> int | None:
        """Return the export row (1 = the first after the header) a converted row came from."""
        if self.source_rows is None or not 1 <= converted_row <= len(self.source_rows):
            return None
        return int(self.source_rows[converted_row - 1])

    def discard(self) -> None:
        """Remove the temporary Parquet file."""
        self.path.unlink(missing_ok=True)


def workspace_accounts(folder: Path) -> pl.DataFrame | None:
    """Return the workspace's accounts table (None when it has none)."""
    if not folder.is_dir():
        return None
    scan = scan_table(folder, read_sources(folder), "accounts")
    return scan.collect() if scan is not None else None


def convert_export(
    path: Path,
    recipe: Recipe,
    *,
    folder: Path,
    accounts: pl.DataFrame | None = None,
    batch_rows: int | None = None,
) -> ConvertedExport:
    """Convert `path` with `recipe` into a temporary Parquet file in the workspace `folder`.

    `accounts` (default: the workspace's accounts table) is what account references are
    resolved against. Raises InputError naming the file when it cannot be read as the recipe
    says, or when its rows name accounts by reference and there is no accounts table.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    contract = load_contract(recipe.table)
    schema = pa.schema(
        [
            (
                f.name,
                pl.DataFrame(schema={f.name: DTYPES[f.physical_type]}).to_arrow().schema[0].type,
            )
            for f in contract.fields
        ]
    )
    out = folder / f"{TEMP_PREFIX}{recipe.id}-{uuid.uuid4().hex}.parquet"
    result = ConvertedExport(recipe.table, recipe.source, recipe.tool, recipe.id, out, path.name)
    kinds = sorted({r.kind for e in recipe.events for r in recipe.refs_of(e)})
    needs_refs = bool(kinds)
    if needs_refs and accounts is None:
        accounts = workspace_accounts(folder)
        if accounts is None:
            raise InputError(
                f"{path.name}: the {recipe.tool} export names accounts by "
                f"{' or '.join(_SAID[k] for k in kinds)}; import the accounts table first (or "
                "in the same command) so they can be matched to account ids."
            )
    saved = load_crosswalk(folder) if needs_refs else None
    stats = ConversionStats()
    keys: pl.DataFrame | None = None
    made_from: list[pl.Series] = []
    resolutions: list[pl.DataFrame] = []
    reasons: Counter[str] = Counter()
    writer = pq.ParquetWriter(out, schema, compression="lz4")  # read once, by the import
    pool = ThreadPoolExecutor(max_workers=1)  # a batch is written while the next is made
    pending: Future[None] | None = None
    try:
        options: dict[str, Any] = {"batch_rows": batch_rows} if batch_rows else {}
        for batch in convert_batches(path, recipe, workdir=folder, stats=stats, **options):
            if REF in batch.columns:
                if keys is None:
                    keys = account_keys(accounts)  # type: ignore[arg-type]
                batch = _resolve(batch, accounts, saved, resolutions, reasons, keys)  # type: ignore[arg-type]
            frame = batch.select(
                [
                    (pl.col(f.name) if f.name in batch.columns else pl.lit(None))
                    .cast(DTYPES[f.physical_type])
                    .alias(f.name)
                    for f in contract.fields
                ]
            )
            result.rows_out += frame.height
            if pending is not None:
                pending.result()
            pending = pool.submit(writer.write_table, frame.to_arrow().cast(schema))
            made_from.append(batch.get_column(SOURCE_ROW).cast(pl.UInt32))
        if pending is not None:
            pending.result()
    except BaseException:
        pool.shutdown(wait=True)
        writer.close()
        out.unlink(missing_ok=True)
        raise
    pool.shutdown(wait=True)
    writer.close()
    result.rows_in = stats.rows_in
    result.source_rows = pl.concat(made_from) if made_from else pl.Series([], dtype=pl.UInt32)
    result.filtered_out, result.no_event = stats.filtered_out, stats.no_event
    result.unmatched = sum(reasons.values())
    result.unmatched_reasons = dict(reasons.most_common())
    if resolutions:
        merged = pl.concat(resolutions, how="vertical_relaxed")
        result.resolution = (
            merged.group_by("ref_kind", "ref", maintain_order=True)
            .agg(pl.exclude("rows").first(), pl.col("rows").sum())
            .select(list(RESULT_SCHEMA))
        )
    return result


def _ref_columns(batch: pl.DataFrame) -> list[tuple[str, str]]:
    """Return the batch's (reference, kind) column pairs, in the order they are tried."""
    pairs = [(REF, REF_KIND)]
    while f"{REF}_{len(pairs)}" in batch.columns:
        pairs.append((f"{REF}_{len(pairs)}", f"{REF_KIND}_{len(pairs)}"))
    return pairs


def match_rows(
    batch: pl.DataFrame, accounts: pl.DataFrame, saved: Crosswalk | None = None,
    keys: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Give each row of a recipe's output its account: the first of its references that matches.

    A fallback reference is looked up only for the rows the earlier ones left unmatched.
    Returns the rows with the reference columns replaced by `account_id` (null where none
    matched), `match_method` (how it matched, one of `crosswalk.METHODS`) and `unmatched_reason`
    (the reasons of each reference the row has, or that it has none), and the crosswalk's
    resolution of the references looked up (None when the rows carry none).
    """
    pairs = _ref_columns(batch)
    looked = batch.with_columns(
        ([] if "account_id" in batch.columns else [pl.lit(None, pl.String).alias("account_id")])
        + [pl.lit(None, pl.String).alias("match_method"),
           pl.lit(None, pl.String).alias("unmatched_reason"), pl.int_range(pl.len()).alias("__at")]
    )
    found: list[pl.DataFrame] = []
    for ref, kind in pairs:
        todo = looked.filter(pl.col("account_id").is_null() & pl.col(ref).is_not_null()).select(
            "__at", pl.col(kind).replace_strict(_REF_KINDS, return_dtype=pl.String)
            .alias("ref_kind"), pl.col(ref).alias("ref"))
        if todo.is_empty():
            continue
        answer = resolve_accounts(todo.select("ref_kind", "ref"), accounts, saved, keys=keys)
        found.append(answer)
        hits = todo.join(answer, on=["ref_kind", "ref"], how="left").select(
            "__at",
            pl.when(pl.col("status") == "matched").then("account_id").alias("__id"),
            pl.when(pl.col("status") == "matched").then("method").alias("__how"),
            pl.when(pl.col("status") != "matched")
            .then(pl.col("reason").fill_null("no account matches")).alias("__why"))
        looked = looked.join(hits, on="__at", how="left", maintain_order="left").with_columns(
            pl.coalesce("account_id", "__id").alias("account_id"),
            pl.coalesce("match_method", "__how").alias("match_method"),
            pl.concat_str(["unmatched_reason", "__why"], separator="; ", ignore_nulls=True)
            .replace("", None).alias("unmatched_reason"),
        ).drop("__id", "__how", "__why")
    looked = looked.with_columns(
        pl.when(pl.col("account_id").is_not_null()).then(None)
        .otherwise(pl.col("unmatched_reason").str.split("; ").list.unique(maintain_order=True)
                   .list.join("; ").fill_null("no account reference in the row"))
        .alias("unmatched_reason"))
    helpers = {c for c in looked.columns if c.startswith(("__", REF))}
    resolution = (pl.concat(found, how="vertical_relaxed") if found else None)
    return looked.select([c for c in looked.columns if c not in helpers]), resolution


def _resolve(
    batch: pl.DataFrame,
    accounts: pl.DataFrame,
    saved: Crosswalk | None,
    resolutions: list[pl.DataFrame],
    reasons: Counter[str],
    keys: pl.DataFrame,
) -> pl.DataFrame:
    """Give the batch's rows their account id; drop (and count) rows with none."""
    rows, found = match_rows(batch, accounts, saved, keys)
    if found is not None:
        resolutions.append(found)
    missing = rows.filter(pl.col("account_id").is_null())
    for reason, count in missing.group_by("unmatched_reason").len().iter_rows():
        reasons[reason] += int(count)
    return rows.filter(pl.col("account_id").is_not_null()).drop(
        "match_method", "unmatched_reason")
