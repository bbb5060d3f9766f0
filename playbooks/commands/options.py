"""Options shared by the commands over a workspace: the folder, the as-of date, `--out` files.

The as-of date is parsed here, at the edge, once; the library functions are given a plain
`datetime.date` (or None for the latest event's date).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from playbooks import settings
from playbooks.errors import InputError

WORKSPACE_HELP = "Workspace folder (default: $PLAYBOOKS_WORKSPACE, else ./workspace)."
AS_OF_HELP = "Date to compute as of (YYYY-MM-DD; default: the date of the latest event)."
TABLE_SUFFIXES = (".csv", ".parquet")



def use_workspace(value: str | None) -> str | None:
    """Make a command's `--workspace` the workspace of the whole run (as PLAYBOOKS_WORKSPACE
    would), so what is read from the workspace beyond its tables (its own knowledge folder,
    its store) follows it too. `playbooks.cli.main` puts the setting back afterwards."""
    if value:
        os.environ[settings.WORKSPACE.name] = value
    return value


Workspace = Annotated[str | None, typer.Option("--workspace", "-w", help=WORKSPACE_HELP,
                                               callback=use_workspace)]
AsOf = Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)]


def parse_as_of(value: str | None) -> dt.date | None:
    """Read the --as-of option: a date, or None for the latest event's date.

    Raises InputError naming the option and the value when it is not a date.
    """
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise InputError(f"--as-of must be a date like 2026-03-31, not '{value}'.") from error


def check_table_path(out: Path | None) -> None:
    """Refuse an --out file that is neither .csv nor .parquet, before any work is done."""
    if out is not None and out.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"--out must end in .csv or .parquet, not '{out.name}'.")


def write_table(frame: Any, out: Path) -> None:
    """Write a table to .parquet, or to .csv with list columns joined by " | " (nested
    columns, which CSV cannot hold, are left out); either renamed into place when complete."""
    import polars as pl

    from playbooks.userfiles.writing import atomic_path

    check_table_path(out)
    if out.suffix.lower() == ".parquet":
        with atomic_path(out) as temporary:
            frame.write_parquet(temporary)
        return
    flat = frame.with_columns(
        [pl.col(c).list.eval(pl.element().cast(pl.String)).list.join(" | ")
         for c, t in frame.schema.items() if isinstance(t, pl.List)
         and not isinstance(t.inner, pl.Struct)])
    flat = flat.drop([c for c, t in flat.schema.items() if isinstance(t, pl.List | pl.Struct)])
    write_frame_csv(flat, out)


def write_frame_csv(frame: Any, out: Path) -> None:
    """Write a frame through the formula-safe CSV writer, renamed into place when complete."""
    from playbooks.userfiles.writing import write_csv

    write_csv(out, frame.columns, frame_rows(frame), lineterminator="\n")


def frame_rows(frame: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of a frame for the CSV writer: numbers as they are, everything else as polars
    writes it as text (true/false, dates); the writer makes formula-like text inert."""
    import polars as pl

    text = frame.select(
        pl.col(name) if dtype.is_numeric() else pl.col(name).cast(pl.String)
        for name, dtype in frame.schema.items())
    return text.iter_rows(buffer_size=2048)
