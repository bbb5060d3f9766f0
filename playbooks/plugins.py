"""Company code loaded at start-up: files or modules named in PLAYBOOKS_PLUGINS register
custom signals (`playbooks.signals.register_signal`), contract rules
(`playbooks.data.contracts.custom_rule`) and journey rules (`playbooks.advice.rules.rule`), so
the command line, the app and the reports all use them without any change to the package."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from playbooks import settings
from playbooks.errors import PlaybooksError

PLUGINS_ENV = settings.PLUGINS.name
LOADED: set[str] = set()  # the plugins imported so far in this process


class PluginError(PlaybooksError):
    """A plugin named in PLAYBOOKS_PLUGINS could not be loaded."""


def load_plugins(spec: str | None = None) -> list[str]:
    """Import each plugin once: a path to a .py file or a module name, separated by the
    system's path separator (default: PLAYBOOKS_PLUGINS). Returns the plugins loaded by this
    call."""
    items = settings.plugins() if spec is None else settings.split_path_list(spec)
    loaded = []
    for item in items:
        if item in LOADED:
            continue
        try:
            if item.endswith(".py"):
                path = Path(item)
                if not path.exists():
                    raise PluginError(f"{PLUGINS_ENV}: the plugin file {item} does not exist")
                name = f"playbooks_plugin_{abs(hash(str(path.resolve())))}"
                module_spec = importlib.util.spec_from_file_location(name, path)
                assert module_spec is not None and module_spec.loader is not None
                module = importlib.util.module_from_spec(module_spec)
                sys.modules[name] = module
                module_spec.loader.exec_module(module)
            else:
                importlib.import_module(item)
        except PlaybooksError as error:
            raise PluginError(f"plugin {item}: {error}") from None
        except Exception as error:  # noqa: BLE001 - report any failure of company code plainly
            raise PluginError(f"plugin {item} failed to load: {type(error).__name__}: "
                              f"{error}") from None
        LOADED.add(item)
        loaded.append(item)
    return loaded
