"""Every mart column declared in YAML has a `data_type`, and it is the type the demo built.

The catalogs (dbt docs, Dagster's column table) show the declared type. A mart is built on
DuckDB and on PostgreSQL, whose names for one type differ (VARCHAR / text, HUGEINT / numeric
for a sum of integers), so a declared type names the family both agree on, in words both
accept: text, integer (any width), numeric (exact decimal), double precision, boolean, date,
timestamp. The declared types are documentation, not dbt contracts: a contract compares the
adapter's exact type, and holding both warehouses to one would mean a cast on every column.
"""

from __future__ import annotations

import re

import duckdb

#: DuckDB's type of a built column → the declared family.
DUCKDB_FAMILIES = {
    "VARCHAR": "text",
    "TINYINT": "integer",
    "SMALLINT": "integer",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}


def _family(duckdb_type: str) -> str:
    if re.fullmatch(r"DECIMAL\(\d+,\d+\)", duckdb_type):
        return "numeric"
    return DUCKDB_FAMILIES.get(duckdb_type, duckdb_type)


def _declared_mart_columns(project) -> dict[tuple[str, str], str | None]:
    return {
        (node["name"], column["name"]): column.get("data_type")
        for node in project.nodes.values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
        for column in node["columns"].values()
    }


def _table_function_columns(project, connection) -> dict[tuple[str, str], str]:
    """The result columns of the marts built as table functions (mart_rfm_customers_as_of),
    which information_schema does not list: called with NULL arguments of their types."""
    columns = {}
    for node in project.nodes.values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "table_function":
            continue
        nulls = ", ".join(
            f"cast(null as {parameter.split()[1]})" for parameter in node["config"]["parameters"]
        )
        described = connection.execute(f"describe select * from marts.{node['name']}({nulls})")
        for column, data_type, *_ in described.fetchall():
            columns[(node["name"], column)] = _family(data_type)
    return columns


def test_every_declared_mart_column_has_a_data_type(dbt_project_parsed):
    declared = _declared_mart_columns(dbt_project_parsed)
    assert len(declared) > 250
    assert sorted(key for key, data_type in declared.items() if not data_type) == []


def test_declared_types_are_the_types_the_demo_built(dbt_project_parsed, demo_duckdb):
    with duckdb.connect(str(demo_duckdb.settings.duckdb_path), read_only=True) as connection:
        built = {
            (table, column): _family(data_type)
            for table, column, data_type in connection.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = 'marts'"
            ).fetchall()
        }
        built.update(_table_function_columns(dbt_project_parsed, connection))
    declared = _declared_mart_columns(dbt_project_parsed)
    differences = {
        f"{table}.{column}": (data_type, built.get((table, column), "not built"))
        for (table, column), data_type in declared.items()
        if built.get((table, column), "not built") != data_type
    }
    assert differences == {}
