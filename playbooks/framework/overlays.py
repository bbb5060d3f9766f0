"""Company overlays: a company's own YAML files laid over the shipped knowledge before it is
checked, so a new channel, a changed fit or an extra play needs no change to the package.

A record whose id exists replaces the fields it gives, a new id adds a record, and `fit`
cells merge per need and channel. The `assessment` part of an overlay is the question bank's,
merged by `playbooks.assessment.bank`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from playbooks import settings
from playbooks.errors import InputError, KnowledgeError
from playbooks.framework.parsing import read_yaml
from playbooks.userfiles.writing import write_text_atomic

OVERLAY_ENV = settings.KNOWLEDGE_OVERLAY.name
# Top-level keys an overlay may hold: key -> (knowledge file group, key inside that group).
OVERLAY_KEYS = {
    "needs": ("needs", "needs"),
    "channels": ("channels", "channels"),
    "fit": ("fit", "fit"),
    "modifiers": ("modifiers", "modifiers"),
    "functions": ("journey", "functions"),
    "stages": ("journey", "stages"),
    "metrics": ("metrics", "metrics"),
    "anti_patterns": ("anti_patterns", "anti_patterns"),
    "plays": ("plays", "plays"),
    "pairs": ("pairs", "pairs"),
}


MEASURE_KINDS = ("efficiency", "relationship", "commercial")  # as `MetricKind` in the model
MEASURES_FILE = "measures.yaml"  # in the workspace overlay: the company's own measures


def workspace_overlay() -> Path:
    """The workspace's own knowledge folder (`knowledge/` in the workspace), where corrections
    made in the app or with `playbooks knowledge measure` are saved."""
    return settings.workspace() / "knowledge"


def default_overlays() -> list[str]:
    """The overlay paths named in PLAYBOOKS_KNOWLEDGE_OVERLAY, then the workspace's own
    knowledge folder when it holds any file."""
    named = settings.knowledge_overlays()
    own = workspace_overlay()
    if own.is_dir() and any(own.glob("*.y*ml")):
        named.append(str(own))
    return named


def overlay_stamp(overlays: Sequence[Path | str]) -> tuple[tuple[str, int, int], ...]:
    """Each overlay file with its change time and size, so a cache of the knowledge loaded
    from them is not reused after one is saved."""
    stamp = []
    for file in overlay_files(overlays):
        info = file.stat()
        stamp.append((str(file), info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def save_measure(measure_id: str, kind: str, *, label: str | None = None,
                 description: str | None = None, folder: Path | None = None) -> Path:
    """Save a company's own measure, with the kind the user chose, to the measures file of an
    overlay folder (the workspace's by default); return the file.

    A measure already in the file takes the new kind (and label or description when given).
    The file is an ordinary overlay (`metrics:`), so every later load of the knowledge from
    that folder knows the measure.
    """
    if kind not in MEASURE_KINDS:
        raise InputError(f"{kind!r} is not a kind of measure; choose one of "
                         f"{', '.join(MEASURE_KINDS)}")
    folder = folder or workspace_overlay()
    path = folder / MEASURES_FILE
    data = read_yaml(path) if path.exists() else None
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("metrics", []), list):
        raise KnowledgeError(f"{path}: expected a mapping with a `metrics` list")
    metrics: list[dict[str, Any]] = data.setdefault("metrics", [])
    record = next((m for m in metrics if isinstance(m, dict) and m.get("id") == measure_id),
                  None)
    if record is None:
        record = {"id": measure_id}
        metrics.append(record)
    record["kind"] = kind
    record["label"] = label or record.get("label") or measure_id.replace("_", " ").capitalize()
    record["description"] = (description or record.get("description")
                             or f"Your own measure, classified as {kind}.")
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, "# The company's own measures, saved from the journey map.\n"
                      + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def overlay_files(overlays: Sequence[Path | str]) -> list[Path]:
    """Every YAML file of the given overlays (files, or folders of them), in order."""
    return [file for overlay in overlays for file in _overlay_files(Path(overlay))]


def apply_overlays(raw: dict[str, Any], overlays: Sequence[Path | str]) -> dict[str, list[Path]]:
    """Lay every overlay file over the raw knowledge (file group to parsed YAML), in order.

    Returns, for each file group of `raw`, the overlay files that changed it.
    """
    touched: dict[str, list[Path]] = {group: [] for group in raw}
    for overlay in overlays:
        for file in _overlay_files(Path(overlay)):
            for group in _merge_overlay(raw, file):
                touched[group].append(file)
    return touched


def _overlay_files(overlay: Path) -> list[Path]:
    if overlay.is_dir():
        return sorted([*overlay.glob("*.yaml"), *overlay.glob("*.yml")])
    if not overlay.exists():
        raise KnowledgeError(f"{overlay}: the knowledge overlay does not exist")
    if overlay.suffix.lower() not in (".yaml", ".yml"):
        raise KnowledgeError(f"{overlay}: a knowledge overlay is a .yaml or .yml file (or a "
                             "folder of them)")
    return [overlay]


def _merge_overlay(raw: dict[str, Any], file: Path) -> set[str]:
    """Lay one overlay file over the raw knowledge; return the file groups it touched."""
    data = read_yaml(file)
    if data is None:
        return set()
    if not isinstance(data, dict):
        raise KnowledgeError(f"{file}: expected a mapping with any of the keys "
                             f"{', '.join(OVERLAY_KEYS)}")
    touched = set()
    for key, value in data.items():
        if key == "assessment":
            continue  # the question bank's part, merged by playbooks.assessment.bank
        if key not in OVERLAY_KEYS:
            raise KnowledgeError(f"{file}: {key}: unknown key; an overlay may hold "
                                 f"{', '.join(OVERLAY_KEYS)}, assessment")
        group, inner = OVERLAY_KEYS[key]
        touched.add(group)
        if key == "fit":
            _merge_fit(raw[group].setdefault(inner, {}), value, file)
        else:
            _merge_records(raw[group].setdefault(inner, []), value, file, key)
    return touched


def _merge_fit(target: dict[str, Any], value: object, file: Path) -> None:
    """Merge fit cells per need and channel: a cell's given fields replace the shipped ones."""
    if not isinstance(value, dict):
        raise KnowledgeError(f"{file}: fit: expected a mapping of need to channel cells")
    for need, row in value.items():
        if not isinstance(row, dict):
            raise KnowledgeError(f"{file}: fit.{need}: expected a mapping of channel "
                                 "to {level, rationale}")
        for channel, cell in row.items():
            if not isinstance(cell, dict):
                raise KnowledgeError(f"{file}: fit.{need}.{channel}: expected a mapping "
                                     "with level and rationale")
            merged = target.setdefault(need, {}).get(channel, {})
            target[need][channel] = {**merged, **cell}


def _merge_records(target: list[dict[str, Any]], value: object, file: Path, key: str) -> None:
    """Merge a list of records by id: a known id takes the given fields, a new id is added."""
    if not isinstance(value, list):
        raise KnowledgeError(f"{file}: {key}: expected a list of records, each with an id")
    index = {record.get("id"): i for i, record in enumerate(target)}
    for i, record in enumerate(value):
        if not isinstance(record, dict) or "id" not in record:
            raise KnowledgeError(f"{file}: {key}[{i}]: each record needs an `id`")
        if record["id"] in index:
            target[index[record["id"]]] = {**target[index[record["id"]]], **record}
        else:
            index[record["id"]] = len(target)
            target.append(dict(record))
