"""Walk an Altair chart spec (`to_dict()`): every unit view, for the chart tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def unit_views(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every unit view (a spec with a mark) in a chart spec."""
    if "mark" in spec:
        yield spec
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for part in spec.get(key, []):
            yield from unit_views(part)
