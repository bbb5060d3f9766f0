"""`playbooks trap` and `playbooks repair`: efficiency beside relationship, and what happens
after something goes wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from playbooks.commands.options import (
    AsOf,
    Workspace,
    check_table_path,
    parse_as_of,
    write_table,
)
from playbooks.commands.signals import ActivityTable, EngineName
from playbooks.errors import InputError


def register(app: typer.Typer) -> None:
    """Add `trap` and `repair` to the command line."""
    app.command("trap")(trap_command)
    app.command("repair")(repair_command)


def trap_command(
    workspace: Workspace = None,
    as_of: AsOf = None,
    function: str = typer.Option(None, "--function",
                                 help="Show one function only (e.g. support, or all)."),
    window_weeks: int = typer.Option(12, "--window-weeks",
                                     help="Weeks in each smoothed window."),
    lag_weeks: int = typer.Option(52, "--lag-weeks",
                                  help="How far back the compared window lies."),
    drifting_every: int = typer.Option(0, "--drifting-every",
                                       help="Add the share of accounts that look healthy "
                                            "while drifting, every N weeks (0: skip; one "
                                            "signals run per point)."),
    needs: bool = typer.Option(True, "--needs/--no-needs",
                               help="Classify the questions and name where personal needs "
                                    "meet automation alone."),
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the weekly series to .csv or .parquet.")] = None,
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
    effects: bool = typer.Option(True, "--effects/--no-effects",
                                 help="Estimate what automation alone cost: accounts whose "
                                      "personal needs met automation alone against "
                                      "comparable accounts that reached a person."),
    pairs: bool = typer.Option(True, "--pairs/--no-pairs",
                               help="Show each efficiency measure beside the relationship "
                                    "measure it can cost (follows every answer and "
                                    "check-in over the next 90 days)."),
    engine: EngineName = None,
    activity_table: ActivityTable = None,
) -> None:
    """Name the periods where a function got more efficient while the relationship weakened,
    and where judgment, reassurance or peer-experience questions meet automation alone."""
    from playbooks.data.sources import load_accounts
    from playbooks.data.workspace import load_tables
    from playbooks.engines.cost import relationship_cost_on
    from playbooks.engines.run import chosen_engine, engine_activity, trap_on_engine
    from playbooks.signals import resolve_as_of
    from playbooks.trap import TrapSettings, automation_alone, classified_questions, trap_view
    from playbooks.trap.cost import relationship_cost

    if drifting_every < 0:
        raise InputError("--drifting-every must be 0 or more.")
    check_table_path(out)
    given = parse_as_of(as_of)
    settings = TrapSettings(window_weeks=window_weeks, lag_weeks=lag_weeks)
    chosen = chosen_engine(engine, activity_table)
    cost = None
    if chosen.kind != "polars":  # the passes where the table lives; questions come back
        view, activity, day = trap_on_engine(chosen, activity_table, workspace, as_of=given,
                                             drifting_every_weeks=drifting_every or None,
                                             settings=settings, needs=needs)
        accounts = load_accounts(workspace) if effects else None
        if effects or pairs:  # the followed events and the daily actions come back
            table = engine_activity(chosen, activity_table, workspace)
            cost = relationship_cost_on(table, accounts, view.series, as_of=day,
                                        settings=settings, effects=effects, pairs=pairs)
    else:
        loaded = load_tables(workspace, need_accounts=bool(drifting_every) or effects)
        activity = loaded.activity
        accounts = loaded.accounts if drifting_every or effects else None
        day = resolve_as_of(activity, given)  # once, for the view and the questions
        view = trap_view(activity, accounts, as_of=day,
                         drifting_every_weeks=drifting_every or None, settings=settings)
        if effects or pairs:
            cost = relationship_cost(activity, accounts, view.series, as_of=day,
                                     settings=settings, effects=effects, pairs=pairs)
    findings = view.findings
    known = sorted(view.series["function"].unique().to_list())
    if function is not None:
        if function not in known:
            raise InputError(f"--function {function!r} is not in the data; it has: "
                             f"{', '.join(known) or 'no functions'}.")
        findings = findings.filter(findings["function"] == function)
    alone = None
    if needs and activity is not None:
        alone = automation_alone(classified_questions(activity, as_of=day))
        if function is not None:
            alone = alone.filter(alone["function"] == function)
    found = cost_records(cost, function, effects=effects and accounts is not None,
                         pairs=pairs)
    if out is not None:
        write_table(view.series, out)
    if as_json:
        typer.echo(json.dumps({
            "findings": _rows(findings),
            "automation_alone": _rows(alone) if alone is not None else None,
            "effects": found["effects"],
            "pairs": found["pairs"],
            "functions": known,
        }, indent=2, default=str))
        return
    print_trap(view, findings, alone)
    print_cost(found)
    if out is not None:
        typer.echo(f"Wrote {view.series.height} rows to {out}")


def cost_records(cost: Any, function: str | None, *, effects: bool,
                 pairs: bool) -> dict[str, Any]:
    """The estimated effects of automation alone and the paired measures of a
    `RelationshipCost`, as plain records (None when not asked for or not computed)."""
    from playbooks.trap.cost import EFFECT_SCHEMA
    from playbooks.trap.pairs import pair_records

    found: dict[str, Any] = {"effects": None, "pairs": None}
    if cost is None:
        return found
    chosen = (lambda f: f) if function is None else (lambda f: f.filter(f["function"] == function))
    if effects:
        found["effects"] = chosen(cost.effects).select(list(EFFECT_SCHEMA)).to_dicts()
    if pairs:
        found["pairs"] = pair_records(chosen(cost.pairs))
    return found


def print_cost(found: dict[str, Any]) -> None:
    """Print the estimated effects and the paired measures, one sentence each."""
    if found["effects"] is not None:
        typer.echo("What automation alone cost:" if found["effects"] else
                   "Too few comparable accounts to estimate what automation alone cost.")
        for effect in found["effects"]:
            typer.echo(f"- {effect['sentence']}")
    if found["pairs"] is not None:
        typer.echo("Each efficiency measure beside the relationship measure it can cost:"
                   if found["pairs"] else "Too little history to compare the paired measures.")
        for pair in found["pairs"]:
            typer.echo(f"- {pair['sentence']}")


def print_trap(view: Any, findings: Any, alone: Any | None) -> None:
    """Print the weeks and functions measured, the trap periods, and the personal needs met
    by automation alone (or why there are none)."""
    if view.series.is_empty():
        typer.echo("No activity to measure.")
        return
    weeks = view.series["week"].n_unique()
    known = sorted(view.series["function"].unique().to_list())
    typer.echo(f"{weeks} weeks, functions: {', '.join(known)}")
    needed = view.settings.window_weeks + view.settings.lag_weeks
    if findings.is_empty() and weeks <= needed:
        typer.echo(f"Too little history to look for the trap: each "
                   f"{view.settings.window_weeks}-week window is compared with the same "
                   f"weeks {view.settings.lag_weeks} weeks earlier, so it needs more than "
                   f"{needed} weeks of activity; the data has {weeks}.")
    elif findings.is_empty():
        typer.echo("No period where efficiency improved while the relationship weakened.")
    for row in findings.iter_rows(named=True):
        typer.echo(f"- {row['sentence']}")
    if alone is not None:
        typer.echo("Personal needs answered by automation alone:"
                   if alone.height else "No personal need met automation alone.")
        for row in alone.iter_rows(named=True):
            typer.echo(f"- {row['sentence']}")


def repair_command(
    workspace: Workspace = None,
    as_of: AsOf = None,
    window_days: int = typer.Option(30, "--window-days",
                                    help="Days after an escalation or incident within which "
                                         "the customer must come back."),
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write every episode to .csv or .parquet.")] = None,
    top: int = typer.Option(10, "--top", help="Accounts that went quiet to list."),
    as_json: bool = typer.Option(False, "--json", help="Print the shares and episodes."),
) -> None:
    """After an escalation or incident, did the account come back or go quiet?"""
    from playbooks.data.workspace import load_tables
    from playbooks.trap import repair_after_incidents

    if window_days < 1:
        raise InputError(f"--window-days must be at least 1, not {window_days}.")
    check_table_path(out)
    day = parse_as_of(as_of)
    loaded = load_tables(workspace, need_accounts=False)
    result = repair_after_incidents(loaded.activity, loaded.accounts_if_present,
                                    as_of=day, window_days=window_days)
    if out is not None:
        write_table(result.episodes, out)
    if as_json:
        typer.echo(json.dumps({
            "as_of": result.as_of, "window_days": window_days,
            "summary": result.summary(),
            "by_segment": _rows(result.by_segment),
            "by_quarter": _rows(result.by_quarter),
            "episodes": _rows(result.episodes),
        }, indent=2, default=str))
        return
    print_repair(result, top)
    if out is not None:
        typer.echo(f"Wrote {result.episodes.height} episodes to {out}")


def print_repair(result: Any, top: int) -> None:
    """Print the repair summary, the shares per segment and quarter, and the latest accounts
    that went quiet."""
    import polars as pl

    typer.echo(result.summary())
    for row in result.by_segment.iter_rows(named=True):
        typer.echo(f"  {row['segment']:<12} {row['episodes']:>6} episodes, "
                   f"{row['share_came_back']:.0%} came back")
    for row in result.by_quarter.iter_rows(named=True):
        typer.echo(f"  {row['quarter']}   {row['episodes']:>6} episodes, "
                   f"{row['share_came_back']:.0%} came back")
    quiet = result.episodes.filter(pl.col("outcome") == "went_quiet").sort(
        "trigger_at", descending=True).head(top)
    if quiet.height:
        typer.echo("Latest accounts that went quiet:")
        for row in quiet.iter_rows(named=True):
            typer.echo(f"  {row['account_id']}  {row['name'] or ''}  "
                       f"{row['trigger_kind']} {row['trigger_at']:%Y-%m-%d}")


def _rows(frame: Any) -> list[dict[str, Any]]:
    return frame.to_dicts()
