"""Self-assessment: one dimension per step, every answer saved the moment it is given."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from playbooks.app.common import (
    ensure_workspace,
    friendly_errors,
    knowledge,
    plain,
    question_bank,
    signals,
    store,
    themes,
    workspace_stamp,
)
from playbooks.assessment.evidence import gather_evidence
from playbooks.assessment.scoring import compare_assessments, score_assessment
from playbooks.charts import assessment_profile_chart
from playbooks.errors import PlaybooksError
from playbooks.store.records import StaleVersionError

KEY = "assess_"
NEW_TEAM = "+ Add a team"
bank = question_bank()
kb = knowledge()
dimensions = list(bank.dimensions.values())
scale = {step.level: step for step in bank.scale}


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_options(today: dt.date, first: int = -4, last: int = 1) -> list[str]:
    """The quarters from `first` to `last` quarters away from today's, in order."""
    year, q = today.year, (today.month - 1) // 3 + 1
    out = []
    for shift in range(first, last + 1):
        index = year * 4 + (q - 1) + shift
        out.append(f"{index // 4}Q{index % 4 + 1}")
    return out


st.title("Self-assessment")
st.caption("Rate how true each statement is for your team today. Every answer is saved as you "
           "give it, so you can stop at any point and continue later, from any browser.")

with friendly_errors("open the saved assessments", stop=True):
    s = store()
    teams = [t.name for t in s.list_teams()]
    left, middle, right = st.columns(3)
    choice = left.selectbox("Team", [*teams, NEW_TEAM], key=KEY + "team_choice")
    team = choice
    if choice == NEW_TEAM:
        team = left.text_input("New team name", key=KEY + "new_team",
                               placeholder="e.g. Customer Success EMEA").strip()
    today = dt.date.today()
    quarters = quarter_options(today)
    quarter = middle.selectbox("Quarter", quarters, index=quarters.index(quarter_of(today)),
                               key=KEY + "quarter")
    author = right.text_input("Your name", key=KEY + "author",
                              help="Shown to colleagues who work on the same assessment.")

    if not team:
        st.info("Choose a team, or type the name of a new one, to begin.")
        st.stop()

    record = s.find_assessment(team, quarter)
    if record is None:
        st.write(f"{plain(team)} has no assessment for {quarter} yet.")
        if st.button(f"Start the {quarter} assessment for {team}", type="primary",
                     key=KEY + "start"):
            s.new_assessment(team, quarter, by=author)
            st.rerun()
        st.stop()

stale = st.session_state.pop(KEY + "stale", None)
if stale:
    st.warning(stale, icon=":material/sync_problem:")

result = score_assessment(record.levels, bank)
answered, total = result.answered_count, result.total_count
status = "marked final" if record.status == "final" else "in progress"
st.progress(answered / total, text=f"{answered} of {total} statements answered · {status} · "
            f"last saved {record.updated_at:%d %b %Y, %H:%M}")

step_key = f"{KEY}step_{record.id}"
if step_key not in st.session_state:
    incomplete = [i for i, d in enumerate(dimensions)
                  if any(st_.id not in record.levels for st_ in d.statements)]
    st.session_state[step_key] = incomplete[0] if incomplete else len(dimensions)
step = st.session_state[step_key]
steps = [d.title for d in dimensions] + ["Results"]


def go(to: int) -> None:
    st.session_state[step_key] = to


version_key = f"{KEY}version_{record.id}"


def forget_widgets() -> None:
    """Drop the answer widgets' state so they show what the store holds."""
    for d in dimensions:
        for item in d.statements:
            st.session_state.pop(f"{KEY}{record.id}_{item.id}", None)


if version_key not in st.session_state:
    st.session_state[version_key] = record.version
elif st.session_state[version_key] < record.version:
    st.info(f"{plain(record.updated_by or 'Someone')} changed this assessment since you opened it; "
            "the page now shows the newest answers.", icon=":material/sync:")
    forget_widgets()
    st.session_state[version_key] = record.version


def save(statement_id: str, widget: str) -> None:
    """Save one answer the moment it is given (a widget callback: errors become messages).

    The save is based on the version this session last saw, so a change made by someone
    else in between is refused rather than silently built upon.
    """
    level = st.session_state.get(widget)
    if level is None:
        return
    try:
        saved = store().save_answer(record.id, statement_id, level,
                                    expected_version=st.session_state[version_key],
                                    by=st.session_state.get(KEY + "author", ""))
        st.session_state[version_key] = saved.version
    except StaleVersionError as error:
        st.session_state[KEY + "stale"] = (
            f"Someone else saved this assessment first, so your last answer was not saved. "
            f"{error.message} The page now shows the newest answers; please check it again.")
        forget_widgets()
        st.session_state[version_key] = error.current_version
    except PlaybooksError as error:
        st.session_state[KEY + "stale"] = f"Your answer was not saved: {error}"
        st.session_state.pop(widget, None)


st.radio("Step", range(len(steps)), index=step, format_func=lambda i: steps[i],
         horizontal=True, key=f"{KEY}nav_{record.id}_{step}", label_visibility="collapsed",
         on_change=lambda: go(st.session_state.get(f"{KEY}nav_{record.id}_{step}", step)))

