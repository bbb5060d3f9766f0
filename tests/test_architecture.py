"""The rules of the house, checked on the source of `playbooks/` (see docs/architecture.md).

Every module is parsed with `ast`; every import counts wherever it is written (at the top,
inside a function, under `if TYPE_CHECKING:`) and is resolved to a module of the package.
The rules:

- `cycle`: no import cycle between modules. Importing `a.b.c` is an edge to `a.b.c` only, not
  to the `__init__` of `a` and `a.b` Python also runs, so a package `__init__` may re-export
  its own submodules; a submodule that imports its package's `__init__` back is a cycle. A
  lazy re-export (an import inside a package's module-level `__getattr__`) is no edge.
- `private-name`: no `from X import _y` and no `X._y` of a private name of another module.
- `layer`: a room (top-level module or sub-package) imports only itself and the rooms it
  `may_import` in ROOMS; a module in no declared room is refused too.
- `streamlit`: only modules under `playbooks/app/` import streamlit.
- `tests-benchmarks`: nothing imports `tests` or `benchmarks`.
- `length`: no module over MAX_LINES lines.

Run `python tests/test_architecture.py` to rewrite the rooms table in docs/architecture.md.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "playbooks"
MAX_LINES = 400
PAGE = ROOT / "docs" / "architecture.md"
TABLE_START = "<!-- rooms table: generated from ROOMS in tests/test_architecture.py -->"
TABLE_END = "<!-- end of rooms table -->"


@dataclass(frozen=True)
class Room:
    """A part of the package, what it holds, and the rooms it may import."""

    holds: str
    may_import: tuple[str, ...] = ()


BASE = ("errors", "settings", "userfiles")
ANALYSIS = ("framework", "advice", "assessment", "data", "vocabulary", "questions", "store",
            "signals", "trap")

# The one declaration of the layers, bottom first: a room may import only rooms declared
# above it in this table (checked by test_rooms_are_layered), so the layers cannot loop.
ROOMS: dict[str, Room] = {
    "errors": Room("`PlaybooksError` and its kinds: the one error type users see; "
                   "passwords masked in what users see"),
    "settings": Room("every `PLAYBOOKS_*` setting declared once: name, default, help; "
                     "stdlib only", ("errors",)),
    "userfiles": Room("user files read with limits (size, YAML aliases, nesting, CSV rows and "
                      "fields) and output files written safely (renamed into place, "
                      "formula-safe CSV)", ("errors", "settings")),
    "plugins": Room("loads the company code named in PLAYBOOKS_PLUGINS", BASE),
    "framework": Room("the knowledge as data: schema, strict YAML, loading, overlays", BASE),
    "advice": Room("channel advisor, journey maps, anti-pattern rules and `diagnose`",
                   (*BASE, "framework")),
    "assessment": Room("question bank, quarters, scoring and comparison, evidence",
                       (*BASE, "framework")),
    "data": Room("contracts and their checks, reading and conforming files, validation, "
                 "the workspace", (*BASE, "framework")),
    "vocabulary": Room("the activity table's words defined once: event kinds and their "
                       "groups, channels", (*BASE, "framework", "data")),
    "demo": Room("a generated demo company, written as a workspace",
                 (*BASE, "framework", "data", "vocabulary")),
    "questions": Room("the need behind a question, repeated-question themes",
                      (*BASE, "framework", "data", "vocabulary")),
    "store": Room("the durable store: assessments, journey maps, action items",
                  (*BASE, "framework", "assessment")),
    "signals": Room("account signals: lazy polars expressions, evaluation",
                    (*BASE, "framework", "data", "vocabulary", "questions")),
    "trap": Room("the efficiency trap: efficiency beside relationship, repair",
                 (*BASE, "framework", "data", "vocabulary", "questions", "signals")),
    "engines": Room("the passes over the activity table as Ibis expressions, run where the "
                    "events live (DuckDB, Spark, a SQL warehouse)",
                    (*BASE, "framework", "data", "vocabulary", "questions", "signals", "trap")),
    "results": Room("heavy results computed once per workspace version and kept beside it "
                    "(signals, gaps, themes, the efficiency view, repair), on the engine "
                    "chosen", (*BASE, "plugins", "framework", "data", "vocabulary", "questions",
                               "signals", "trap", "engines")),
    "charts": Room("one Altair chart function per view, for app, notebooks and report",
                   (*BASE, *ANALYSIS)),
    "docs": Room("reference pages generated from the knowledge", (*BASE, *ANALYSIS)),
    "review": Room("the quarterly review pack: gather, HTML, Markdown",
                   (*BASE, *ANALYSIS, "charts")),
    "app": Room("the Streamlit app: `main`, `common` caches, `pages/`",
                (*BASE, "plugins", *ANALYSIS, "demo", "engines", "charts", "docs",
                 "review", "results")),
    "commands": Room("one module per command group; `output` prints advice",
                     (*BASE, "plugins", *ANALYSIS, "demo", "engines", "charts", "docs",
                      "review", "results")),
    "cli": Room("the Typer app: registers the command groups, turns errors into messages",
                (*BASE, "plugins", "commands")),
    "_bootstrap": Room("stdlib and settings only: makes the virtual environment, then runs "
                       "the cli", ("settings", "cli")),
    "__main__": Room("`python -m playbooks`", ("_bootstrap",)),
    "playbooks": Room("the package's lazy public names (`load_knowledge`, `recommend`, ...)",
                      ("framework", "advice")),
}

# Violations in rooms other than the architecture's own, found when this test was written and
# reported to their owners. The integrator empties this list as they are fixed; any violation
# not listed here fails the test, and an entry that no longer occurs fails
# test_known_violations_still_occur so that it is removed. Keys: (file, rule, subject).
KNOWN_VIOLATIONS: set[tuple[str, str, str]] = set()


# --- reading the package ---------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """One broken rule, at a file and line."""

    path: str
    line: int
    rule: str
    subject: str
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.path, self.rule, self.subject

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to a package module where it is one."""

    line: int
    target: str  # a module of the package, else the imported name as written
    internal: bool
    type_only: bool = False
    lazy: bool = False  # inside a package `__init__`'s module-level `__getattr__`


