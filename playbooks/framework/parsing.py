"""Strict reading of the knowledge files: duplicate keys, unknown keys and wrong types are
reported with the file and the dotted key, never as a traceback."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from playbooks.errors import InputError, KnowledgeError, PlaybooksError
from playbooks.userfiles.limits import KNOWLEDGE, FileKind, excerpt, read_user_bytes
from playbooks.userfiles.structured import load_user_yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"

M = TypeVar("M", bound=BaseModel)


class Record(BaseModel):
    """Base for every knowledge record: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def read_yaml(path: Path, kind: FileKind = KNOWLEDGE) -> Any:
    """Read one YAML file strictly; raise KnowledgeError naming the file on any problem.

    The file may hold at most the kind's size limit; aliases, duplicate keys and deep
    nesting are refused (`playbooks.userfiles.structured`).
    """
    if not path.exists():
        raise KnowledgeError(f"{path}: the {kind.name} is missing")
    try:
        raw = read_user_bytes(path, kind, KnowledgeError)
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise KnowledgeError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    return parse_yaml_text(text, str(path), KnowledgeError)


def parse_yaml_text(text: str, source: str, error_type: type[PlaybooksError] = InputError) -> Any:
    """Parse YAML text strictly (no duplicate keys, aliases or deep nesting); raise
    `error_type` naming source and line."""
    return load_user_yaml(text, source, error_type)


def dotted(loc: Sequence[Any]) -> str:
    """Turn a pydantic error location into a readable key path like `channels[2].kind`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def format_validation_error(error: ValidationError, prefix: str = "") -> list[str]:
    """Describe every problem of a pydantic validation error, one line each."""
    lines = []
    for item in error.errors():
        loc = dotted([*([prefix] if prefix else []), *item["loc"]])
        kind = item["type"]
        if kind == "extra_forbidden":
            message = "unknown key"
        elif kind == "missing":
            message = "required key is missing"
        else:
            message = item["msg"]
            if "input" in item and not isinstance(item["input"], dict | list):
                message += f" (got {excerpt(item['input'])})"
        lines.append(f"{loc}: {message}")
    return lines


def parse_file(path: Path, model: type[M]) -> M:
    """Read a YAML file and validate it against `model`, naming file and key on failure."""
    return parse_data(read_yaml(path), model, path)


def parse_data(data: Any, model: type[M], source: Path | str) -> M:
    """Validate parsed YAML against `model`; `source` names the file(s) in messages."""
    if data is None:
        raise KnowledgeError(f"{source}: the file is empty")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = format_validation_error(error)
        raise KnowledgeError(f"{source}: {len(problems)} problem(s)", problems=problems) from None


def check_unique_ids(path: Path | str, key: str, items: Iterable[Any]) -> None:
    """Refuse two records with the same id in one list."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.id in seen:
            raise KnowledgeError(
                f"{path}: {key}[{index}].id: duplicate id {item.id!r} "
                f"(already used by {key}[{seen[item.id]}])"
            )
        seen[item.id] = index


def check_reference(path: Path | str, key: str, value: str, valid: Iterable[str],
                    what: str) -> None:
    """Refuse a reference to an id that does not exist, listing the valid ids."""
    valid = list(valid)
    if value not in valid:
        raise KnowledgeError(
            f"{path}: {key}: unknown {what} {value!r}; expected one of: {', '.join(valid)}"
        )
