"""The `playbooks` command line.

Each group of commands lives in a module under `playbooks.commands` with a `register(app)`
function; this module builds the Typer app, registers them all and turns known errors into
plain messages with a meaningful exit code.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from playbooks import settings
from playbooks.commands import COMMAND_MODULES
from playbooks.errors import PlaybooksError, mask_credentials

app = typer.Typer(
    name="playbooks",
    help="CX Playbooks: decide where automation belongs in the customer journey, and watch "
    "accounts for the quiet loss of confidence that dashboards miss.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"playbooks.commands.{_name}").register(app)


def _skip_iri_grammar() -> None:
    """Spare every command the 1.2 to 1.5 s jsonschema spends building an IRI grammar at import.

    jsonschema imports `rfc3987_syntax`, when installed, only to check the "iri" string format,
    which neither the Vega-Lite schema (Altair) nor great-expectations' configuration uses.
    Marking the module as absent before jsonschema is first imported, in this process only,
    makes jsonschema skip that one checker, as it does on machines without the package.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def shown(message: str, limit: int = 1000) -> str:
    """Make a message fit to print: passwords masked, each line cut to `limit` characters."""
    lines = mask_credentials(message).splitlines() or [""]
    return "\n".join(line if len(line) <= limit
                     else f"{line[:limit]}... ({len(line):,} characters)" for line in lines)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; print known errors as messages and exit with their code."""
    _skip_iri_grammar()
    try:
        from playbooks.plugins import load_plugins

        load_plugins()
        workspace = os.environ.get(settings.WORKSPACE.name)
        try:
            app(args=argv if argv is not None else sys.argv[1:], prog_name="playbooks",
                standalone_mode=True)
        finally:  # a command's --workspace is its run's only (see commands.options)
            if workspace is None:
                os.environ.pop(settings.WORKSPACE.name, None)
            else:
                os.environ[settings.WORKSPACE.name] = workspace
    except PlaybooksError as error:
        typer.echo(f"Error: {shown(str(error))}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except MemoryError:
        typer.echo("Error: there was not enough memory to finish; nothing was saved. An input "
                   "file may be too large: split it, or lower "
                   f"{settings.MAX_INPUT_MB.name} to refuse such files up front.", err=True)
        sys.exit(2)
    except Exception as error:  # noqa: BLE001 - the last guard before a user sees a traceback
        if settings.debug():
            raise
        detail = shown(str(error))[:2000]
        typer.echo(
            f"Unexpected error: {type(error).__name__}: {detail}\n"
            "Set PLAYBOOKS_DEBUG=1 to see the full details.",
            err=True,
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
