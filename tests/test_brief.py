"""The account brief on hand-made timelines: an escalation followed by a templated check-in,
a question no one answered, an account whose most active person went quiet."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from playbooks.signals.brief import account_brief

AS_OF = dt.date(2026, 11, 30)
COLUMNS = {"event_id": pl.String, "account_id": pl.String, "person_id": pl.String,
           "actor_type": pl.String, "occurred_at": pl.Datetime("us"),
           "source_function": pl.String, "kind": pl.String, "channel": pl.String,
           "automated": pl.Boolean, "feature": pl.String, "question_text": pl.String}


def _event(days_ago: float, kind: str, actor: str = "customer", *, person: str | None = "p1",
           channel: str = "support_agent", function: str = "support", automated: bool = False,
           text: str | None = None, account: str = "A") -> dict:
    at = dt.datetime.combine(AS_OF, dt.time(12)) - dt.timedelta(days=days_ago)
    return {"event_id": f"{account}{kind}{days_ago}{person}", "account_id": account,
            "person_id": person, "actor_type": actor, "occurred_at": at,
            "source_function": function, "kind": kind, "channel": channel,
            "automated": automated, "feature": None, "question_text": text}


def _activity(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=COLUMNS)


def test_an_escalation_then_a_templated_check_in_is_named_and_warned_against() -> None:
    activity = _activity(
        _event(40, "check_in", "staff", person="csm", channel="customer_success_manager",
               function="customer_success"),
        _event(5, "escalation", channel="support_agent"),
        _event(3, "automated_check_in", "bot", person=None, channel="email",
               function="customer_success", automated=True),
        _event(2, "ticket_opened"),
        _event(1, "outreach_email", "bot", person=None, channel="email", automated=True,
               function="marketing"),
        _event(3, "check_in", "staff", person="csm", account="B"))  # another account's touch
    brief = account_brief(activity, "A", as_of=AS_OF, name="Acme")
    assert brief.since == AS_OF - dt.timedelta(days=40)
    assert "check in by customer success" in brief.last_touch
    assert brief.problems == ["escalation on 25 Nov 2026 (support agent)"]
    assert brief.tickets_opened == 1 and brief.automated_messages == 2
    assert brief.last_automated == AS_OF - dt.timedelta(days=1)
    assert any(a.startswith("an upsell or a templated check-in: escalation 5 days ago")
               for a in brief.avoid)
    assert json.loads(json.dumps(brief.to_dict()))["since"] == "2026-10-21"


def test_a_question_no_one_answered_is_listed_with_its_words() -> None:
    activity = _activity(
        _event(30, "check_in", "staff", person="csm", channel="customer_success_manager"),
        _event(20, "question_asked", text="How do we export the audit log?",
               channel="peer_community", function="community"),
        _event(10, "question_asked", text="Can SSO use two providers?"),
        _event(9.5, "ticket_closed", "staff", person="agent"),
        _event(8, "question_asked", text="What does the limit mean?", channel="ai_assistant",
               automated=True))
    brief = account_brief(activity, "A", as_of=AS_OF)
    assert brief.questions == 3
    assert brief.answered_by_person == 1 and brief.answered_by_automation == 1
    assert brief.unanswered == ["“How do we export the audit log?” (peer community, "
                                "10 Nov 2026)"]
    assert any("1 question wait" in a for a in brief.avoid)
    assert any("How do we export the audit log?" in line for line in brief.lines())
    peer = _event(19, "community_answer", person="someone-else", channel="peer_community",
                  function="community", account="A")
    answered = account_brief(pl.concat([activity, _activity(peer)]), "A", as_of=AS_OF)
    assert answered.unanswered == [] and answered.answered_by_person == 2


def test_the_most_active_person_going_quiet_is_named_first() -> None:
    rows = [_event(40 + d, "login", person="champion") for d in range(0, 60, 3)]
    rows += [_event(35 + d, "login", person="other") for d in range(0, 12, 3)]
    rows += [_event(d, "login", person="newcomer") for d in range(0, 20, 2)]
    rows += [_event(120, "event_attended", channel="events", function="community")]
    brief = account_brief(_activity(*rows), "A", as_of=AS_OF)
    assert brief.last_touch.endswith("(no personal touch in the data: the last 90 days)")
    assert brief.quiet_people[0].startswith("champion (its most active person, ")
    assert brief.quiet_people[1].startswith("other (") and len(brief.quiet_people) == 2
    assert brief.events.startswith("Events: none attended for 120 days")
    assert brief.avoid == []


def test_an_account_with_no_rows_gets_an_empty_brief() -> None:
    brief = account_brief(_activity(), "A", as_of=AS_OF)
    assert brief.questions == 0 and brief.problems == [] and brief.quiet_people == []
    assert brief.lines()[0].startswith("Since ")


def test_the_brief_command_prints_and_refuses_an_unknown_account(cli, tmp_path) -> None:
    from playbooks.demo import generate_demo

    generate_demo(tmp_path / "ws", accounts=60, weeks=26, seed=5)
    accounts = pl.read_parquet(tmp_path / "ws" / "accounts.parquet")
    account_id, name = accounts.row(0)[:2]
    done = cli("brief", account_id, "--workspace", tmp_path / "ws")
    assert done.code == 0, done.output
    assert done.output.startswith(f"{name} ({account_id}), as of ")
    assert "Tickets:" in done.output and "Questions asked:" in done.output
    as_json = cli("brief", name, "--workspace", tmp_path / "ws", "--json")
    assert json.loads(as_json.output)["account_id"] == account_id
    unknown = cli("brief", "No such account", "--workspace", tmp_path / "ws")
    assert unknown.code == 2 and "No account with the id or name" in unknown.output
