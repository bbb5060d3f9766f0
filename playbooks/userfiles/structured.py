"""YAML and JSON read strictly: a key given twice, a YAML alias and nesting deeper than
MAX_DEPTH are refused with the source and line, so a small file can never grow into gigabytes
in memory or exhaust the interpreter's stack.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from playbooks.errors import InputError, PlaybooksError
from playbooks.userfiles.limits import excerpt

MAX_DEPTH = 40  # lists and mappings inside each other; the knowledge files use at most 6


class StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys, aliases (`*name`) and deep nesting.

    Aliases are refused outright: nothing a user writes needs them, and they let a few hundred
    bytes expand into billions of values.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, refusing an alias and counting how deep it sits."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None, None,
                f"a YAML alias (*{str(getattr(event, 'anchor', ''))[:30]}) is not accepted "
                "here; write the value out in full", event.start_mark)
        if not self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        try:
            first = seen.get(key)
        except TypeError:  # a list or mapping used as a key
            raise ConstructorError(None, None, "a key must be a plain value, not a list or "
                                   "mapping", key_node.start_mark) from None
        if first is not None:
            raise ConstructorError(None, None, f"the key {excerpt(key)} appears twice (lines "
                                   f"{first} and {line})", key_node.start_mark)
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping  # type: ignore[arg-type]
)


def load_user_yaml(text: str, source: str, error_type: type[PlaybooksError] = InputError) -> Any:
    """Parse YAML text strictly; raise `error_type` naming the source and line on any problem."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise error_type(f"{source}{where}: {problem[:300]}") from None
    except RecursionError:
        raise error_type(f"{source}: nested more than {MAX_DEPTH} levels deep") from None
    except MemoryError:
        raise error_type(f"{source}: not enough memory to read this file") from None


def load_user_json(text: str, source: str, error_type: type[PlaybooksError] = InputError) -> Any:
    """Parse JSON text, refusing nesting deeper than MAX_DEPTH; name the source on a problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise error_type(f"{source}: not valid JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise error_type(f"{source}: nested more than {MAX_DEPTH} levels deep") from None
    except MemoryError:
        raise error_type(f"{source}: not enough memory to read this file") from None
    if nesting_depth(data) > MAX_DEPTH:
        raise error_type(f"{source}: nested more than {MAX_DEPTH} levels deep")
    return data


def nesting_depth(data: Any) -> int:
    """Return how deep lists and mappings sit inside each other (a plain value is 0)."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest

