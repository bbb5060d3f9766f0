"""Data contracts: find and load the ODCS v3 files in `data_contracts/`, and document them.

A contract says what a table must look like (columns, types, vocabularies, bounds, keys).
The records it is read into live in `playbooks.data.contract_model`, the reading itself in
`playbooks.data.contract_parsing`, the kinds of check it makes in `playbooks.data.checks`,
its great-expectations suite in `playbooks.data.gx` and how its rules run over data in
`playbooks.data.validation`. This module is where callers start: `load_contract`,
`load_contracts`, `contract_rules`, `custom_rule` and the Markdown reference page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from playbooks import settings
from playbooks.data.checks import CHECKS, check_for
from playbooks.data.contract_model import (
    CUSTOM_RULES,
    Contract,
    ContractError,
    CustomRule,
    Field,
    Rule,
)
from playbooks.data.contract_parsing import (
    LIBRARY_RULES,
    LOGICAL_TYPES,
    PHYSICAL_TYPES,
    parse_contract,
)
from playbooks.data.datetimes import render_formats_markdown

__all__ = ["CONTRACTS_DIR", "CONTRACT_NAMES", "CUSTOM_RULES", "LIBRARY_RULES", "LOGICAL_TYPES",
           "PHYSICAL_TYPES", "Contract", "ContractError", "CustomRule", "Field", "Rule",
           "contract_rules", "contracts_dir", "custom_rule", "load_contract", "load_contracts",
           "parse_contract", "render_contracts_markdown", "shipped_contracts_dir"]

# Where the contract files are, in the order `contracts_dir` looks (after PLAYBOOKS_CONTRACTS):
# the source checkout's folder, which people read and edit, then the copy that a built wheel
# ships inside the package (setup.py copies it there).
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = CHECKOUT_ROOT / "data_contracts"
PACKAGED_CONTRACTS_DIR = Path(__file__).resolve().parent / "data_contracts"
CONTRACT_NAMES = ("accounts", "activity", "health_snapshots")


def contracts_dir() -> Path:
    """Return the folder holding the contract files: PLAYBOOKS_CONTRACTS, else the shipped one."""
    override = settings.contracts_dir_override()
    if override is None:
        return shipped_contracts_dir()
    if not override.is_dir():
        raise ContractError(f"{settings.CONTRACTS.name} is set to {override}, which is not a "
                            "folder; point it at a folder of contract files (*.yaml).")
    return override


def shipped_contracts_dir() -> Path:
    """Return the contracts that come with CX Playbooks, whatever PLAYBOOKS_CONTRACTS says.

    That is the checkout's `data_contracts/` when running from a source checkout, else the
    copy inside the installed package.
    """
    if CONTRACTS_DIR.is_dir() and (CHECKOUT_ROOT / "pyproject.toml").is_file():
        return CONTRACTS_DIR
    if PACKAGED_CONTRACTS_DIR.is_dir():
        return PACKAGED_CONTRACTS_DIR
    raise ContractError(f"No data contracts found: looked in {CONTRACTS_DIR} (a source "
                        f"checkout) and {PACKAGED_CONTRACTS_DIR} (the installed package). "
                        f"Set {settings.CONTRACTS.name} to a folder of contract files (*.yaml).")


def load_contract(name_or_path: str | Path) -> Contract:
    """Load one contract by table name (`activity`) or by file path, checking its structure."""
    path = Path(name_or_path)
    if path.suffix not in {".yaml", ".yml"}:
        path = contracts_dir() / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in contracts_dir().glob("*.yaml")))
        raise ContractError(f"There is no data contract named '{name_or_path}' "
                            f"(looked for {path}). Known contracts: {known or 'none'}.")
    return _load_cached(str(path.resolve()), path.stat().st_mtime_ns)


def load_contracts() -> dict[str, Contract]:
    """Load every contract in the contracts folder, keyed by table name."""
    found = sorted(contracts_dir().glob("*.yaml"))
    if not found:
        raise ContractError(f"No data contracts found in {contracts_dir()}.")
    contracts = {}
    for path in found:
        contract = load_contract(path)
        contracts[contract.name] = contract
    for contract in contracts.values():
        for item in contract.fields:
            if item.references and item.references[0] not in contracts:
                raise ContractError(
                    f"{contract.path.name}: property '{item.name}' refers to table "
                    f"'{item.references[0]}', which has no contract.")
    return contracts


@lru_cache(maxsize=32)
def _load_cached(path: str, _mtime: int) -> Contract:
    return parse_contract(Path(path))


def contract_rules(contract: Contract, *, custom: bool = True) -> list[Rule]:
    """List every check the contract makes, in the order a report shows them, followed by
    the custom rules registered for it (unless `custom` is false)."""
    return contract.rules if custom else list(contract.own_rules)


def custom_rule(contract: str, rule_id: str, *, columns: Sequence[str], description: str
                ) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register a rule of your own for a contract, without editing the contract file.

    The decorated function takes no arguments and returns a polars expression that is true on
    the rows breaking the rule; `columns` are the contract columns it reads (the rule is
    reported as not run when one is missing). The rule then appears in every validation
    report of that contract, in the command line, the app and the notebooks::

        @custom_rule("activity", "question_text.length", columns=["question_text"],
                     description="Question texts are at most 2,000 characters.")
        def _long_questions():
            return pl.col("question_text").str.len_chars() > 2000
    """

    def register(function: Callable[[], Any]) -> Callable[[], Any]:
        known = load_contract(contract)
        unknown = [c for c in columns if c not in known.column_names]
        if unknown:
            raise ContractError(f"custom rule {rule_id!r}: the {contract} contract has no column "
                                f"{', '.join(map(repr, unknown))}; its columns are "
                                f"{', '.join(known.column_names)}.")
        if rule_id in {r.id for r in known.own_rules}:
            raise ContractError(f"custom rule {rule_id!r}: the {contract} contract already has "
                                "a rule with that id; choose another.")
        CUSTOM_RULES.setdefault(contract, {})[rule_id] = CustomRule(
            contract, rule_id, tuple(columns), description, function)
        return function

    return register


