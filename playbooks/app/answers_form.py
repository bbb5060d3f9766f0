"""The Your data page's answers for a file no recipe knows: fixed values, value maps, account.

The column matching says which file column feeds which of ours; a leader's export often lacks
columns that hold the same value on every row ("every row is a customer's support ticket"),
writes values its own way (`Web`, `Email`) or names accounts by an email address. This form
asks for those in plain words and returns `Answers`, which the import reads the file with, and
the name to save them under as a recipe of the workspace (so next quarter's export of the same
shape imports without them).
"""

from __future__ import annotations

import re
from functools import partial

import polars as pl
import streamlit as st

from playbooks.app.common import plain
from playbooks.data.contract_model import Field
from playbooks.data.contracts import Contract
from playbooks.data.recipes.answers import Answers

SAME = "— no fixed value —"
NO_ACCOUNT_COLUMN = "— the file has an account id column —"
REF_KINDS = {"domain": "an email address or web domain", "name": "a company name",
             "id": "an account id of your CRM", "alt_id": "another system's id for the account"}
_MAPPED_VALUES = 30  # value maps offered for columns with at most this many values in the sample


def answers_form(table: str, contract: Contract, sample: pl.DataFrame, mapping: dict[str, str],
                 key: str) -> tuple[Answers | None, str | None]:
    """Ask for fixed values, value maps and the account; return the answers and a save name.

    `mapping` is the column matching (file column -> contract column). Returns (None, None)
    when nothing beyond the matching was given, so the file is imported by its columns alone.
    """
    mapped = set(mapping.values())
    constants = _fixed_values(contract, mapped, key)
    value_maps = _value_maps(contract, sample, mapping, key)
    account = None
    if table != "accounts" and "account_id" not in mapped:
        account = _account(sample, key)
    if not (constants or value_maps or account):
        return None, None
    save = st.checkbox("Keep these answers as a recipe for the next export of this shape",
                       key=key + "save", help="Saved in the workspace: next quarter, the same "
                       "export is recognised and imported without these questions.")
    name = None
    if save:
        typed = st.text_input("Name of the recipe", key=key + "save_name",
                              value=re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_"))
        name = re.sub(r"[^a-z0-9_]+", "_", typed.strip().lower()).strip("_") or None
        if name and not name[0].isalpha():
            name = "my_" + name
    answers = Answers(table, columns=dict(mapping), constants=constants, value_maps=value_maps,
                      account=account)
    return answers, name


def _fixed_values(contract: Contract, mapped: set[str], key: str) -> dict[str, object]:
    """A fixed value for each column with a list of values that the file does not have."""
    open_fields = [f for f in contract.fields if f.valid_values and f.name not in mapped]
    open_fields += [f for f in contract.fields if f.physical_type == "boolean"
                    and f.name not in mapped and not f.valid_values]
    if not open_fields:
        return {}
    st.markdown("**The same for every row of this file** (for what your file does not say)")
    chosen: dict[str, object] = {}
    grid = st.columns(3)
    for index, item in enumerate(open_fields):
        options = [SAME, *_values(item)]
        picked = grid[index % 3].selectbox(
            item.business_name, options, key=f"{key}fixed_{item.name}", help=item.description,
            format_func=partial(_label, item))
        if picked != SAME:
            chosen[item.name] = picked == "yes" if item.physical_type == "boolean" else picked
    return chosen


def _value_maps(contract: Contract, sample: pl.DataFrame, mapping: dict[str, str],
                key: str) -> dict[str, dict[str, str]]:
    """For a file column feeding a column with a list of values: each file value -> ours."""
    maps: dict[str, dict[str, str]] = {}
    fields = {f.name: f for f in contract.fields}
    for column, target in mapping.items():
        item = fields.get(target)
        if item is None or not item.valid_values or column not in sample.columns:
            continue
        values = sorted({str(v).strip() for v in sample.get_column(column).drop_nulls()} - {""})
        if not values or len(values) > _MAPPED_VALUES or set(values) <= set(item.valid_values):
            continue
        st.markdown(f"**Your values of {plain(column)} as {item.business_name}**")
        grid = st.columns(3)
        chosen: dict[str, str] = {}
        for index, value in enumerate(values):
            options = list(item.valid_values)
            guess = next((i for i, o in enumerate(options)
                          if o.replace("_", " ") == value.lower()), 0)
            picked = grid[index % 3].selectbox(
                value, options, index=guess,
                key=f"{key}value_{column}_{index}", format_func=partial(_label, item))
            chosen[value] = picked
        maps[column] = chosen
    return maps


def _account(sample: pl.DataFrame, key: str) -> tuple[str, str] | None:
    """Which file column names the account, and what it holds."""
    st.markdown("**How the rows name their account**")
    left, right = st.columns(2)
    column = left.selectbox("The column", [NO_ACCOUNT_COLUMN, *sample.columns],
                            key=key + "account_column")
    kind = right.selectbox("What it holds", list(REF_KINDS), format_func=_ref_label,
                           key=key + "account_kind")
    if column == NO_ACCOUNT_COLUMN:
        return None
    return str(kind), str(column)


def _values(item: Field) -> list[str]:
    return ["yes", "no"] if item.physical_type == "boolean" else list(item.valid_values)


def _ref_label(kind: object) -> str:
    return REF_KINDS[str(kind)]


def _label(item: Field, value: object) -> str:
    value = str(value)
    if value == SAME:
        return value
    described = item.value_descriptions.get(value)
    text = value.replace("_", " ")
    return f"{text}: {described}" if described else text
