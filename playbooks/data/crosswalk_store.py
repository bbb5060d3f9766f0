"""The saved account crosswalk: the last matches and the user's decisions, in the workspace.

`crosswalk.parquet` in the workspace holds one row per reference an export named an account
by (ref_kind, ref), with the account it resolved to, how (method, score), its status and
reason, and the user's decision on it (`accepted` or `rejected`, by whom, when). The next
import reuses the decisions (`playbooks.data.crosswalk.resolve_accounts`). The file is
written to a temporary file beside it and swapped in with `os.replace`, so it is never half
written.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from playbooks.data.workspace import resolve_workspace
from playbooks.errors import InputError

CROSSWALK_FILE = "crosswalk.parquet"
MAX_CROSSWALK_BYTES = 200_000_000
MAX_CROSSWALK_ROWS = 5_000_000
STATUSES = ("matched", "uncertain", "unmatched")
DECISIONS = ("accepted", "rejected")
SCHEMA: dict[str, pl.DataType] = {
    "ref_kind": pl.String(), "ref": pl.String(), "account_id": pl.String(),
    "method": pl.String(), "score": pl.Float64(), "status": pl.String(),
    "reason": pl.String(), "rows": pl.Int64(), "decision": pl.String(),
    "decided_by": pl.String(), "decided_at": pl.Datetime("us", "UTC"),
}
"""The columns of the crosswalk table, in order."""


@dataclass(frozen=True)
class Crosswalk:
    """The account crosswalk: one row per (ref_kind, ref), columns as in `SCHEMA`.

    Creating one checks it: each reference appears once, statuses and decisions are known
    words, an accepted decision names an account. `source` names the file in messages.
    """

    table: pl.DataFrame
    source: str = CROSSWALK_FILE

    def __post_init__(self) -> None:
        missing = [c for c in SCHEMA if c not in self.table.columns]
        if missing:
            raise InputError(f"{self.source}: the crosswalk lacks the column(s) "
                             f"{', '.join(missing)}.")
        try:
            table = self.table.select(list(SCHEMA)).cast(SCHEMA)  # type: ignore[arg-type]
        except pl.exceptions.PolarsError as error:
            raise InputError(f"{self.source}: a column of the crosswalk holds values of the "
                             f"wrong type ({error}).") from error
        object.__setattr__(self, "table", table)
        _check_unique(table, self.source)
        for column, allowed in (("status", STATUSES), ("decision", DECISIONS)):
            bad = table.with_row_index("row", 1).filter(
                pl.col(column).is_not_null() & ~pl.col(column).is_in(allowed))
            if bad.height:
                raise InputError(f"{self.source}: row {bad['row'][0]}, column '{column}': "
                                 f"'{bad[column][0]}' is not one of {', '.join(allowed)}.")
        bad = table.with_row_index("row", 1).filter(
            (pl.col("decision") == "accepted") & pl.col("account_id").is_null())
        if bad.height:
            raise InputError(f"{self.source}: row {bad['row'][0]}: an accepted match must "
                             "name its account_id.")

    @property
    def decisions(self) -> pl.DataFrame:
        """Return the rows the user accepted or rejected."""
        return self.table.filter(pl.col("decision").is_not_null())

    def with_status(self, status: str | None) -> pl.DataFrame:
        """Return the rows of one status (all rows when None), unmatched and uncertain first."""
        rows = self.table if status is None else self.table.filter(pl.col("status") == status)
        order = {s: i for i, s in enumerate(("uncertain", "unmatched", "matched"))}
        return rows.sort(pl.col("status").replace_strict(order, default=9), "ref_kind", "ref")


def _check_unique(table: pl.DataFrame, source: str) -> None:
    """Refuse a crosswalk that gives one reference twice, naming the rows and the accounts."""
    counted = table.with_row_index("row", 1).group_by("ref_kind", "ref").agg(
        pl.col("row"), pl.col("account_id")).filter(pl.col("row").list.len() > 1)
    if counted.height:
        first = counted.sort(pl.col("row").list.first()).row(0, named=True)
        accounts = " and ".join(str(a) for a in dict.fromkeys(first["account_id"]))
        rows = " and ".join(str(r) for r in first["row"])
        raise InputError(f"{source}: the reference {first['ref_kind']} '{first['ref']}' "
                         f"appears in rows {rows}, for the accounts {accounts}; each reference "
                         "may name one account. Keep one of the rows.")


def empty_crosswalk() -> Crosswalk:
    """Return a crosswalk with no rows."""
    return Crosswalk(pl.DataFrame(schema=SCHEMA))


def crosswalk_path(workspace: str | os.PathLike[str] | None = None) -> Path:
    """Return where a workspace keeps its crosswalk."""
    return resolve_workspace(workspace) / CROSSWALK_FILE


def load_crosswalk(workspace: str | os.PathLike[str] | None = None) -> Crosswalk | None:
    """Return the workspace's saved crosswalk, or None when it has none yet.

    Raises InputError naming the file when it is too large, unreadable or inconsistent
    (such as one reference given two accounts).
    """
    import pyarrow.parquet as pq

    path = crosswalk_path(workspace)
    if not path.exists():
        return None
    if path.stat().st_size > MAX_CROSSWALK_BYTES:
        raise InputError(f"{path}: the crosswalk is larger than {MAX_CROSSWALK_BYTES:,} bytes.")
    try:
        rows = pq.ParquetFile(path).metadata.num_rows
        if rows > MAX_CROSSWALK_ROWS:
            raise InputError(f"{path}: the crosswalk holds {rows:,} rows, more than "
                             f"{MAX_CROSSWALK_ROWS:,}.")
        table = pl.read_parquet(path)
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - polars raises several kinds for a bad file
        raise InputError(f"{path}: not readable as a crosswalk (Parquet): {error}") from error
    return Crosswalk(table, source=str(path))


def save_crosswalk(crosswalk: Crosswalk,
                   workspace: str | os.PathLike[str] | None = None) -> Path:
    """Write the crosswalk into the workspace atomically (a temporary file, then os.replace)."""
    path = crosswalk_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{CROSSWALK_FILE}-{uuid.uuid4().hex}.tmp")
    try:
        crosswalk.table.write_parquet(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def decide_match(crosswalk: Crosswalk, ref_kind: str, ref: str, decision: str, *,
                 account_id: str | None = None, by: str = "",
                 at: dt.datetime | None = None,
                 known_accounts: set[str] | None = None) -> Crosswalk:
    """Return the crosswalk with the user's decision on one reference.

    `accepted` keeps the suggested account, or takes `account_id` when given (required
    when the reference has no suggestion); `rejected` drops the suggestion, so the reference
    stays unmatched on later imports. `known_accounts`, when given, is checked for the account.
    Raises InputError naming the reference when it is not in the crosswalk.
    """
    if decision not in DECISIONS:
        raise InputError(f"A decision is accepted or rejected, not '{decision}'.")
    table = crosswalk.table
    hit = (pl.col("ref_kind") == ref_kind) & (pl.col("ref") == ref)
    found = table.filter(hit)
    if not found.height:
        kinds = ", ".join(sorted(set(table["ref_kind"].to_list()))) or "none yet"
        raise InputError(f"The crosswalk has no reference {ref_kind} '{ref}' (reference kinds "
                         f"in it: {kinds}); `playbooks accounts matches` lists them.")
    chosen = account_id if decision == "accepted" else None
    if decision == "accepted" and chosen is None:
        chosen = found["account_id"][0]
        if chosen is None:
            raise InputError(f"{ref_kind} '{ref}' has no suggested account: name the account "
                             "to match it to with --account.")
    if chosen is not None and known_accounts is not None and chosen not in known_accounts:
        raise InputError(f"There is no account '{chosen}' in the accounts table.")
    when = at or dt.datetime.now(dt.UTC)
    status = "matched" if decision == "accepted" else "unmatched"
    reason = None if decision == "accepted" else "match rejected"
    updated = table.with_columns(
        pl.when(hit).then(pl.lit(chosen, pl.String)).otherwise("account_id").alias("account_id"),
        pl.when(hit).then(pl.lit(status)).otherwise("status").alias("status"),
        pl.when(hit).then(pl.lit(reason, pl.String)).otherwise("reason").alias("reason"),
        pl.when(hit).then(pl.lit(decision)).otherwise("decision").alias("decision"),
        pl.when(hit).then(pl.lit(by)).otherwise("decided_by").alias("decided_by"),
        pl.when(hit).then(pl.lit(when, SCHEMA["decided_at"])).otherwise("decided_at")
        .alias("decided_at"),
    )
    return Crosswalk(updated, source=crosswalk.source)
