"""Data contracts: load the ODCS v3 files in `data_contracts/`, check them, turn them into rules.

A contract says what a table must look like (columns, types, vocabularies, bounds, keys).
This module reads it into plain dataclasses, derives one `Rule` per check the contract makes,
compiles those rules into a great-expectations 1.x `ExpectationSuite`, and renders the
contracts as a Markdown reference page. How the rules run over data lives in
`playbooks.data.validation`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from playbooks import settings
from playbooks.errors import PlaybooksError

# Where the contract files are, in the order `contracts_dir` looks (after PLAYBOOKS_CONTRACTS):
# the source checkout's folder, which people read and edit, then the copy that a built wheel
# ships inside the package (setup.py copies it there).
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = CHECKOUT_ROOT / "data_contracts"
PACKAGED_CONTRACTS_DIR = Path(__file__).resolve().parent / "data_contracts"
CONTRACT_NAMES = ("accounts", "activity", "health_snapshots")

LOGICAL_TYPES = {"string", "date", "number", "integer", "boolean"}
PHYSICAL_TYPES = {"string", "double", "integer", "boolean", "date", "timestamp"}
LIBRARY_RULES = {
    "validValues", "referencesExist", "notInFuture",           # property level
    "rowCount", "columnPairGreaterThan", "columnPairValues", "duplicateCount",  # object level
}
_TOP_KEYS = {"apiVersion", "kind", "id", "version", "status", "name", "domain", "dataProduct",
             "description", "tags", "schema", "customProperties", "contractCreatedTs"}
_OBJECT_KEYS = {"name", "physicalName", "physicalType", "logicalType", "businessName",
                "description", "dataGranularityDescription", "properties", "quality", "tags",
                "customProperties", "authoritativeDefinitions"}
_PROPERTY_KEYS = {"name", "businessName", "logicalType", "physicalType", "required", "unique",
                  "primaryKey", "primaryKeyPosition", "description", "examples", "quality",
                  "customProperties", "logicalTypeOptions", "tags", "classification",
                  "criticalDataElement", "authoritativeDefinitions"}
_QUALITY_KEYS = {"name", "type", "rule", "dimension", "description", "validValues", "references",
                 "mustBe", "mustBeGreaterThan", "columnA", "columnB", "allowedPairs", "columns",
                 "severity", "unit", "businessImpact", "tags", "customProperties"}


class ContractError(PlaybooksError):
    """A contract file is missing, malformed, or refers to something that does not exist."""


@dataclass(frozen=True)
class Field:
    """One column of a contract, with everything a check or a reader needs to know."""

    name: str
    business_name: str
    logical_type: str
    physical_type: str
    required: bool
    unique: bool
    description: str
    examples: tuple[Any, ...] = ()
    aliases: tuple[str, ...] = ()
    minimum: Any = None
    maximum: Any = None
    valid_values: tuple[str, ...] = ()
    value_descriptions: dict[str, str] = field(default_factory=dict)
    not_in_future: bool = False
    references: tuple[str, str] | None = None


@dataclass(frozen=True)
class Rule:
    """One check a contract makes; `check` says which, `params` carries its arguments."""

    id: str
    check: str
    columns: tuple[str, ...]
    description: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Contract:
    """A parsed data contract for one table."""

    name: str
    id: str
    version: str
    path: Path
    business_name: str
    description: str
    purpose: str
    usage: str
    limitations: str
    fields: tuple[Field, ...]
    table_rules: tuple[dict[str, Any], ...]

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required_columns(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def field(self, name: str) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def rules(self) -> list[Rule]:
        return contract_rules(self)


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


def parse_contract(path: Path) -> Contract:
    """Parse and check one contract file; errors name the file and the key that is wrong."""
    where = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ContractError(f"{where}: not readable as YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: expected a mapping at the top of the file.")
    _no_unknown(raw, _TOP_KEYS, where)
    for key in ("apiVersion", "kind", "id", "version", "status", "schema"):
        if key not in raw:
            raise ContractError(f"{where}: the required key '{key}' is missing.")
    if not str(raw["apiVersion"]).startswith("v3.0"):
        raise ContractError(f"{where}: apiVersion '{raw['apiVersion']}' is not supported; "
                            "use an ODCS v3.0.x version such as v3.0.1.")
    if raw["kind"] != "DataContract":
        raise ContractError(f"{where}: kind must be 'DataContract', not '{raw['kind']}'.")
    schema = raw["schema"]
    if not isinstance(schema, list) or len(schema) != 1 or not isinstance(schema[0], dict):
        raise ContractError(f"{where}: schema must be a list with exactly one object (the table).")
    obj = schema[0]
    _no_unknown(obj, _OBJECT_KEYS, f"{where}: schema[0]")
    if "name" not in obj or not obj.get("properties"):
        raise ContractError(f"{where}: schema[0] needs a name and a list of properties.")
    description = raw.get("description") or {}
    if not isinstance(description, dict):
        raise ContractError(f"{where}: description must be a mapping with purpose, usage, "
                            "limitations.")
    fields = []
    seen: set[str] = set()
    for index, prop in enumerate(obj["properties"]):
        item = _parse_property(prop, f"{where}: schema[0].properties[{index}]")
        if item.name in seen:
            raise ContractError(f"{where}: property '{item.name}' is declared twice.")
        seen.add(item.name)
        fields.append(item)
    table_rules = []
    for index, rule in enumerate(obj.get("quality") or []):
        key = f"{where}: schema[0].quality[{index}]"
        _check_quality(rule, key)
        for column_key in ("columnA", "columnB"):
            if column_key in rule and rule[column_key] not in seen:
                raise ContractError(f"{key}.{column_key}: '{rule[column_key]}' is not a property.")
        for column in rule.get("columns", []):
            if column not in seen:
                raise ContractError(f"{key}.columns: '{column}' is not a property.")
        table_rules.append(dict(rule))
    return Contract(
        name=str(obj["name"]),
        id=str(raw["id"]),
        version=str(raw["version"]),
        path=path,
        business_name=str(obj.get("businessName", obj["name"])),
        description=_text(obj.get("description", "")),
        purpose=_text(description.get("purpose", "")),
        usage=_text(description.get("usage", "")),
        limitations=_text(description.get("limitations", "")),
        fields=tuple(fields),
        table_rules=tuple(table_rules),
    )


def _text(value: Any) -> str:
    return " ".join(str(value).split())


def _no_unknown(mapping: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise ContractError(f"{where}: unknown key '{unknown[0]}'. Allowed keys: "
                            f"{', '.join(sorted(allowed))}.")


def _check_quality(rule: Any, key: str) -> None:
    if not isinstance(rule, dict):
        raise ContractError(f"{key}: a quality rule must be a mapping.")
    _no_unknown(rule, _QUALITY_KEYS, key)
    kind = rule.get("type", "library")
    if kind not in {"text", "library", "sql", "custom"}:
        raise ContractError(f"{key}.type: '{kind}' is not an ODCS quality type.")
    if kind == "library" and rule.get("rule") not in LIBRARY_RULES:
        raise ContractError(f"{key}.rule: '{rule.get('rule')}' is not a rule this product can "
                            f"run. Known rules: {', '.join(sorted(LIBRARY_RULES))}.")
    if not rule.get("name"):
        raise ContractError(f"{key}: every quality rule needs a name.")


def _parse_property(prop: Any, key: str) -> Field:
    if not isinstance(prop, dict) or "name" not in prop:
        raise ContractError(f"{key}: a property must be a mapping with a name.")
    key = f"{key} ({prop['name']})"
    _no_unknown(prop, _PROPERTY_KEYS, key)
    logical = prop.get("logicalType")
    if logical not in LOGICAL_TYPES:
        raise ContractError(f"{key}.logicalType: '{logical}' is not one of "
                            f"{', '.join(sorted(LOGICAL_TYPES))}.")
    physical = prop.get("physicalType", {"number": "double"}.get(logical, logical))
    if physical not in PHYSICAL_TYPES:
        raise ContractError(f"{key}.physicalType: '{physical}' is not one of "
                            f"{', '.join(sorted(PHYSICAL_TYPES))}.")
    if not prop.get("description"):
        raise ContractError(f"{key}.description: every property needs a description for "
                            "business readers.")
    options = prop.get("logicalTypeOptions") or {}
    custom = {}
    for index, item in enumerate(prop.get("customProperties") or []):
        if not isinstance(item, dict) or "property" not in item or "value" not in item:
            raise ContractError(f"{key}.customProperties[{index}]: needs 'property' and 'value'.")
        custom[item["property"]] = item["value"]
    valid_values: tuple[str, ...] = ()
    references = None
    not_in_future = False
    for index, rule in enumerate(prop.get("quality") or []):
        rule_key = f"{key}.quality[{index}]"
        _check_quality(rule, rule_key)
        if rule.get("rule") == "validValues":
            values = rule.get("validValues")
            if not isinstance(values, list) or not values:
                raise ContractError(f"{rule_key}.validValues: needs a non-empty list.")
            if len(set(values)) != len(values):
                raise ContractError(f"{rule_key}.validValues: a value is listed twice.")
            valid_values = tuple(str(v) for v in values)
        elif rule.get("rule") == "referencesExist":
            target = str(rule.get("references", ""))
            if target.count(".") != 1:
                raise ContractError(f"{rule_key}.references: write it as table.column, "
                                    f"not '{target}'.")
            table, column = target.split(".")
            references = (table, column)
        elif rule.get("rule") == "notInFuture":
            not_in_future = True
    descriptions = custom.get("valueDescriptions") or {}
    if descriptions:
        if not isinstance(descriptions, dict):
            raise ContractError(f"{key}.customProperties.valueDescriptions: must be a mapping.")
        missing = [v for v in valid_values if v not in descriptions]
        extra = [v for v in descriptions if v not in valid_values]
        if missing:
            raise ContractError(f"{key}.customProperties.valueDescriptions: no description for "
                                f"'{missing[0]}'.")
        if extra:
            raise ContractError(f"{key}.customProperties.valueDescriptions: '{extra[0]}' is "
                                "described but not a valid value.")
    minimum, maximum = options.get("minimum"), options.get("maximum")
    if logical == "date":
        minimum = _as_date(minimum, f"{key}.logicalTypeOptions.minimum")
        maximum = _as_date(maximum, f"{key}.logicalTypeOptions.maximum")
    return Field(
        name=str(prop["name"]),
        business_name=str(prop.get("businessName", prop["name"])),
        logical_type=logical,
        physical_type=physical,
        required=bool(prop.get("required", False)),
        unique=bool(prop.get("unique", False)),
        description=_text(prop["description"]),
        examples=tuple(prop.get("examples") or ()),
        aliases=tuple(str(a) for a in custom.get("aliases") or ()),
        minimum=minimum,
        maximum=maximum,
        valid_values=valid_values,
        value_descriptions={str(k): _text(v) for k, v in descriptions.items()},
        not_in_future=not_in_future,
        references=references,
    )


def _as_date(value: Any, key: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ContractError(f"{key}: '{value}' is not a date like 2000-01-01.") from error


@dataclass(frozen=True)
class CustomRule:
    """A company's own row rule for one contract, registered from user code."""

    contract: str
    id: str
    columns: tuple[str, ...]
    description: str
    failing: Callable[[], Any]  # returns a polars expression, true on rows that break the rule


