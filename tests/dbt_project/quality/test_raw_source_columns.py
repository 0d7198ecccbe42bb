"""The Singer-landed sources declare their raw tables' columns, so that a warehouse where no
tenant lands a source reads its tables empty (macro not_quarantined) instead of failing the
build. The oracle is the real target: every stream of the raw contract
(taps/cerebro_raw_contract) is landed empty by target-cerebro-duckdb, as `cerebro run` lands
it (with the SDK's `_sdc_` columns), and each table's columns and DuckDB types must be those
its source yml declares, in the portable names the yml uses (macro declared_type spells them
for Spark; DuckDB and PostgreSQL read them as written). A column added to a contract schema
and not to the yml fails here."""

from __future__ import annotations

import duckdb
import pytest
from cerebro_raw_contract import STREAMS

from cerebro.tenants import Tenant, tenants_frame
from tests.dbt_project.marts.crafted_dbt import land_empty_streams, warehouse_environ

#: The DuckDB type target-cerebro-duckdb gives a column (connector.JSONSchemaToDuckDB) -> the
#: data_type the yml declares for it.
DECLARED_AS = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "DECIMAL(38,9)": "numeric",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "BOOLEAN": "boolean",
}


@pytest.fixture(scope="module")
def landed_columns(request, tmp_path_factory) -> dict[str, dict[str, str]]:
    """`<source>.<stream>` -> {column: declared type} of every contract stream, as landed."""
    directory = tmp_path_factory.mktemp("raw_source_columns")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory)
    with duckdb.connect(environ["CEREBRO_DUCKDB_PATH"], read_only=True) as connection:
        rows = connection.execute(
            "select table_schema, table_name, column_name, data_type"
            " from information_schema.columns where table_schema like 'raw_%'"
            " order by table_schema, table_name, ordinal_position"
        ).fetchall()
    landed: dict[str, dict[str, str]] = {}
    for schema, table, column, data_type in rows:
        table_columns = landed.setdefault(f"{schema.removeprefix('raw_')}.{table}", {})
        table_columns[column] = DECLARED_AS.get(data_type, f"unmapped {data_type}")
    return landed


def _singer_tables(manifest: dict) -> dict[str, dict]:
    return {
        f"{node['source_name']}.{node['name']}": node
        for node in manifest["sources"].values()
        if node["config"].get("meta", {}).get("landed_by") == "singer"
    }


def _declared(node: dict) -> dict[str, str | None]:
    return {column["name"]: column.get("data_type") for column in node["columns"].values()}


def test_the_singer_sources_are_the_contract_streams(dbt_project_parsed, landed_columns):
    contract = {f"{stream.source}.{stream.name}" for stream in STREAMS}
    assert set(landed_columns) == contract
    assert set(_singer_tables(dbt_project_parsed.manifest_json)) == contract


def test_each_singer_table_declares_the_columns_and_types_the_target_lands(
    dbt_project_parsed, landed_columns
):
    tables = _singer_tables(dbt_project_parsed.manifest_json)
    differences = {}
    for name, node in sorted(tables.items()):
        declared, landed = _declared(node), landed_columns.get(name, {})
        if declared != landed:
            differences[name] = {
                column: (declared.get(column), landed.get(column))
                for column in declared.keys() | landed.keys()
                if declared.get(column) != landed.get(column)
            }
    # (declared, landed) per column that differs; None where one side has no such column.
    assert differences == {}


def test_the_tenants_table_declares_the_columns_cerebro_writes(dbt_project_parsed):
    (node,) = (
        node
        for node in dbt_project_parsed.manifest_json["sources"].values()
        if (node["source_name"], node["name"]) == ("cerebro_config", "tenants")
    )
    written = tenants_frame([Tenant("t", "Tienda", "America/Santiago", "CLP", "CL", sources={})])
    assert _declared(node) == dict.fromkeys(written.columns, "text")