@dataclass
class Module:
    name: str
    path: Path
    imports: list[Import] = field(default_factory=list)
    private_uses: list[tuple[int, str, str]] = field(default_factory=list)  # line, module, name
    lines: int = 0

    @property
    def room(self) -> str:
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else parts[0]


def find_modules(src: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Map every module name of `package` (a folder under `src`) to its file."""
    modules = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _ImportReader(ast.NodeVisitor):
    """Collect one module's imports and its uses of other modules' private names."""

    def __init__(self, module: Module, modules: dict[str, Path]) -> None:
        self.module, self.modules = module, modules
        self.is_package = module.path.name == "__init__.py"
        self.aliases: dict[str, str] = {}  # local name -> package module it is bound to
        self.type_only = self.lazy = False
        self.depth = 0  # function nesting

    def resolve(self, dotted: str) -> str | None:
        """The longest prefix of `dotted` that is a module of the package."""
        while dotted:
            if dotted in self.modules:
                return dotted
            dotted = dotted.rpartition(".")[0]
        return None

    def add(self, line: int, dotted: str) -> str | None:
        target = self.resolve(dotted)
        self.module.imports.append(Import(line, target or dotted, target is not None,
                                          self.type_only, self.lazy))
        return target

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            target = self.add(node.lineno, alias.name)
            if target is not None:
                local = alias.asname or alias.name.partition(".")[0]
                self.aliases[local] = alias.name if alias.asname else local

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.name if self.is_package else self.module.name.rpartition(".")[0]
            parts = package.split(".")
            parts = parts[:len(parts) - node.level + 1]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        if self.resolve(base) is None:
            self.add(node.lineno, base)
            return
        for alias in node.names:
            full = f"{base}.{alias.name}"
            if full in self.modules:
                self.add(node.lineno, full)
                self.aliases[alias.asname or alias.name] = full
                continue
            target = self.add(node.lineno, base)
            if _private(alias.name) and target != self.module.name:
                self.module.private_uses.append((node.lineno, str(target), alias.name))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if (name == "import_module" and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            self.add(node.lineno, node.args[0].value)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain: list[str] = []
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            chain.insert(0, base.attr)
            base = base.value
        if isinstance(base, ast.Name) and base.id in self.aliases:
            current = self.aliases[base.id]
            for attr in chain:
                if f"{current}.{attr}" in self.modules:
                    current = f"{current}.{attr}"
                    continue
                if _private(attr) and current in self.modules and current != self.module.name:
                    self.module.private_uses.append((node.lineno, current, attr))
                break
            return  # the inner attributes are part of this chain
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            before, self.type_only = self.type_only, True
            for child in node.body:
                self.visit(child)
            self.type_only = before
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        lazy = self.is_package and self.depth == 0 and node.name == "__getattr__"
        before, self.lazy = self.lazy, self.lazy or lazy
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1
        self.lazy = before

    visit_AsyncFunctionDef = visit_FunctionDef


def read_package(src: Path, package: str = PACKAGE) -> dict[str, Module]:
    """Parse every module of `package` under `src`."""
    paths = find_modules(src, package)
    modules = {}
    for name, path in paths.items():
        text = path.read_text(encoding="utf-8")
        module = Module(name, path, lines=len(text.splitlines()))
        _ImportReader(module, paths).visit(ast.parse(text, filename=str(path)))
        modules[name] = module
    return modules


# --- the rules -------------------------------------------------------------------------------


def _where(module: Module, src: Path) -> str:
    return module.path.relative_to(src).as_posix()


def find_cycles(modules: dict[str, Module], src: Path) -> Iterator[Violation]:
    """Yield one shortest cycle per group of modules that import each other in a loop."""
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for name, module in modules.items():
        for imp in module.imports:
            if imp.internal and not imp.lazy and imp.target != name:
                graph[name].setdefault(imp.target, imp.line)
    for group in _strongly_connected(graph):
        start = min(group)
        chain = _shortest_cycle(graph, start, group)
        shown = " -> ".join(chain)
        yield Violation(_where(modules[start], src), graph[start][chain[1]], "cycle", shown,
                        f"import cycle {shown} (break it by moving the shared part down a "
                        "layer; an import inside a function or under TYPE_CHECKING still counts)")


def _strongly_connected(graph: dict[str, dict[str, int]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative; only groups of two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def _shortest_cycle(graph: dict[str, dict[str, int]], start: str, group: set[str]) -> list[str]:
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child == start:
                    chain = [node]
                    while chain[0] != start:
                        chain.insert(0, previous[chain[0]])
                    return [*chain, start]
                if child in group and child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in a cycle but none was found")


def check_module(module: Module, modules: dict[str, Module], rooms: dict[str, Room],
                 src: Path) -> Iterator[Violation]:
    """Yield every rule one module breaks, except cycles (see `find_cycles`)."""
    where = _where(module, src)
    if module.lines > MAX_LINES:
        yield Violation(where, MAX_LINES + 1, "length", "", f"{module.lines} lines, over the "
                        f"{MAX_LINES}-line limit: split it into modules of one concept each")
    for line, owner, name in module.private_uses:
        yield Violation(where, line, "private-name", f"{owner}.{name}",
                        f"uses the private name {name} of {owner}: make it public with a "
                        "docstring, or move it to where it is used")
    room = rooms.get(module.room)
    if room is None:
        yield Violation(where, 1, "layer", module.room, f"{module.name} is in no declared room; "
                        "add its room to ROOMS in tests/test_architecture.py and to "
                        "docs/architecture.md")
    for imp in module.imports:
        top = imp.target.partition(".")[0]
        kind = " (under TYPE_CHECKING, which counts too)" if imp.type_only else ""
        if top == "streamlit" and not module.name.startswith(f"{PACKAGE}.app"):
            yield Violation(where, imp.line, "streamlit", imp.target,
                            f"imports {imp.target}{kind}; only playbooks/app/ may import "
                            "streamlit: keep the logic in plain modules")
        if top in ("tests", "benchmarks"):
            yield Violation(where, imp.line, "tests-benchmarks", imp.target,
                            f"imports {imp.target}; the package never imports tests or "
                            "benchmarks")
        if not imp.internal or room is None:
            continue
        target_room = modules[imp.target].room
        if target_room != module.room and target_room not in room.may_import:
            allowed = ", ".join(room.may_import) or "nothing else"
            yield Violation(where, imp.line, "layer", target_room,
                            f"{module.room} may not import {target_room} ({imp.target}{kind}); "
                            f"{module.room} may import: {allowed}")


def check_package(src: Path = ROOT, package: str = PACKAGE,
                  rooms: dict[str, Room] = ROOMS) -> list[Violation]:
    """Every violation of the rules of the house in `package` under `src`."""
    modules = read_package(src, package)
    found = [v for m in modules.values() for v in check_module(m, modules, rooms, src)]
    found += find_cycles(modules, src)
    unique = {(v.path, v.line, v.rule, v.subject): v for v in found}  # one per statement
    return sorted(unique.values(), key=lambda v: (v.path, v.line, v.rule, v.subject))


# --- the page --------------------------------------------------------------------------------


def layer_numbers(rooms: dict[str, Room] = ROOMS) -> dict[str, int]:
    """Each room's layer: one above the highest room it may import (0 for none)."""
    layers: dict[str, int] = {}
    for name, room in rooms.items():
        layers[name] = 1 + max((layers[r] for r in room.may_import), default=-1)
    return layers


def render_rooms_table(rooms: dict[str, Room] = ROOMS) -> str:
    """The rooms table of docs/architecture.md, top layer first."""
    layers = layer_numbers(rooms)
    out = [TABLE_START, "", "| layer | room | holds | may import |", "|---|---|---|---|"]
    for name in sorted(rooms, key=lambda r: (-layers[r], list(rooms).index(r))):
        room = rooms[name]
        shown = f"`{name}.py`" if name in ("_bootstrap", "__main__") else f"`{name}`"
        if name == PACKAGE:
            shown = "`playbooks/__init__.py`"
        allowed = ", ".join(room.may_import) or "nothing"
        out.append(f"| {layers[name]} | {shown} | {room.holds} | {allowed} |")
    return "\n".join([*out, "", TABLE_END])


def write_rooms_table(page: Path = PAGE) -> None:
    """Replace the rooms table in the page with a fresh rendering."""
    text = page.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.S)
    page.write_text(pattern.sub(lambda _: render_rooms_table(), text), encoding="utf-8")


