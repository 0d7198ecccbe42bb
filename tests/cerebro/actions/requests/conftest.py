"""The activation tests' crafted DuckDB warehouse and tenant (a ``klaviyo`` destination)."""

from tests.cerebro.actions.activation.sync.conftest import tenant, warehouse

__all__ = ["tenant", "warehouse"]
