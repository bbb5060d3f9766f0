"""Start: what the tool does, what to do first, and the state of the workspace."""

import streamlit as st

from playbooks.app.common import ensure_workspace, friendly_errors, store, warm_up, workspace_path
from playbooks.app.main import page_path
from playbooks.data.workspace import workspace_status

st.title("CX Playbooks")
st.markdown(
    "Decide, moment by moment, where automation serves your customers and where a person or a "
    "peer must stay within reach.  \n"
    "Find the accounts that look healthy on every dashboard while the relationship drains, "
    "and see why.  \n"
    "Assess how your teams operate, quarter by quarter, and leave with an action plan."
)

st.subheader("Where to begin")
col1, col2, col3 = st.columns(3)
with col1:
    st.page_link(page_path("assessment"), label="Run the self-assessment",
                 icon=":material/checklist:")
    st.caption("Rate your operating choices in seven areas; your answers are saved as you go.")
with col2:
    st.page_link(page_path("signals"), label="See which accounts are drifting",
                 icon=":material/monitor_heart:")
    st.caption("Accounts that look fine inside while customers quietly pull back, with reasons.")
with col3:
    st.page_link(page_path("advisor"), label="Ask which channel fits a moment",
                 icon=":material/alt_route:")
    st.caption("Describe what the customer is deciding; get every channel ranked with reasons.")
st.page_link(page_path("journey"), label="Check your journey map for anti-patterns",
             icon=":material/route:")

st.subheader("Your workspace")
with friendly_errors("read the workspace"):
    ensure_workspace()
    warm_up()
    status = workspace_status(workspace_path())
    accounts = status.tables.get("accounts")
    activity = status.tables.get("activity")
    if status.is_demo:
        st.info("You are exploring a generated demo company. Bring your own exports on the "
                "Your data page whenever you are ready.", icon=":material/science:")
    else:
        changed = max((t.last_import for t in status.tables.values() if t.last_import),
                      default=None)
        when = changed.strftime("%Y-%m-%d %H:%M UTC") if changed else "unknown"
        st.success(f"Your own data, last imported {when}.", icon=":material/database:")
        st.caption("Sources: " + "; ".join(
            f"{t.name.replace('_', ' ')} from {', '.join(t.sources)}"
            for t in status.tables.values() if t.sources))
    m1, m2, m3 = st.columns(3)
    m1.metric("Accounts", f"{accounts.rows:,}" if accounts and accounts.exists else "none")
    m2.metric("Activity events", f"{activity.rows:,}" if activity and activity.exists else "none",
              help="From " + ", ".join(activity.sources) if activity and activity.sources
              else None)
    assessments = store().list_assessments()
    if assessments:
        latest = max(assessments, key=lambda r: r.updated_at)
        m3.metric("Latest assessment", f"{latest.team}, {latest.quarter}",
                  help=f"{len(latest.answers)} answers, {latest.status}, last saved "
                  f"{latest.updated_at:%Y-%m-%d}")
    else:
        m3.metric("Latest assessment", "none yet")
