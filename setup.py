"""Build hook: ship the checkout's `data_contracts/*.yaml` inside the built package.

`data_contracts/` at the top of the checkout stays the one copy people read and edit; a
built wheel carries it as `playbooks/data/data_contracts/`, where an installed package finds
it (`playbooks.data.contracts.contracts_dir`). Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CONTRACTS_SOURCE = Path(__file__).resolve().parent / "data_contracts"
CONTRACTS_TARGET = Path("playbooks", "data", "data_contracts")


class BuildPyWithContracts(build_py):
    """Build the package as usual, then copy the data contracts into it."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's own folder
            return
        sources = sorted(CONTRACTS_SOURCE.glob("*.yaml"))
        if not sources:
            raise SystemExit(f"No data contracts to ship: {CONTRACTS_SOURCE} has no *.yaml.")
        target = Path(self.build_lib) / CONTRACTS_TARGET
        shutil.rmtree(target, ignore_errors=True)  # no contract left over from an earlier build
        target.mkdir(parents=True)
        for source in sources:
            self.copy_file(str(source), str(target / source.name))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            outputs += [str(Path(self.build_lib) / CONTRACTS_TARGET / source.name)
                        for source in sorted(CONTRACTS_SOURCE.glob("*.yaml"))]
        return outputs


setup(cmdclass={"build_py": BuildPyWithContracts})
