"""Efficiency beside relationship: what got faster, what happened to the relationship meanwhile,
which needs now meet automation alone, and whether customers come back after an incident."""

from __future__ import annotations

import polars as pl
import streamlit as st

from playbooks.app.common import (
    ensure_workspace,
    friendly_errors,
    knowledge,
    plain,
    workspace_stamp,
)
from playbooks.app.efficiency import classified_questions, relationship_cost, repair, trap_view
from playbooks.app.tables import readable, segment_name, show
from playbooks.charts import need_mix_chart, repair_chart, trap_signature_chart
from playbooks.review.sentences import repair_sentence
from playbooks.trap import ALL, automation_alone, function_label, need_mix

KEY = "trap_"

st.title("Efficiency and relationship")
st.caption("Each function's efficiency measures and the relationship measures on one time "
           "axis, indexed to 100 at the start. Shaded weeks are where the first improved while "
           "the second weakened.")

with friendly_errors("measure efficiency beside relationship", stop=True):
    ensure_workspace()
    stamp = workspace_stamp()
    view = trap_view(stamp)
    if view.series.is_empty():
        st.info("The workspace has no activity to measure yet.")
        st.stop()
    functions = view.series["function"].unique().sort().to_list()
    functions = [ALL] + [f for f in functions if f != ALL]
    trapped = view.findings["function"].unique().to_list()
    function = st.selectbox("Function", functions, format_func=function_label,
                            key=KEY + "function") or ALL

    st.altair_chart(trap_signature_chart(view.series, view.findings, function=function,
                                         width=680), width="content")

    st.subheader("Where efficiency rose while the relationship fell")
    mine = view.findings.filter(pl.col("function") == function)
    if mine.is_empty():
        st.success(f"No such period for {plain(function_label(function).lower())}: the "
                   "efficiency measures did not improve while the relationship measures "
                   "declined beyond the thresholds.", icon=":material/check_circle:")
    for sentence in mine["sentence"]:
        st.warning(plain(sentence), icon=":material/balance:")
    others = [function_label(f) for f in trapped if f != function]
    if others:
        st.caption("Also seen in: " + plain(", ".join(others)) + ".")
    s = view.settings
    st.caption(f"Each week compares the mean of the last {s.window_weeks} weeks with the same "
               f"window {s.lag_weeks} weeks earlier. A share must move at least "
               f"{s.share_points * 100:.0f} points, a rate {s.relative:.0%}, and more than "
               "its own week-to-week noise. Fewer contacts for staff is shown but never "
               "makes a finding alone: it can mean a quieter customer as easily as a faster "
               "team.")

    st.subheader("What automation alone cost")
    cost = relationship_cost(stamp)
    effects = cost.effects if function == ALL else cost.effects.filter(
        pl.col("function") == function)
    if effects.is_empty():
        st.info("Too few comparable accounts here to estimate what automation alone cost.")
    for row in effects.iter_rows(named=True):
        if row["cost"]:
            st.warning(plain(row["sentence"]), icon=":material/trending_down:")
        else:
            st.info(plain(row["sentence"]), icon=":material/balance:")
    st.caption("Accounts whose judgment, reassurance or peer-experience questions met "
               "automation alone, against comparable accounts (same segment, stage and earlier "
               "activity) whose questions reached a person or a peer, over the next 12 weeks. "
               "The 95% interval comes from resampling the accounts; when it includes no "
               "difference, there is no evidence of a cost.")

    st.subheader("Each efficiency measure beside the relationship measure it can cost")
    pairs = cost.pairs.filter(pl.col("function") == function)
    if pairs.is_empty():
        st.info("Too little history here to compare the paired measures.")
    for row in pairs.iter_rows(named=True):
        if row["cost"]:
            st.warning(plain(row["sentence"]), icon=":material/balance:")
        else:
            st.markdown("- " + plain(row["sentence"]))

    st.subheader("The need behind each question")
    questions = classified_questions(stamp)
    if questions.is_empty():
        st.info("No customer questions in the data.")
    else:
        mix = need_mix(questions)
        shown = mix if function == ALL else mix.filter(pl.col("function") == function)
        if shown.filter(pl.col("need") != "no_text").is_empty():
            st.info("No question texts for this function.")
        else:
            st.altair_chart(need_mix_chart(shown, kb=knowledge()), width="stretch")
        alone = automation_alone(questions)
        if function != ALL:
            alone = alone.filter(pl.col("function") == function)
        if alone.is_empty():
            st.success("No judgment, reassurance or peer-experience question got an automated "
                       "answer alone here.", icon=":material/check_circle:")
        for sentence in alone["sentence"].head(6):
            st.warning(plain(sentence), icon=":material/smart_toy:")
        untexted = int((questions["need"] == "no_text").sum())
        if untexted:
            st.caption(f"{untexted:,} questions had no text and are left out of the mix.")

    st.subheader("After something went wrong")
    st.caption("After an escalation or an incident, did the account come back (a question, a "
               "reply to a check-in, an event, a post) within the window, or go quiet?")
    window = st.slider("Window (days)", 7, 90, 30, step=1, key=KEY + "window")
    result = repair(stamp, window)
    st.markdown(plain(repair_sentence(result)))
    if not result.by_quarter.is_empty():
        left, right = st.columns([3, 2])
        left.altair_chart(repair_chart(result.by_quarter), width="stretch")
        right.dataframe(result.by_segment.select(
            pl.col("segment").map_elements(segment_name, return_dtype=pl.String)
            .alias("Segment"), pl.col("episodes").alias("Episodes"),
            (pl.col("share_came_back") * 100).round(0).alias("Came back (%)"),
            (pl.col("share_went_quiet") * 100).round(0).alias("Went quiet (%)")),
            hide_index=True, width="stretch")
        quiet = result.episodes.filter(pl.col("outcome") == "went_quiet").sort(
            "trigger_at", descending=True)
        st.markdown(f"**Accounts that went quiet: {quiet.height:,}**")
        show(readable(quiet, ["name", "account_id", "segment", "trigger_kind",
                                      "trigger_at"], codes=("trigger_kind",)),
                     hide_index=True, width="stretch")
