"""CX Playbooks: decide where automation belongs in the customer journey, and watch accounts
for the quiet loss of confidence that internal dashboards miss.

The public functions are imported lazily so that `python -m playbooks` can start before the
project's dependencies are installed.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_knowledge": "playbooks.framework.model",
    "Situation": "playbooks.advice.advisor",
    "recommend": "playbooks.advice.advisor",
    "load_journey_map": "playbooks.advice.journey",
    "diagnose": "playbooks.advice.rules",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'playbooks' has no attribute {name!r}")
