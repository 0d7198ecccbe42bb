"""Every dbt data test has a name a person can read and a sentence saying what it checks.

dbt names an unnamed generic test after its arguments (`accepted_values_<model>_<column>__<each
value>`): long, with "SEO / Orgánico" mangled to "SEO_Org_nico", and, past 63 characters, a
hash in its compiled name. That name is the Dagster check's (dagster-dbt matches results by
it), so every test whose arguments go beyond one column is named in its YAML.
"""

from __future__ import annotations

import re
from collections import Counter

from dbt.parser.generic_test_builders import synthesize_generic_test_names

from orchestration.dbt_checks import check_description


def _tests(project) -> list[dict]:
    return [node for node in project.nodes.values() if node["resource_type"] == "test"]


def _named_after_its_arguments(test: dict) -> bool:
    metadata = test.get("test_metadata")
    if not metadata:
        return False  # singular: named after its file
    arguments = {k: v for k, v in metadata["kwargs"].items() if k != "model"}
    model = test["attached_node"].split(".")[-1]
    _, generated = synthesize_generic_test_names(metadata["name"], model, arguments)
    return test["name"] == generated and set(arguments) - {"column_name"} != set()


def test_no_test_keeps_a_name_dbt_made_from_its_arguments(dbt_project_parsed):
    generated = [t["name"] for t in _tests(dbt_project_parsed) if _named_after_its_arguments(t)]
    assert generated == []


def test_names_are_plain_short_and_unique_in_the_project(dbt_project_parsed):
    """Unique because dbt names a test's compiled file and its stored failures after it; at
    most 63 characters, PostgreSQL's limit for that table's name."""
    names = [t["name"] for t in _tests(dbt_project_parsed)]
    assert [n for n in names if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", n)] == []
    assert [n for n, count in Counter(names).items() if count > 1] == []


def test_every_test_is_described(dbt_project_parsed):
    assert [t["name"] for t in _tests(dbt_project_parsed) if not check_description(t)] == []
