"""The schema of `pairs.yaml`: each efficiency measure beside the relationship measure it can
cost. A pair names two measures by id (the measures themselves are computed by
`playbooks.trap`, which checks that each id is one it knows) and says why the one can cost
the other."""

from __future__ import annotations

from pydantic import Field

from playbooks.framework.parsing import Record


class Pair(Record):
    id: str
    label: str
    efficiency_measure: str
    relationship_measure: str
    rationale: str = Field(min_length=10)
    watch: str = Field(min_length=10)  # what a leader looks at when the two move together


class PairsFile(Record):
    pairs: list[Pair]