# --- the tests on the package ----------------------------------------------------------------


@pytest.fixture(scope="module")
def violations() -> list[Violation]:
    return check_package()


def test_the_package_keeps_the_rules_of_the_house(violations: list[Violation]) -> None:
    new = [str(v) for v in violations if v.key not in KNOWN_VIOLATIONS]
    assert not new, "the rules of docs/architecture.md are broken:\n" + "\n".join(new)


def test_known_violations_still_occur(violations: list[Violation]) -> None:
    seen = {v.key for v in violations}
    fixed = sorted(KNOWN_VIOLATIONS - seen)
    assert not fixed, ("fixed, so remove from KNOWN_VIOLATIONS in tests/test_architecture.py: "
                       + "; ".join(map(str, fixed)))


def test_rooms_are_layered() -> None:
    for position, (name, room) in enumerate(ROOMS.items()):
        below = list(ROOMS)[:position]
        assert set(room.may_import) <= set(below), (
            f"ROOMS: {name} may import {sorted(set(room.may_import) - set(below))}, "
            "which are not declared below it")
    for name, room in ROOMS.items():
        assert "app" not in room.may_import or name == "app", f"{name} may not import app"
        assert "commands" not in room.may_import or name == "cli", f"{name} may not import commands"


def test_the_page_shows_the_declared_rooms() -> None:
    assert render_rooms_table() in PAGE.read_text(encoding="utf-8"), (
        "docs/architecture.md does not show ROOMS as declared: run "
        "`python tests/test_architecture.py` to rewrite its rooms table")


