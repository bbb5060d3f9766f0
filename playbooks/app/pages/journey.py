"""Journey map: edit the touchpoints, see the findings and the need-by-channel fit."""

import pandas as pd
import streamlit as st

from playbooks.advice.journey import (
    COLUMNS,
    EXAMPLE_JOURNEY,
    PERSONALISATION,
    journey_map_from_records,
    load_journey_map,
    parse_journey_map,
)
from playbooks.advice.rules import diagnose
from playbooks.app.common import friendly_errors, knowledge, plain, store
from playbooks.charts import fit_heatmap
from playbooks.framework.overlays import MEASURE_KINDS, save_measure

KEY = "journey_"
MAP = KEY + "records"
BOOLS = [c.name for c in COLUMNS if c.kind == "bool"]
kb = knowledge()

st.title("Journey map")
st.caption("One row per moment where the customer meets the company. Edit the table to match "
           "your journey; the findings update as you go.")

if MAP not in st.session_state:
    st.session_state[MAP] = load_journey_map(EXAMPLE_JOURNEY, kb).to_records()

LOADED = KEY + "loaded"  # (name, version) of the saved map the table came from
SAVE_NAME, SAVE_TEAM = KEY + "save_name", KEY + "save_team"
DEFAULT_NAME = "Our journey"
# The save form's fields follow the map that is open: set here, never from a widget default.
st.session_state.setdefault(SAVE_NAME, DEFAULT_NAME)
st.session_state.setdefault(SAVE_TEAM, "")
EXAMPLE = "The example journey (B2B software)"

with friendly_errors("list the saved journey maps"):
    saved = {m.name: m for m in store().list_journey_maps()}
    pick_col, open_col = st.columns([3, 1])
    choice = pick_col.selectbox("Open a journey map", [EXAMPLE, *saved], key=KEY + "pick",
                                help="Journey maps saved by anyone on your team, or the example.")
    if open_col.button("Open", key=KEY + "open"):
        if choice == EXAMPLE:
            st.session_state[MAP] = load_journey_map(EXAMPLE_JOURNEY, kb).to_records()
            st.session_state.pop(LOADED, None)
            st.session_state[SAVE_NAME], st.session_state[SAVE_TEAM] = DEFAULT_NAME, ""
        else:
            record = store().get_journey_map(choice)
            st.session_state[MAP] = record.rows
            st.session_state[LOADED] = (record.name, record.version)
            st.session_state[SAVE_NAME] = record.name
            st.session_state[SAVE_TEAM] = record.team or ""
        st.session_state.pop(KEY + "editor", None)
        st.rerun()

with st.expander("Load a journey map from a file"):
    upload = st.file_uploader("CSV or YAML journey map", type=["csv", "yaml", "yml"],
                              key=KEY + "upload")
    if upload is not None and st.button("Replace the table with this file", key=KEY + "load"):
        with friendly_errors("read the journey map"):
            uploaded = parse_journey_map(upload.getvalue(), upload.name, knowledge=kb)
            st.session_state[MAP] = uploaded.to_records()
            st.session_state.pop(KEY + "editor", None)
            st.rerun()
    if st.button("Start again from the example", key=KEY + "reset"):
        st.session_state[MAP] = load_journey_map(EXAMPLE_JOURNEY, kb).to_records()
        st.session_state.pop(KEY + "editor", None)
        st.rerun()

frame = pd.DataFrame(st.session_state[MAP])
# the company's own channel names stay selectable until they are confirmed as a known one
own_channels = sorted({str(r.get(c)) for r in st.session_state[MAP] for c in ("channel", "fallback")
                       if r.get(c) and r.get(c) not in kb.channels})
for column in BOOLS:
    frame[column] = frame[column] == "yes"


