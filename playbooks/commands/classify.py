"""`playbooks classify`: the need behind customer questions."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from playbooks.errors import InputError
from playbooks.userfiles.limits import QUESTIONS, check_input_file

BATCH_ROWS = 20_000  # questions classified at a time, so memory stays flat


def question_chunks(path: Path, column: str) -> Iterator[Any]:
    """Yield a CSV (or Parquet) file of questions in chunks, read with the workspace's reader
    (which names the file, row and column of anything unreadable), after checking the
    question column is there.

    A folder, or a file over the question-file size limit, is refused before it is read.
    """
    from playbooks.data.reading import file_chunks

    check_input_file(path, QUESTIONS)
    for chunk in file_chunks(path)():
        if column not in chunk.columns:
            raise InputError(f"{path}: no column {column!r}; the columns are: "
                             f"{', '.join(chunk.columns)}")
        yield chunk


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
    """Write the question file to `out` with `need` and `confidence` added; print a summary.

    The file is read, classified and written a chunk at a time, so memory follows the
    chunk, not the file; the output appears only once it is complete.
    """
    import polars as pl

    from playbooks.commands.options import frame_rows
    from playbooks.questions.classify import classify_questions
    from playbooks.userfiles.writing import write_csv

    chunks = question_chunks(file, column)
    first = next(chunks, None)
    if first is None:
        raise InputError(f"{file}: the file holds no questions")
    counts: Counter[str] = Counter()

    def rows() -> Iterator[tuple[Any, ...]]:
        for chunk in itertools.chain([first], chunks):
            for part in chunk.iter_slices(BATCH_ROWS):
                results = classify_questions(part.get_column(column).to_list())
                counts.update(r.need for r in results)
                yield from frame_rows(part.with_columns(
                    pl.Series("need", [r.need for r in results], dtype=pl.String),
                    pl.Series("confidence", [r.confidence for r in results],
                              dtype=pl.Float64)))

    total = write_csv(out, [*first.columns, "need", "confidence"], rows(), lineterminator="\n")
    summary = ", ".join(f"{need} {count}" for need, count in counts.most_common())
    typer.echo(f"Wrote {out}: {total} questions ({summary})")
