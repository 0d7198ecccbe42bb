"""``cerebro metabase plan --offline``: the desired state written for an operator to review,
from the tenants file, the specs and ``metabase/access.yml`` alone (no Metabase, no warehouse).

Names are shown as Metabase users will read them (Spanish); the rest is English like the rest
of the command line. Passwords never appear: only the names of the variables holding them,
and whether they are set.
"""

from __future__ import annotations

from collections import Counter

from cerebro.formatting import currency_affixes, locale_for, minor_unit
from cerebro.serving.dashboards.spec import Dashboard
from cerebro.serving.metabase.access import Access
from cerebro.serving.metabase.context import ProvisioningContext, TenantContext
from cerebro.serving.metabase.layout import AGENCY, QUESTIONS, DesiredState, group_key
from cerebro.serving.metabase.periods import PeriodFilter, shown_filters
from cerebro.serving.metabase.requests import REQUESTS_DASHBOARD
from cerebro.serving.metabase.settings import MetabaseSettings, WarehouseConnection

_QUERIES = {
    "no": "saved questions only",
    "query-builder": "query builder (own questions)",
    "query-builder-and-native": "query builder and native SQL",
}


def _connection(connection: WarehouseConnection, settings: MetabaseSettings, key: str) -> str:
    set_or_not = "set" if connection.password else "NOT SET: apply will stop"
    who = connection.user
    if key != AGENCY:
        user_var = connection.password_variable.removesuffix("_PASSWORD") + "_USER"
        source = "from " + user_var if user_var in settings.tenant_logins else "default"
        who = f"{connection.user} ({source})"
    return (
        f"  connection “{connection.display_name}”: postgres://{connection.host}:"
        f"{connection.port}/{connection.database}, schema {connection.schema}, logs in as "
        f"{who}; password from {connection.password_variable} ({set_or_not})"
    )


def _filters(dashboard: Dashboard, tenant: TenantContext) -> str:
    parts = []
    for item in shown_filters(dashboard):
        if isinstance(item, PeriodFilter):
            parts.append(f"Período (default {item.default}; {len(item.choices)} choices)")
        elif item.values_sql:
            parts.append(f"{item.label} (this tenant's values, read at apply time)")
        elif item.type == "date":
            parts.append(f"{item.label} (default: the tenant's last day of data, at apply time)")
        else:
            default = tenant.default(dashboard.key, item.key)
            parts.append(item.label + (f" (default {default})" if default is not None else ""))
    return ", ".join(parts) or "none"


def _money(currency: str) -> str:
    prefix, suffix = currency_affixes(currency)
    return (
        f"money in {currency} as {prefix.strip() or suffix.strip()} with "
        f"{minor_unit(currency)} decimals, numbers in {locale_for(currency)}"
    )


def _levels(desired: DesiredState, group: str, names: dict[str, str]) -> str:
    by_level: dict[str, list[str]] = {}
    questions = 0
    for (owner, collection), level in desired.collection_permissions.items():
        if owner != group:
            continue
        if f"/{QUESTIONS}/" in collection:
            questions += 1
        elif not collection.endswith(f"/{QUESTIONS}"):
            by_level.setdefault(level, []).append(names[collection])
    parts = [f"{level} {', '.join(items)}" for level, items in sorted(by_level.items())]
    parts.append(f"the questions of {_count(questions, 'dashboard')}")
    return "; ".join(parts)


