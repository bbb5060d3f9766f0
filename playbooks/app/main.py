"""CX Playbooks in the browser: page set-up and navigation only; the pages live in `pages/`.

`streamlit run app.py` (from a checkout) and `playbooks app` (installed) both end up here.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from playbooks.app.warmup import start_importing_charts, wait_for_charts

PAGES_DIR = Path(__file__).resolve().parent / "pages"

# (file stem, title, icon), in the order the navigation shows them; the first is the default.
PAGES = (
    ("start", "Start", ":material/home:"),
    ("assessment", "Self-assessment", ":material/checklist:"),
    ("advisor", "Channel advisor", ":material/alt_route:"),
    ("journey", "Journey map", ":material/route:"),
    ("signals", "Account signals", ":material/monitor_heart:"),
    ("trap", "Efficiency vs relationship", ":material/balance:"),
    ("data", "Your data", ":material/upload_file:"),
    ("review", "Quarterly review", ":material/summarize:"),
)
# Pages that draw no chart and no table: they run without waiting for those libraries.
WITHOUT_CHARTS = ("start",)


def page_path(name: str) -> str:
    """The file of one page, for `st.Page`, `st.page_link` and `AppTest.switch_page`."""
    return str(PAGES_DIR / f"{name}.py")


def run() -> None:
    """Set up the page and run the page the visitor chose."""
    st.set_page_config(page_title="CX Playbooks", page_icon=":material/diversity_3:",
                       layout="wide")
    pages = [st.Page(page_path(name), title=title, icon=icon, default=index == 0)
             for index, (name, title, icon) in enumerate(PAGES)]
    chosen = st.navigation(pages)
    if chosen.title not in {title for name, title, _ in PAGES if name in WITHOUT_CHARTS}:
        wait_for_charts()
    try:
        chosen.run()
    finally:  # once per server: the chart libraries load while the leader reads this page
        start_importing_charts()


if __name__ == "__main__":
    run()