# --- the checker catches each rule (synthetic trees) -----------------------------------------

TINY_ROOMS = {
    "errors": Room("errors"),
    "low": Room("low", ("errors",)),
    "high": Room("high", ("errors", "low")),
    "app": Room("app", ("errors", "low", "high")),
    "playbooks": Room("the package"),
}


def _tree(tmp_path: Path, files: dict[str, str]) -> list[Violation]:
    files = {"__init__.py": "", "errors.py": "", "low/__init__.py": "", "low/a.py": "",
             "high/__init__.py": "", "app/__init__.py": "", **files}
    for name, text in files.items():
        path = tmp_path / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return check_package(tmp_path, rooms=TINY_ROOMS)


def _only(found: list[Violation], rule: str) -> Violation:
    assert [v.rule for v in found] == [rule], [str(v) for v in found]
    return found[0]


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    found = _tree(tmp_path, {
        "high/b.py": "from playbooks.low.a import x\nimport playbooks.errors\n",
        "app/page.py": "import streamlit as st\nfrom playbooks.high import b\n",
        "low/__init__.py": "from playbooks.low.a import x\n\n\ndef __getattr__(name):\n"
                           "    from playbooks.low import b\n    return b\n",
        "low/b.py": "from playbooks.low import x\n",  # the lazy re-export is no cycle
    })
    assert found == []


