"""The same export as a tool or a spreadsheet may write it: line endings, byte-order mark,
Windows-1252, header case, trailing blank lines. Every shipped recipe recognises each variant
and makes the same rows from it as from its own fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from playbooks.data.recipes.catalogue import shipped_recipes
from playbooks.data.recipes.engine import convert_rows
from playbooks.data.recipes.recognise import recognise

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
RECIPES = shipped_recipes()


def _fixture(recipe_id: str) -> Path:
    return next(p for p in EXPORTS.iterdir()
                if p.stem == recipe_id and not p.name.endswith(".yaml"))


def _variants(text: str, csv: bool) -> Iterator[tuple[str, bytes]]:
    plain = text.lstrip("\ufeff")
    yield "crlf", plain.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    yield "bom", ("\ufeff" + plain).encode("utf-8")
    yield "windows-1252", plain.encode("cp1252", errors="replace")
    yield "trailing blank lines", (plain + "\n\n").encode("utf-8")
    if csv:
        first, _, rest = plain.partition("\n")
        yield "lower-case header", (first.lower() + "\n" + rest).encode("utf-8")
        yield "upper-case header", (first.upper() + "\n" + rest).encode("utf-8")
        yield "semicolons", _semicolons(plain).encode("utf-8")


def _semicolons(text: str) -> str:
    """Write the CSV again with semicolons, as a spreadsheet in a European locale saves it."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue()


CASES = [(recipe_id, label, data)
         for recipe_id, recipe in RECIPES.items()
         for label, data in _variants(
             _fixture(recipe_id).read_bytes().decode(
                 "utf-8-sig" if recipe.read.encoding == "utf-8" else "cp1252"),
             recipe.read.format == "csv")]


@pytest.mark.parametrize(("recipe_id", "label", "data"), CASES,
                         ids=[f"{r}-{label}" for r, label, _ in CASES])
def test_every_variant_is_recognised_and_makes_the_same_rows(tmp_path: Path, recipe_id: str,
                                                             label: str, data: bytes) -> None:
    original = _fixture(recipe_id)
    variant = tmp_path / original.name
    variant.write_bytes(data)
    match = recognise(variant, RECIPES.values())
    assert match is not None and match.recipe.id == recipe_id, label
    expected = convert_rows(original, RECIPES[recipe_id])
    got = convert_rows(variant, match.recipe)
    assert got.height == expected.height, label
    if label in ("crlf", "bom", "trailing blank lines"):
        text = [c for c, t in got.schema.items() if t == pl.String]
        same = [pl.col(c).str.replace_all("\r\n", "\n", literal=True) for c in text]
        assert got.with_columns(same).equals(expected.with_columns(same)), label
