"""Measure how fast each app page is ready, and how fast a filter change answers, in a real
browser against `streamlit run`, on a demo workspace of a given size.

    .venv/bin/python benchmarks/bench_app.py --accounts 2000 --baseline
    .venv/bin/python benchmarks/bench_app.py --workspace /tmp/ws50k   # made by `playbooks demo`

The workspace is made ready as an import makes it: its heavy results prepared and kept beside
it (timed). Then, for every page, it prints the time from navigation until the page has
finished running and shows its main element: the first visit after the server starts, and a
warm visit (a later one, as every user after the first sees it); then a filter change on the
account signals page. `--baseline` first measures the same visits with no results kept, each
page computing its own (as before results were prepared at import).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [("", "CX Playbooks"), ("assessment", "Self-assessment"), ("advisor", "Best fit"),
         ("journey", "Findings"), ("signals", "Drifting accounts"),
         ("trap", "After something went wrong"), ("data", "Your data"),
         ("review", "Download it as one file")]
TEAM = "Customer Success"  # the team whose quarter the review page shows
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETTLED = ("() => document.querySelector('[data-testid=\"stApp\"]')"
           "?.getAttribute('data-test-script-state') === 'notRunning'")


def _ready(page, text: str, timeout: float = 120_000) -> None:
    """Wait until the page shows `text` and its script has finished running (the status
    widget alone can be absent while a run has not shown it yet)."""
    page.get_by_text(text).first.wait_for(timeout=timeout)
    page.wait_for_function(SETTLED, timeout=timeout)


def _visit(folder: Path, *, prepare: bool) -> tuple[dict[str, dict[str, float]], list[float]]:
    """Start the app on `folder`, visit every page twice, time a filter change, stop it."""
    from playwright.sync_api import sync_playwright

    port = _port()
    env = {**os.environ, "PLAYBOOKS_WORKSPACE": str(folder),
           "PLAYBOOKS_DATABASE_URL": f"sqlite:///{folder / 'playbooks.db'}",
           "PLAYBOOKS_PREPARE_RESULTS": "1" if prepare else "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for visit in ("first", "warm"):
                for path, marker in PAGES:
                    start = time.perf_counter()
                    page.goto(f"{url}/{path}")
                    _ready(page, marker, timeout=600_000)  # a baseline page may compute long
                    results.setdefault(path or "start", {})[visit] = time.perf_counter() - start
            page.goto(f"{url}/signals")
            _ready(page, "Drifting accounts")
            filters = []
            for _ in range(3):
                page.get_by_test_id("stCheckbox").filter(has_text="Only drifting").click()
                start = time.perf_counter()
                page.wait_for_timeout(50)
                _ready(page, "Drifting accounts")
                filters.append(time.perf_counter() - start)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return results, filters


def _seed_team(folder: Path) -> None:
    """Give the store a team with two assessed quarters and an action, as a leader's would
    have, so the self-assessment and review pages show everything they can."""
    from playbooks.assessment.bank import load_question_bank
    from playbooks.store import Store, answers_from_levels

    ids = list(load_question_bank().statement_dimension)
    with Store(f"sqlite:///{folder / 'playbooks.db'}") as store:
        if not store.list_assessments():
            store.new_assessment(TEAM, "2026Q3", answers=answers_from_levels(
                {i: 2 for i in ids}))
            store.new_assessment(TEAM, "2026Q4", answers=answers_from_levels(
                {i: 2 + n % 2 for n, i in enumerate(ids)}))
            store.add_action(TEAM, "Put a person behind every judgment moment", owner="Ana",
                             due_quarter="2027Q1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--workspace", type=Path, default=None,
                        help="an existing workspace to use (kept, with the results stored "
                        "beside it) instead of a new demo")
    parser.add_argument("--baseline", action="store_true",
                        help="first measure the visits with no results kept (each page "
                        "computes its own)")
    args = parser.parse_args()

    from playbooks.demo import generate_demo
    from playbooks.results.prepare import prepare_results
    from playbooks.results.store import FOLDER

    print("load average at start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    folder = args.workspace or Path(tempfile.mkdtemp(prefix="bench-app-"))
    try:
        if args.workspace is None:
            start = time.perf_counter()
            generate_demo(folder, accounts=args.accounts, weeks=args.weeks, seed=11)
            print(f"demo workspace: {args.accounts:,} accounts x {args.weeks} weeks "
                  f"({time.perf_counter() - start:.1f} s to generate)")
        else:
            print(f"workspace {folder}")
        _seed_team(folder)
        baseline: dict[str, dict[str, float]] = {}
        if args.baseline:
            shutil.rmtree(folder / FOLDER, ignore_errors=True)
            baseline, base_filters = _visit(folder, prepare=False)
            print("filter change without results kept (3 toggles): "
                  + ", ".join(f"{t:.2f} s" for t in base_filters))
            shutil.rmtree(folder / FOLDER, ignore_errors=True)
        start = time.perf_counter()
        computed = prepare_results(folder)
        print(f"results prepared as an import prepares them: {computed} of them computed in "
              f"{time.perf_counter() - start:.1f} s")
        prepared_at = time.time()
        results, filters = _visit(folder, prepare=True)
        again = sorted(f.name.split("-")[0] for f in (folder / FOLDER).glob("*.parquet")
                       if f.stat().st_mtime > prepared_at)
        if again:  # the code changed during the run (a shared checkout): those pages computed
            print("computed again by the pages (the code changed during the run): "
                  + ", ".join(again))
    finally:
        if args.workspace is None:
            shutil.rmtree(folder, ignore_errors=True)

    print(f"{'page':<12} {'baseline first visit':>21} {'first visit':>12} {'warm':>8}")
    for name, times in results.items():
        base = f"{baseline[name]['first']:.2f} s" if name in baseline else "-"
        print(f"{name:<12} {base:>21} {times['first']:>10.2f} s {times['warm']:>6.2f} s")
    print("filter change on account signals (3 toggles): "
          + ", ".join(f"{t:.2f} s" for t in filters))
    print("load average at end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
