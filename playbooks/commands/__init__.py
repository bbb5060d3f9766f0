"""Command groups of the `playbooks` command line, registered in this order."""

COMMAND_MODULES = [
    "project",
    "framework",
    "assessment",
    "data",
]
