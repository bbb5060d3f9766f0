"""The account crosswalk: resolve the ways exports name an account to the account's id.

Exports name accounts by the CRM id, another system's id, an email address or domain, a
website, or a company name spelled differently in each system. `resolve_accounts` tries, for
each distinct reference, in this order:

1. `saved`: the user's earlier decision on this reference (accepted or rejected);
2. `id`: the account_id itself;
3. `alternate_id`: one of the account's `alternate_ids` (`gainsight:1I00ABC` or `1I00ABC`);
4. `salesforce_15`: the same Salesforce id in its other form (15 <-> 18 characters);
5. `domain`: the email's or website's registrable domain against the accounts' `domain`
   or `website` (free-mail domains never match);
6. `name`: the normalised company name (`crosswalk_keys.normalise_name`);
7. `fuzzy_name`: the most similar account name (rapidfuzz), above `FUZZY_THRESHOLD`.

Steps 1-6 give `matched`; a fuzzy name gives `uncertain` and waits for the user
(`playbooks accounts accept|reject`). Anything else is `unmatched`, with its reason. Two
accounts sharing a domain or name is never guessed between. The keys are joined, not looped;
only the distinct unresolved names go through the fuzzy matcher.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import polars as pl

from playbooks.data.crosswalk_accounts import account_keys
from playbooks.data.crosswalk_fuzzy import FUZZY_THRESHOLD, similar_names
from playbooks.data.crosswalk_keys import (
    domain_of,
    free_mail_domains,
    normalise_name,
    salesforce_key,
)
from playbooks.data.crosswalk_store import (
    SCHEMA,
    Crosswalk,
    load_crosswalk,
    save_crosswalk,
)
from playbooks.errors import InputError

REF_KINDS = {
    "id": "an account id in your CRM or another system (account_id or an alternate id)",
    "email": "a person's email address; its domain is matched",
    "domain": "an email or web domain such as northwind.com",
    "website": "a web address such as https://www.northwind.com",
    "name": "a company name",
}
"""The kinds of reference an export may name an account by, with what each means."""

METHODS = ("saved", "id", "alternate_id", "salesforce_15", "domain", "name", "fuzzy_name")
"""How a match was made, in the order they are tried."""

RESULT_SCHEMA = {c: SCHEMA[c] for c in
                 ("ref_kind", "ref", "account_id", "method", "score", "status", "reason", "rows")}
_PRIORITY = {method: index for index, method in enumerate(METHODS)}
_WHAT = {"id": "id", "alternate_id": "id", "salesforce_15": "id", "domain": "domain",
         "name": "name"}
_NOT_A = {"email": "not an email address", "domain": "not a domain",
          "website": "not a web address"}


def resolve_accounts(refs: pl.DataFrame, accounts: pl.DataFrame,
                     saved: Crosswalk | None = None, *,
                     threshold: float = FUZZY_THRESHOLD,
                     keys: pl.DataFrame | None = None) -> pl.DataFrame:
    """Resolve each distinct (ref_kind, ref) of `refs` to an account id.

    Args:
        refs: columns `ref_kind` (one of `REF_KINDS`) and `ref`; one row per export row.
        accounts: the accounts table: `account_id`, `name`, and optionally `domain`,
            `website`, `alternate_ids`.
        saved: the workspace's crosswalk, whose decisions win over everything else.
        keys: `crosswalk_accounts.account_keys(accounts)`, when the caller resolves batch
            after batch against the same accounts (computed here otherwise).

    Returns one row per distinct reference, sorted by ref_kind and ref: ref_kind, ref,
    account_id (null unless matched or uncertain), method (one of `METHODS`, null when
    unmatched by any), score (0-100), status (matched, uncertain, unmatched), reason (why
    unmatched or uncertain) and rows (how many rows of `refs` carry the reference).

    Raises InputError when a column is missing, a ref_kind is unknown, or two accounts share
    an account_id or an alternate id (naming both rows and the id).
    """
    distinct = _distinct_refs(refs)
    keys = account_keys(accounts) if keys is None else keys
    decided = _saved_decisions(distinct, saved, set(accounts["account_id"].to_list()))
    pending = distinct.join(decided.select("ref_kind", "ref"), on=["ref_kind", "ref"],
                            how="anti")
    exact, shared, reasons = _exact_matches(pending, keys)
    rest = pending.join(exact.select("ref_kind", "ref"), on=["ref_kind", "ref"], how="anti")
    names = rest.filter(pl.col("ref_kind") == "name").join(shared, on=["ref_kind", "ref"],
                                                            how="anti")
    fuzzy = _fuzzy_matches(names, keys, reasons, threshold)
    found = pl.concat([decided, exact, fuzzy], how="diagonal_relaxed")
    unmatched = rest.join(fuzzy.select("ref_kind", "ref"), on=["ref_kind", "ref"], how="anti")
    unmatched = unmatched.with_columns(
        pl.struct("ref_kind", "ref").map_elements(
            lambda row: reasons.get((row["ref_kind"], row["ref"]), "no account matches"),
            return_dtype=pl.String).alias("reason"),
        pl.lit("unmatched").alias("status"))
    result = pl.concat([found.drop("rows", strict=False).join(
        distinct, on=["ref_kind", "ref"]), unmatched], how="diagonal_relaxed")
    return result.select([pl.col(c).cast(t) for c, t in RESULT_SCHEMA.items()]).sort(
        "ref_kind", "ref")


def update_crosswalk(refs: pl.DataFrame, accounts: pl.DataFrame,
                     workspace: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Resolve `refs` with the workspace's saved decisions and save the crosswalk again.

    The saved crosswalk keeps the decisions and gains the new references; nothing is
    written when resolving fails (the workspace is left as it was). Returns what
    `resolve_accounts` returns. An import that must write all or nothing calls
    `resolve_accounts`, then `merge_crosswalk` and `save_crosswalk` once everything passed.
    """
    saved = load_crosswalk(workspace)
    result = resolve_accounts(refs, accounts, saved)
    save_crosswalk(merge_crosswalk(saved, result), workspace)
    return result