CUSTOM_RULES: dict[str, dict[str, CustomRule]] = {}


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
        if rule_id in {r.id for r in contract_rules(known, custom=False)}:
            raise ContractError(f"custom rule {rule_id!r}: the {contract} contract already has "
                                "a rule with that id; choose another.")
        CUSTOM_RULES.setdefault(contract, {})[rule_id] = CustomRule(
            contract, rule_id, tuple(columns), description, function)
        return function

    return register


def contract_rules(contract: Contract, *, custom: bool = True) -> list[Rule]:
    """List every check the contract makes, in the order a report shows them, followed by
    the custom rules registered for it (unless `custom` is false)."""
    rules = [Rule("columns_present", "columns_present", tuple(contract.required_columns),
                  "The file has every required column: " + ", ".join(contract.required_columns)
                  + ".")]
    for table_rule in contract.table_rules:
        if table_rule.get("rule") == "rowCount":
            rules.append(Rule(table_rule["name"], "row_count", (), table_rule.get("description",
                              "The file is not empty."),
                              {"min": int(table_rule.get("mustBeGreaterThan", 0)) + 1}))
    for item in contract.fields:
        label = item.business_name
        rules.append(Rule(f"{item.name}.type", "type", (item.name,),
                          f"{label} holds {_type_phrase(item)}.", {"physical": item.physical_type}))
        if item.required:
            rules.append(Rule(f"{item.name}.required", "not_null", (item.name,),
                              f"{label} is filled in on every row."))
        if item.unique:
            rules.append(Rule(f"{item.name}.unique", "unique", (item.name,),
                              f"{label} appears only once."))
        if item.valid_values:
            rules.append(Rule(f"{item.name}.valid_values", "valid_values", (item.name,),
                              f"{label} is one of: {', '.join(item.valid_values)}.",
                              {"values": item.valid_values}))
        if item.minimum is not None or item.maximum is not None:
            rules.append(Rule(f"{item.name}.range", "between", (item.name,),
                              f"{label} is {_range_phrase(item)}.",
                              {"min": item.minimum, "max": item.maximum}))
        if item.not_in_future:
            rules.append(Rule(f"{item.name}.not_in_future", "not_in_future", (item.name,),
                              f"{label} is not in the future."))
        if item.references:
            table, column = item.references
            rules.append(Rule(f"{item.name}.references", "references", (item.name,),
                              f"Every {label} is listed in the {table} table.",
                              {"table": table, "column": column}))
    for table_rule in contract.table_rules:
        kind = table_rule.get("rule")
        description = table_rule.get("description", table_rule["name"])
        if kind == "columnPairGreaterThan":
            rules.append(Rule(table_rule["name"], "pair_greater",
                              (table_rule["columnA"], table_rule["columnB"]), description))
        elif kind == "columnPairValues":
            pairs = tuple(tuple(p) for p in table_rule.get("allowedPairs", []))
            rules.append(Rule(table_rule["name"], "pair_values",
                              (table_rule["columnA"], table_rule["columnB"]), description,
                              {"pairs": pairs}))
        elif kind == "duplicateCount":
            rules.append(Rule(table_rule["name"], "compound_unique",
                              tuple(table_rule["columns"]), description))
    if custom:
        for extra in CUSTOM_RULES.get(contract.name, {}).values():
            rules.append(Rule(extra.id, "custom", extra.columns, extra.description,
                              {"contract": contract.name}))
    return rules


