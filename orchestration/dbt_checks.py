"""What a dbt data test checks, in one sentence: the description of its Dagster asset check.

A test's own `description:` (dbt 1.11, in its YAML) comes first; the singular tests have theirs
in `dbt_project/tests/_singular_tests.yml`. A generic test without one is described from its
arguments, one sentence per generic test below: the arguments already say what it checks, and
writing that sentence again beside each of ~250 tests would be a second copy to keep in step.
dagster-dbt itself reads only `meta.description`, so without this every check said "No
description provided".

The check's *name* cannot be set here: dagster-dbt matches a test's result to its check by the
dbt test's name, so a readable name is the test's `name:` in its YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any


def _columns(names) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _model(ref: str) -> str:
    """`ref('dim_customers')` → `dim_customers`."""
    found = re.fullmatch(r"""\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*""", ref)
    return found.group(1) if found else ref


def _values(values) -> str:
    return ", ".join(str(value) for value in values)


#: One sentence per generic test, from its arguments (`kwargs` in the manifest).
TEMPLATES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "not_null": lambda a: f"`{a['column_name']}` is never NULL.",
    "not_null_columns": lambda a: f"No NULL in {_columns(a['column_names'])}.",
    "unique": lambda a: f"No two rows share `{a['column_name']}`.",
    "unique_combination_of_columns": lambda a: (
        f"One row per {_columns(a['combination_of_columns'])}: no two rows share them."
    ),
    "accepted_values": lambda a: (
        f"`{a['column_name']}` is one of: {_values(a['values'])} (or NULL)."
    ),
    "relationships": lambda a: (
        f"Every `{a['column_name']}` is a `{a['field']}` of `{_model(a['to'])}`."
    ),
    "has_parent_in_tenant": lambda a: (
        f"Every `{a['column_name']}` is a `{a['field']}` of `{_model(a['to'])}` in the same tenant."
    ),
    "expression_is_true": lambda a: f"Every row satisfies `{' '.join(a['expression'].split())}`.",
    "columns_agree": lambda a: (
        f"`{a['actual_column']}` equals `{a['expected_column']}` on every case (NULL agrees "
        "with NULL)."
    ),
    "has_exchange_rate": lambda a: (
        f"Every row has a rate from `{a['currency_column']}` into its tenant's currency on its "
        f"day (`{a['day_column']}`): no amount is left unconverted."
    ),
    "is_normalized_place_name": lambda a: (
        f"`{a['column_name']}` is the normalized form of `{a['name_column']}` "
        "(normalize_place_name), so it matches customers' places."
    ),
}


def check_description(test: Mapping[str, Any]) -> str | None:
    """The description of a dbt test node of the manifest: its own, else the sentence of its
    generic test (with its `where` filter), else None."""
    own = (test.get("description") or "").strip()
    if own:
        return own
    metadata = test.get("test_metadata") or {}
    template = TEMPLATES.get(metadata.get("name"))
    if template is None:
        return None
    sentence = template(metadata.get("kwargs") or {})
    where = (test.get("config") or {}).get("where")
    return f"{sentence} Rows where `{where}`." if where else sentence
