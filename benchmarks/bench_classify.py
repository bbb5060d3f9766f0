"""Benchmark `playbooks classify FILE` on many questions, beside a one-at-a-time baseline.

    .venv/bin/python benchmarks/bench_classify.py --rows 100000

Prints: the end-to-end time of the command (read CSV, classify, write CSV) in a fresh process,
the in-process batch time, and the time of a naive loop that classifies one question per call
(measured on a sample and scaled up), all in the same run. Beside the batch, in the same run:
the model without pieces of words (words and word pairs only) and, with `--compare-commit SHA`,
the classifier code of that commit (read with `git show`), each timed on the same questions
(best of `--rounds`, alternating); with `--compare-commit`, the whole command of that commit's
package too (on the clock and in processor time). Last, the accuracy per need on the held-out
questions (`tests/data/needs_heldout/`) and the confusion between needs, for each classifier.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import resource
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


ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ROOT / "tests" / "data" / "needs_heldout"


def end_to_end(tree: Path, source: Path, out: Path) -> tuple[float, float]:
    """Seconds `python -m playbooks classify` takes in a new process run from `tree`: on the
    clock, and of processor time (user and system, which a busy machine inflates less)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "playbooks", "classify", str(source),
                           "--column", "question", "--out", str(out)],
                          capture_output=True, text=True, cwd=tree)
    if done.returncode != 0:
        sys.exit(done.stderr)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def classifier_at(commit: str):  # noqa: ANN201 - the classifier class of another version
    """The NeedClassifier class of `playbooks/questions/classify.py` at a commit."""
    code = subprocess.run(["git", "show", f"{commit}:playbooks/questions/classify.py"],
                          capture_output=True, text=True, check=True, cwd=ROOT).stdout
    folder = Path(tempfile.mkdtemp())
    (folder / "classify_before.py").write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("classify_before", folder / "classify_before.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["classify_before"] = module
    spec.loader.exec_module(module)
    return module.NeedClassifier


def command_classifier(tree: Path, folder: Path):  # noqa: ANN201 - a classify_many
    """Classify questions with `python -m playbooks classify FILE` run from `tree` (that
    package's code and knowledge, examples included)."""
    from playbooks.questions.classify import Classification

    def classify(texts: list[str | None]) -> list[Classification]:
        source, out = folder / "held_out.csv", folder / "held_out_classified.csv"
        pl.DataFrame({"question": texts}, schema={"question": pl.String}).write_csv(source)
        end_to_end(tree, source, out)
        answers = pl.read_csv(out, schema_overrides={"need": pl.String})
        return [Classification(need, 0.0, []) for need in answers["need"]]

    return classify


def accuracy_lines(name: str, classify) -> list[str]:  # noqa: ANN001 - a classify_many
    """Per-need accuracy on the held-out questions and the confusion between needs."""
    from playbooks.questions.evaluation import measure_needs, read_labelled_questions

    measured = measure_needs(read_labelled_questions(HELD_OUT), classify)
    columns = [*measured.needs, "unknown"]
    return [f"held-out accuracy, {name}: {measured.overall:.3f} overall; " + ", ".join(
        f"{need} {measured.accuracy(need):.3f} ({measured.correct[need]}/{measured.counts[need]})"
        for need in measured.needs),
        "  true need \\ classified as: " + " | ".join(columns),
        *(f"  {need}: " + " | ".join(str(measured.confusion[need][c]) for c in columns)
          for need in measured.needs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-sample", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="batches timed per classifier, alternating; the best is shown")
    parser.add_argument("--compare-commit", default=None,
                        help="also time the classifier code of this commit")
    args = parser.parse_args()

    from playbooks.questions.classify import (
        NeedClassifier,
        classify_question,
        classify_questions,
        default_classifier,
    )

    questions = make_questions(args.rows)
    unique = len(set(questions))
    start = time.perf_counter()
    default_classifier()
    train = time.perf_counter() - start

    makers = {"shipped": NeedClassifier,
              "the model without word pieces": lambda: NeedClassifier(word_pieces=False)}
    if args.compare_commit:
        makers[f"the classifier of commit {args.compare_commit}"] = (
            classifier_at(args.compare_commit))
    built: dict[str, list[float]] = {name: [] for name in makers}
    others = {}
    for _ in range(2):  # the first build of each pays for its imports; the best of two is shown
        for name, make in makers.items():
            start = time.perf_counter()
            classifier = make()
            built[name].append(time.perf_counter() - start)
            if name != "shipped":
                others[name] = classifier
    times: dict[str, list[float]] = {"shipped": [], **{name: [] for name in others}}
    for _ in range(args.rounds):
        for name, classifier in [("shipped", default_classifier()), *others.items()]:
            start = time.perf_counter()
            classifier.classify_many(questions)
            times[name].append(time.perf_counter() - start)
    batch = min(times["shipped"])

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
        trees = {"shipped": ROOT}
        if args.compare_commit:  # that commit's whole package, run the same way
            tree = Path(folder) / "before"
            tree.mkdir()
            archive = subprocess.run(["git", "archive", args.compare_commit, "playbooks"],
                                     capture_output=True, check=True, cwd=ROOT).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            trees[f"commit {args.compare_commit}"] = tree
        ends: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for _ in range(args.rounds if args.compare_commit else 1):
            for name, tree in trees.items():
                ends[name].append(end_to_end(tree, source, Path(folder) / "out.csv"))
        wall = {name: min(w for w, _ in runs) for name, runs in ends.items()}
        cpu = {name: min(c for _, c in runs) for name, runs in ends.items()}
        before_lines = [line for name, tree in list(trees.items())[1:]
                        for line in accuracy_lines(f"the package of {name} (its code and its "
                                                   "examples)", command_classifier(tree,
                                                                                   Path(folder)))]

    print(f"questions: {args.rows:,} ({unique:,} distinct)")
    print(f"training the model at load time: {train:.2f} s")
    print(f"playbooks classify FILE, end to end in a new process: {wall['shipped']:.2f} s "
          f"({cpu['shipped']:.2f} s of processor time)")
    for name in list(ends)[1:]:
        print(f"  the same with the package of {name}: {wall[name]:.2f} s "
              f"(shipped / this: {wall['shipped'] / wall[name]:.2f}x); processor time "
              f"{cpu[name]:.2f} s (shipped / this: {cpu['shipped'] / cpu[name]:.2f}x)")
    print(f"in-process batch classify_questions: {batch:.2f} s "
          f"({args.rows / batch:,.0f} questions/s)")
    print(f"baseline, one question per call (sample of {len(sample):,}, scaled): {naive:.2f} s")
    print(f"batch speed-up over the baseline: {naive / batch:.1f}x")
    for name in others:
        print(f"in-process batch, {name}: {min(times[name]):.2f} s "
              f"(shipped batch / this: {batch / min(times[name]):.2f}x)")
    print("training once the imports are done: " + ", ".join(
        f"{name} {min(seconds):.2f} s" for name, seconds in built.items()))
    print(*accuracy_lines("shipped", classify_questions), sep="\n")
    for name, classifier in others.items():
        print(*accuracy_lines(f"{name} (with the shipped examples)", classifier.classify_many),
              sep="\n")
    if before_lines:
        print(*before_lines, sep="\n")


if __name__ == "__main__":
    main()
