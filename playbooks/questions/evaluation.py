"""How well the need classifier recognises labelled questions: per-need accuracy and confusion.

Labelled questions live in a folder of text files, one file per need (`<need>.txt`), one
question per line; blank lines and lines starting with `#` are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from playbooks.errors import InputError
from playbooks.questions.classify import UNKNOWN, Classification, classify_questions


@dataclass(frozen=True)
class NeedAccuracy:
    """Per-need accuracy and the confusion between needs on a set of labelled questions."""

    needs: list[str]
    counts: dict[str, int]  # questions per true need
    correct: dict[str, int]
    confusion: dict[str, dict[str, int]]  # true need -> predicted need (or unknown) -> count
    misses: list[tuple[str, str, str]]  # (true need, predicted need, question)

    def accuracy(self, need: str) -> float:
        """The share of a need's questions classified as that need."""
        return self.correct[need] / self.counts[need] if self.counts[need] else 0.0

    @property
    def overall(self) -> float:
        """The share of all questions classified as their need."""
        total = sum(self.counts.values())
        return sum(self.correct.values()) / total if total else 0.0


def read_labelled_questions(folder: Path) -> list[tuple[str, str]]:
    """Read (need, question) pairs from a folder of `<need>.txt` files, sorted by need."""
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise InputError(f"{folder}: no <need>.txt files of labelled questions.")
    pairs = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text and not text.startswith("#"):
                pairs.append((path.stem, text))
    return pairs


def measure_needs(labelled: Sequence[tuple[str, str]],
                  classify: Callable[[list[str | None]], list[Classification]] | None = None
                  ) -> NeedAccuracy:
    """Classify labelled questions in one batch and count what was recognised, per need."""
    run = classify or classify_questions
    results = run([text for _, text in labelled])
    needs = sorted({need for need, _ in labelled})
    columns = [*needs, UNKNOWN]
    counts = dict.fromkeys(needs, 0)
    correct = dict.fromkeys(needs, 0)
    confusion = {need: dict.fromkeys(columns, 0) for need in needs}
    misses = []
    for (need, text), result in zip(labelled, results, strict=True):
        counts[need] += 1
        confusion[need][result.need] = confusion[need].get(result.need, 0) + 1
        if result.need == need:
            correct[need] += 1
        else:
            misses.append((need, result.need, text))
    return NeedAccuracy(needs, counts, correct, confusion, misses)
