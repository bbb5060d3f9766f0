"""The keys the accounts table offers the crosswalk, and the ids no two accounts may share.

`account_keys` turns the accounts table into one row per key an account can be found by
(its id, each alternate id, the case-safe Salesforce id, its domain, its normalised name);
`playbooks.data.crosswalk` joins the exports' references on them.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from playbooks.data.crosswalk_keys import (
    domain_of,
    free_mail_domains,
    normalise_name,
    salesforce_key,
)
from playbooks.errors import InputError


def account_keys(accounts: pl.DataFrame) -> pl.DataFrame:
    """Return every key an account can be found by: columns key, account_id, method.

    Keys are namespaced: `id:`, `alt:` (each alternate id, with and without its system
    prefix), `sf:` (the case-safe Salesforce id), `dom:` and `name:`. Raises InputError when
    two accounts share an account_id or an alternate id, naming both rows and the id.
    """
    missing = [c for c in ("account_id", "name") if c not in accounts.columns]
    if missing:
        raise InputError(f"The accounts table lacks the column(s) {', '.join(missing)}.")
    table = accounts.with_row_index("row", 1).with_columns(
        pl.col("account_id").cast(pl.String), pl.col("name").cast(pl.String))
    ids = table.select("row", "account_id", pl.col("account_id").alias("value"),
                       pl.lit("account_id").alias("column"))
    alternates = _alternate_ids(table)
    _refuse_shared_ids(pl.concat([ids, alternates.select(ids.columns)]).drop_nulls("value"))
    parts = [
        ids.select(("id:" + pl.col("value")).alias("key"), "account_id",
                   pl.lit("id").alias("method")),
        alternates.select(("alt:" + pl.col("value")).alias("key"), "account_id",
                          pl.lit("alternate_id").alias("method")),
        alternates.select(("alt:" + pl.col("bare")).alias("key"), "account_id",
                          pl.lit("alternate_id").alias("method")),
    ]
    values = pl.concat([ids.select("value", "account_id"),
                        alternates.select("value", "account_id"),
                        alternates.select(pl.col("bare").alias("value"), "account_id")])
    parts.append(_mapped(values, "value", salesforce_key, "sf:", "salesforce_15"))
    free = free_mail_domains()
    for column in ("domain", "website"):
        if column in table.columns:
            site = table.select(pl.col(column).cast(pl.String).str.split(";").alias("value"),
                                "account_id").explode("value")  # a;b: the account has both
            parts.append(_mapped(site, "value", lambda v: _company_domain(v, free), "dom:",
                                 "domain"))
    names = table.select(pl.col("name").alias("value"), "account_id")
    parts.append(_mapped(names, "value", lambda v: normalise_name(v) or None, "name:", "name"))
    return pl.concat(parts).drop_nulls().unique()


def _company_domain(value: str, free: frozenset[str]) -> str | None:
    domain = domain_of(value)
    return None if domain in free else domain


def _mapped(frame: pl.DataFrame, column: str, function: Callable[[str], str | None],
            prefix: str,
            method: str) -> pl.DataFrame:
    """Apply a key function to the distinct values of a column, then join it back."""
    distinct = frame.select(column).drop_nulls().unique()
    mapped = distinct.with_columns(pl.col(column).map_elements(
        function, return_dtype=pl.String, skip_nulls=True).alias("mapped"))
    return frame.join(mapped, on=column).select(
        (prefix + pl.col("mapped")).alias("key"), "account_id", pl.lit(method).alias("method"))


def _alternate_ids(table: pl.DataFrame) -> pl.DataFrame:
    """Return row, account_id, value (the full alternate id) and bare (without `system:`)."""
    if "alternate_ids" not in table.columns:
        return pl.DataFrame(schema={"row": pl.UInt32, "account_id": pl.String,
                                    "value": pl.String, "column": pl.String,
                                    "bare": pl.String})
    return (table.select("row", "account_id",
                         pl.col("alternate_ids").cast(pl.String).str.split(";").alias("value"))
            .explode("value")
            .with_columns(pl.col("value").str.strip_chars())
            .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
            .with_columns(pl.lit("alternate_ids").alias("column"),
                          pl.col("value").str.split_exact(":", 1).struct.field("field_1")
                          .str.strip_chars().fill_null(pl.col("value")).alias("bare"))
            .unique(["row", "value"], maintain_order=True))


def _refuse_shared_ids(ids: pl.DataFrame) -> None:
    shared = (ids.group_by("value")
              .agg(pl.col("row"), pl.col("account_id"), pl.col("column"))
              .filter((pl.col("account_id").list.n_unique() > 1)
                      | (pl.col("column").list.count_matches("account_id") > 1))
              .sort(pl.col("row").list.min()))
    if not shared.height:
        return
    first = shared.row(0, named=True)
    rows = sorted(zip(first["row"], first["account_id"], first["column"], strict=True))
    (row_a, account_a, column_a), (row_b, account_b, column_b) = rows[0], rows[1]
    raise InputError(
        f"The accounts table gives the id '{first['value']}' to two accounts: row {row_a} "
        f"(account {account_a}, {column_a}) and row {row_b} (account {account_b}, "
        f"{column_b}). Each id may belong to one account; nothing was changed.",
        problems=[f"id '{r['value']}': rows {', '.join(map(str, sorted(r['row'])))}"
                  for r in shared.iter_rows(named=True)][1:6])
