"""Start: what the tool does, what to do first."""

import streamlit as st

st.title("CX Playbooks")
st.markdown(
    "Decide, moment by moment, where automation serves your customers and where a person or a "
    "peer must stay within reach. Check your journey for the patterns that quietly wear a "
    "relationship down. Take the findings into your quarterly planning."
)

st.subheader("Where to begin")
col1, col2 = st.columns(2)
with col1:
    st.page_link("app_pages/advisor.py", label="Ask which channel fits a moment",
                 icon=":material/alt_route:")
    st.caption("Describe what the customer is trying to decide and the situation around it; "
               "get every channel ranked with the reasons.")
with col2:
    st.page_link("app_pages/journey.py", label="Check your journey map",
                 icon=":material/route:")
    st.caption("Start from an example journey of a B2B software company, edit it to match "
               "yours, and see what it reveals.")
