"""What the specs leave to apply time: the tenants to choose from, the currency, the date
defaults (the default tenant's last 30 days of data) and the choices of category filters.

Metabase stores a filter's default as a value, not a rule, so the dates are computed each
time provisioning runs; the Dagster asset re-applies after every platform run, which keeps
them on the newest data (the change shows as an update of the dashboards and their cards).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import re
from dataclasses import dataclass, field

from cerebro.dashboards.spec import Dashboard, filter_values, resolve_filter_values

_PARAMETER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_MARTS_TABLE = re.compile(r"\bmarts\.([a-z_][a-z0-9_]*)", re.IGNORECASE)
#: The table whose last day of orders ends the default period (as in the KPI commands).
PERIOD_TABLE = ("marts", "mart_orders_daily")


@dataclass(frozen=True)
class ProvisioningContext:
    """Apply-time values: tenants (the first is the default), currency, filter defaults and
    category choices, per dashboard and filter key."""

    tenants: tuple[str, ...]
    currency: str
    #: Marts the specs read that exist in the warehouse (Metabase should have synced them).
    tables: frozenset[str] = frozenset()
    defaults: dict[str, dict[str, object]] = field(default_factory=dict)
    choices: dict[str, dict[str, tuple]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def default_tenant(self) -> str:
        return self.tenants[0]

    def default(self, dashboard_key: str, filter_key: str):
        return self.defaults.get(dashboard_key, {}).get(filter_key)

    def choices_for(self, dashboard_key: str, filter_key: str) -> tuple:
        return self.choices.get(dashboard_key, {}).get(filter_key, ())


def _as_text(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def values_without_data(dashboard: Dashboard, tenant_id: str, end: dt.date) -> dict:
    """Filter values when the warehouse has no marts yet: the spec's rules with a period
    ending on ``end`` (``filter_values`` needs the marts to find the last day)."""
    return resolve_filter_values(dashboard, tenant_id, end)


def marts_tables(sql: str) -> set[str]:
    """The ``marts.<table>`` names a query reads."""
    return {name.lower() for name in _MARTS_TABLE.findall(sql)}


def dashboard_tables(dashboard: Dashboard) -> set[str]:
    """Every mart a dashboard's cards and filter choices read."""
    queries = [card.sql for card in dashboard.cards]
    queries += [item.values_sql for item in dashboard.filters if item.values_sql]
    return set().union(*(marts_tables(sql) for sql in queries))


def _plain(value):
    """A driver's value as a JSON-friendly Python value (numpy scalars, decimals → numbers)."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value.item() if hasattr(value, "item") else value


def _sorted_choices(values: set) -> tuple:
    """Numbers in numeric order (a number filter's list holds numbers), else texts."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return tuple(sorted(values))
    return tuple(sorted(str(v) for v in values))


def _choices(sql: str, warehouse, tenants: tuple[str, ...]) -> tuple | None:
    """The union over tenants of a filter's ``values_sql`` (first column), sorted; None when
    a table it reads is not built yet."""
    if not all(warehouse.table_exists("marts", table) for table in marts_tables(sql)):
        return None
    text = _PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))
    found: set = set()
    for tenant_id in tenants:
        frame = warehouse.query(text, {"tenant": tenant_id})
        found.update(_plain(v) for v in frame.iloc[:, 0].dropna())
    return _sorted_choices(found)


def build_context(
    dashboards: list[Dashboard], tenants, warehouse, *, today: dt.date | None = None
) -> ProvisioningContext:
    """The context from the tenants file (order: the first tenant is the default) and the
    warehouse (dates and choices; when the marts are not built yet the period ends today and
    category filters are free text)."""
    if not tenants:
        raise ValueError("no tenants configured: the tenant filter needs at least one")
    tenant_ids = tuple(t.tenant_id for t in tenants)
    built = warehouse.table_exists(*PERIOD_TABLE)
    notes = () if built else (
        "the warehouse has no marts yet: date defaults end today, category filters are free "
        "text; apply again after the platform has run",
    )  # fmt: skip
    defaults, choices = {}, {}
    for dashboard in dashboards:
        values = (
            filter_values(dashboard, warehouse, tenant_ids[0])
            if built
            else values_without_data(dashboard, tenant_ids[0], today or dt.date.today())
        )
        defaults[dashboard.key] = {key: _as_text(value) for key, value in values.items()}
        choices[dashboard.key] = {
            f.key: tenant_ids for f in dashboard.filters if f.type == "tenant"
        }
        for item in dashboard.filters:
            if not (item.values_sql and built):
                continue
            found = _choices(item.values_sql, warehouse, tenant_ids)
            if found is None:
                notes += (f"{dashboard.key}/{item.key}: its choices read marts not built yet",)
            else:
                choices[dashboard.key][item.key] = found
    read = set().union(*(dashboard_tables(d) for d in dashboards))
    return ProvisioningContext(
        tenants=tenant_ids,
        currency=tenants[0].currency,
        tables=frozenset(t for t in read if built and warehouse.table_exists("marts", t)),
        defaults=defaults,
        choices=choices,
        notes=notes,
    )


def read_context(dashboards: list[Dashboard], tenants, warehouse) -> ProvisioningContext:
    """:func:`build_context` on one warehouse connection for all its queries (none when an
    embedded warehouse is not built yet: there is no file to open, and no data to read)."""
    built = warehouse.kind == "postgres" or warehouse.settings.duckdb_path.exists()
    with warehouse.reading() if built else contextlib.nullcontext():
        return build_context(dashboards, tenants, warehouse)
