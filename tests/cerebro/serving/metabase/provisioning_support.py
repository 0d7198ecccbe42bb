"""Helpers shared by the provisioning tests: credentials, tenants and the apply-time context."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from types import SimpleNamespace

from cerebro.serving.metabase.access import load_access
from cerebro.serving.metabase.context import build_context, dashboard_tables

ADMIN_EMAIL = "admin@cerebro.test"
ADMIN_PASSWORD = "Adm1n-p@ss:/?#ñ-never-printed"
READER_PASSWORD = "r3ader-p@ss-never-printed"
TENANTS = (
    SimpleNamespace(tenant_id="casafacil_cl", name="CasaFácil Chile", currency="CLP",
                    country_code="CL", destinations={"klaviyo": None, "whatsapp": None}),
    SimpleNamespace(tenant_id="casafacil_pe", name="CasaFácil Perú", currency="PEN",
                    country_code="PE", destinations={}),
)  # fmt: skip
#: The shipped tenants file's tenants (what the command line and the asset provision): the two
#: above and the demo's store on WooCommerce.
SHIPPED_TENANTS = (
    *TENANTS,
    SimpleNamespace(tenant_id="hogarlisto_cl", name="Hogar Listo", currency="CLP",
                    country_code="CL", destinations={}),
)  # fmt: skip
#: Each tenant role's password, as METABASE_TENANT_<ID>_PASSWORD holds it.
TENANT_PASSWORDS = {t.tenant_id: f"t3nant-{t.tenant_id}-never-printed" for t in SHIPPED_TENANTS}
#: The groups of metabase/access.yml that ask requests: each logs in as its own login per
#: tenant, ``<tenant>_<group>`` (decision 0075), with METABASE_TENANT_<ID>_<GROUP>_PASSWORD.
ASKING_GROUPS = tuple(load_access().request_kinds())
GROUP_PASSWORDS = {
    f"{t.tenant_id}_{group}": f"gr0up-{t.tenant_id}-{group}-never-printed"
    for t in SHIPPED_TENANTS
    for group in ASKING_GROUPS
}
#: The data's last day, as if the warehouse said so (fixed: tests must not depend on today).
LAST_DAY = dt.date(2026, 10, 31)


class NoMarts:
    """A warehouse with nothing built: the context falls back to dates ending ``today``."""

    def table_exists(self, schema: str, table: str) -> bool:
        return False


def spec_tables(dashboards) -> set[str]:
    return set().union(*(dashboard_tables(d) for d in dashboards))


#: Each tenant's channels, as its own rows would give them (Peru has no TikTok).
CHANNELS = {"casafacil_cl": ("Google Ads", "Meta Ads", "TikTok Ads"),
            "casafacil_pe": ("Google Ads", "Meta Ads"),
            "hogarlisto_cl": ("Google Ads", "Meta Ads", "TikTok Ads")}  # fmt: skip


#: The warehouse as the compose stack's Metabase reaches it, as settings give it...
WAREHOUSE_ENVIRONMENT = {
    "METABASE_WAREHOUSE_HOST": "postgres",
    "METABASE_WAREHOUSE_PORT": "5432",
    "METABASE_WAREHOUSE_DATABASE": "cerebro",
}


def tenant_role(tenant_id: str) -> str:
    """The tenant's role, as METABASE_TENANT_<ID>_USER names it."""
    return f"{tenant_id}_metabase"


#: ...and as the fake Metabase can reach it: that host and database, and the roles
#: provisioning logs in as (the all-tenant reader and each tenant's role) with their passwords.
WAREHOUSE = {
    "hosts": {"postgres": 5432},
    "databases": {"cerebro"},
    "roles": {
        "metabase_reader": READER_PASSWORD,
        **{tenant_role(t.tenant_id): TENANT_PASSWORDS[t.tenant_id] for t in SHIPPED_TENANTS},
        **GROUP_PASSWORDS,
    },
}


def tenant_logins(tenants=SHIPPED_TENANTS) -> dict[str, str]:
    """METABASE_TENANT_<ID>_USER and _PASSWORD for ``tenants``."""
    logins = {}
    for tenant in tenants:
        stem = f"METABASE_TENANT_{tenant.tenant_id.upper()}"
        logins[f"{stem}_USER"] = tenant_role(tenant.tenant_id)
        logins[f"{stem}_PASSWORD"] = TENANT_PASSWORDS[tenant.tenant_id]
        for group in ASKING_GROUPS:
            password = GROUP_PASSWORDS[f"{tenant.tenant_id}_{group}"]
            logins[f"{stem}_{group.upper()}_PASSWORD"] = password
    return logins


def make_context(dashboards, tenants=TENANTS):
    """The context as `apply` would build it on a warehouse whose data ends on LAST_DAY,
    with each tenant's own choices for every category filter."""
    context = build_context(dashboards, list(tenants), NoMarts(), today=LAST_DAY)
    return replace(
        context,
        tables=frozenset(spec_tables(dashboards)),
        notes=(),
        tenants=tuple(
            replace(
                tenant,
                choices={
                    d.key: {f.key: CHANNELS[tenant.tenant_id] for f in d.filters if f.values_sql}
                    for d in dashboards
                },
            )
            for tenant in context.tenants
        ),
    )