if step < len(dimensions):
    dim = dimensions[step]
    st.subheader(f"Step {step + 1} of {len(dimensions)}: {dim.title}")
    st.caption(dim.summary)
    final = record.status == "final"
    for item in dim.statements:
        widget = f"{KEY}{record.id}_{item.id}"
        current = record.levels.get(item.id)
        st.radio(item.text, list(scale), key=widget, horizontal=True,
                 index=None if current is None else list(scale).index(current),
                 format_func=lambda level: scale[level].label, disabled=final,
                 on_change=save, args=(item.id, widget))
    with st.expander("What the levels mean for this dimension"):
        for level, text in sorted(dim.levels.items()):
            st.text(f"{level}. {bank.level_names.get(level, '')}: {text}")
    back, forward = st.columns(2)
    if step > 0:
        back.button("Previous", on_click=go, args=(step - 1,), key=KEY + "prev")
    forward.button("Next" if step + 1 < len(dimensions) else "See the results", type="primary",
                   on_click=go, args=(step + 1,), key=KEY + "next")
    st.stop()

# --- results ---------------------------------------------------------------------------------
st.subheader(f"Results for {plain(team)}, {quarter}")
if result.unanswered:
    st.info(f"{len(result.unanswered)} statement(s) are not answered yet; they are left out of "
            "the scores rather than counted as zero.", icon=":material/pending:")
previous = s.previous_assessment(record)
earlier = score_assessment(previous.levels, bank) if previous else None
overall = (f"{result.overall_score:.1f} of {result.target} ({result.overall_level_name})"
           if result.overall_score is not None else "not answered yet")
st.metric("Overall level", overall,
          delta=(round(result.overall_score - earlier.overall_score, 1)
                 if earlier and earlier.overall_score is not None
                 and result.overall_score is not None else None))
st.altair_chart(assessment_profile_chart(
    result, earlier, earlier_label=previous.quarter if previous else "previous quarter"),
    width="stretch")

if earlier and previous:
    comparison = compare_assessments(result, earlier)
    st.markdown(f"**Since {previous.quarter}**")
    for change in comparison.dimensions:
        if change.direction in ("up", "down"):
            arrow = "▲" if change.direction == "up" else "▼"
            st.text(f"{arrow} {change.title}: {change.before_score:.1f} → {change.after_score:.1f}")
    if not comparison.moved_up and not comparison.moved_down:
        st.text("No dimension moved.")
else:
    st.caption(f"{plain(team)} has no earlier assessment to compare with.")

st.markdown("**What the account data says beside each answer**")
with friendly_errors("gather evidence from the account data"):
    ensure_workspace()
    stamp = workspace_stamp()
    evidence = gather_evidence(result, signals(stamp), themes(stamp), bank)
    verdict_icons = {"agrees": ":material/check_circle:", "disagrees": ":material/cancel:",
                     "mixed": ":material/contrast:", "unanswered": ":material/help:",
                     "too few to judge": ":material/block:",
                     "no data": ":material/block:"}
    for dim in dimensions:
        found = evidence.get(dim.id)
        if found is None:
            continue
        score = result.dimensions[dim.id]
        level = f"level {score.level} ({score.level_name})" if score.level else "not answered"
        with st.expander(f"{dim.title}: you said {level}; the data: {found.verdict}",
                         icon=verdict_icons.get(found.verdict)):
            for fact in found.facts:
                st.text(fact.text)
            for missing in found.missing:
                st.caption(missing)

gap_col, play_col = st.columns(2)
with gap_col:
    st.markdown("**Largest gaps**")
    for gap in result.gaps:
        st.text(f"{gap.title}: level {gap.level} ({gap.level_name}), {gap.gap:.1f} below target")
with play_col:
    st.markdown("**Plays to run first**")
    for pick in result.plays_first:
        with st.expander(f"{pick.title} · raises {pick.dimension_titles[0]}"):
            # the knowledge's own words (shipped or the company's overlay), not user input
            st.markdown(pick.description)
            st.markdown(f"**Usually owned by:** {pick.owner}")
            st.markdown(f"**First step this quarter:** {pick.first_step}")
            st.markdown(f"**You will know it worked when:** {pick.success_sign}")
            st.caption(f"Why this play: it {pick.reason}.")
            with st.form(f"{KEY}action_{pick.play_id}", clear_on_submit=True):
                owner = st.text_input("Owner", key=f"{KEY}owner_{pick.play_id}")
                due = st.selectbox("Due", quarter_options(today, 0, 3),
                                   key=f"{KEY}due_{pick.play_id}")
                if st.form_submit_button("Add to the action plan"):
                    with friendly_errors("add the action item"):
                        if not owner.strip():
                            st.error("Give the action an owner.")
                        else:
                            store().add_action(team, pick.title, owner=owner, due_quarter=due,
                                               dimension=pick.dimensions[0]
                                               if pick.dimensions else None)
                            st.success(f"Added for {plain(owner)}, due {due}.")

st.markdown("**Action plan**")
with friendly_errors("show the action plan"):
    actions = store().list_actions(team)
    if not actions:
        st.caption("No action items yet: add one from a play above.")
    for action in actions:
        cols = st.columns([5, 2, 1, 1])
        cols[0].text(action.title)
        cols[1].text(f"{action.owner} · due {action.due_quarter}")
        cols[2].text(action.status)
        if action.status == "open" and cols[3].button("Done", key=f"{KEY}done_{action.id}"):
            store().complete_action(action.id)
            st.rerun()

finalisable = record.status != "final" and not result.unanswered
if finalisable and st.button("Mark this assessment as final", key=KEY + "finalise"):
    with friendly_errors("finalise the assessment"):
        store().finalise_assessment(record.id, expected_version=record.version, by=author)
        st.rerun()
