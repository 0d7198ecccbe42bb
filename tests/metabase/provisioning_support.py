"""Helpers shared by the provisioning tests: credentials, tenants and the apply-time context."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from types import SimpleNamespace

from cerebro.metabase.context import build_context, dashboard_tables

ADMIN_EMAIL = "admin@cerebro.test"
ADMIN_PASSWORD = "Adm1n-p@ss:/?#ñ-never-printed"
READER_PASSWORD = "r3ader-p@ss-never-printed"
TENANTS = (
    SimpleNamespace(tenant_id="casafacil_cl", currency="CLP"),
    SimpleNamespace(tenant_id="casafacil_pe", currency="PEN"),
)
#: The data's last day, as if the warehouse said so (fixed: tests must not depend on today).
LAST_DAY = dt.date(2026, 10, 31)


class NoMarts:
    """A warehouse with nothing built: the context falls back to dates ending ``today``."""

    def table_exists(self, schema: str, table: str) -> bool:
        return False


def spec_tables(dashboards) -> set[str]:
    return set().union(*(dashboard_tables(d) for d in dashboards))


def make_context(dashboards):
    """The context as `apply` would build it on a warehouse whose data ends on LAST_DAY,
    with two choices for every category filter."""
    context = build_context(dashboards, list(TENANTS), NoMarts(), today=LAST_DAY)
    return replace(
        context,
        tables=frozenset(spec_tables(dashboards)),
        notes=(),
        choices={
            d.key: {
                **context.choices[d.key],
                **{f.key: ("Google Ads", "Meta Ads") for f in d.filters if f.values_sql},
            }
            for d in dashboards
        },
    )
