"""Commands over the decision framework: recommend, diagnose, and the knowledge files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from playbooks.commands.options import Workspace
from playbooks.errors import InputError


def _choice(name: str, value: str | None, valid: list[str]) -> str | None:
    if value is not None and value not in valid:
        raise typer.BadParameter(f"unknown {name} {value!r}; choose one of: {', '.join(valid)}",
                                 param_hint=f"'--{name.replace('_', '-')}'")
    return value


def register(app: typer.Typer) -> None:
    """Add `recommend`, `diagnose` and `knowledge` to the command line."""
    app.command("recommend")(recommend_command)
    app.command("diagnose")(diagnose_command)
    knowledge = typer.Typer(help="Check and document the knowledge files.", no_args_is_help=True)
    knowledge.command("check")(knowledge_check)
    knowledge.command("docs")(knowledge_docs)
    knowledge.command("measure")(knowledge_measure)
    app.add_typer(knowledge, name="knowledge")


def recommend_command(
    need: str = typer.Option(..., help="What the customer is trying to settle: information, "
                             "judgment, reassurance, proof or peer_experience."),
    stage: str | None = typer.Option(None, help="Journey stage, e.g. onboarding."),
    stakes: str | None = typer.Option(None, help="routine or consequential."),
    familiarity: str | None = typer.Option(None, help="familiar or unfamiliar."),
    org_risk: bool = typer.Option(False, "--org-risk",
                                  help="Internal politics or buy-in are part of the problem."),
    off_hours: bool = typer.Option(False, "--off-hours",
                                   help="The moment falls outside working hours."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Rank every channel for a customer moment, best first, with the reasons."""
    from playbooks.advice.advisor import Situation, recommend
    from playbooks.framework.model import load_knowledge

    kb = load_knowledge()
    _choice("need", need, list(kb.needs))
    _choice("stage", stage, list(kb.stages))
    _choice("stakes", stakes, [v.id for v in kb.modifiers["stakes"].values])
    _choice("familiarity", familiarity, [v.id for v in kb.modifiers["familiarity"].values])
    result = recommend(Situation(need=need, stage=stage, stakes=stakes,
                                 familiarity=familiarity, org_risk=org_risk,
                                 off_hours=off_hours), kb)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    from playbooks.commands.output import print_recommendation

    print_recommendation(result, kb)


def diagnose_command(
    file: Path = typer.Argument(..., help="A journey map as CSV or YAML."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    workspace: Workspace = None,
) -> None:
    """Find the anti-patterns in a journey map, with reasons and the play for each."""
    from playbooks.advice.journey import load_journey_map
    from playbooks.advice.rules import diagnose
    from playbooks.framework.model import load_knowledge

    kb = load_knowledge()
    journey_map = load_journey_map(file, knowledge=kb)
    findings = diagnose(journey_map, kb)
    if as_json:
        from dataclasses import asdict

        summary = {s: sum(f.severity == s for f in findings) for s in ("high", "medium", "low")}
        typer.echo(json.dumps({
            "journey_map": journey_map.name,
            "touchpoints": len(journey_map.touchpoints),
            "summary": summary,
            "findings": [f.to_dict() for f in findings],
            "own_measures": [asdict(g) for g in journey_map.measure_guesses],
            "channels_assumed": [asdict(g) for g in journey_map.channel_guesses],
        }, indent=2))
        return
    from playbooks.commands.output import print_findings

    print_findings(journey_map, findings, kb)
    for line in assumption_lines(journey_map, kb):
        typer.echo(line)


def assumption_lines(journey_map, kb) -> list[str]:  # type: ignore[no-untyped-def]
    """Say, for the terminal, how the map's own measures and channels were read, and how to
    change each reading."""
    lines = []
    if journey_map.measure_guesses:
        lines += ["", "Your own measures, read by a guess:"]
        for g in journey_map.measure_guesses:
            lines.append(f"  - {g.label} ({g.id}): {g.kind}; {g.reason}.")
        lines.append("  To correct one: playbooks knowledge measure NAME --kind "
                     "efficiency|relationship|commercial (saved in your knowledge overlay).")
    if journey_map.channel_guesses:
        lines += ["", "Channels read as the nearest known one:"]
        for g in journey_map.channel_guesses:
            column = "channel" if g.column == "channel" else "'unanswered questions go to'"
            lines.append(f"  - row {g.row}, {g.touchpoint}: {column} '{g.given}' read as "
                         f"{g.label} ({g.reason}).")
        known = ", ".join(f"{c.label} ({c.id})" for c in kb.channels.values())
        lines.append(f"  To change it, write one of these in the map instead: {known}.")
    return lines


def knowledge_check(
    directory: Path | None = typer.Argument(None, help="A knowledge folder (default: the "
                                            "shipped one)."),
    overlay: list[Path] | None = typer.Option(None, help="A company knowledge file or "
                                              "folder laid over it (repeatable; default: "
                                              "PLAYBOOKS_KNOWLEDGE_OVERLAY)."),
) -> None:
    """Load and check every knowledge file; name the file and key of any problem."""
    from playbooks.framework.model import load_knowledge

    kb = load_knowledge(directory, overlays=overlay or None)
    typer.echo(f"{kb.source}: {len(kb.needs)} needs, {len(kb.channels)} channels, "
               f"{len(kb.modifiers)} modifiers, {len(kb.stages)} stages, "
               f"{len(kb.anti_patterns)} anti-patterns, {len(kb.plays)} plays: all valid.")


def knowledge_measure(
    name: str = typer.Argument(..., help="The measure as written in your journey maps, "
                               "e.g. open_rate."),
    kind: str = typer.Option(..., help="efficiency, relationship or commercial."),
    label: str | None = typer.Option(None, help="A readable name (default: from NAME)."),
    overlay: Path | None = typer.Option(None, help="The overlay folder to save it in "
                                        "(default: the workspace's knowledge folder)."),
    workspace: Workspace = None,
) -> None:
    """Say what kind one of your own measures is; saved as a knowledge overlay."""
    from playbooks.advice.journey_words import measure_label
    from playbooks.framework.overlays import save_measure

    path = save_measure(name, kind, label=label or measure_label(name), folder=overlay)
    typer.echo(f"Saved: {label or measure_label(name)} ({name}) is a {kind} measure, in {path}.")


def knowledge_docs(
    out: Path | None = typer.Option(None, help="Write to this file instead of printing."),
) -> None:
    """Print (or write) the reference page generated from the knowledge files."""
    from playbooks.docs import render_knowledge_markdown

    text = render_knowledge_markdown()
    if out is None:
        typer.echo(text, nl=False)
        return
    if out.is_dir():
        raise InputError(f"{out}: is a folder; give a file name such as docs/knowledge.md")
    from playbooks.userfiles.writing import write_text_atomic

    write_text_atomic(out, text)
    typer.echo(f"Wrote {out}")
