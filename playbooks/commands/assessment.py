"""Commands for the self-assessment and the plan: `playbooks assessment ...` and
`playbooks actions ...`.

Exit codes: 0 done; 1 not found, or a save refused because someone changed the assessment
since you read it; 2 input that cannot be used (bad quarter, level, statement or file).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from playbooks.errors import InputError

if TYPE_CHECKING:
    from playbooks.assessment.scoring import AssessmentResult, Comparison
    from playbooks.store import AssessmentRecord, Store

DB_HELP = "Database URL (default: PLAYBOOKS_DATABASE_URL, else workspace/playbooks.db)."
BY_HELP = "Your name, recorded with what you change."
OutputOption = Annotated[Path | None, typer.Option(help="File to write (default: print).")]
SignalsOption = Annotated[Path | None, typer.Option(help="Account signals (CSV or Parquet).")]
ThemesOption = Annotated[Path | None, typer.Option(help="Question themes (CSV or Parquet).")]


def _open(url: str | None, *, create: bool = True) -> Store:
    """Open the store; `create=False` (for commands that only read) never makes a database."""
    from playbooks.store import Store

    return Store(url, create=create)


def _pick(store: Store, assessment_id: int | None, team: str | None,
          quarter: str | None) -> AssessmentRecord:
    from playbooks.store import NotFoundError

    if assessment_id is not None:
        return store.get_assessment(assessment_id)
    if not (team and quarter):
        raise InputError("name the assessment: give its id, or --team and --quarter")
    record = store.find_assessment(team, quarter)
    if record is None:
        raise NotFoundError(f"{team} has no assessment for {quarter.upper()}")
    return record


def _read_frame(path: Path | None, source: str):  # type: ignore[no-untyped-def]
    """Read a signals or themes table; refuse one that holds none of the columns any piece
    of evidence from that source uses (a file given in the wrong place, say)."""
    if path is None:
        return None
    import polars as pl

    from playbooks.assessment.evidence import RULES
    from playbooks.userfiles.limits import TABLE, check_input_file

    check_input_file(path, TABLE)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, try_parse_dates=True)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise InputError(f"{path}: cannot read it as a table ({str(error)[:200]})") from None
    wanted = [rule.columns for rule in RULES if rule.source == source]
    if wanted and not any(all(c in frame.columns for c in columns) for columns in wanted):
        needed = sorted({c for columns in wanted for c in columns})
        raise InputError(f"{path}: none of the {source} evidence can be read from it; it "
                         f"needs some of the columns {', '.join(needed)}")
    return frame


def status_words(status: str) -> str:
    """An assessment's status in plain words: `in progress` or `final`."""
    return "final" if status == "final" else "in progress"


