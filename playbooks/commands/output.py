"""Plain-text output for the command line: readable tables of recommendations and findings."""

from __future__ import annotations

import textwrap

from rich.console import Console
from rich.table import Table

from playbooks.advice.advisor import Recommendation
from playbooks.advice.journey import Finding, JourneyMap
from playbooks.framework.model import Knowledge

_console = Console(highlight=False, soft_wrap=True)
_WIDTH = 96


def _say(text: str = "", indent: str = "") -> None:
    wrapped = textwrap.fill(text, width=_WIDTH, initial_indent=indent,
                            subsequent_indent=indent + "  ") if text else ""
    _console.print(wrapped, markup=False)


def print_recommendation(result: Recommendation, kb: Knowledge, explain: int = 3) -> None:
    """Print the ranked channels as a table, the reasons for the best `explain`, then notes."""
    s = result.situation
    parts = [f"need: {s.need}"]
    parts += [f"{k}: {v}" for k, v in (("stage", s.stage), ("stakes", s.stakes),
                                       ("familiarity", s.familiarity)) if v]
    parts += [name for name, on in (("organisational risk", s.org_risk),
                                    ("off hours", s.off_hours)) if on]
    table = Table(title="Channels for " + ", ".join(parts), title_justify="left")
    for name, justify in (("#", "right"), ("Channel", "left"), ("Who answers", "left"),
                          ("Fit", "left"), ("Automation alone OK", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for rank, c in enumerate(result.channels, start=1):
        table.add_row(str(rank), c.label, c.kind, c.fit, "yes" if c.automation_alone_ok else "no")
    _console.print(table)
    needs = "yes" if result.needs_person_or_peer else "no"
    _say(f"A person or a peer must be reachable: {needs}")
    _say()
    for c in result.channels[:explain]:
        _say(f"Why {c.label} ({c.fit}):")
        for reason in c.reasons:
            _say(f"- {reason}", indent="  ")
    _say()
    _say("Notes:")
    for note in result.notes:
        _say(f"- {note}", indent="  ")


def print_findings(journey_map: JourneyMap, findings: list[Finding],
                   kb: Knowledge | None = None) -> None:
    """Print the findings of a journey map, most severe first (stages and functions by their
    names when the knowledge is given)."""
    count = len(journey_map.touchpoints)
    if not findings:
        _say(f"{journey_map.name}: {count} touchpoints, no anti-patterns found.")
        return
    by_severity = {s: sum(f.severity == s for f in findings) for s in ("high", "medium", "low")}
    summary = ", ".join(f"{n} {s}" for s, n in by_severity.items() if n)
    _say(f"{journey_map.name}: {len(findings)} finding(s) in {count} touchpoints ({summary})")
    for f in findings:
        _say()
        stage = kb.stages[f.stage].label if kb and f.stage in kb.stages else f.stage
        owner = kb.functions[f.function].label if kb and f.function in kb.functions else f.function
        _say(f"{f.severity.upper()}  row {f.row}, {f.touchpoint} [{stage}, {owner}]")
        _say(f"{f.name}", indent="  ")
        _say(f"Why: {f.reason}", indent="  ")
        _say(f"Play: {f.play_title}. {f.play_description}", indent="  ")
