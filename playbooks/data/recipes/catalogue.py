"""The shipped recipes and company recipe files: read, checked against their contract."""

from __future__ import annotations

from pathlib import Path

from playbooks.data.contracts import load_contract
from playbooks.data.recipes.schema import Recipe
from playbooks.errors import KnowledgeError
from playbooks.framework.parsing import check_unique_ids, parse_data, read_yaml

TOOLS_DIR = Path(__file__).resolve().parent / "tools"


def parse_recipe(path: Path) -> Recipe:
    """Read and check one recipe file; raise KnowledgeError naming the file and key."""
    recipe = parse_data(read_yaml(path), Recipe, path)
    check_against_contract(recipe, path)
    return recipe


def check_against_contract(recipe: Recipe, source: Path | str) -> None:
    """Refuse output columns, kinds and constants the recipe's contract does not know."""
    contract = load_contract(recipe.table)
    fields = {f.name: f for f in contract.fields}
    refs = recipe.table in ("activity", "health_snapshots")
    allowed = set(fields) | ({"account_ref"} if refs else set())
    problems = []
    for index, event in enumerate(recipe.events):
        where = f"events[{index}]"
        if event.kind is not None and event.kind not in fields["kind"].valid_values:
            problems.append(
                f"{where}.kind: unknown kind {event.kind!r}; expected one of: "
                f"{', '.join(fields['kind'].valid_values)}"
            )
        for name in event.outputs():
            if name not in allowed:
                key = "columns" if name in event.columns else "constants"
                problems.append(
                    f"{where}.{key}.{name}: not a column of the {recipe.table} "
                    f"contract; its columns are: {', '.join(allowed)}"
                )
        for name, value in event.constants.items():
            valid = fields[name].valid_values if name in fields else ()
            if valid and str(value) not in valid:
                problems.append(
                    f"{where}.constants.{name}: {value!r} is not one of: {', '.join(valid)}"
                )
        if refs and "account_id" not in event.outputs() and not recipe.refs_of(event):
            problems.append(
                f"{where}.columns: give account_id, or account_ref with account_ref_kind, "
                "or account_refs (here or for the whole recipe)"
            )
    if recipe.account_refs and not refs:
        problems.append(f"account_refs: {recipe.table} rows are accounts; they name no account")
    if problems:
        raise KnowledgeError(f"{source}: {len(problems)} problem(s)", problems=problems)


def shipped_recipes() -> dict[str, Recipe]:
    """Return the recipes shipped with the package, by id."""
    recipes = [parse_recipe(p) for p in sorted(TOOLS_DIR.glob("*.yaml"))]
    check_unique_ids(TOOLS_DIR, "recipes", recipes)
    for path, recipe in zip(sorted(TOOLS_DIR.glob("*.yaml")), recipes, strict=True):
        if path.stem != recipe.id:
            raise KnowledgeError(
                f"{path}: id: the recipe id {recipe.id!r} differs from the "
                f"file name ({path.stem}.yaml)"
            )
    return {r.id: r for r in recipes}