def test_a_cycle_is_reported_as_a_chain(tmp_path: Path) -> None:
    found = _tree(tmp_path, {
        "low/a.py": "\n\ndef late():\n    from playbooks.low import b\n",
        "low/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                    "    from playbooks.low.a import late\n",
    })
    violation = _only(found, "cycle")
    assert str(violation) == ("playbooks/low/a.py:4: [cycle] import cycle playbooks.low.a -> "
                              "playbooks.low.b -> playbooks.low.a (break it by moving the "
                              "shared part down a layer; an import inside a function or under "
                              "TYPE_CHECKING still counts)")


def test_a_submodule_importing_its_package_back_is_a_cycle(tmp_path: Path) -> None:
    found = _tree(tmp_path, {"low/__init__.py": "from playbooks.low.a import x\n",
                             "low/a.py": "from playbooks.low import y\n"})
    assert _only(found, "cycle").subject == "playbooks.low -> playbooks.low.a -> playbooks.low"


def test_a_private_name_from_another_module_is_refused(tmp_path: Path) -> None:
    found = _tree(tmp_path, {"high/b.py": "from playbooks.low.a import _hidden\n"})
    assert str(_only(found, "private-name")).startswith(
        "playbooks/high/b.py:1: [private-name] uses the private name _hidden of playbooks.low.a")
    found = _tree(tmp_path, {"high/b.py": "import playbooks.low.a as a\n\nx = a._hidden\n"})
    assert _only(found, "private-name").line == 3
    found = _tree(tmp_path, {"high/b.py": "from playbooks.low import a\n\nx = a._hidden()\n"})
    assert _only(found, "private-name").subject == "playbooks.low.a._hidden"
    found = _tree(tmp_path, {"high/b.py": "import playbooks.low.a\n\nx = playbooks.low.a._y\n"})
    assert _only(found, "private-name").subject == "playbooks.low.a._y"


def test_an_import_against_the_layers_is_refused(tmp_path: Path) -> None:
    found = _tree(tmp_path, {"low/a.py": "\n\ndef f():\n    from playbooks.high import b\n",
                             "high/b.py": ""})
    assert str(_only(found, "layer")) == (
        "playbooks/low/a.py:4: [layer] low may not import high (playbooks.high.b); low may "
        "import: errors")


def test_an_import_by_name_is_checked_too(tmp_path: Path) -> None:
    found = _tree(tmp_path, {"low/a.py": "import importlib\n\n"
                                         "importlib.import_module('playbooks.high.b')\n",
                             "high/b.py": ""})
    assert _only(found, "layer").line == 3


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    found = _tree(tmp_path, {"low/a.py": "from . import b\n", "low/b.py": "from .a import x\n"})
    assert _only(found, "cycle").subject == "playbooks.low.a -> playbooks.low.b -> playbooks.low.a"


def test_a_module_outside_every_room_is_refused(tmp_path: Path) -> None:
    assert _only(_tree(tmp_path, {"stray.py": ""}), "layer").subject == "stray"


def test_streamlit_outside_the_app_is_refused(tmp_path: Path) -> None:
    found = _tree(tmp_path, {"high/b.py": "from typing import TYPE_CHECKING\n"
                                          "if TYPE_CHECKING:\n    import streamlit\n"})
    assert _only(found, "streamlit").line == 3


def test_importing_tests_or_benchmarks_is_refused(tmp_path: Path) -> None:
    found = _tree(tmp_path, {"high/b.py": "from tests.conftest import x\n",
                             "low/a.py": "import benchmarks.bench\n"})
    assert sorted(v.rule for v in found) == ["tests-benchmarks", "tests-benchmarks"]


def test_a_long_module_is_refused(tmp_path: Path) -> None:
    found = _tree(tmp_path, {"high/b.py": "x = 1\n" * (MAX_LINES + 1)})
    assert _only(found, "length").line == MAX_LINES + 1


if __name__ == "__main__":
    write_rooms_table()
    sys.exit(0)