def merge_crosswalk(saved: Crosswalk | None, result: pl.DataFrame) -> Crosswalk:
    """Return the saved crosswalk updated with a new resolution, keeping every decision.

    References in `result` replace their saved rows (with the saved decision carried over,
    unless it accepted an account no longer in the accounts table); saved references the new
    export does not name are kept as they were.
    """
    old = saved.table if saved is not None else pl.DataFrame(schema=SCHEMA)
    decisions = old.filter(pl.col("decision").is_not_null()).select(
        "ref_kind", "ref", "decision", "decided_by", "decided_at")
    fresh = result.join(decisions, on=["ref_kind", "ref"], how="left")
    gone = (pl.col("decision") == "accepted") & pl.col("account_id").is_null()
    fresh = fresh.with_columns(  # an accepted account that left the accounts table
        [pl.when(gone).then(None).otherwise(c).alias(c)
         for c in ("decision", "decided_by", "decided_at")])
    kept = old.join(fresh.select("ref_kind", "ref"), on=["ref_kind", "ref"], how="anti")
    table = pl.concat([kept, fresh.select(list(SCHEMA))], how="diagonal_relaxed")
    return Crosswalk(table.sort("ref_kind", "ref"))


def _distinct_refs(refs: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in ("ref_kind", "ref") if c not in refs.columns]
    if missing:
        raise InputError(f"The references lack the column(s) {', '.join(missing)}.")
    distinct = (refs.select(pl.col("ref_kind").cast(pl.String), pl.col("ref").cast(pl.String))
                .group_by("ref_kind", "ref").agg(pl.len().cast(pl.Int64).alias("rows")))
    unknown = sorted(set(distinct["ref_kind"].drop_nulls().to_list()) - set(REF_KINDS))
    if unknown or distinct["ref_kind"].null_count():
        shown = f"'{unknown[0]}'" if unknown else "an empty one"
        raise InputError(f"The reference kind {shown} is not known; kinds are "
                         f"{', '.join(REF_KINDS)}.")
    return distinct


def _saved_decisions(distinct: pl.DataFrame, saved: Crosswalk | None,
                     known: set[str]) -> pl.DataFrame:
    if saved is None:
        return pl.DataFrame(schema={**RESULT_SCHEMA})
    decided = distinct.join(saved.decisions.select("ref_kind", "ref", "account_id", "decision"),
                            on=["ref_kind", "ref"])
    accepted = pl.col("decision") == "accepted"
    present = pl.col("account_id").is_in(list(known))
    return decided.select(
        "ref_kind", "ref", "rows",
        pl.when(accepted & present).then("account_id").alias("account_id"),
        pl.lit("saved").alias("method"),
        pl.when(accepted & present).then(100.0).alias("score"),
        pl.when(accepted & present).then(pl.lit("matched")).otherwise(pl.lit("unmatched"))
        .alias("status"),
        pl.when(accepted & present).then(pl.lit(None, pl.String))
        .when(accepted).then(pl.lit("the accepted account ") + pl.col("account_id")
                             + pl.lit(" is no longer in the accounts table"))
        .otherwise(pl.lit("match rejected")).alias("reason"))


