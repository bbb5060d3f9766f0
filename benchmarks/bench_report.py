"""Measure the quarterly review pack on a demo workspace, with a no-charts baseline.

    python benchmarks/bench_report.py --accounts 5000 --weeks 104
    python benchmarks/bench_report.py --workspace /tmp/ws150k   # made by `playbooks demo`

Steps: generate a demo workspace and a store (two quarters of answers, three action items) in
a temporary folder (not timed), or take a workspace made beforehand with `playbooks demo
--accounts N --workspace PATH` (`--workspace`, left as it was; the store goes beside it in the
temporary folder); then time `playbooks report` end to end in a fresh process
(imports included, what a scheduled run pays) with that process's peak memory, and, in this
process (first call, so the libraries that are imported lazily count too), each stage:
gathering the review (signals, continuity gaps, themes, trap view, store), the HTML with its
SVG charts, the same HTML without charts (the baseline: what the charts cost), the Markdown
and the CSV.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TEAM = "Customer Success EMEA"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn, *args, **kwargs):  # noqa: ANN001, ANN202 - any callable
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, round(time.perf_counter() - start, 2)


def _seed_store(url: str) -> None:
    from playbooks.assessment.bank import load_question_bank
    from playbooks.store import Store, answers_from_levels

    ids = list(load_question_bank().statement_dimension)
    with Store(url) as store:
        store.new_assessment(TEAM, "2026Q3", answers=answers_from_levels({i: 2 for i in ids}))
        store.new_assessment(TEAM, "2026Q4", answers=answers_from_levels(
            {i: 3 if n % 2 else 2 for n, i in enumerate(ids)}))
        for n, owner in enumerate(("Ana", "Bo", "Chen")):
            store.add_action(TEAM, f"Action {n + 1}", owner=owner, due_quarter="2027Q1")


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-cold", action="store_true", help="skip the fresh-process run")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="an existing demo workspace to use instead of generating one")
    args = parser.parse_args(argv)

    from playbooks.demo import generate_demo

    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        url = f"sqlite:///{folder / 'playbooks.db'}"
        _seed_store(url)
        if args.workspace is not None:
            import polars as pl

            workspace = args.workspace
            figures: dict[str, float] = {
                "accounts": pl.scan_parquet(workspace / "accounts.parquet").select(
                    pl.len()).collect().item(),
                "events": pl.scan_parquet(workspace / "activity.parquet").select(
                    pl.len()).collect().item()}
        else:
            workspace = folder / "workspace"
            demo, demo_seconds = _timed(generate_demo, workspace, accounts=args.accounts,
                                        weeks=args.weeks, seed=args.seed)
            figures = {"accounts": args.accounts, "weeks": args.weeks, "events": demo.events,
                       "demo_seconds": demo_seconds}
        if not args.no_cold:
            command = [sys.executable, "-m", "playbooks", "report", "--team", TEAM,
                       "--quarter", "2026Q4", "--out", str(folder / "cold" / "review"),
                       "--workspace", str(workspace), "--database-url", url]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})
            figures["cli_cold_seconds"] = round(time.perf_counter() - start, 2)
            figures["cli_peak_rss_mb"] = round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
            if done.returncode != 0:
                raise SystemExit(f"playbooks report failed: {done.stderr}")

        from playbooks.review import actions_csv, build_review, render_html, render_markdown

        review, figures["build_review_seconds"] = _timed(
            build_review, TEAM, "2026Q4", workspace=workspace, store=url)
        html, figures["html_with_charts_seconds"] = _timed(render_html, review)
        plain, figures["baseline_html_without_charts_seconds"] = _timed(
            render_html, review, charts=False)
        _, figures["markdown_seconds"] = _timed(render_markdown, review)
        _, figures["csv_seconds"] = _timed(actions_csv, review)
        figures["in_process_total_seconds"] = round(
            figures["build_review_seconds"] + figures["html_with_charts_seconds"]
            + figures["markdown_seconds"] + figures["csv_seconds"], 2)
        figures["charts_cost_seconds"] = round(
            figures["html_with_charts_seconds"] - figures["baseline_html_without_charts_seconds"],
            2)
        figures["html_kb"] = round(len(html.encode()) / 1024)
        figures["html_without_charts_kb"] = round(len(plain.encode()) / 1024)
        figures["drifting_accounts"] = review.data.drifting.height if review.data.drifting \
            is not None else 0
        figures["peak_rss_mb"] = round(peak_rss_mb())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
