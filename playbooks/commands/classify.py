"""`playbooks classify`: the need behind customer questions."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from playbooks.commands.options import write_frame_csv
from playbooks.errors import InputError
from playbooks.userfiles.limits import QUESTIONS, check_input_file


def read_question_file(path: Path, column: str):
    """Read a CSV (or Parquet) file of questions with the workspace's reader, which names the
    file, row and column of anything unreadable; then check the question column is there.

    A folder, or a file over the question-file size limit, is refused before it is read.
    """
    from playbooks.data.workspace import read_file

    check_input_file(path, QUESTIONS)
    frame = read_file(path)
    if column not in frame.columns:
        raise InputError(f"{path}: no column {column!r}; the columns are: "
                         f"{', '.join(frame.columns)}")
    return frame


def register(app: typer.Typer) -> None:
    """Add `classify` to the command line."""
    app.command("classify")(classify_command)


def classify_command(
    file: Path | None = typer.Argument(None, help="A CSV file with one question per row."),
    text: str | None = typer.Option(None, "--text", help="Classify this one question."),
    column: str | None = typer.Option(None, help="The CSV column holding the question."),
    out: Path | None = typer.Option(None, help="Write the CSV with `need` and `confidence` "
                                    "columns added here."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (with --text)."),
) -> None:
    """Tell which need is behind a customer question: information, judgment, reassurance,
    proof or peer experience (or unknown), with a confidence and the cues."""
    if (text is None) == (file is None):
        raise typer.BadParameter("give either --text or a FILE", param_hint="'FILE'")
    if text is not None:
        classify_one(text, as_json)
        return
    assert file is not None
    if column is None or out is None:
        raise typer.BadParameter("with a FILE, give --column and --out",
                                 param_hint="'--column'")
    classify_file(file, column, out)


def classify_one(text: str, as_json: bool) -> None:
    """Print the need behind one question, its confidence and cues (or one JSON object)."""
    from playbooks.questions.classify import classify_questions

    result = classify_questions([text])[0]
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
    else:
        typer.echo(f"need: {result.need} (confidence {result.confidence:.2f})")
        typer.echo("cues: " + (", ".join(result.cues) or "none"))


def classify_file(file: Path, column: str, out: Path) -> None:
    """Write the question file to `out` with `need` and `confidence` added; print a summary."""
    import polars as pl

    from playbooks.questions.classify import classify_questions

    frame = read_question_file(file, column)
    results = classify_questions(frame.get_column(column).to_list())
    frame = frame.with_columns(
        pl.Series("need", [r.need for r in results], dtype=pl.String),
        pl.Series("confidence", [r.confidence for r in results], dtype=pl.Float64),
    )
    write_frame_csv(frame, out)
    counts = frame.get_column("need").value_counts(sort=True)
    summary = ", ".join(f"{row['need']} {row['count']}" for row in counts.iter_rows(named=True))
    typer.echo(f"Wrote {out}: {frame.height} questions ({summary})")

