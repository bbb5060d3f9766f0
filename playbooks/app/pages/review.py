"""Quarterly review: one team's quarter on one page, and the pack to hand out."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import polars as pl
import streamlit as st

from playbooks.app.common import (
    accounts_table,
    continuity_gaps,
    ensure_workspace,
    friendly_errors,
    inputs,
    knowledge,
    plain,
    signals,
    store,
    themes,
    workspace_as_of,
    workspace_stamp,
)
from playbooks.app.efficiency import classified_questions, repair, trap_view
from playbooks.app.tables import readable, segment_name, show
from playbooks.assessment.quarters import quarter_key
from playbooks.review.gather import build_review
from playbooks.review.model import ReviewData, trap_of
from playbooks.review.sentences import (
    DRIFTING_SHOWN,
    GAPS_SHOWN,
    SECTION_TITLES,
    actions_line,
    alone_line,
    alone_sentences,
    brief_text,
    dimension_rows,
    drifting_line,
    finding_sentences,
    gaps_line,
    method_line,
    overall_line,
    repair_line,
    repair_rows,
    themes_line,
    trap_line,
)
from playbooks.review.trap import trap_part

KEY = "review_"


def quarter_options(today: dt.date) -> list[str]:
    index = today.year * 4 + (today.month - 1) // 3
    return [f"{i // 4}Q{i % 4 + 1}" for i in range(index + 1, index - 8, -1)]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "team"


@st.cache_data(show_spinner="Drawing the charts for the HTML pack ...", max_entries=4)
def pack_html(team: str, quarter: str, stamp: tuple, content_key: str) -> str:
    """The HTML pack (its SVG charts take a second or two to draw), cached per team, quarter,
    workspace version and content (`content_key`: a hash of the Markdown version)."""
    from playbooks.review.html import render_html

    return render_html(_review(team, quarter, stamp))


def _review(team: str, quarter: str, stamp: tuple):  # noqa: ANN202 - a Review
    from playbooks.trap import DEFAULT_WINDOW_DAYS

    accounts = accounts_table(stamp)
    # Without the drifting-share series, like `playbooks report`: it costs a signals run a point.
    trap = trap_part(trap_view(stamp, None), classified_questions(stamp),
                     repair(stamp, DEFAULT_WINDOW_DAYS))
    found = signals(stamp)
    drifting = found.filter(found["looks_healthy_drifting"])["account_id"].to_list()
    data = ReviewData(accounts, found, continuity_gaps(stamp), themes(stamp),
                      source=stamp[0], trap=trap, activity=inputs(stamp).events_of(drifting),
                      as_of=workspace_as_of(stamp))
    return build_review(team, quarter, store=store(), data=data)


st.title("Quarterly review")
st.caption("Everything a planning session needs about one team's quarter: the self-assessment "
           "and how it moved, the journey-map findings, the accounts drifting while they look "
           "fine, the continuity gaps, the questions customers keep asking, efficiency beside the "
           "relationship, and the action plan. "
           "Download it as one file that opens anywhere, even offline.")

with friendly_errors("prepare the quarterly review", stop=True):
    ensure_workspace()
    stamp = workspace_stamp()
    teams = [t.name for t in store().list_teams()]
    left, right = st.columns(2)
    if teams:
        team = left.selectbox("Team", teams, key=KEY + "team")
    else:
        team = left.text_input("Team", key=KEY + "team_name",
                               placeholder="e.g. Customer Success EMEA").strip()
        left.caption("No team has saved an assessment yet; start one on the Self-assessment "
                     "page.")
    quarters = quarter_options(dt.date.today())
    saved = [r.quarter for r in store().list_assessments(team)] if team else []
    latest = max(saved, key=quarter_key) if saved else quarters[1]
    if latest not in quarters:
        quarters = sorted({*quarters, latest}, key=quarter_key, reverse=True)
    quarter = right.selectbox("Quarter", quarters, index=quarters.index(latest),
                              key=KEY + "quarter",
                              help="Opens on the latest quarter the team has assessed.")
    if not team:
        st.info("Choose or type a team to see its review.")
        st.stop()
    review = _review(team, quarter, stamp)
    from playbooks.review.markdown import actions_csv, render_markdown

    markdown = render_markdown(review)
    content_key = hashlib.sha256(markdown.split("\n", 3)[-1].encode()).hexdigest()

    st.subheader("Take it with you")

    name = f"review-{slug(team)}-{quarter}"
    d1, d2, d3 = st.columns(3)
    # Drawn when asked for (its SVG charts take a second or two), not on every visit. The click
    # only downloads (on_click="ignore"): a rerun started by the click itself would drop the
    # drawn file's answer on its way to the browser, or retire the button's file before it is
    # asked for, and the download would never come.
    d1.download_button("HTML report", lambda: pack_html(team, quarter, stamp, content_key),
                       file_name=f"{name}.html", mime="text/html", key=KEY + "html",
                       icon=":material/download:", on_click="ignore")
    d2.download_button("Markdown", markdown, file_name=f"{name}.md",
                       mime="text/markdown", key=KEY + "md", icon=":material/download:")
    d3.download_button("Action items (CSV)", actions_csv(review),
                       file_name=f"{name}-actions.csv", mime="text/csv", key=KEY + "csv",
                       icon=":material/download:")

    from playbooks.review.html import review_charts

    charts = review_charts(review)
    part = review.assessment
    tabs = st.tabs([f"{n}. {t}" for n, t in enumerate(SECTION_TITLES.values(), 1)])
    with tabs[0]:
        st.header("1. Self-assessment")
        if part.result is None:
            st.info(part.note, icon=":material/info:")
        else:
            st.markdown(plain(overall_line(review)))
            if part.note:
                st.caption(plain(part.note))
            if "assessment" in charts:
                st.altair_chart(charts["assessment"], width="stretch")
            st.dataframe(pl.DataFrame([{
                "Dimension": r["title"], "Level": r["level"], "Score": r["score"],
                "Before": r["before"], "Move": r["move"], "Evidence": r["verdict"],
                "From the data": " ".join(f"({s}) {t}" for s, t in r["facts"])
                or " ".join(r["missing"])} for r in dimension_rows(review)]),
                hide_index=True, width="stretch")

    with tabs[1]:
        st.header("2. Journey-map findings")
        if review.journey_note:
            st.info(review.journey_note, icon=":material/info:")
        for jp in review.journeys:
            title = "The example journey map" if jp.example else jp.name  # not its file name
            st.subheader(plain(f"{title}: {len(jp.findings)} findings"))
            if jp.problem:
                st.warning(jp.problem)
            elif jp.findings:
                stages = knowledge().stages
                st.dataframe(pl.DataFrame([{
                    "Severity": f.severity, "Touchpoint": f.touchpoint,
                    "Stage": stages[f.stage].label if f.stage in stages else f.stage,
                    "Anti-pattern": f.name, "Why": f.reason, "Play": f.play_title}
                    for f in jp.findings]), hide_index=True, width="stretch")

        data = review.data
    with tabs[2]:
        st.header("3. Accounts that look healthy but are drifting")
        st.markdown(plain(drifting_line(review)))
        if "drifting" in charts:
            st.altair_chart(charts["drifting"], width="stretch")
        if data.drifting is not None and data.drifting.height:
            shown = data.drifting.head(DRIFTING_SHOWN)
            show(readable(shown.with_columns(
                pl.col("reasons").list.join(" ").alias("first_reason")),
                ["name", "owner", "renewal_date", "annual_value", "disengagement_score",
                 "first_reason"]).rename({"Main reason": "Why"}).with_columns(pl.Series(
                     "Before reaching out", [brief_text(review, a)
                                             for a in shown["account_id"]], pl.String)),
                hide_index=True, width="stretch")

    with tabs[3]:
        st.header("4. Continuity gaps")
        st.markdown(plain(gaps_line(review)))
        if data.continuity_gaps is not None and data.continuity_gaps.height:
            show(readable(data.continuity_gaps.head(GAPS_SHOWN), [
                "name", "trigger_kind", "trigger_at", "outreach_kind", "outreach_at", "days_after"],
                codes=("trigger_kind", "outreach_kind")), hide_index=True, width="stretch")

    with tabs[4]:
        st.header("5. Repeated-question themes")
        st.markdown(plain(themes_line(review)))
        if "themes" in charts:
            st.altair_chart(charts["themes"], width="stretch")

    with tabs[5]:
        st.header("6. Efficiency beside relationship")
        trap = trap_of(review)
        st.markdown(plain(trap_line(trap)))
        for sentence in finding_sentences(trap):
            st.warning(plain(sentence), icon=":material/balance:")
        if trap.available:
            st.caption(plain(method_line(trap)))
        for function in trap.charted_functions():
            st.altair_chart(charts[f"trap:{function}"], width="content")
        st.subheader("Personal needs answered by automation alone")
        st.markdown(plain(alone_line(trap)))
        for sentence in alone_sentences(trap):
            st.warning(plain(sentence), icon=":material/smart_toy:")
        st.subheader("After something went wrong")
        st.markdown(plain(repair_line(trap)))
        if "repair" in charts:
            st.altair_chart(charts["repair"], width="stretch")
        if repair_rows(trap):
            st.dataframe(pl.DataFrame([{
                "Segment": segment_name(str(r["segment"])), "Episodes": r["episodes"],
                "Came back": r["came_back"],
                "Went quiet": r["went_quiet"]} for r in repair_rows(trap)]),
                hide_index=True, width="stretch")

    with tabs[6]:
        st.header("7. Action plan")
        st.markdown(plain(actions_line(review)))
        if review.actions:
            st.dataframe(pl.DataFrame([{
                "Action": a.title, "Owner": a.owner, "Due": a.due_quarter, "Status": a.status,
                "Overdue": "yes" if review.overdue(a) else "no"} for a in review.actions]),
                hide_index=True, width="stretch")
