"""Resources: Cerebro's settings, tenants and warehouse, and the dbt CLI."""

import os

import dagster as dg

from cerebro.settings import Settings, load_settings
from cerebro.tenants import Tenant, load_tenants
from cerebro.warehouse import Warehouse


class CerebroResource(dg.ConfigurableResource):
    """Where data lives and which tenants exist; defaults come from the CEREBRO_* environment."""

    data_dir: str | None = None
    tenants_file: str | None = None
    duckdb_path: str | None = None

    def settings(self) -> Settings:
        overrides = {
            "CEREBRO_DATA_DIR": self.data_dir,
            "CEREBRO_TENANTS_FILE": self.tenants_file,
            "CEREBRO_DUCKDB_PATH": self.duckdb_path,
        }
        environ = {**os.environ, **{k: v for k, v in overrides.items() if v}}
        return load_settings(environ)

    def tenants(self) -> list[Tenant]:
        return load_tenants(self.settings().tenants_file)

    def warehouse(self) -> Warehouse:
        return Warehouse(self.settings())