def _tenant_lines(tenant, dashboards, access: Access, desired, settings, names) -> list[str]:
    t = tenant.tenant_id
    lines = [f"Tenant {t} “{tenant.name}” ({_money(tenant.currency)})"]
    lines.append(_connection(settings.tenant_connection(t), settings, t) + "; runs no action")
    if any(d.key == REQUESTS_DASHBOARD for d in dashboards):
        for role in access.roles:
            if role.requests:
                # Decision 0075: the group's buttons run on its own login, which the warehouse
                # lets insert only these kinds.
                lines.append(
                    _connection(settings.group_connection(t, role.key), settings, t)
                    + f"; runs “{tenant.name} · {role.name}”'s requests: "
                    + ", ".join(role.requests)
                )
    lines.append(f"  collection “{tenant.name}”")
    cards = {d.key: len(d.cards) for d in dashboards}
    for area in access.areas:
        boards = ", ".join(
            f"{next(d.title for d in dashboards if d.key == key)} ({_count(cards[key], 'card')})"
            for key in area.dashboards
        )
        lines.append(f"    “{area.name}”: {boards}")
    lines.append(
        f"    “Preguntas”: {len(dashboards)} sub-collections holding "
        f"{sum(cards.values())} cards, each querying “{settings.tenant_connection(t).display_name}”"
    )
    lines.append(
        "    “Audiencias”: questions saved there that return customer ids are segments "
        '(`cerebro activate --segment "audiencia:<name or id>"`)'
    )
    lines.append("  groups")
    for role in access.roles:
        group = group_key(t, role.key)
        lines.append(
            f"    “{tenant.name} · {role.name}”: {_levels(desired, group, names)}; "
            f"connection: {_QUERIES[role.queries]}"
        )
    lines.append("  filters (no tenant filter: the connection reads this tenant only)")
    lines += [f"    {d.title}: {_filters(d, tenant)}" for d in dashboards]
    return lines


def render_offline(
    dashboards: list[Dashboard],
    portfolio: list[Dashboard],
    context: ProvisioningContext,
    access: Access,
    desired: DesiredState,
    settings: MetabaseSettings,
) -> str:
    """The desired state per tenant and for the agency, and the count of objects."""
    names = {c.key: c.name for c in desired.collections}
    lines = [
        "Metabase plan (offline: the tenants file, the specs and metabase/access.yml; no "
        "Metabase or warehouse was read; choices and data dates are filled at apply time)",
        "",
    ]
    for tenant in context.tenants:
        lines += _tenant_lines(tenant, dashboards, access, desired, settings, names)
        lines.append("")
    if portfolio:
        lines.append(f"Agency “{access.agency.name}”")
        lines.append(_connection(settings.warehouse, settings, AGENCY) + " (every tenant)")
        boards = ", ".join(f"{d.title} ({_count(len(d.cards), 'card')})" for d in portfolio)
        lines.append(f"  collection “{access.agency.name}”: {boards}, linking to each store")
        stores = access.agency.stores
        reach = "" if stores == "none" else f"; {stores} every tenant's collections"
        lines.append(
            f"  group “{access.agency.name}”: read “{access.agency.name}”{reach}; "
            "connections: saved questions only"
        )
        lines.append("")
    lines.append(
        "Every other group (All Users included) gets no access to these collections and "
        "connections; a tenant removed from the tenants file has its objects archived and its "
        "groups' access removed."
    )
    lines.append(_totals(desired, context))
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    """``1 card``, ``2 cards``: the plan is read by an operator, not parsed."""
    return f"{number} {noun if number == 1 else noun + 's'}"


def _owner(key: str) -> str:
    return key.split("/")[0]


def _totals(desired: DesiredState, context: ProvisioningContext) -> str:
    counts: Counter = Counter()
    for kind, objects in (
        ("collection", desired.collections),
        ("card", desired.cards),
        ("action", desired.actions),
        ("dashboard", desired.dashboards),
        ("group", desired.groups),
    ):
        for item in objects:
            counts[(_owner(item.key), kind)] += 1
    for database in desired.databases:
        counts[(_owner(database), "connection")] += 1
    kinds = ("collection", "card", "action", "dashboard", "group", "connection")
    owners = [*context.tenant_ids, *([AGENCY] if AGENCY in desired.databases else [])]
    rows = []
    for owner in owners:
        total = sum(counts[(owner, kind)] for kind in kinds)
        # Actions only where there are some (the agency has none).
        detail = ", ".join(
            _count(counts[(owner, kind)], kind)
            for kind in kinds
            if counts[(owner, kind)] or kind != "action"
        )
        rows.append(f"  {owner}: {total} objects ({detail})")
    return "\n".join(["Objects:", *rows])
