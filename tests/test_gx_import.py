"""great-expectations is imported without pyspark (installed here with the Spark extra): no
third of a second and no pandas-version warnings on every command that reads a file, and the
Spark engine can still import pyspark afterwards."""

from __future__ import annotations

import subprocess
import sys

SNIPPET = """
import importlib.util, sys
assert importlib.util.find_spec("pyspark") is not None, "pyspark (the dev extra) is missing"
from playbooks.data.gx import gx_context
gx_context()
print("pyspark imported by the contracts:", "pyspark" in sys.modules)
import pyspark.sql
print("pyspark importable after:", bool(pyspark.sql.SparkSession))
"""


def test_the_contract_checks_do_not_import_pyspark() -> None:
    done = subprocess.run([sys.executable, "-c", SNIPPET], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "pyspark imported by the contracts: False" in done.stdout
    assert "pyspark importable after: True" in done.stdout
    assert "FutureWarning" not in done.stderr and "pandas" not in done.stderr
