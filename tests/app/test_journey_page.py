"""The journey map page with a company's own words: a measure's guessed kind corrected and
saved as a knowledge overlay, an unknown channel confirmed as a known one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from playbooks.advice.journey import journey_map_from_records
from playbooks.app.main import page_path

OWN_ROWS = [
    {"touchpoint": "Renewal reminder", "stage": "renewal", "function": "customer_success",
     "decision": "Do we renew?", "need": "reassurance", "stakes": "consequential",
     "familiarity": "familiar", "org_risk": "no", "channel": "email", "automated": "yes",
     "person_reachable": "no", "shares_context_with": "", "community_connected": "no",
     "measured_by": "open_rate", "personalisation": "persona", "fallback": ""},
    {"touchpoint": "Support desk", "stage": "troubleshooting", "function": "support",
     "decision": "How do I fix this?", "need": "information", "stakes": "routine",
     "familiarity": "familiar", "org_risk": "no", "channel": "support_agent",
     "automated": "no", "person_reachable": "yes", "shares_context_with": "product",
     "community_connected": "no", "measured_by": "handle_time", "personalisation": "none",
     "fallback": ""},
]


@pytest.fixture(autouse=True)
def fresh_knowledge() -> Iterator[None]:
    """The app keeps the knowledge once per server: start and end these tests without the
    overlay another test saved."""
    from playbooks.app.common import knowledge

    knowledge.clear()
    yield
    knowledge.clear()


def _open_own_map(pages):
    at = pages.open(page_path("journey"))
    at.session_state["journey_records"] = journey_map_from_records(OWN_ROWS).to_records()
    return pages.run(at)


def _texts(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_own_words_are_read_not_refused(pages) -> None:
    at = _open_own_map(pages)
    assert "Your own measures and channels" in [s.value for s in at.subheader]
    assert "**Open rate** (in 1 touchpoint): read as an efficiency measure" in _texts(at)
    assert at.selectbox(key="journey_kind_open_rate").value == "efficiency"
    assert at.selectbox(key="journey_kind_handle_time").value == "efficiency"
    assert at.selectbox(key="journey_map_1_channel").value == "vendor_content"
    assert "the channel 'email' is read as **Vendor content**" in _texts(at)
    findings = [e.label for e in at.expander]
    assert any("A stage measured only by efficiency" in label and "Renewal reminder" in label
               for label in findings)


def test_a_corrected_kind_is_saved_as_an_overlay_and_the_findings_follow(
        pages, workspace: Path) -> None:
    at = _open_own_map(pages)
    at.selectbox(key="journey_kind_open_rate").set_value("relationship")
    at = pages.run(at.button(key="journey_save_kind_open_rate").click())
    saved = yaml.safe_load((workspace / "knowledge" / "measures.yaml").read_text())
    assert [(m["id"], m["kind"]) for m in saved["metrics"]] == [("open_rate", "relationship")]
    assert any("Open rate is a relationship measure" in s.value for s in at.success)
    keys = [s.key for s in at.selectbox]
    assert "journey_kind_open_rate" not in keys and "journey_kind_handle_time" in keys
    renewal = [e for e in at.expander if "Renewal reminder" in e.label]
    assert not [e for e in renewal if "A stage measured only by efficiency" in e.label]


def test_an_unknown_channel_is_confirmed_as_a_known_one(pages) -> None:
    at = _open_own_map(pages)
    at.selectbox(key="journey_map_1_channel").set_value("customer_success_manager")
    at = pages.run(at.button(key="journey_confirm_1_channel").click())
    assert at.session_state["journey_records"][0]["channel"] == "customer_success_manager"
    assert "journey_map_1_channel" not in [s.key for s in at.selectbox]
    assert any("Row 1 now uses Customer success manager instead of 'email'" in s.value
               for s in at.success)
