"""Commands over account activity: per-account signals, question themes, flag evaluation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from playbooks.errors import InputError

_WORKSPACE_HELP = "Workspace folder (default: $PLAYBOOKS_WORKSPACE, else ./workspace)."
_AS_OF_HELP = "Date to compute as of (YYYY-MM-DD; default: the date of the latest event)."


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise InputError(f"--as-of must be a date like 2026-03-31, not '{value}'.") from error


def _tables(workspace: str | None, accounts: Path | None, activity: Path | None,
            need_accounts: bool = True) -> dict[str, Any]:
    """Lazy accounts, activity and (when present) health snapshots, from files or a workspace."""
    from playbooks.data.workspace import load_tables, read_file

    if (accounts is None) != (activity is None) and need_accounts:
        raise InputError("Give both --accounts and --activity, or neither to use the workspace.")
    if activity is not None:
        tables = {"activity": read_file(activity, contract="activity").lazy()}
        if need_accounts and accounts is not None:
            tables["accounts"] = read_file(accounts, contract="accounts").lazy()
        return tables
    loaded = load_tables(workspace, need_accounts=need_accounts)
    tables = {"activity": loaded.activity}
    if need_accounts:
        tables["accounts"] = loaded.accounts
        if loaded.health is not None:
            tables["health"] = loaded.health
    return tables


def _write(frame: Any, out: Path) -> None:
    import polars as pl

    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.write_parquet(out)
    elif suffix == ".csv":
        flat = frame.with_columns(
            [pl.col(c).list.eval(pl.element().cast(pl.String)).list.join(" | ")
             for c, t in frame.schema.items() if isinstance(t, pl.List)
             and not isinstance(t.inner, pl.Struct)])
        flat = flat.drop([c for c, t in flat.schema.items()
                          if isinstance(t, pl.List | pl.Struct)])
        flat.write_csv(out)
    else:
        raise InputError(f"--out must end in .parquet or .csv, not '{out.name}'.")


def _json(frame: Any) -> str:
    return json.dumps(frame.to_dicts(), indent=2, default=str)


def register(app: typer.Typer) -> None:
    """Add `signals`, `themes` and `evaluate` to the command line."""

    @app.command("signals")
    def signals_command(
        workspace: str = typer.Option(None, "--workspace", "-w", help=_WORKSPACE_HELP),
        accounts: Annotated[Path | None,
            typer.Option("--accounts", help="Accounts file (CSV or Parquet).")] = None,
        activity: Annotated[Path | None,
            typer.Option("--activity", help="Activity file (CSV or Parquet).")] = None,
        as_of: str = typer.Option(None, "--as-of", help=_AS_OF_HELP),
        recent_weeks: int = typer.Option(12, "--recent-weeks", help="Recent window in weeks."),
        baseline_weeks: int = typer.Option(12, "--baseline-weeks",
                                           help="Baseline window before it, in weeks."),
        gap_days: int = typer.Option(7, "--gap-days",
                                     help="Days after a support issue within which automated "
                                          "outreach counts as a continuity gap."),
        out: Annotated[Path | None,
            typer.Option("--out", help="Write every column to .parquet or .csv.")] = None,
        as_json: bool = typer.Option(False, "--json", help="Print all rows as JSON."),
        gaps: bool = typer.Option(False, "--gaps",
                                  help="List the continuity gaps with their dates instead."),
        top: int = typer.Option(15, "--top", help="Accounts shown in the summary."),
    ) -> None:
        """Compute each account's signals: disengagement score, drifting flag, silence, reasons."""
        import polars as pl

        from playbooks.signals import compute_signals, list_continuity_gaps

        day = _date(as_of)
        tables = _tables(workspace, accounts, activity)
        if gaps:
            result = list_continuity_gaps(tables["activity"], as_of=day,
                                          weeks=recent_weeks + baseline_weeks, gap_days=gap_days)
        else:
            result = compute_signals(tables["accounts"], tables["activity"], as_of=day,
                                     recent_weeks=recent_weeks, baseline_weeks=baseline_weeks,
                                     gap_days=gap_days, health=tables.get("health"))
        if out is not None:
            _write(result, out)
        if as_json:
            typer.echo(_json(result))
            return
        if gaps:
            typer.echo(f"{result.height} continuity gaps in {result['account_id'].n_unique()} "
                       "accounts")
            for r in result.head(top).iter_rows(named=True):
                typer.echo(f"  {r['account_id']}  {r['trigger_kind']} {r['trigger_at']:%Y-%m-%d}"
                           f" -> {r['outreach_kind']} {r['outreach_at']:%Y-%m-%d} "
                           f"({r['days_after']} days)")
        else:
            _summary(result, top, pl)
        if out is not None:
            typer.echo(f"Wrote {result.height} rows to {out}")

    @app.command("themes")
    def themes_command(
        workspace: str = typer.Option(None, "--workspace", "-w", help=_WORKSPACE_HELP),
        activity: Annotated[Path | None,
            typer.Option("--activity", help="Activity file (CSV or Parquet).")] = None,
        as_of: str = typer.Option(None, "--as-of", help=_AS_OF_HELP),
        max_themes: int = typer.Option(20, "--max-themes", help="Most themes to look for."),
        min_accounts: int = typer.Option(None, "--min-accounts",
                                         help="Accounts a theme must touch to count as "
                                              "recurring (default: 5 or 2% of askers)."),
        out: Annotated[Path | None,
            typer.Option("--out", help="Write the themes to .parquet or .csv.")] = None,
        as_json: bool = typer.Option(False, "--json", help="Print the themes as JSON."),
    ) -> None:
        """Group customers' questions into repeated themes and show how widely each recurs."""
        from playbooks.questions.themes import ThemeSettings, find_themes

        if max_themes < 1:
            raise InputError("--max-themes must be at least 1.")
        tables = _tables(workspace, None, activity, need_accounts=False)
        themes = find_themes(tables["activity"], as_of=_date(as_of),
                             settings=ThemeSettings(max_themes=max_themes,
                                                    min_accounts=min_accounts))
        if out is not None:
            _write(themes, out)
        if as_json:
            typer.echo(_json(themes))
            return
        if themes.height == 0:
            typer.echo("No question texts found, so no themes.")
            return
        typer.echo(f"{themes.height} question themes ({int(themes['recurring'].sum())} recurring)")
        for r in themes.iter_rows(named=True):
            mark = "recurring" if r["recurring"] else ""
            mark += " rising" if r["rising"] else ""
            typer.echo(f"  {r['label']:<36} {r['question_count']:>7} questions "
                       f"{r['account_count']:>6} accounts  {r['first_seen']} to {r['last_seen']}"
                       f" ({r['weeks_active']} weeks) {mark}".rstrip())
            typer.echo(f"      e.g. \"{r['example']}\"")
        if out is not None:
            typer.echo(f"Wrote {themes.height} themes to {out}")

    _register_quiet(app)

    @app.command("evaluate")
    def evaluate_command(
        workspace: str = typer.Option(None, "--workspace", "-w",
                                      help="Demo workspace holding labels.csv."),
        as_of: str = typer.Option(None, "--as-of", help=_AS_OF_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
    ) -> None:
        """Score the flags against a demo's labels, side by side with the health score alone."""
        from playbooks.data.workspace import resolve_workspace
        from playbooks.signals.evaluate import evaluate_workspace

        result = evaluate_workspace(resolve_workspace(workspace), as_of=_date(as_of))
        if as_json:
            typer.echo(json.dumps({"by_archetype": result.by_archetype.to_dicts(),
                                   "metrics": result.metrics.to_dicts()}, indent=2))
        else:
            typer.echo(result.to_text())


def _register_quiet(app: typer.Typer) -> None:
    @app.command("predict-quiet")
    def predict_quiet_command(
        cutoff: str = typer.Option(..., "--cutoff", help="Score with the data before this date "
                                   "(YYYY-MM-DD), then check who did nothing after it."),
        horizon_weeks: int = typer.Option(12, "--horizon-weeks",
                                          help="How long after the cut-off to look."),
        workspace: str = typer.Option(None, "--workspace", "-w", help="Workspace folder."),
        accounts: Path = typer.Option(None, "--accounts", help="Accounts file (CSV/Parquet)."),
        activity: Path = typer.Option(None, "--activity", help="Activity file (CSV/Parquet)."),
        as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
    ) -> None:
        """Check the disengagement score against days since the last activity at predicting
        which accounts go quiet (ROC AUC), using only the accounts and activity tables."""
        from dataclasses import asdict

        from playbooks.signals.evaluate import evaluate_quiet_prediction

        tables = _tables(workspace, accounts, activity)
        result = evaluate_quiet_prediction(tables["accounts"], tables["activity"],
                                           cutoff=cutoff, horizon_weeks=horizon_weeks)
        if as_json:
            typer.echo(json.dumps({**asdict(result), "cutoff": str(result.cutoff)}, indent=2))
        else:
            typer.echo(result.to_text())


def _summary(result: Any, top: int, pl: Any) -> None:
    counts = result.group_by("status").len().sort("status")
    drifting = int(result["looks_healthy_drifting"].sum())
    typer.echo(f"{result.height} accounts; {drifting} look healthy but are drifting; status: "
               + ", ".join(f"{s} {n}" for s, n in counts.iter_rows()))
    missing = result["sources_missing"].explode().drop_nulls().unique().sort().to_list()
    if missing:
        typer.echo(f"No data for: {', '.join(missing)} (the score is re-weighted over the rest).")
    shown = result.filter(pl.col("status") != "no_data").sort(
        ["looks_healthy_drifting", "disengagement_score", "account_id"],
        descending=[True, True, False]).head(top)
    for r in shown.iter_rows(named=True):
        flag = " DRIFTING" if r["looks_healthy_drifting"] else ""
        typer.echo(f"{r['account_id']}  score {r['disengagement_score']:>5.1f}  "
                   f"internal {r['internal_view']}  silence {r['silence'] or '-'}{flag}")
        for reason in r["reasons"]:
            typer.echo(f"    - {reason}")
