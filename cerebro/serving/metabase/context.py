"""What the specs leave to apply time, per tenant: currency and country, the defaults of
single-date filters (the tenant's last day of data) and the choices of category filters (the
tenant's own values, never the union of all tenants).

Date ranges become relative periods computed by the cards' SQL (``periods.py``); a single date
is stored by Metabase as a value, not a rule, so it is computed each time provisioning runs
(the Dagster asset re-applies after every platform run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import re
from dataclasses import dataclass, field

from cerebro.serving.dashboards.spec import Dashboard, filter_values, resolve_filter_values

_PARAMETER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_MARTS_TABLE = re.compile(r"\bmarts\.([a-z_][a-z0-9_]*)", re.IGNORECASE)
#: The table whose last day of orders ends the default period (as in the KPI commands).
PERIOD_TABLE = ("marts", "mart_orders_daily")


@dataclass(frozen=True)
class TenantContext:
    """One tenant's apply-time values: currency and country (formats, cards by country),
    filter defaults and category choices read from that tenant's rows only, per dashboard and
    filter key."""

    tenant_id: str
    name: str
    currency: str
    country_code: str = ""
    defaults: dict[str, dict[str, object]] = field(default_factory=dict)
    choices: dict[str, dict[str, tuple]] = field(default_factory=dict)
    #: The destinations of the tenants file (the sync forms' choices).
    destinations: tuple[str, ...] = ()

    def default(self, dashboard_key: str, filter_key: str):
        return self.defaults.get(dashboard_key, {}).get(filter_key)

    def choices_for(self, dashboard_key: str, filter_key: str) -> tuple:
        return self.choices.get(dashboard_key, {}).get(filter_key, ())


@dataclass(frozen=True)
class ProvisioningContext:
    """Apply-time values per tenant (in the tenants file's order)."""

    tenants: tuple[TenantContext, ...]
    #: Marts the specs read that exist in the warehouse (Metabase should have synced them).
    tables: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    #: False for ``plan --offline``: no warehouse was read, so defaults that come from the data
    #: (a single date's last day) and the choices of category filters are left to apply time.
    from_warehouse: bool = True

    @property
    def tenant_ids(self) -> tuple[str, ...]:
        return tuple(t.tenant_id for t in self.tenants)


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


def _choices(sql: str, warehouse, tenant_id: str) -> tuple | None:
    """A filter's ``values_sql`` (first column) for one tenant, sorted; None when a table it
    reads is not built yet."""
    if not all(warehouse.table_exists("marts", table) for table in marts_tables(sql)):
        return None
    text = _PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))
    frame = warehouse.query(text, {"tenant": tenant_id})
    return _sorted_choices({_plain(v) for v in frame.iloc[:, 0].dropna()})


def _tenant_context(dashboards, tenant, warehouse, built: bool, today: dt.date, notes: list):
    defaults, choices = {}, {}
    for dashboard in dashboards:
        values = (
            filter_values(dashboard, warehouse, tenant.tenant_id)
            if built
            else values_without_data(dashboard, tenant.tenant_id, today)
        )
        defaults[dashboard.key] = {key: _as_text(value) for key, value in values.items()}
        choices[dashboard.key] = {}
        for item in dashboard.filters:
            if not (item.values_sql and built):
                continue
            found = _choices(item.values_sql, warehouse, tenant.tenant_id)
            if found is None:
                note = f"{dashboard.key}/{item.key}: its choices read marts not built yet"
                if note not in notes:
                    notes.append(note)
            else:
                choices[dashboard.key][item.key] = found
    return TenantContext(
        tenant_id=tenant.tenant_id,
        name=tenant.name,
        currency=tenant.currency,
        country_code=getattr(tenant, "country_code", ""),
        defaults=defaults,
        choices=choices,
        destinations=_destinations(tenant),
    )


def _destinations(tenant) -> tuple[str, ...]:
    return tuple(sorted(getattr(tenant, "destinations", None) or {}))


def build_context(
    dashboards: list[Dashboard], tenants, warehouse, *, today: dt.date | None = None
) -> ProvisioningContext:
    """The context from the tenants file and the warehouse: each tenant's dates end on its own
    last day of data and its choices are its own values (when the marts are not built yet the
    period ends today and category filters are free text)."""
    if not tenants:
        raise ValueError("no tenants configured: add one to the tenants file")
    built = warehouse.table_exists(*PERIOD_TABLE)
    notes = [] if built else [
        "the warehouse has no marts yet: date defaults end today, category filters are free "
        "text; apply again after the platform has run",
    ]  # fmt: skip
    contexts = tuple(
        _tenant_context(dashboards, t, warehouse, built, today or dt.date.today(), notes)
        for t in tenants
    )
    read = set().union(*(dashboard_tables(d) for d in dashboards))
    return ProvisioningContext(
        tenants=contexts,
        tables=frozenset(t for t in read if built and warehouse.table_exists("marts", t)),
        notes=tuple(notes),
    )


def offline_context(dashboards: list[Dashboard], tenants) -> ProvisioningContext:
    """The context without a warehouse (``plan --offline``): the specs' own defaults, no
    date read from the data and no choices (both filled at apply time)."""
    if not tenants:
        raise ValueError("no tenants configured: add one to the tenants file")
    contexts = []
    for tenant in tenants:
        defaults = {
            d.key: {
                f.key: f.default
                for f in d.filters
                if f.default is not None and f.default not in ("period_start", "period_end")
            }
            for d in dashboards
        }
        contexts.append(
            TenantContext(
                tenant.tenant_id,
                tenant.name,
                tenant.currency,
                getattr(tenant, "country_code", ""),
                defaults=defaults,
                destinations=_destinations(tenant),
            )
        )
    return ProvisioningContext(tenants=tuple(contexts), from_warehouse=False)


def read_context(dashboards: list[Dashboard], tenants, warehouse) -> ProvisioningContext:
    """:func:`build_context` on one warehouse connection for all its queries (none when an
    embedded warehouse is not built yet: there is no file to open, and no data to read)."""
    built = warehouse.engine == "postgres" or warehouse.settings.duckdb_path.exists()
    with warehouse.reading() if built else contextlib.nullcontext():
        return build_context(dashboards, tenants, warehouse)