def format_result(record: AssessmentRecord, result: AssessmentResult,
                  comparison: Comparison | None = None, earlier: str | None = None,
                  evidence: dict | None = None) -> str:
    """Describe a scored assessment as plain text for the terminal."""
    lines = [f"Assessment {record.id}: {record.team}, {record.quarter} "
             f"({status_words(record.status)}, version {record.version}, question bank "
             f"v{record.bank_version})"]
    answered = f"{result.answered_count} of {result.total_count} statements answered"
    if result.overall_level is None:
        lines.append(f"Overall: not scored yet ({answered})")
    else:
        lines.append(f"Overall: level {result.overall_level} {result.overall_level_name} "
                     f"(score {result.overall_score:.2f} of {result.target}; {answered})")
    lines.append("")
    for dim in result.dimensions.values():
        if dim.level is None:
            lines.append(f"  {dim.title}: not answered ({dim.total} statements)")
        else:
            lines.append(f"  {dim.title}: level {dim.level} {dim.level_name} "
                         f"(score {dim.score:.2f}, {dim.answered}/{dim.total} answered)")
            if dim.unanswered:
                lines.append(f"      unanswered: {', '.join(dim.unanswered)}")
        found = (evidence or {}).get(dim.dimension_id)
        if found is not None:
            lines += [f"      data: {fact.text}" for fact in found.facts]
            lines += [f"      {message}" for message in found.missing]
    if result.gaps:
        lines += ["", "Largest gaps:"]
        lines += [f"  {d.title}: {d.gap:.1f} below level {result.target}" for d in result.gaps[:3]]
    if result.plays_first:
        lines += ["", "Plays to run first:"]
        for number, pick in enumerate(result.plays_first, start=1):
            lines += [f"  {number}. {pick.title}: {pick.reason}.",
                      f"     What to do: {pick.description}",
                      f"     Usually owned by: {pick.owner}",
                      f"     First step this quarter: {pick.first_step}",
                      f"     You will know it worked when: {pick.success_sign}"]
    if result.unanswered_dimensions:
        lines += ["", "Not answered at all, so not ranked: "
                  + ", ".join(result.dimensions[d].title for d in result.unanswered_dimensions)]
    if comparison is not None:
        lines += ["", f"Compared with {earlier}:"]
        moved = [c for c in comparison.dimensions if c.direction not in ("same", "not answered")]
        for change in moved:
            lines.append(f"  {change.title}: {change.direction} (level "
                         f"{change.before_level or '-'} to {change.after_level or '-'})")
        if not moved:
            lines.append("  no dimension moved")
        if not comparison.same_bank:
            lines.append("  (the two quarters used different question bank versions)")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add the `assessment` and `actions` command groups."""
    assessment = typer.Typer(help="Run the self-assessment and keep it per team and quarter.",
                             no_args_is_help=True)
    assessment.command("new")(assessment_new)
    assessment.command("answer")(assessment_answer)
    assessment.command("finalise")(assessment_finalise)
    assessment.command("show")(assessment_show)
    assessment.command("list")(assessment_list)
    assessment.command("export")(assessment_export)
    assessment.command("import")(assessment_import)
    assessment.command("docs")(assessment_docs)
    app.add_typer(assessment, name="assessment")
    actions = typer.Typer(help="The plan: action items with an owner and a due quarter.",
                          no_args_is_help=True)
    actions.command("list")(actions_list)
    actions.command("add")(actions_add)
    actions.command("done")(actions_done)
    app.add_typer(actions, name="actions")


def assessment_new(
    team: str = typer.Option(..., help="Team name."),
    quarter: str = typer.Option(..., help="Quarter, like 2026Q4."),
    by: str = typer.Option("", help=BY_HELP),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """Start a draft assessment for a team and quarter."""
    with _open(database_url) as store:
        record = store.new_assessment(team, quarter, by=by)
        typer.echo(f"Started assessment {record.id} for {record.team}, {record.quarter} "
                   f"({len(store.bank.statement_dimension)} statements to answer).")


def assessment_answer(
    assessment_id: int = typer.Argument(..., help="Assessment id."),
    statement: str = typer.Argument(..., help="Statement id."),
    level: int = typer.Argument(..., help="Your answer on the scale 1 to 4."),
    expected_version: int | None = typer.Option(
        None, help="The version you read; the save is refused if it moved on."),
    note: str | None = typer.Option(None, help="A note kept with the answer."),
    by: str = typer.Option("", help=BY_HELP),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """Save one answer (committed at once)."""
    with _open(database_url) as store:
        if expected_version is None:
            expected_version = store.get_assessment(assessment_id).version
        record = store.save_answer(assessment_id, statement, level,
                                   expected_version=expected_version, by=by, note=note)
        typer.echo(f"Saved {statement} = {level}; assessment {record.id} is at version "
                   f"{record.version}.")


def assessment_finalise(
    assessment_id: int = typer.Argument(..., help="Assessment id."),
    expected_version: int | None = typer.Option(
        None, help="The version you read; refused if it moved on."),
    by: str = typer.Option("", help=BY_HELP),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """Mark an assessment final: it keeps its answers and takes no new ones."""
    with _open(database_url) as store:
        if expected_version is None:
            expected_version = store.get_assessment(assessment_id).version
        record = store.finalise_assessment(assessment_id, expected_version=expected_version,
                                           by=by)
        typer.echo(f"Assessment {record.id} ({record.team}, {record.quarter}) is final, "
                   f"with {len(record.answers)} answers.")


def assessment_show(
    assessment_id: int | None = typer.Argument(None, help="Assessment id."),
    team: str | None = typer.Option(None, help="Team name (with --quarter)."),
    quarter: str | None = typer.Option(None, help="Quarter, like 2026Q4."),
    compare: bool = typer.Option(True, help="Compare with the team's previous one."),
    signals: SignalsOption = None,
    themes: ThemesOption = None,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """Show levels, gaps, plays to run first, and what moved since last time."""
    from playbooks.assessment.scoring import score_assessment

    with _open(database_url, create=False) as store:
        record = _pick(store, assessment_id, team, quarter)
        result = score_assessment(record.levels, store.bank)
        comparison = earlier = None
        previous = store.previous_assessment(record) if compare else None
        if previous is not None:
            earlier, comparison = previous.quarter, _compare(result, previous, store)
        evidence = None
        if signals is not None or themes is not None:
            from playbooks.assessment.evidence import gather_evidence

            evidence = gather_evidence(result, _read_frame(signals, "signals"),
                                       _read_frame(themes, "themes"),
                                       store.bank)
        if as_json:
            typer.echo(_result_json(record, result, comparison, earlier, evidence))
        else:
            typer.echo(format_result(record, result, comparison, earlier, evidence))


def assessment_list(
    team: str | None = typer.Option(None, help="Only this team."),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """List saved assessments."""
    from playbooks.store.records import StoreMissingError

    try:
        with _open(database_url, create=False) as store:
            records = store.list_assessments(team)
            total = len(store.bank.statement_dimension)
    except StoreMissingError as error:
        if not error.folder_exists:
            raise
        records, total = [], 0
    if not records:
        typer.echo("No assessments yet; start one with `playbooks assessment new`.")
    for r in records:
        typer.echo(f"{r.id:>4}  {r.team}  {r.quarter}  {status_words(r.status):<11}  "
                   f"{len(r.answers)}/{total} answered  v{r.version}  "
                   f"updated {r.updated_at:%Y-%m-%d %H:%M} {r.updated_by}".rstrip())


def assessment_export(
    assessment_id: int | None = typer.Argument(None, help="Assessment id."),
    team: str | None = typer.Option(None, help="Team name (with --quarter)."),
    quarter: str | None = typer.Option(None, help="Quarter, like 2026Q4."),
    fmt: str = typer.Option("json", "--format", help="json or csv."),
    output: OutputOption = None,
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """Export an assessment as JSON or CSV."""
    from playbooks.store.exchange import export_assessment

    with _open(database_url, create=False) as store:
        text = export_assessment(_pick(store, assessment_id, team, quarter), store.bank,
                                 fmt.lower())
    _print_or_write(text, output)


def assessment_import(
    path: Annotated[Path, typer.Argument(help="A JSON or CSV export.")],
    fmt: str | None = typer.Option(None, "--format", help="json or csv."),
    by: str = typer.Option("", help=BY_HELP),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """Import an exported assessment as a new one (all or nothing)."""
    from playbooks.assessment.bank import load_question_bank
    from playbooks.store.exchange import read_assessment_file

    data = read_assessment_file(path, load_question_bank(), fmt.lower() if fmt else None)
    with _open(database_url) as store:
        record = store.new_assessment(data.team, data.quarter, by=by, answers=data.answers,
                                      status=data.status)
    typer.echo(f"Imported assessment {record.id} for {record.team}, {record.quarter} "
               f"({len(record.answers)} answers).")


def assessment_docs(output: OutputOption = None) -> None:
    """Write the question bank reference page (docs/assessment.md)."""
    from playbooks.assessment.reference import render_question_bank_markdown

    _print_or_write(render_question_bank_markdown(), output)


def actions_list(
    team: str | None = typer.Option(None, help="Only this team."),
    status: str = typer.Option("open", help="open, done or all."),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """List action items."""
    if status not in ("open", "done", "all"):
        raise InputError(f"--status {status!r} is not one of open, done, all")
    from playbooks.store.records import StoreMissingError

    try:
        with _open(database_url, create=False) as store:
            items = store.list_actions(team, None if status == "all" else status)
    except StoreMissingError as error:
        if not error.folder_exists:
            raise
        items = []
    if not items:
        typer.echo("No action items.")
    for a in items:
        link = a.dimension_id or a.finding_id or "-"
        typer.echo(f"{a.id:>4}  [{'x' if a.status == 'done' else ' '}]  {a.due_quarter}  "
                   f"{a.team}  {a.owner}  {a.title}  ({link})")


def actions_add(
    team: str = typer.Option(..., help="Team name."),
    title: str = typer.Option(..., help="What will be done."),
    owner: str = typer.Option(..., help="Who does it."),
    due: str = typer.Option(..., help="Due quarter, like 2027Q1."),
    dimension: str | None = typer.Option(None, help="Assessment dimension id."),
    finding: str | None = typer.Option(None, help="Journey finding id."),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """Add an action item to the plan."""
    with _open(database_url) as store:
        item = store.add_action(team, title, owner=owner, due_quarter=due,
                                dimension=dimension, finding=finding)
    typer.echo(f"Added action {item.id}: {item.title} ({item.owner}, due {item.due_quarter})")


def actions_done(
    action_id: int = typer.Argument(..., help="Action item id."),
    database_url: str | None = typer.Option(None, help=DB_HELP),
) -> None:
    """Mark an action item done."""
    with _open(database_url) as store:
        item = store.complete_action(action_id)
    typer.echo(f"Done: {item.title}")


def _print_or_write(text: str, output: Path | None) -> None:
    from playbooks.userfiles.writing import write_text_atomic

    if output is None:
        typer.echo(text, nl=False)
    else:
        write_text_atomic(output, text)
        typer.echo(f"Wrote {output}")


def _compare(result: AssessmentResult, previous: AssessmentRecord, store: Store) -> Comparison:
    """Compare with an earlier quarter, scoring only the answers the current bank knows (an
    older quarter may use an older bank)."""
    from playbooks.assessment.scoring import compare_assessments, score_assessment

    levels = {sid: lv for sid, lv in previous.levels.items()
              if not store.bank.answer_problems(sid, lv)}
    return compare_assessments(result, score_assessment(levels, store.bank))


def _result_json(record: AssessmentRecord, result: AssessmentResult,
                 comparison: Comparison | None, earlier: str | None,
                 evidence: dict | None) -> str:
    import json
    from dataclasses import asdict

    payload = {
        "assessment": {k: v for k, v in asdict(record).items() if k != "answers"},
        "result": asdict(result),
        "compared_with": earlier,
        "comparison": asdict(comparison) if comparison else None,
        "evidence": {k: {**asdict(v), "verdict": v.verdict} for k, v in evidence.items()}
        if evidence else None,
    }
    return json.dumps(payload, indent=2, default=str, ensure_ascii=False)