def _type_phrase(item: Field) -> str:
    return {
        "string": "text",
        "double": "numbers",
        "integer": "whole numbers",
        "boolean": "yes/no values (true/false)",
        "date": "dates (YYYY-MM-DD)",
        "timestamp": "date-times (YYYY-MM-DD HH:MM:SS, UTC)",
    }[item.physical_type]


def _range_phrase(item: Field) -> str:
    if item.minimum is not None and item.maximum is not None:
        return f"between {item.minimum} and {item.maximum}"
    if item.minimum is not None:
        return f"{'on or after' if item.logical_type == 'date' else 'at least'} {item.minimum}"
    return f"{'on or before' if item.logical_type == 'date' else 'at most'} {item.maximum}"


# --- great-expectations -------------------------------------------------------------------


_CONTEXT: list[Any] = []
_CONTEXT_LOCK = threading.Lock()


def gx_context() -> Any:
    """Return the process's ephemeral great-expectations context (progress bars, analytics off).

    great-expectations is imported here, on first use, because importing it takes seconds.
    """
    with _CONTEXT_LOCK:
        if not _CONTEXT:
            _CONTEXT.append(_new_gx_context())
    return _CONTEXT[0]


def _new_gx_context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                         metric_calculations=False)
    return context


def compile_suite(contract: Contract, *, columns: list[str] | None = None,
                  related: dict[str, list[Any]] | None = None,
                  now: dt.datetime | None = None, name: str | None = None) -> Any:
    """Compile a contract into a great-expectations 1.x `ExpectationSuite`.

    Args:
        columns: the columns the data actually has; rules on absent columns are left out
            (the `columns_present` rule reports them). Defaults to every contract column.
        related: the known values of referenced columns, e.g. {"accounts.account_id": [...]};
            reference rules without them are left out.
        now: the moment "not in the future" is measured against (default: now, UTC).

    Each expectation carries `meta={"rule_id": ...}` naming the contract rule it checks. The
    `type` rules have no expectation: type conversion happens before the data reaches
    great-expectations (see `playbooks.data.validation.conform`).
    """
    gx_context()
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd

    present = set(columns if columns is not None else contract.column_names)
    now = now or _utc_now()
    suite = gx.ExpectationSuite(name=name or f"{contract.name}-{contract.version}")
    for rule in contract_rules(contract):
        if any(c not in present for c in rule.columns) and rule.check != "columns_present":
            continue
        meta = {"rule_id": rule.id}
        column = rule.columns[0] if rule.columns else ""
        item = contract.field(column) if column else None
        expectation: Any = None
        if rule.check == "columns_present":
            expectation = gxe.ExpectTableColumnsToMatchSet(column_set=list(rule.columns),
                                                           exact_match=False, meta=meta)
        elif rule.check == "row_count":
            expectation = gxe.ExpectTableRowCountToBeBetween(min_value=rule.params["min"],
                                                             meta=meta)
        elif rule.check == "not_null":
            expectation = gxe.ExpectColumnValuesToNotBeNull(column=column, meta=meta)
        elif rule.check == "unique":
            expectation = gxe.ExpectColumnValuesToBeUnique(column=column, meta=meta)
        elif rule.check == "valid_values":
            expectation = gxe.ExpectColumnValuesToBeInSet(column=column,
                                                          value_set=list(rule.params["values"]),
                                                          meta=meta)
        elif rule.check == "between":
            low, high = rule.params["min"], rule.params["max"]
            if item is not None and item.logical_type == "date":
                low = pd.Timestamp(low) if low is not None else None
                high = pd.Timestamp(high) if high is not None else None
            expectation = gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low,
                                                            max_value=high, meta=meta)
        elif rule.check == "not_in_future":
            limit = pd.Timestamp(now.replace(tzinfo=None))
            if item is not None and item.physical_type == "date":
                limit = pd.Timestamp(now.date())
            expectation = gxe.ExpectColumnValuesToBeBetween(column=column, max_value=limit,
                                                            meta=meta)
        elif rule.check == "references":
            key = f"{rule.params['table']}.{rule.params['column']}"
            if not related or key not in related:
                continue
            expectation = gxe.ExpectColumnValuesToBeInSet(column=column,
                                                          value_set=list(related[key]), meta=meta)
        elif rule.check == "pair_greater":
            expectation = gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=rule.columns[0], column_B=rule.columns[1], or_equal=False,
                ignore_row_if="either_value_is_missing", meta=meta)
        elif rule.check == "pair_values":
            expectation = gxe.ExpectColumnPairValuesToBeInSet(
                column_A=rule.columns[0], column_B=rule.columns[1],
                value_pairs_set=[tuple(p) for p in rule.params["pairs"]],
                ignore_row_if="either_value_is_missing", meta=meta)
        elif rule.check == "compound_unique":
            expectation = gxe.ExpectCompoundColumnsToBeUnique(column_list=list(rule.columns),
                                                              meta=meta)
        if expectation is not None:
            suite.add_expectation(expectation)
    return suite


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
        lines += [f"## {contract.business_name} (`{contract.name}`)", "",
                  f"Contract `{contract.id}`, version {contract.version}. "
                  f"File in a workspace: `{contract.name}.parquet`.", "",
                  contract.description, ""]
        for label, text in (("Purpose", contract.purpose), ("Usage", contract.usage),
                            ("Limitations", contract.limitations)):
            if text:
                lines += [f"**{label}.** {text}", ""]
        lines += ["| column | required | type | description | rules |",
                  "|---|---|---|---|---|"]
        rules = contract_rules(contract)
        for item in contract.fields:
            own = [r.description for r in rules if r.columns == (item.name,)
                   and r.check not in {"type", "not_null"}]
            lines.append(f"| `{item.name}` | {'yes' if item.required else 'no'} | "
                         f"{item.physical_type} | {item.description} | "
                         f"{' '.join(own) or '-'} |")
        lines.append("")
        table_level = [r for r in rules if r.check in {"row_count", "pair_greater",
                                                       "pair_values", "compound_unique"}]
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
    return "\n".join(lines).rstrip() + "\n"
