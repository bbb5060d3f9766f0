"""Benchmark `playbooks classify FILE` on many questions, beside a one-at-a-time baseline.

    .venv/bin/python benchmarks/bench_classify.py --rows 100000

Prints: the end-to-end time of the command (read CSV, classify, write CSV) in a fresh process,
the in-process batch time, and the time of a naive loop that classifies one question per call
(measured on a sample and scaled up), all in the same run.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

SUBJECTS = ["the dashboard", "our export", "the sync", "a report", "the API", "permissions",
            "the warehouse connector", "alerts", "our workspace", "the mobile app"]
TEMPLATES = [
    "How do I change {s} for team {n}?",
    "Where can I find the setting for {s} in project {n}?",
    "Should we move {s} to one team or keep {n} separate setups?",
    "Which is better for us: rebuilding {s} or migrating all {n} reports?",
    "Are we on track with {s} after {n} weeks?",
    "I am worried {s} is not set up right for our {n} users.",
    "Do you have a case study of {s} at a company with {n} staff?",
    "What results did customers like us get from {s} in {n} months?",
    "Has anyone rolled out {s} to {n} people? What went wrong?",
    "How did your team get buy-in for {s} across {n} departments?",
    "",
    "¿Cómo configuro {s}?",
]


def make_questions(rows: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(TEMPLATES).format(s=rng.choice(SUBJECTS), n=rng.randint(2, 5000))
            for _ in range(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-sample", type=int, default=2_000)
    args = parser.parse_args()

    from playbooks.questions.classify import (
        classify_question,
        classify_questions,
        default_classifier,
    )

    questions = make_questions(args.rows)
    unique = len(set(questions))
    start = time.perf_counter()
    default_classifier()
    train = time.perf_counter() - start

    start = time.perf_counter()
    classify_questions(questions)
    batch = time.perf_counter() - start

    sample = questions[: min(args.baseline_sample, args.rows)]
    default_classifier.cache_clear()
    classifier = default_classifier()
    start = time.perf_counter()
    for text in sample:
        classifier.classify(text)
    naive = (time.perf_counter() - start) * args.rows / len(sample)
    assert [classify_question(t) for t in sample[:50]] == classify_questions(sample[:50])

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "questions.csv"
        pl.DataFrame({"id": range(args.rows), "question": questions}).write_csv(source)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "playbooks", "classify", str(source),
                               "--column", "question", "--out", str(Path(folder) / "out.csv")],
                              capture_output=True, text=True)
        end_to_end = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(done.stderr)

    print(f"questions: {args.rows:,} ({unique:,} distinct)")
    print(f"training the model at load time: {train:.2f} s")
    print(f"playbooks classify FILE, end to end in a new process: {end_to_end:.2f} s")
    print(f"in-process batch classify_questions: {batch:.2f} s "
          f"({args.rows / batch:,.0f} questions/s)")
    print(f"baseline, one question per call (sample of {len(sample):,}, scaled): {naive:.2f} s")
    print(f"batch speed-up over the baseline: {naive / batch:.1f}x")


if __name__ == "__main__":
    main()
