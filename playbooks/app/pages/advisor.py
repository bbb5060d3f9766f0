"""Channel advisor: describe a moment, get the channels ranked with reasons."""

import streamlit as st

from playbooks.advice.advisor import Situation, recommend
from playbooks.app.common import friendly_errors, knowledge
from playbooks.charts import recommendation_chart

KEY = "advisor_"
kb = knowledge()

st.title("Channel advisor")
st.caption("Start from what the customer is trying to decide. The situation around the moment "
           "then moves each channel up or down.")

left, right = st.columns([1, 2], gap="large")
with left:
    need = st.selectbox(
        "What is the customer trying to settle?", list(kb.needs),
        format_func=lambda n: f"{kb.needs[n].label}: {kb.needs[n].asks}", key=KEY + "need",
    )
    stage = st.selectbox("Journey stage", [None, *kb.stages], key=KEY + "stage",
                         format_func=lambda s: "Any stage" if s is None else kb.stages[s].label)
    stakes = st.radio("What is at stake?", [None, "routine", "consequential"], key=KEY + "stakes",
                      horizontal=True,
                      format_func=lambda v: "Not sure" if v is None
                      else kb.modifier_value("stakes", v).label)
    familiarity = st.radio("Has the customer done this before?", [None, "familiar", "unfamiliar"],
                           key=KEY + "familiarity", horizontal=True,
                           format_func=lambda v: "Not sure" if v is None
                           else kb.modifier_value("familiarity", v).label)
    org_risk = st.checkbox("Internal politics or buy-in are part of the problem",
                           key=KEY + "org_risk")
    off_hours = st.checkbox("It happens outside our working hours", key=KEY + "off_hours")

with right, friendly_errors("rank the channels"):
    result = recommend(Situation(need=need, stage=stage, stakes=stakes, familiarity=familiarity,
                                 org_risk=org_risk, off_hours=off_hours), kb)
    if result.needs_person_or_peer:
        st.warning("A person or a peer must be reachable from this moment, even if automation "
                   "answers first.", icon=":material/group:")
    else:
        st.success("Automation can serve this moment on its own, as long as the content stays "
                   "current.", icon=":material/smart_toy:")
    best = result.channels[0]
    st.subheader(f"Best fit: {best.label}")
    st.altair_chart(recommendation_chart(result, kb), width="stretch")
    for note in result.notes:
        st.info(note, icon=":material/lightbulb:")
    st.subheader("Why each channel ranks where it does")
    for rank, channel in enumerate(result.channels, start=1):
        alone = " · automation alone is fine" if channel.automation_alone_ok else ""
        with st.expander(f"{rank}. {channel.label} — {channel.fit} fit ({channel.kind}){alone}",
                         expanded=rank == 1):
            for reason in channel.reasons:
                st.text(f"• {reason}")
