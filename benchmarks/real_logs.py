"""Turn public activity logs into `accounts` + `activity` files the contracts accept.

    .venv/bin/python benchmarks/real_logs.py cdnow CDNOW_master.txt --out /tmp/real/cdnow
    .venv/bin/python benchmarks/real_logs.py git /path/to/repo.git --out /tmp/real/nova

- **cdnow**: the CDNOW purchase log (23,570 customers, January 1997 to June 1998) as shipped in
  the `lifetimes` package (`lifetimes/datasets/CDNOW_master.txt`: customer id, date, CDs,
  dollars). A customer is an account and its only person; a purchase is one `feature_used`
  event whose feature is the order's size (1, 2, 3-5 or 6+ CDs). The activity contract
  refuses dates before 2000, so every date is moved 28 years later (1997-01-01 becomes
  2025-01-01, same weekday; `--shift-years`): only whole-log shifts, so no figure changes.
- **git**: a repository's commit history (`git log --no-merges`). The author's e-mail
  domain (reduced to its registrable domain) is the account, the author the person, a commit
  one `feature_used` event on the author date; free-mail domains (gmail.com, ...) are left
  out, as they name people, not companies.

Every account gets the contract's required columns; `contract_start` is the day of its first
event (so an account that starts after a cut-off has no activity before it and is left out of
that cut-off), and nothing else about the future is written. Nothing here is committed: the
script rebuilds the files from the public sources.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
from pathlib import Path

import polars as pl

EVENT_COLUMNS = {"source_function": "product", "channel": "in_product_guidance",
                 "actor_type": "customer", "automated": False}


def read_cdnow(path: Path, shift_years: int = 28) -> pl.DataFrame:
    """Read CDNOW_master.txt into account_id, person_id, occurred_at, feature, every date
    moved `shift_years` later."""
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[0].isdigit():
            continue
        cds = int(parts[2])
        size = "1 CD" if cds == 1 else "2 CDs" if cds == 2 else "3-5 CDs" if cds <= 5 else "6+ CDs"
        day = parts[1]
        rows.append((f"C{parts[0]}",
                     dt.datetime.strptime(f"{int(day[:4]) + shift_years}{day[4:]}", "%Y%m%d"),
                     size))
    frame = pl.DataFrame(rows, schema={"account_id": pl.String, "occurred_at": pl.Datetime("us"),
                                       "feature": pl.String}, orient="row")
    return frame.with_columns(pl.col("account_id").alias("person_id"))


def read_git(repo: Path) -> pl.DataFrame:
    """Read a repository's non-merge commits into account_id, person_id, occurred_at."""
    from playbooks.data.crosswalk_keys import domain_of, free_mail_domains

    log = subprocess.run(["git", "-C", str(repo), "log", "--no-merges", "--format=%ae|%aI",
                          "HEAD"], check=True, capture_output=True, text=True).stdout
    free = free_mail_domains() | {"users.noreply.github.com", "localhost", "localdomain"}
    rows = []
    for line in log.splitlines():
        email, _, when = line.rpartition("|")
        domain = domain_of(email.rpartition("@")[2].lower()) if "@" in email else None
        if domain is None or domain in free or domain.endswith(".local"):
            continue
        stamp = dt.datetime.fromisoformat(when).astimezone(dt.UTC).replace(tzinfo=None)
        rows.append((domain, email.lower(), stamp))
    frame = pl.DataFrame(rows, schema={"account_id": pl.String, "person_id": pl.String,
                                       "occurred_at": pl.Datetime("us")}, orient="row")
    return frame.with_columns(pl.lit(None, pl.String).alias("feature"))


def write_workspace_files(events: pl.DataFrame, out: Path) -> tuple[int, int]:
    """Write accounts.parquet and activity.parquet; return (accounts, events)."""
    out.mkdir(parents=True, exist_ok=True)
    events = events.sort("occurred_at", "account_id", "person_id")
    activity = events.with_columns(
        pl.format("e{}", pl.int_range(pl.len())).alias("event_id"),
        pl.lit("feature_used").alias("kind"),
        *[pl.lit(v).alias(k) for k, v in EVENT_COLUMNS.items()],
        pl.lit(None, pl.String).alias("question_text"),
    ).select("event_id", "account_id", "person_id", "actor_type", "occurred_at",
             "source_function", "kind", "channel", "automated", "feature", "question_text")
    first = events.group_by("account_id").agg(pl.col("occurred_at").min().dt.date()
                                              .alias("contract_start"))
    accounts = first.sort("account_id").select(
        "account_id", pl.col("account_id").alias("name"), pl.lit("all").alias("segment"),
        pl.lit("unassigned").alias("owner"), pl.lit(0.0).alias("annual_value"),
        "contract_start",
        (pl.col("contract_start") + pl.duration(days=365)).alias("renewal_date"),
        pl.lit("adoption").alias("lifecycle_stage"))
    accounts.write_parquet(out / "accounts.parquet")
    activity.write_parquet(out / "activity.parquet")
    return accounts.height, activity.height


def main() -> None:
    """Build one set from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["cdnow", "git"])
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--shift-years", type=int, default=28,
                        help="cdnow: years to move every date (the contract starts in 2000).")
    args = parser.parse_args()
    events = (read_cdnow(args.source, args.shift_years) if args.kind == "cdnow"
              else read_git(args.source))
    accounts, rows = write_workspace_files(events, args.out)
    span = f"{events['occurred_at'].min():%Y-%m-%d} to {events['occurred_at'].max():%Y-%m-%d}"
    print(f"{args.out}: {accounts:,} accounts, {rows:,} events, {span}")


if __name__ == "__main__":
    main()
