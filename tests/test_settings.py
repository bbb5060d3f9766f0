"""Every PLAYBOOKS_* variable is declared once, documented from that declaration, and read only
through its typed accessor."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from playbooks import settings
from playbooks.data.contracts import CONTRACTS_DIR, contracts_dir
from playbooks.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"PLAYBOOKS_[A-Z0-9_]+")
DECLARED = {s.name for s in settings.SETTINGS}
TEST_DECLARED = {s.name for s in settings.TEST_SETTINGS}


def _names_in(*paths: Path) -> dict[str, set[str]]:
    """Every PLAYBOOKS_* name in the given files and folders, with the files naming it."""
    found: dict[str, set[str]] = {}
    files = [f for p in paths for f in ([p] if p.is_file() else
                                        [*p.rglob("*.py"), *p.rglob("*.ipynb")])]
    for file in files:
        for name in NAME.findall(file.read_text(encoding="utf-8")):
            found.setdefault(name, set()).add(str(file.relative_to(ROOT)))
    return found


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for setting in (*settings.SETTINGS, *settings.TEST_SETTINGS):
        monkeypatch.delenv(setting.name, raising=False)
    return monkeypatch


# --- declared once, documented from the declaration -------------------------------------------


def test_the_readme_tables_are_generated_from_the_declarations() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == settings.update_readme(readme), (
        "README.md's settings tables are stale: run `.venv/bin/python -c \"import pathlib, "
        "playbooks.settings as s; p = pathlib.Path('README.md'); "
        "p.write_text(s.update_readme(p.read_text()))\"`")
    for name in DECLARED | TEST_DECLARED:
        assert f"| `{name}` |" in readme


def test_a_missing_readme_block_is_reported() -> None:
    with pytest.raises(ValueError, match="test-settings"):
        settings.update_readme("<!-- settings:start -->\n<!-- settings:end -->\n")


def test_every_name_the_package_uses_is_declared() -> None:
    used = _names_in(ROOT / "playbooks", ROOT / "app.py")
    used = {n: files - {"playbooks/settings.py"} for n, files in used.items()}
    undeclared = {n: sorted(files) for n, files in used.items() if files and n not in DECLARED}
    assert not undeclared, f"declare these in playbooks/settings.py SETTINGS: {undeclared}"


def test_every_name_the_tests_and_ci_use_is_declared() -> None:
    used = _names_in(ROOT / "tests", ROOT / "benchmarks", ROOT / "notebooks", ROOT / ".ci" / "run")
    undeclared = {n: sorted(files) for n, files in used.items()
                  if n not in DECLARED | TEST_DECLARED}
    assert not undeclared, f"declare these in playbooks/settings.py TEST_SETTINGS: {undeclared}"


def test_each_setting_is_declared_once_with_a_default_and_help() -> None:
    names = [s.name for s in (*settings.SETTINGS, *settings.TEST_SETTINGS)]
    assert len(names) == len(set(names))
    for setting in (*settings.SETTINGS, *settings.TEST_SETTINGS):
        assert NAME.fullmatch(setting.name)
        assert setting.default and setting.help.endswith(".")
        assert "|" not in setting.help + setting.default  # would break the table


def test_only_the_settings_module_reads_the_environment_for_them() -> None:
    readers = []
    for file in (ROOT / "playbooks").rglob("*.py"):
        if file.name == "settings.py" and file.parent.name == "playbooks":
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"os\.environ|getenv", line) and ("PLAYBOOKS_" in line or "_ENV" in line):
                readers.append(f"{file.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not readers, "read these through playbooks.settings:\n" + "\n".join(readers)


def test_the_settings_module_needs_only_the_standard_library() -> None:
    # Without site-packages (-S): a third-party import would fail, and none may be loaded.
    code = ("import sys; import playbooks._bootstrap; "
            "extra = sorted(m for m in sys.modules if m.split('.')[0] not in "
            "sys.stdlib_module_names and m.split('.')[0] not in ('playbooks', '__main__')); "
            "print(extra)")
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.strip() == "[]"


# --- the typed accessors ----------------------------------------------------------------------


def test_unset_and_empty_values_give_the_defaults(clean_env: pytest.MonkeyPatch) -> None:
    assert settings.workspace() == Path("workspace")
    assert settings.database_url() is None
    assert settings.knowledge_overlays() == [] and settings.plugins() == []
    assert settings.contracts_dir_override() is None
    assert settings.demo_accounts() == 2000
    assert not settings.debug() and not settings.no_bootstrap()
    assert settings.venv_dir(Path("/project")) == Path("/project/.venv").resolve()
    for setting in settings.SETTINGS:
        clean_env.setenv(setting.name, "  ")
    assert settings.workspace() == Path("workspace") and settings.database_url() is None
    assert settings.demo_accounts() == 2000 and not settings.debug()


def test_values_are_read_and_typed(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("PLAYBOOKS_WORKSPACE", "~/ws")
    assert settings.workspace() == Path.home() / "ws"
    clean_env.setenv("PLAYBOOKS_DATABASE_URL", " postgresql://db/x ")
    assert settings.database_url() == "postgresql://db/x"
    clean_env.setenv("PLAYBOOKS_KNOWLEDGE_OVERLAY", f"a.yaml{os.pathsep}{os.pathsep} b ")
    assert settings.knowledge_overlays() == ["a.yaml", "b"]
    clean_env.setenv("PLAYBOOKS_PLUGINS", f"my_rules{os.pathsep}/x/plugin.py")
    assert settings.plugins() == ["my_rules", "/x/plugin.py"]
    clean_env.setenv("PLAYBOOKS_DEMO_ACCOUNTS", "300")
    assert settings.demo_accounts() == 300
    clean_env.setenv("PLAYBOOKS_DEMO_ACCOUNTS", "3")
    assert settings.demo_accounts() == 50
    clean_env.setenv("PLAYBOOKS_VENV", str(tmp_path / "env"))
    assert settings.venv_dir(Path("/project")) == (tmp_path / "env").resolve()


def test_a_non_integer_demo_size_names_the_variable(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PLAYBOOKS_DEMO_ACCOUNTS", "lots")
    with pytest.raises(InputError, match=r"PLAYBOOKS_DEMO_ACCOUNTS must be a whole number.*'lots'"):
        settings.demo_accounts()


@pytest.mark.parametrize(("value", "on"), [("1", True), ("yes", True), ("TRUE", True),
                                           ("0", False), ("off", False), ("No", False),
                                           ("", False)])
def test_switches(clean_env: pytest.MonkeyPatch, value: str, on: bool) -> None:
    clean_env.setenv("PLAYBOOKS_DEBUG", value)
    clean_env.setenv("PLAYBOOKS_NO_BOOTSTRAP", value)
    assert settings.debug() is on and settings.no_bootstrap() is on


def test_the_contracts_override(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert contracts_dir() == CONTRACTS_DIR
    clean_env.setenv("PLAYBOOKS_CONTRACTS", str(tmp_path))
    assert settings.contracts_dir_override() == tmp_path
    assert contracts_dir() == tmp_path