# --- documentation ------------------------------------------------------------------------


def render_contracts_markdown(contracts: dict[str, Contract] | None = None) -> str:
    """Render every contract as one Markdown reference page (committed as docs/contracts.md)."""
    contracts = contracts or load_contracts()
    lines = [
        "# Data contracts",
        "",
        "<!-- Generated by playbooks.data.contracts.render_contracts_markdown(); do not edit. -->",
        "",
        "Each input table has a contract in `data_contracts/` (Open Data Contract Standard v3).",
        "`playbooks validate FILE --contract NAME` checks a file against its contract;",
        "`playbooks import` refuses files that break it.",
        "",
    ]
    for contract in contracts.values():
        lines += _contract_section(contract)
    lines += render_formats_markdown()
    lines += _check_kinds_section()
    return "\n".join(lines).rstrip() + "\n"


def _contract_section(contract: Contract) -> list[str]:
    lines = [f"## {contract.business_name} (`{contract.name}`)", "",
             f"Contract `{contract.id}`, version {contract.version}. "
             f"In a workspace: one Parquet file per source in `{contract.name}/` (see "
             f"`playbooks sources`); `{contract.name}.parquet` in the demo.", "",
             contract.description, ""]
    for label, text in (("Purpose", contract.purpose), ("Usage", contract.usage),
                        ("Limitations", contract.limitations)):
        if text:
            lines += [f"**{label}.** {text}", ""]
    lines += ["| column | required | type | description | rules |",
              "|---|---|---|---|---|"]
    rules = contract.rules
    for item in contract.fields:
        own = [r.description for r in rules
               if r.columns == (item.name,) and check_for(r).docs == "column"]
        lines.append(f"| `{item.name}` | {'yes' if item.required else 'no'} | "
                     f"{item.physical_type} | {item.description} | "
                     f"{' '.join(own) or '-'} |")
    lines.append("")
    table_level = [r for r in rules if check_for(r).docs == "table"]
    if table_level:
        lines += ["Rules across columns:", ""]
        lines += [f"- `{r.id}`: {r.description}" for r in table_level]
        lines.append("")
    for item in contract.fields:
        if item.value_descriptions:
            lines += [f"Values of `{item.name}`:", "", "| value | meaning |", "|---|---|"]
            lines += [f"| `{value}` | {text} |"
                      for value, text in item.value_descriptions.items()]
            lines.append("")
    return lines


def _check_kinds_section() -> list[str]:
    lines = ["## Kinds of check", "",
             "Every rule above is of one of these kinds (its `check` in `playbooks validate "
             "--json`).", "polars counts every kind on every row; the kinds with an "
             "expectation are also run by", "great-expectations on a sample of the file, "
             "and the two counts must agree.", "",
             "| kind | made by | what it checks | great-expectations |", "|---|---|---|---|"]
    for unit in sorted(CHECKS.values(), key=lambda u: (u.position, u.kind)):
        expectations = ", ".join(f"`{name}`" for name in unit.expectation_names) or "-"
        lines.append(f"| `{unit.kind}` | {unit.made_by} | {unit.summary} | {expectations} |")
    lines.append("")
    return lines