# each choice shown by its name in the knowledge (the table keeps the id); a company's own
# word is shown as written
NAMES: dict[str, str] = {
    **{k: v.label for part in (kb.stages, kb.functions, kb.needs, kb.channels)
       for k, v in part.items()},
    **{v.id: v.label for m in ("stakes", "familiarity") for v in kb.modifiers[m].values},
    "none": "None", "persona": "By persona", "context": "By the customer's own context",
}


def _select(name: str, options: list[str], label: str, required: bool = True):
    return st.column_config.SelectboxColumn(label, options=options, required=required,
                                            format_func=lambda v: NAMES.get(str(v), str(v)))


config = {
    "touchpoint": st.column_config.TextColumn("Touchpoint", required=True),
    "stage": _select("stage", list(kb.stages), "Stage"),
    "function": _select("function", list(kb.functions), "Owner"),
    "decision": st.column_config.TextColumn("What the customer is deciding", required=True),
    "need": _select("need", list(kb.needs), "Need"),
    "stakes": _select("stakes", [v.id for v in kb.modifiers["stakes"].values], "Stakes"),
    "familiarity": _select("familiarity", [v.id for v in kb.modifiers["familiarity"].values],
                           "Familiarity"),
    "org_risk": st.column_config.CheckboxColumn("Internal politics"),
    "channel": _select("channel", [*kb.channels, *own_channels], "Channel"),
    "automated": st.column_config.CheckboxColumn("Automated"),
    "person_reachable": st.column_config.CheckboxColumn("Person or peer reachable"),
    "shares_context_with": st.column_config.TextColumn(
        "Shares context with", help="Functions that see what happens here, separated by ;"),
    "community_connected": st.column_config.CheckboxColumn("Community connected"),
    "measured_by": st.column_config.TextColumn(
        "Measured by", help="Measures separated by ; : the names in the list below, or your "
        "own (read by a guess you can correct)"),
    "personalisation": _select("personalisation", list(PERSONALISATION), "Personalisation",
                               required=False),
    "fallback": _select("fallback", [*kb.channels, *own_channels],
                        "Unanswered questions go to", required=False),
}
edited = st.data_editor(frame, column_config=config, num_rows="dynamic", hide_index=True,
                        width="stretch", key=KEY + "editor")
records = edited.astype(object).where(edited.notna(), None).to_dict("records")
for row in records:
    for column in BOOLS:
        row[column] = "yes" if row.get(column) else "no"

with st.form(KEY + "save_form", border=False):
    loaded = st.session_state.get(LOADED)
    name_col, team_col, save_col = st.columns([3, 2, 1], vertical_alignment="bottom")
    name = name_col.text_input("Save as", key=SAVE_NAME)
    team = team_col.text_input("Team (optional)", key=SAVE_TEAM)
    if save_col.form_submit_button("Save"):
        with friendly_errors("save the journey map"):
            valid = journey_map_from_records(records, name=name, source="the table",
                                             knowledge=kb)
            existing = {m.name for m in store().list_journey_maps()}
            if name.strip() in existing and (not loaded or loaded[0] != name.strip()):
                st.error(f"A journey map called {plain(repr(name.strip()))} already exists. "
                         "Open it first to change it, or save under another name.")
            else:
                saved = store().save_journey_map(
                    name, valid.to_records(), team=team or None,
                    expected_version=loaded[1] if loaded and loaded[0] == name.strip() else None)
                st.session_state[LOADED] = (saved.name, saved.version)
                st.success(f"Saved {plain(repr(saved.name))} (version {saved.version}).")

st.download_button("Download this journey map (CSV)",
                   edited.assign(**{c: edited[c].map({True: "yes", False: "no"}) for c in BOOLS})
                   .to_csv(index=False).encode("utf-8"),
                   file_name="journey_map.csv", mime="text/csv", key=KEY + "download")

