"""Measure how fast each app page is ready, and how fast a filter change answers, in a real
browser against `streamlit run`, on a demo workspace of a given size.

    .venv/bin/python benchmarks/bench_app.py --accounts 5000
    .venv/bin/python benchmarks/bench_app.py --workspace /tmp/ws50k   # made by `playbooks demo`

For every page it prints the time from navigation until the page has finished running and shows
its main element, first with cold caches (the first visit after the server starts: the
baseline) and then warm (a later visit, as every user after the first sees it). Then it times a
filter change on the account signals page.
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
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(page, text: str, timeout: float = 120_000) -> None:
    page.get_by_text(text).first.wait_for(timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--workspace", type=Path, default=None,
                        help="an existing workspace to use (kept, with the results the app "
                        "stores beside it) instead of a new demo")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from playbooks.demo import generate_demo

    folder = args.workspace or Path(tempfile.mkdtemp(prefix="bench-app-"))
    if args.workspace is None:
        start = time.perf_counter()
        generate_demo(folder, accounts=args.accounts, weeks=args.weeks, seed=11)
        print(f"demo workspace: {args.accounts:,} accounts x {args.weeks} weeks "
              f"({time.perf_counter() - start:.1f} s to generate)")
    else:
        stored = sorted(p.name.split("-")[0] for p in (folder / ".results").glob("*.parquet"))
        print(f"workspace {folder}; results stored beside it: {', '.join(stored) or 'none'}")
    port = _port()
    env = {**os.environ, "PLAYBOOKS_WORKSPACE": str(folder),
           "PLAYBOOKS_DATABASE_URL": f"sqlite:///{folder / 'playbooks.db'}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        results = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for visit in ("cold", "warm"):
                for path, marker in PAGES:
                    start = time.perf_counter()
                    page.goto(f"{url}/{path}")
                    _ready(page, marker)
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
        if args.workspace is None:
            shutil.rmtree(folder, ignore_errors=True)

    print(f"{'page':<12} {'cold (first visit, baseline)':>30} {'warm (later visits)':>22}")
    for name, times in results.items():
        print(f"{name:<12} {times['cold']:>28.2f} s {times['warm']:>20.2f} s")
    print("filter change on account signals (3 toggles): "
          + ", ".join(f"{t:.2f} s" for t in filters))


if __name__ == "__main__":
    main()
