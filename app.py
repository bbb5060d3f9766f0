"""CX Playbooks in the browser: page set-up and navigation only; pages live in app_pages/."""

import streamlit as st

st.set_page_config(page_title="CX Playbooks", page_icon=":material/diversity_3:", layout="wide")

pages = [
    st.Page("app_pages/start.py", title="Start", icon=":material/home:", default=True),
    st.Page("app_pages/assessment.py", title="Self-assessment", icon=":material/checklist:"),
    st.Page("app_pages/advisor.py", title="Channel advisor", icon=":material/alt_route:"),
    st.Page("app_pages/journey.py", title="Journey map", icon=":material/route:"),
    st.Page("app_pages/signals.py", title="Account signals", icon=":material/monitor_heart:"),
    st.Page("app_pages/trap.py", title="Efficiency vs relationship", icon=":material/balance:"),
    st.Page("app_pages/data.py", title="Your data", icon=":material/upload_file:"),
    st.Page("app_pages/review.py", title="Quarterly review", icon=":material/summarize:"),
]
st.navigation(pages).run()