NOTE = KEY + "note"  # what the last correction or confirmation did, shown after the rerun
with friendly_errors("read your own measures and channels"):
    journey = journey_map_from_records(records, name="Your journey", source="the table",
                                       knowledge=kb)
    if journey.measure_guesses or journey.channel_guesses:
        st.subheader("Your own measures and channels")
        st.caption("These words are not in the framework's lists, so they are read by a guess. "
                   "Correct a measure's kind (it is saved for your workspace) or confirm a "
                   "channel, and the findings follow.")
    if NOTE in st.session_state:
        st.success(st.session_state.pop(NOTE))
    for m in journey.measure_guesses:
        text_col, kind_col, save_col = st.columns([4, 2, 1], vertical_alignment="bottom")
        used = f"{len(m.rows)} touchpoint{'s' if len(m.rows) != 1 else ''}"
        text_col.markdown(f"**{plain(m.label)}** (in {used}): {plain(m.reason)}.")
        kind = kind_col.selectbox(f"Kind of measure for {m.label}", MEASURE_KINDS,
                                  index=MEASURE_KINDS.index(m.kind), key=f"{KEY}kind_{m.id}")
        if save_col.button("Save", key=f"{KEY}save_kind_{m.id}"):
            path = save_measure(m.id, kind, label=m.label)
            st.session_state[NOTE] = (f"Saved: {m.label} is a {kind} measure (in your "
                                      f"workspace's knowledge, {path.name}).")
            knowledge.clear()
            st.rerun()
    for g in journey.channel_guesses:
        text_col, pick_col, confirm_col = st.columns([4, 2, 1], vertical_alignment="bottom")
        where = "channel" if g.column == "channel" else "'unanswered questions go to'"
        text_col.markdown(f"Row {g.row}, **{plain(g.touchpoint)}**: the {where} "
                          f"{plain(repr(g.given))} is read as **{g.label}** "
                          f"({plain(g.reason)}).")
        options = list(kb.channels)
        chosen: str = pick_col.selectbox(f"Read {g.given!r} in row {g.row} as", options,
                                         index=options.index(g.channel),
                                         format_func=lambda c: kb.channels[c].label,
                                         key=f"{KEY}map_{g.row}_{g.column}")
        if confirm_col.button("Confirm", key=f"{KEY}confirm_{g.row}_{g.column}"):
            confirmed = [dict(r) for r in records]
            confirmed[g.row - 1][g.column] = chosen
            st.session_state[MAP] = confirmed
            st.session_state[NOTE] = (f"Row {g.row} now uses {kb.channels[chosen].label} "
                                      f"instead of {g.given!r}.")
            st.session_state.pop(KEY + "editor", None)
            st.rerun()

st.subheader("Findings")
with friendly_errors("check the journey map"):
    journey = journey_map_from_records(records, name="Your journey", source="the table",
                                       knowledge=kb)
    st.session_state[MAP] = journey.to_records()
    findings = diagnose(journey, kb)
    if not findings:
        st.success("No anti-patterns found in this journey.")
    counts = {s: sum(f.severity == s for f in findings) for s in ("high", "medium", "low")}
    cols = st.columns(3)
    for col, (severity, count) in zip(cols, counts.items(), strict=True):
        col.metric(f"{severity.capitalize()} severity", count)
    for finding in findings:
        icon = {"high": ":material/error:", "medium": ":material/warning:",
                "low": ":material/info:"}[finding.severity]
        with st.expander(f"{finding.severity.upper()} · {finding.name} · row {finding.row}: "
                         f"{plain(finding.touchpoint)}", icon=icon):
            st.text(finding.reason)
            st.markdown(f"**Play: {finding.play_title}**")
            st.text(finding.play_description)

st.subheader("Which channel fits which need")
st.caption("Hover over a cell to read why.")
st.altair_chart(fit_heatmap(kb), width="stretch")

with st.expander("Metrics you can use in 'Measured by'"):
    st.dataframe(pd.DataFrame([{"Write in 'Measured by'": m.id, "Measure": m.label,
                                "Kind": m.kind, "What it shows": m.description}
                               for m in kb.metrics.values()]),
                 hide_index=True, width="stretch")
