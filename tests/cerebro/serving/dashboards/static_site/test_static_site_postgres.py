"""The same crafted specs and tiny marts on PostgreSQL render the same pages and CSVs as on
DuckDB (PostgreSQL returns sums as Decimal and dates as dates; the pages must not notice)."""

from __future__ import annotations

import re

import pandas as pd

from cerebro.serving.dashboards.static_site import render_site
from cerebro.settings import PostgresSettings, Settings
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.dashboards.static_site.tiny_marts import fill_warehouse

_GENERATED_AT = re.compile(r"Generado por Cerebro el [^·]+·")


def _page_text(path) -> str:
    return _GENERATED_AT.sub("", path.read_text(encoding="utf-8"))


def test_postgresql_renders_the_same_pages_and_csvs_as_duckdb(
    postgres_server, tiny_warehouse, crafted_specs, tmp_path
):
    database = postgres_server.create_database("static_site")
    settings = Settings(
        data_dir=tmp_path,
        tenants_file=tmp_path / "tenants.yml",
        warehouse="postgres",
        postgres=PostgresSettings(
            host=postgres_server.host,
            port=postgres_server.port,
            user=postgres_server.user,
            database=database,
        ),
    )
    postgres = fill_warehouse(Warehouse(settings))
    duckdb_site = render_site(tiny_warehouse, tmp_path / "duckdb", dashboards=crafted_specs)
    postgres_site = render_site(postgres, tmp_path / "postgres", dashboards=crafted_specs)
    assert postgres_site.failures == [] and duckdb_site.failures == []
    assert len(postgres_site.pages) == len(duckdb_site.pages) == 7
    for page in duckdb_site.pages:
        twin = postgres_site.out_dir / page.relative_to(duckdb_site.out_dir)
        assert _page_text(twin) == _page_text(page), page.relative_to(duckdb_site.out_dir)
    for csv in duckdb_site.csv_files:
        twin = postgres_site.out_dir / csv.relative_to(duckdb_site.out_dir)
        # Downloads are written in the tenant's locale (';' in Chile): let pandas sniff it.
        read = {"sep": None, "engine": "python", "encoding": "utf-8-sig"}
        pd.testing.assert_frame_equal(
            pd.read_csv(twin, **read), pd.read_csv(csv, **read), check_dtype=False
        )
