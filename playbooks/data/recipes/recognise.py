"""Tell which recipe fits an export from its first lines (`SNIFF_BYTES` at most).

The head of the file is decoded as each recipe says (UTF-8 or Windows-1252), its header found
(after `skip_rows` lines, or after the recipe's section title; the keys of the first object for
JSON lines) and compared with the recipe's `recognise` block. One recipe fitting is the answer,
with the reason; two or more are an error naming them and suggesting `--recipe`; none means
the file is not a known tool's export (the import then matches columns as before).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from playbooks.data.recipes.reader import fold
from playbooks.data.recipes.schema import Recipe
from playbooks.data.recipes.text_files import header_delimiter, read_head
from playbooks.errors import InputError

SNIFF_BYTES = 64 << 10
SNIFF_LINES = 200


@dataclass(frozen=True)
class Match:
    """A recipe that fits a file, and why."""

    recipe: Recipe
    reason: str


def decode_head(head: bytes) -> str:
    """Decode a file's first bytes as UTF-8 (with or without a byte-order mark), else as
    Windows-1252, as the reader will (`reader.text_encoding`)."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head)  # a cut last character
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace")


def header_of(head: bytes, recipe: Recipe) -> tuple[list[str], list[str]]:
    """Return the column names `recipe` would read from a file's head, and the head's lines."""
    options = recipe.read
    text = decode_head(head)
    lines = text.splitlines()[:SNIFF_LINES]
    if len(head) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short
    if options.format == "jsonl":
        first = next((line for line in lines if line.strip()), "")
        try:
            record = json.loads(first)
        except ValueError:
            return [], lines
        if not isinstance(record, dict):
            return [], lines
        names = list(record)
        for key, value in record.items():
            if isinstance(value, dict):
                names += [f"{key}.{inner}" for inner in value]
        return names, lines
    start = options.skip_rows
    if options.section is not None:
        marks = [
            i
            for i, line in enumerate(lines)
            if _bare(line, options.delimiter) == options.section.start
        ]
        if not marks:
            return [], lines
        start = marks[0] + 1
        while start < len(lines) and not _bare(lines[start], options.delimiter):
            start += 1
    if start >= len(lines):
        return [], lines
    delimiter = header_delimiter(lines[start], options.delimiter)
    row = next(csv.reader([lines[start]], delimiter=delimiter), [])
    return [name.strip() for name in row], lines


def _bare(line: str, delimiter: str) -> str:
    return line.strip().strip(delimiter + ',;\t"').strip()


def fits(head: bytes, recipe: Recipe) -> str | None:
    """Return why `recipe` fits a file starting with `head`, or None when it does not."""
    rule = recipe.recognise
    names, lines = header_of(head, recipe)
    present = {fold(n) for n in names}
    if not names or not {fold(c) for c in rule.all_columns} <= present:
        return None
    if rule.any_columns and not present & {fold(c) for c in rule.any_columns}:
        return None
    if rule.first_line is not None and (not lines or rule.first_line not in lines[0]):
        return None
    if rule.section is not None and not any(
        _bare(line, recipe.read.delimiter) == rule.section for line in lines
    ):
        return None
    shown = ", ".join(rule.all_columns[:4]) + (", ..." if len(rule.all_columns) > 4 else "")
    return f"its header has the columns of the {recipe.tool} export ({shown})"


def matching_recipes(path: Path, recipes: Iterable[Recipe]) -> list[Match]:
    """Return every recipe that fits the file, with the reason."""
    head = read_head(path, SNIFF_BYTES)
    found = []
    for recipe in recipes:
        reason = fits(head, recipe)
        if reason is not None:
            found.append(Match(recipe, reason))
    return found


def recognise(path: Path, recipes: Iterable[Recipe]) -> Match | None:
    """Return the one recipe that fits the file, None when none does.

    Raises InputError when several fit, naming them and how to choose one.
    """
    found = matching_recipes(path, recipes)
    if len(found) > 1:
        names = ", ".join(f"{m.recipe.id} ({m.recipe.tool})" for m in found)
        raise InputError(
            f"{path.name}: the file fits several recipes: {names}. Choose one with "
            f"--recipe {found[0].recipe.id} (or --recipe {path.name}={found[0].recipe.id})."
        )
    return found[0] if found else None
