"""Read one ODCS v3 contract file into a `Contract`, refusing anything it does not know.

Errors name the file and the key that is wrong. The quality rules a property may carry are
read by the check unit implementing them (`playbooks.data.checks`), and once the file is
read the units derive the contract's rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from playbooks.data.checks import derive_rules, odcs_rules, unit_for_odcs
from playbooks.data.contract_model import Contract, ContractError, Field
from playbooks.userfiles.limits import KNOWLEDGE, read_user_text
from playbooks.userfiles.structured import load_user_yaml

LOGICAL_TYPES = {"string", "date", "number", "integer", "boolean"}
PHYSICAL_TYPES = {"string", "double", "integer", "boolean", "date", "timestamp"}
LIBRARY_RULES = odcs_rules()  # property level: validValues, referencesExist, notInFuture
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


def parse_contract(path: Path) -> Contract:
    """Parse and check one contract file; errors name the file and the key that is wrong."""
    where = path.name
    raw = _read_top(path)
    obj = raw["schema"][0]
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
    table_rules = [_parse_table_rule(rule, f"{where}: schema[0].quality[{index}]", seen)
                   for index, rule in enumerate(obj.get("quality") or [])]
    contract = Contract(
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
    return dataclasses.replace(contract, own_rules=tuple(derive_rules(contract)))


def _read_top(path: Path) -> dict[str, Any]:
    """Read the file and check its header and the one table object it describes."""
    where = path.name
    text = read_user_text(path, KNOWLEDGE, ContractError)  # a size cap; aliases refused
    raw = load_user_yaml(text, f"{where}: not readable as YAML", ContractError)
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
    return raw


def _parse_table_rule(rule: Any, key: str, columns: set[str]) -> dict[str, Any]:
    _check_quality(rule, key)
    for column_key in ("columnA", "columnB"):
        if column_key in rule and rule[column_key] not in columns:
            raise ContractError(f"{key}.{column_key}: '{rule[column_key]}' is not a property.")
    for column in rule.get("columns", []):
        if column not in columns:
            raise ContractError(f"{key}.columns: '{column}' is not a property.")
    return dict(rule)


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
    logical, physical = _types(prop, key)
    if not prop.get("description"):
        raise ContractError(f"{key}.description: every property needs a description for "
                            "business readers.")
    custom = _custom_properties(prop, key)
    checked = _property_quality(prop, key)
    valid_values = checked.get("valid_values", ())
    descriptions = _value_descriptions(custom.get("valueDescriptions") or {}, valid_values, key)
    options = prop.get("logicalTypeOptions") or {}
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
        value_descriptions=descriptions,
        **checked,
    )


def _types(prop: dict[str, Any], key: str) -> tuple[str, str]:
    logical = prop.get("logicalType")
    if logical not in LOGICAL_TYPES:
        raise ContractError(f"{key}.logicalType: '{logical}' is not one of "
                            f"{', '.join(sorted(LOGICAL_TYPES))}.")
    physical = prop.get("physicalType", {"number": "double"}.get(logical, logical))
    if physical not in PHYSICAL_TYPES:
        raise ContractError(f"{key}.physicalType: '{physical}' is not one of "
                            f"{', '.join(sorted(PHYSICAL_TYPES))}.")
    return logical, physical


def _custom_properties(prop: dict[str, Any], key: str) -> dict[str, Any]:
    custom = {}
    for index, item in enumerate(prop.get("customProperties") or []):
        if not isinstance(item, dict) or "property" not in item or "value" not in item:
            raise ContractError(f"{key}.customProperties[{index}]: needs 'property' and 'value'.")
        custom[item["property"]] = item["value"]
    return custom


def _property_quality(prop: dict[str, Any], key: str) -> dict[str, Any]:
    """Check a property's quality rules; return the Field values their check units read."""
    checked: dict[str, Any] = {}
    for index, rule in enumerate(prop.get("quality") or []):
        rule_key = f"{key}.quality[{index}]"
        _check_quality(rule, rule_key)
        unit = unit_for_odcs(rule.get("rule"))
        if unit is not None:
            checked.update(unit.read_quality(rule, rule_key))
    return checked


def _value_descriptions(descriptions: Any, valid_values: tuple[str, ...],
                        key: str) -> dict[str, str]:
    if not descriptions:
        return {}
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
    return {str(k): _text(v) for k, v in descriptions.items()}


def _as_date(value: Any, key: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ContractError(f"{key}: '{value}' is not a date like 2000-01-01.") from error
