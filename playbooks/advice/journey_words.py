"""A company's own words in a journey map: a measure or a channel the knowledge does not know
is read by a guess, with the reason, instead of being refused.

A measure (`open_rate`, `handle_time`) is classified as efficiency, relationship or commercial
from the words in its name; the user can correct the guess, which is then saved as a knowledge
overlay (`playbooks.framework.overlays.save_measure`). A channel (`email`) is mapped to the
nearest channel the knowledge knows, from the words in its name, whether the touchpoint is
automated and which function owns it; the user confirms the mapping or writes another channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playbooks.framework.model import Knowledge, Metric

# Word cues, checked in this order; the first kind with a cue in the name wins.
MEASURE_CUES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("commercial", ("revenue", "pipeline", "lead", "leads", "conversion", "upsell", "deal",
                    "deals", "arr", "mrr", "booking", "bookings", "quota"),
     "it counts sales outcomes"),
    ("relationship", ("reply", "replies", "replied", "return", "returns", "returning",
                      "participation", "participate", "participants", "renewal", "renewals",
                      "renew", "retention", "satisfaction", "nps", "trust", "advocacy",
                      "referral", "referrals", "engaged", "engagement", "repeat", "loyalty",
                      "attendance", "peer", "answers", "breadth", "churn"),
     "it shows whether customers keep engaging, trusting and coming back"),
    ("efficiency", ("time", "times", "handle", "handling", "handled", "cost", "costs",
                    "deflection", "deflected", "deflect", "speed", "duration", "sla",
                    "backlog", "volume", "closed", "resolution", "resolved", "aht", "views",
                    "open", "opens", "opened", "clicks", "click", "throughput", "contacts",
                    "tickets", "sent", "delivered", "completion", "completed"),
     "it shows how cheaply or quickly a moment is handled"),
)
DEFAULT_KIND = "efficiency"

# Channel cues: a word in the name, the channel it reads as when automated and when a person
# answers (None: decided by the function that owns the touchpoint), and what the word means.
CHANNEL_CUES: tuple[tuple[tuple[str, ...], str, str | None, str], ...] = (
    (("bot", "chatbot", "assistant", "ai", "copilot", "gpt"), "ai_assistant", "support_agent",
     "a conversational assistant"),
    (("forum", "slack", "discord", "community", "group", "groups"), "peer_community",
     "peer_community", "a place where customers answer each other"),
    (("meetup", "meetups", "conference", "summit", "event", "events", "roadshow"), "events",
     "events", "customers meeting live"),
    (("academy", "training", "course", "courses", "lms", "certification", "tutorial"),
     "courses", None, "training the company produces"),
    (("docs", "documentation", "kb", "faq", "faqs", "article", "articles", "wiki", "help"),
     "help_center", None, "articles the customer reads on their own"),
    (("tooltip", "tooltips", "walkthrough", "tour", "inapp", "checklist", "banner"),
     "in_product_guidance", None, "guidance inside the product"),
    (("csm", "qbr", "manager", "review"), "customer_success_manager",
     "customer_success_manager", "a named person who knows the account"),
    (("email", "mail", "newsletter", "sms", "text", "message", "messages", "drip",
      "campaign", "nurture", "webinar", "blog", "video"), "vendor_content", None,
     "messages and material the company sends"),
    (("chat", "phone", "call", "calls", "ticket", "tickets", "helpdesk", "desk", "hotline"),
     "ai_assistant", None, "a conversation with the company"),
)
PERSON_BY_FUNCTION = {"support": "support_agent", "customer_success": "customer_success_manager",
                      "sales": "sales_team", "marketing": "sales_team"}


@dataclass(frozen=True)
class MeasureGuess:
    """A measure the knowledge does not know, its guessed kind and why, and where it is used."""

    id: str
    label: str
    kind: str
    reason: str
    rows: tuple[int, ...]

    def to_metric(self) -> Metric:
        """The guess as a knowledge record, so the rules can read it like a known measure."""
        return Metric(id=self.id, label=self.label, kind=self.kind,  # type: ignore[arg-type]
                      description=f"Your own measure, read as {self.kind}: {self.reason}")


@dataclass(frozen=True)
class ChannelGuess:
    """A channel the knowledge does not know, read as the nearest known one (to confirm)."""

    row: int
    touchpoint: str
    column: str
    given: str
    channel: str
    label: str
    reason: str


def words(name: str) -> list[str]:
    """The lower-case words of a name: `handle_time`, `Open rate` and `openRate` alike."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def measure_label(name: str) -> str:
    """A readable label for a measure's name: `handle_time` -> `Handle time`."""
    text = " ".join(words(name))
    return text[:1].upper() + text[1:] if text else name


def guess_measure_kind(name: str) -> tuple[str, str]:
    """Return the kind a measure's name suggests (efficiency, relationship or commercial) and
    the reason in words."""
    found = words(name)
    for kind, cues, meaning in MEASURE_CUES:
        hit = next((w for w in found if w in cues), None)
        if hit:
            return kind, (f"read as {_an(kind)} measure because its name says '{hit}': "
                          f"{meaning}")
    return DEFAULT_KIND, ("no word in its name says which kind it is, so it is read as "
                          f"{_an(DEFAULT_KIND)} measure, like most operational figures; "
                          "change it if it shows whether customers keep engaging")


def guess_measure(name: str, rows: tuple[int, ...]) -> MeasureGuess:
    """Guess an unknown measure's kind and label."""
    kind, reason = guess_measure_kind(name)
    return MeasureGuess(name, measure_label(name), kind, reason, rows)


def guess_channel(name: str, *, automated: bool, function: str, kb: Knowledge
                  ) -> tuple[str, str]:
    """Return the known channel nearest to an unknown one, and the reason in words."""
    found = words(name)
    for cues, when_automated, when_person, meaning in CHANNEL_CUES:
        hit = next((w for w in found if w in cues), None)
        if hit is None:
            continue
        if automated:
            channel = when_automated
            how = "the touchpoint is automated"
        else:
            channel = when_person or PERSON_BY_FUNCTION.get(function, "support_agent")
            how = (f"a person answers and {kb.functions[function].label.lower()} owns it"
                   if function in kb.functions else "a person answers")
        if channel in kb.channels:
            return channel, f"'{hit}' reads as {meaning}, and {how}"
    if automated:
        return "vendor_content", (f"no word in '{name}' names a known channel, and the "
                                  "touchpoint is automated")
    channel = PERSON_BY_FUNCTION.get(function, "support_agent")
    return channel, f"no word in '{name}' names a known channel, and a person answers"


def _an(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind
