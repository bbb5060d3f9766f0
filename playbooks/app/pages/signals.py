"""Account signals: which accounts look healthy inside while the relationship drains, and why."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from playbooks import settings
from playbooks.app.backtest_card import show_backtest_card
from playbooks.app.common import (
    account_activity,
    account_series,
    accounts_table,
    continuity_gaps,
    ensure_workspace,
    friendly_errors,
    knowledge,
    plain,
    signals,
    themes,
    workspace_as_of,
    workspace_stamp,
)
from playbooks.app.tables import money, readable, segment_name, show, show_first
from playbooks.charts import (
    account_timeline_chart,
    account_trend_chart,
    portfolio_chart,
    portfolio_frame,
    themes_chart,
)
from playbooks.questions.themes import ThemeSettings
from playbooks.signals import SIGNALS as ENGINE_SIGNALS
from playbooks.signals.brief import account_brief

KEY = "signals_"
GAP_COLUMNS = ["trigger_kind", "trigger_at", "outreach_kind", "outreach_at", "days_after"]
GAP_CODES = ("trigger_kind", "outreach_kind")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)

SIGNALS = [(s.name, s.label) for s in ENGINE_SIGNALS]  # the engine's names and labels

st.title("Account signals")
st.caption("Accounts whose dashboards look fine while customers ask less, join less, use less "
           "of the product and speak up less. Every flag comes with its reasons.")

with friendly_errors("read the account data", stop=True):
    ensure_workspace()
    stamp = workspace_stamp()
    accounts = accounts_table(stamp)
    frame = portfolio_frame(signals(stamp), accounts)

    f1, f2, f3, f4 = st.columns([2, 2, 2, 1])
    segments = f1.multiselect("Segment", sorted(accounts["segment"].unique().to_list()),
                              key=KEY + "segment", placeholder="All segments",
                              format_func=segment_name)
    owners = f2.multiselect("Owner", sorted(accounts["owner"].unique().to_list()),
                            key=KEY + "owner", placeholder="All owners")
    renewal_days = f3.slider("Renewal within (days, 0 = any)", 0, 365, 0, step=15,
                             key=KEY + "renewal")
    only_drifting = f4.toggle("Only drifting", key=KEY + "only_drifting")

    view = frame
    if segments:
        view = view.filter(pl.col("segment").is_in(segments))
    if owners:
        view = view.filter(pl.col("owner").is_in(owners))
    if renewal_days:
        today = dt.date.today()
        view = view.filter(pl.col("renewal_date").is_between(
            today, today + dt.timedelta(days=renewal_days)))
    drifting = view.filter(pl.col("looks_healthy_drifting")).sort("disengagement_score",
                                                                   descending=True)
    if only_drifting:
        view = drifting

    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Accounts shown", f"{view.height:,}")
    m2.metric("Look healthy, drifting", f"{drifting.height:,}")
    m3.metric("Annual value drifting", money(float(drifting["annual_value"].sum())))
    m4.metric("Continuity gaps (recent)", f"{int(view['continuity_gap_count'].sum()):,}")

    st.altair_chart(portfolio_chart(view, currency=settings.currency()), width="stretch")

    st.subheader("Drifting accounts")
    if drifting.is_empty():
        st.success("No account in this selection looks healthy while drifting.")
    else:
        show_first(readable(drifting, [
            "name", "owner", "segment", "renewal_date", "annual_value", "disengagement_score",
            "internal_view", "first_reason"]), "drifting accounts", key=KEY + "all_drifting",
            hide_index=True, width="stretch")

    st.subheader("One account, across every function")
    choices = (drifting if not drifting.is_empty() else view).select("account_id", "name")
    if choices.is_empty():
        st.info("No account matches the filters.")
        st.stop()
    names = dict(zip(choices["account_id"], choices["name"], strict=True))
    account_id = st.selectbox("Account", list(names), format_func=lambda a: f"{names[a]} ({a})",
                              key=KEY + "account")
    row = frame.filter(pl.col("account_id") == account_id).row(0, named=True)
    st.markdown(f"#### {plain(row['name'])}")
    renewal = f"{row['renewal_date']:%d %b %Y}" if row["renewal_date"] else "not known"
    st.caption(f"Owner {plain(row['owner'])} · {plain(segment_name(row['segment']))} · "
               f"renewal {renewal} · "
               f"annual value {money(row['annual_value'])} · internal view: "
               f"{str(row['internal_view']).replace('_', ' ')} · disengagement score "
               f"{row['disengagement_score']:.1f}")
    if row["looks_healthy_drifting"]:
        st.warning("Looks healthy on the dashboards while the relationship drifts.",
                   icon=":material/trending_down:")
    mine = account_activity(stamp, account_id)
    brief = account_brief(mine, account_id, as_of=workspace_as_of(stamp), name=row["name"])
    with st.container(border=True):
        st.markdown("**Before you reach out**")
        for line in brief.lines():
            if line.startswith("Avoid: "):
                st.warning(plain(line), icon=":material/block:")
            else:
                st.text(line)
        st.download_button(
            "Download this brief (to print or share)",
            "\n".join([f"{brief.name} ({brief.account_id}), as of {brief.as_of:%d %b %Y}",
                       *brief.lines()]) + "\n",
            file_name=f"brief-{account_id}.txt", mime="text/plain", key=KEY + "brief",
            icon=":material/download:")
    st.markdown("**Why**")
    for reason in row["reasons"] or ["No signal counts against this account."]:
        st.text(f"• {reason}")
    if row["sources_missing"]:
        st.caption("Not in the data, so left out of the score: "
                   + ", ".join(row["sources_missing"]))
    from playbooks.signals.custom import CUSTOM_SIGNALS

    shown = SIGNALS + [(s.name, s.label) for s in CUSTOM_SIGNALS.values()
                       if f"{s.name}_recent" in row]
    table = pl.DataFrame([{
        "Signal": label,
        "Recent (per 4 weeks)": _round(row.get(f"{key}_recent")),
        "Baseline (per 4 weeks)": _round(row.get(f"{key}_baseline")),
        "Change": (f"{row[f'{key}_change']:+.0%}" if row.get(f"{key}_change") is not None
                   else "n/a"),
        "Counts against": "yes" if row.get(f"{key}_against") else "no",
    } for key, label in shown])
    st.dataframe(table, hide_index=True, width="stretch")
    left, right = st.columns(2)
    functions = {f.id: f.label for f in knowledge().functions.values()}
    left.altair_chart(account_timeline_chart(mine, functions), width="stretch")
    right.altair_chart(account_trend_chart(account_series(stamp, account_id)), width="stretch")

    gaps = continuity_gaps(stamp)
    own_gaps = gaps.filter(pl.col("account_id") == account_id)
    st.markdown(f"**Continuity gaps for this account: {own_gaps.height}**")
    if own_gaps.height:
        show(readable(own_gaps, GAP_COLUMNS, codes=GAP_CODES), hide_index=True,
                     width="stretch")

    st.subheader("Repeated questions")
    st.caption("Themes that keep coming back across many accounts point to a product or "
               f"education fix. {ThemeSettings().recurring_rule()}")
    found = themes(stamp)
    if found.is_empty():
        st.info("No question texts in the data to group.")
    else:
        st.altair_chart(themes_chart(found), width="stretch")
        show(readable(found, ["label", "account_count", "question_count",
                                      "first_seen", "last_seen", "weeks_active", "recurring",
                                      "recurrence", "example"]), hide_index=True, width="stretch")

    st.subheader("All continuity gaps")
    st.caption("Automated or templated outreach that reached an account within days of a "
               "support issue or escalation.")
    named = gaps.join(accounts.select("account_id", "name"), on="account_id", how="left")
    show_first(readable(named.sort("trigger_at", descending=True),
                        ["name", "account_id", *GAP_COLUMNS], codes=GAP_CODES),
               "continuity gaps", key=KEY + "all_gaps", hide_index=True, width="stretch")
    show_backtest_card(stamp[0])