def _ref_keys(kind: str, ref: str | None, free: frozenset[str],
              reasons: dict[tuple[str, str | None], str]) -> Iterable[str]:
    """Return the keys a reference is looked up by; record why when it has none."""
    text = (ref or "").strip()
    if not text:
        reasons[(kind, ref)] = "empty reference"
        return []
    if kind == "id":
        reasons[(kind, ref)] = "no account with this id"
        sf = salesforce_key(text)
        return [f"id:{text}", f"alt:{text}"] + ([f"sf:{sf}"] if sf else [])
    if kind == "name":
        reasons[(kind, ref)] = "no similar name"
        name = normalise_name(text)
        return [f"name:{name}"] if name else []
    domain = domain_of(text)
    if domain is None:
        reasons[(kind, ref)] = _NOT_A[kind]
        return []
    if domain in free:
        reasons[(kind, ref)] = "free-mail domain"
        return []
    reasons[(kind, ref)] = "no account with this domain"
    return [f"dom:{domain}"]


def _exact_matches(pending: pl.DataFrame, keys: pl.DataFrame
                   ) -> tuple[pl.DataFrame, pl.DataFrame, dict[tuple[str, str | None], str]]:
    """Join the references' keys on the accounts' keys; the best method wins, ties refuse.

    Returns the matches, the references two accounts share (ref_kind, ref) and the reasons.
    """
    reasons: dict[tuple[str, str | None], str] = {}
    free = free_mail_domains()
    looked = pl.DataFrame(
        [(kind, ref, key) for kind, ref in pending.select("ref_kind", "ref").iter_rows()
         for key in _ref_keys(kind, ref, free, reasons)],
        schema={"ref_kind": pl.String, "ref": pl.String, "key": pl.String}, orient="row")
    hits = (looked.join(keys, on="key")
            .with_columns(pl.col("method").replace_strict(_PRIORITY).alias("priority"))
            .filter(pl.col("priority") == pl.col("priority").min().over("ref_kind", "ref"))
            .group_by("ref_kind", "ref")
            .agg(pl.col("account_id").unique().sort(), pl.col("method").first()))
    shared = hits.filter(pl.col("account_id").list.len() > 1)
    for kind, ref, ids, method in shared.iter_rows():
        count = "two" if len(ids) == 2 else str(len(ids))
        reasons[(kind, ref)] = (f"{count} accounts share this {_WHAT[method]} "
                                f"({', '.join(ids)})")
    exact = hits.filter(pl.col("account_id").list.len() == 1).select(
        "ref_kind", "ref", pl.col("account_id").list.first(), "method",
        pl.lit(100.0).alias("score"), pl.lit("matched").alias("status"),
        pl.lit(None, pl.String).alias("reason"))
    return exact, shared.select("ref_kind", "ref"), reasons


def _fuzzy_matches(names: pl.DataFrame, keys: pl.DataFrame,
                   reasons: dict[tuple[str, str | None], str], threshold: float) -> pl.DataFrame:
    """Offer the most similar account name for each distinct unresolved name, as uncertain."""
    empty = pl.DataFrame(schema={c: RESULT_SCHEMA[c] for c in
                                 ("ref_kind", "ref", "account_id", "method", "score", "status",
                                  "reason")})
    if not names.height:
        return empty
    owners: dict[str, set[str]] = {}
    named = keys.filter(pl.col("method") == "name").select(
        pl.col("key").str.strip_prefix("name:"), "account_id")
    for normal, account_id in named.iter_rows():
        owners.setdefault(normal, set()).add(account_id)
    queries = {ref: normalise_name(ref or "") for (ref,) in names.select("ref").iter_rows()}
    similar = similar_names(queries.values(), owners, threshold)
    rows = []
    for ref, query in queries.items():
        best = similar.get(query)
        if best is None:
            continue
        if len(best.account_ids) > 1:
            reasons[("name", ref)] = (f"several accounts have names this similar "
                                      f"({', '.join(best.account_ids)})")
            continue
        rows.append(("name", ref, best.account_ids[0], "fuzzy_name", best.score, "uncertain",
                     f"similar to the account name '{best.name}'"))
    return pl.DataFrame(rows, schema=empty.schema, orient="row") if rows else empty
