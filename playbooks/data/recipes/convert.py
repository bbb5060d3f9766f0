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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from playbooks.data.conform import DTYPES
from playbooks.data.contracts import load_contract
from playbooks.data.crosswalk import RESULT_SCHEMA, resolve_accounts
from playbooks.data.crosswalk_store import load_crosswalk
from playbooks.data.recipes.engine import SOURCE_ROW, ConversionStats, convert_batches
from playbooks.data.recipes.schema import Recipe
from playbooks.data.sources import read_sources, scan_table
from playbooks.errors import InputError

TEMP_PREFIX = ".recipe-"
_REF_KINDS = {"id": "id", "alt_id": "id", "domain": "domain", "name": "name"}


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
    unmatched: int = 0
    unmatched_reasons: dict[str, int] = field(default_factory=dict)
    resolution: pl.DataFrame | None = None

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
    needs_refs = any(e.account_ref_kind for e in recipe.events)
    if needs_refs and accounts is None:
        accounts = workspace_accounts(folder)
        if accounts is None:
            kinds = sorted({str(e.account_ref_kind) for e in recipe.events if e.account_ref_kind})
            raise InputError(
                f"{path.name}: the {recipe.tool} export names accounts by "
                f"{' or '.join(kinds)}; import the accounts table first (or in the same "
                "command) so they can be matched to account ids."
            )
    saved = load_crosswalk(folder) if needs_refs else None
    stats = ConversionStats()
    resolutions: list[pl.DataFrame] = []
    reasons: Counter[str] = Counter()
    writer = pq.ParquetWriter(out, schema, compression="zstd")
    try:
        options: dict[str, Any] = {"batch_rows": batch_rows} if batch_rows else {}
        for batch in convert_batches(path, recipe, workdir=folder, stats=stats, **options):
            if "account_ref" in batch.columns:
                batch = _resolve(batch, accounts, saved, resolutions, reasons)  # type: ignore[arg-type]
            frame = batch.select(
                [
                    (pl.col(f.name) if f.name in batch.columns else pl.lit(None))
                    .cast(DTYPES[f.physical_type])
                    .alias(f.name)
                    for f in contract.fields
                ]
            )
            result.rows_out += frame.height
            writer.write_table(frame.to_arrow().cast(schema))
    except BaseException:
        writer.close()
        out.unlink(missing_ok=True)
        raise
    writer.close()
    result.rows_in = stats.rows_in
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


def _resolve(
    batch: pl.DataFrame,
    accounts: pl.DataFrame,
    saved: Any,
    resolutions: list[pl.DataFrame],
    reasons: Counter[str],
) -> pl.DataFrame:
    """Give the batch's rows their account id; drop (and count) rows with none."""
    refs = batch.select(
        pl.col("account_ref_kind").replace_strict(_REF_KINDS).alias("ref_kind"),
        pl.col("account_ref").alias("ref"),
    )
    missing = refs.get_column("ref").is_null()
    if missing.any():
        reasons["no account reference in the row"] += int(missing.sum())
    known = refs.filter(~missing)
    if known.is_empty():
        return batch.filter(pl.lit(False)).with_columns(pl.lit(None, pl.String).alias("account_id"))
    found = resolve_accounts(known, accounts, saved)
    resolutions.append(found)
    matched = found.filter(pl.col("status") == "matched")
    for reason, rows in (
        found.filter(pl.col("status") != "matched")
        .group_by(pl.col("reason").fill_null("no account matches"))
        .agg(pl.col("rows").sum())
        .iter_rows()
    ):
        reasons[reason] += int(rows)
    joined = batch.with_columns(refs.get_column("ref_kind")).join(
        matched.select(pl.col("ref_kind"), pl.col("ref").alias("account_ref"), "account_id"),
        on=["ref_kind", "account_ref"],
        how="inner",
        maintain_order="left",
    )
    keep = [c for c in joined.columns if c not in ("ref_kind", SOURCE_ROW)]
    return joined.select(keep)
