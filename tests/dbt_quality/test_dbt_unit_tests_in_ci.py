"""The dbt unit tests, on their own: Dagster's partitioned step leaves them out (decision 0015),
so the suite runs them here, on a copy of the session's DuckDB demo (a unit test reads the
column types of its inputs from the warehouse)."""

from __future__ import annotations


def test_every_dbt_unit_test_passes_on_its_fixture_rows(warehouse_copy):
    result = warehouse_copy.dbt("test", "--select", "test_type:unit")
    results = warehouse_copy.artifact("run_results.json")["results"]
    statuses = {row["unique_id"]: row["status"] for row in results}
    declared = sorted(warehouse_copy.project.manifest_json["unit_tests"])
    assert declared, "the project declares dbt unit tests"
    assert sorted(statuses) == declared
    assert result.success, {name: status for name, status in statuses.items() if status != "pass"}
