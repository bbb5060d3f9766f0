"""Command groups of the `playbooks` command line, registered in this order."""

COMMAND_MODULES = [
    "project",
    "framework",
    "classify",
    "assessment",
    "data",
    "recipes",
    "sources",
    "accounts",
    "brief",
    "signals",
    "backtest",
    "trap",
    "report",
]
