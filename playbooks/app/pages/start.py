"""Start: what the tool does, what to do first, and the state of the workspace."""

import streamlit as st

from playbooks.app.common import (
    engine_note,
    ensure_workspace,
    friendly_errors,
    store,
    workspace_path,
)
from playbooks.app.main import PAGES, page_path
from playbooks.app.warmup import warm_up, warm_up_progress
from playbooks.data.workspace import workspace_status

PAGE_ICONS = {name: icon for name, _, icon in PAGES}

st.title("CX Playbooks")
st.markdown(
    "Decide, moment by moment, where automation serves your customers and where a person or a "
    "peer must stay within reach.  \n"
    "Find the accounts that look healthy on every dashboard while the relationship drains, "
    "and see why.  \n"
    "Assess how your teams operate, quarter by quarter, and leave with an action plan."
)

st.subheader("Where to begin")
st.caption("A first planning session usually goes in this order; every page stands on its own "
           "too.")
# (page, what to click, what it is for), in the order a first planning session follows.
GUIDE = (
    ("assessment", "1. Run the self-assessment",
     "Rate how your team works in seven areas; answers are saved as you go."),
    ("signals", "2. See which accounts are drifting",
     "Accounts that look fine on the dashboards while customers quietly pull back, with "
     "reasons."),
    ("trap", "3. Compare efficiency with the relationship",
     "Where faster, cheaper service came with customers asking, joining and speaking up less."),
    ("journey", "4. Check your journey map",
     "Find the moments where automation, hand-offs or measures work against the customer."),
    ("advisor", "5. Ask which channel fits a moment",
     "Describe what the customer is deciding; every channel ranked, with the reasons."),
    ("review", "6. Take the quarterly review away",
     "The quarter on one page, and a file to hand out that opens anywhere, even offline."),
    ("data", "Bring your own data",
     "Import your exports (CRM, help desk, community, product analytics) whenever you are "
     "ready; until then the pages use a generated demo company."),
)
for name, label, line in GUIDE:
    left, right = st.columns([3, 5], vertical_alignment="center")
    left.page_link(page_path(name), label=label, icon=PAGE_ICONS[name])
    right.caption(line)

st.subheader("Your workspace")
with friendly_errors("read the workspace"):
    ensure_workspace()
    preparing = warm_up()

    @st.fragment(run_every=2 if preparing else None)
    def preparation() -> None:
        """Say how far the preparation of the other pages' results has got, until it is done."""
        ready, jobs = warm_up_progress()
        if ready >= jobs:
            if preparing:
                st.rerun()  # done: show the page without the progress line
            return
        if preparing:
            st.info(f"Preparing the results the other pages show: {ready} of {jobs} ready. "
                    "You can open any page now; one whose results are not ready yet waits "
                    "for them.", icon=":material/hourglass_top:")
            st.progress(ready / jobs)

    preparation()
    status = workspace_status(workspace_path())
    accounts = status.tables.get("accounts")
    activity = status.tables.get("activity")
    if status.is_demo:
        st.info("You are exploring a generated demo company. Bring your own exports on the "
                "Your data page whenever you are ready.", icon=":material/science:")
    else:
        changed = max((t.last_import for t in status.tables.values() if t.last_import),
                      default=None)
        when = changed.strftime("%d %b %Y, %H:%M UTC") if changed else "unknown"
        st.success(f"Your own data, last imported {when}.", icon=":material/database:")
        st.caption("Sources: " + "; ".join(
            f"{t.name.replace('_', ' ')} from {', '.join(t.sources)}"
            for t in status.tables.values() if t.sources))
    m1, m2, m3 = st.columns(3)
    m1.metric("Accounts", f"{accounts.rows:,}" if accounts and accounts.exists else "none")
    on_engine = engine_note()
    if on_engine and not (activity and activity.exists):
        m2.metric("Activity events", "on the engine", help=on_engine)
    else:
        m2.metric("Activity events",
                  f"{activity.rows:,}" if activity and activity.exists else "none",
                  help="From " + ", ".join(activity.sources) if activity and activity.sources
                  else None)
    if on_engine:
        st.caption(on_engine)
    assessments = store().list_assessments()
    if assessments:
        latest = max(assessments, key=lambda r: r.updated_at)
        m3.metric("Latest assessment", f"{latest.team}, {latest.quarter}",
                  help=f"{len(latest.answers)} answers, {latest.status}, last saved "
                  f"{latest.updated_at:%d %b %Y}")
    else:
        m3.metric("Latest assessment", "none yet")
