"""Commands over account activity: per-account signals, question themes, flag evaluation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from playbooks.commands.options import (
    AsOf,
    Workspace,
    check_table_path,
    parse_as_of,
    use_workspace,
    write_table,
)
from playbooks.errors import InputError

AccountsFile = Annotated[Path | None,
                         typer.Option("--accounts", help="Accounts file (CSV or Parquet).")]
ActivityFile = Annotated[Path | None,
                         typer.Option("--activity", help="Activity file (CSV or Parquet).")]
EngineName = Annotated[str | None, typer.Option(
    "--engine", help="Where the passes over the activity table run: polars (default; "
                     "$PLAYBOOKS_ENGINE), duckdb, spark, local[N], spark://HOST:PORT or a "
                     "warehouse URL (postgresql://user@host/db).")]
ActivityTable = Annotated[str | None, typer.Option(
    "--activity-table", help="The activity table the engine reads: its table name "
                             "(schema.table) or a Parquet or CSV file (default: the "
                             "workspace's activity files).")]


def register(app: typer.Typer) -> None:
    """Add `signals`, `themes`, `predict-quiet` and `evaluate` to the command line."""
    app.command("signals")(signals_command)
    app.command("themes")(themes_command)
    app.command("predict-quiet")(predict_quiet_command)
    app.command("evaluate")(evaluate_command)


def signals_command(
    workspace: Workspace = None,
    accounts: AccountsFile = None,
    activity: ActivityFile = None,
    as_of: AsOf = None,
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
    score_model: Annotated[Path | None, typer.Option(
        "--score-model", help="Score with this saved model file (score_model.json) instead "
                              "of the workspace's own or a new fit.")] = None,
    engine: EngineName = None,
    activity_table: ActivityTable = None,
) -> None:
    """Compute each account's signals: disengagement score, drifting flag, silence, reasons.

    The score is fitted on the data's own history before the as-of date (in a workspace, once,
    then kept there), or the shipped starting model where the history is too short."""
    from playbooks.data.workspace import resolve_workspace
    from playbooks.engines.run import chosen_engine
    from playbooks.signals import compute_signals, list_continuity_gaps
    from playbooks.signals.learn import resolve_model
    from playbooks.signals.score_model import read_model

    day = parse_as_of(as_of)
    check_table_path(out)
    chosen = chosen_engine(engine, activity_table)
    model = None
    if chosen.kind != "polars":
        table = activity_table or (str(activity) if activity is not None else None)
        result, model = signals_on_engine(chosen, table, workspace, accounts, day,
                                          recent_weeks, baseline_weeks, gap_days, gaps,
                                          score_model)
    elif gaps:
        tables = read_tables(workspace, accounts, activity)
        result = list_continuity_gaps(tables["activity"], as_of=day,
                                      weeks=recent_weeks + baseline_weeks, gap_days=gap_days)
    else:
        tables = read_tables(workspace, accounts, activity)
        folder = resolve_workspace(workspace) if activity is None else None
        model = read_model(score_model) if score_model is not None else resolve_model(
            tables["accounts"], tables["activity"], as_of=day, health=tables.get("health"),
            folder=folder)
        result = compute_signals(tables["accounts"], tables["activity"], as_of=day,
                                 recent_weeks=recent_weeks, baseline_weeks=baseline_weeks,
                                 gap_days=gap_days, health=tables.get("health"), model=model)
    if out is not None:
        write_table(result, out)
    if as_json:
        typer.echo(_json(result))
        return
    if gaps:
        print_gaps(result, top)
    else:
        print_summary(result, top, note=model.describe() if model is not None else "")
    if out is not None:
        typer.echo(f"Wrote {result.height} rows to {out}")


def signals_on_engine(engine: Any, activity_table: str | None, workspace: str | None,
                      accounts: Path | None, day: dt.date | None, recent_weeks: int,
                      baseline_weeks: int, gap_days: int, gaps: bool,
                      score_model: Path | None) -> tuple[Any, Any]:
    """The signals (or with `gaps`, the gaps' list) with the passes on an engine; the accounts and
    health snapshots come from `--accounts` or the workspace. The score is `--score-model`'s,
    else the shipped starting model (a fit to the data's own history runs on polars)."""
    from playbooks.data.sources import load_accounts, load_health
    from playbooks.data.workspace import read_file
    from playbooks.engines.run import engine_activity
    from playbooks.engines.signals import compute_signals_on, list_continuity_gaps_on
    from playbooks.signals.score_model import prior_model, read_model

    table = engine_activity(engine, activity_table, workspace)
    if gaps:
        return list_continuity_gaps_on(table, as_of=day, weeks=recent_weeks + baseline_weeks,
                                       gap_days=gap_days), None
    health = None
    if accounts is not None:
        frame = read_file(accounts, contract="accounts").lazy()
    else:
        frame, health = load_accounts(workspace), load_health(workspace)  # activity: the engine's
    model = read_model(score_model) if score_model is not None else prior_model()
    result = compute_signals_on(frame, table, as_of=day, recent_weeks=recent_weeks,
                                baseline_weeks=baseline_weeks, gap_days=gap_days,
                                health=health, model=model)
    return result, model


def themes_command(
    workspace: Workspace = None,
    activity: ActivityFile = None,
    as_of: AsOf = None,
    max_themes: int = typer.Option(20, "--max-themes", help="Most themes to look for."),
    min_accounts: int = typer.Option(None, "--min-accounts",
                                     help="Different accounts that must ask about a theme "
                                          "within the last 26 weeks for it to count as "
                                          "recurring (default: 5)."),
    out: Annotated[Path | None,
        typer.Option("--out", help="Write the themes to .parquet or .csv.")] = None,
    as_json: bool = typer.Option(False, "--json", help="Print the themes as JSON."),
) -> None:
    """Group customers' questions into repeated themes and show how widely each recurs."""
    from playbooks.questions.themes import ThemeSettings, find_themes

    if max_themes < 1:
        raise InputError("--max-themes must be at least 1.")
    day = parse_as_of(as_of)
    check_table_path(out)
    tables = read_tables(workspace, None, activity, need_accounts=False)
    rule = ThemeSettings(max_themes=max_themes, min_accounts=min_accounts)
    themes = find_themes(tables["activity"], as_of=day, settings=rule)
    if out is not None:
        write_table(themes, out)
    if as_json:
        typer.echo(_json(themes))
        return
    if themes.height == 0:
        typer.echo("No question texts found, so no themes.")
        return
    typer.echo(f"{themes.height} question themes ({int(themes['recurring'].sum())} recurring). "
               + rule.recurring_rule())
    for r in themes.iter_rows(named=True):
        mark = "recurring" if r["recurring"] else ""
        mark += " rising" if r["rising"] else ""
        typer.echo(f"  {r['label']:<36} {r['question_count']:>7} questions "
                   f"{r['account_count']:>6} accounts  {r['first_seen']} to {r['last_seen']}"
                   f" ({r['weeks_active']} weeks) {mark}".rstrip())
        typer.echo(f"      {r['recurrence']}; e.g. \"{r['example']}\"")
    if out is not None:
        typer.echo(f"Wrote {themes.height} themes to {out}")


def predict_quiet_command(
    cutoff: str = typer.Option(..., "--cutoff", help="Score with the data before this date "
                               "(YYYY-MM-DD), then check who did nothing after it."),
    horizon_weeks: int = typer.Option(12, "--horizon-weeks",
                                      help="How long after the cut-off to look."),
    workspace: str = typer.Option(None, "--workspace", "-w", help="Workspace folder.",
                                  callback=use_workspace),
    accounts: Path = typer.Option(None, "--accounts", help="Accounts file (CSV/Parquet)."),
    activity: Path = typer.Option(None, "--activity", help="Activity file (CSV/Parquet)."),
    as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
) -> None:
    """Check the disengagement score against days since the last activity at predicting
    which accounts go quiet (ROC AUC), using only the accounts and activity tables."""
    from dataclasses import asdict

    from playbooks.signals.evaluate import evaluate_quiet_prediction

    try:
        day = dt.date.fromisoformat(cutoff)
    except ValueError:
        raise InputError(f"--cutoff {cutoff!r} is not a date (YYYY-MM-DD).") from None
    tables = read_tables(workspace, accounts, activity)
    result = evaluate_quiet_prediction(tables["accounts"], tables["activity"], cutoff=day,
                                       horizon_weeks=horizon_weeks)
    if as_json:
        typer.echo(json.dumps({**asdict(result), "cutoff": str(result.cutoff)}, indent=2))
    else:
        typer.echo(result.to_text())


def evaluate_command(
    workspace: str = typer.Option(None, "--workspace", "-w",
                                  help="Demo workspace holding labels.csv.",
                                  callback=use_workspace),
    as_of: AsOf = None,
    as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
) -> None:
    """Score the flags against a demo's labels, side by side with the health score alone."""
    from playbooks.data.workspace import resolve_workspace
    from playbooks.signals.evaluate import evaluate_workspace

    day = parse_as_of(as_of)
    result = evaluate_workspace(resolve_workspace(workspace), as_of=day)
    if as_json:
        typer.echo(json.dumps({"by_archetype": result.by_archetype.to_dicts(),
                               "metrics": result.metrics.to_dicts()}, indent=2))
    else:
        typer.echo(result.to_text())


def read_tables(workspace: str | None, accounts: Path | None, activity: Path | None,
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


def _json(frame: Any) -> str:
    return json.dumps(frame.to_dicts(), indent=2, default=str)


def print_gaps(result: Any, top: int) -> None:
    """Print how many continuity gaps there are, and the first `top` with their dates."""
    typer.echo(f"{result.height} continuity gaps in {result['account_id'].n_unique()} accounts")
    for r in result.head(top).iter_rows(named=True):
        typer.echo(f"  {r['account_id']}  {r['trigger_kind']} {r['trigger_at']:%Y-%m-%d}"
                   f" -> {r['outreach_kind']} {r['outreach_at']:%Y-%m-%d} "
                   f"({r['days_after']} days)")


def print_summary(result: Any, top: int, note: str = "") -> None:
    """Print the status counts, `note` (where the score comes from) and the `top` accounts
    most at risk, each with its reasons."""
    import polars as pl

    counts = result.group_by("status").len().sort("status")
    drifting = int(result["looks_healthy_drifting"].sum())
    typer.echo(f"{result.height} accounts; {drifting} look healthy but are drifting; status: "
               + ", ".join(f"{s} {n}" for s, n in counts.iter_rows()))
    if note:
        typer.echo(note)
    missing = result["sources_missing"].explode().drop_nulls().unique().sort().to_list()
    if missing:
        typer.echo(f"No data for: {', '.join(missing)}.")
    shown = result.filter(pl.col("status") != "no_data").sort(
        ["looks_healthy_drifting", "disengagement_score", "account_id"],
        descending=[True, True, False]).head(top)
    for r in shown.iter_rows(named=True):
        flag = " DRIFTING" if r["looks_healthy_drifting"] else ""
        typer.echo(f"{r['account_id']}  score {r['disengagement_score']:>5.1f}  "
                   f"internal {r['internal_view']}  silence {r['silence'] or '-'}{flag}")
        for reason in r["reasons"]:
            typer.echo(f"    - {reason}")
