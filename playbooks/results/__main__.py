"""Prepare a workspace's heavy results: `python -m playbooks.results FOLDER` (the app starts
it in the background after a new demo or an import)."""

from __future__ import annotations

import sys

from playbooks.results.prepare import prepare_results

if __name__ == "__main__":
    prepare_results(sys.argv[1])
