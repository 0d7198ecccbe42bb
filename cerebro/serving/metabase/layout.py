"""The desired Metabase state: per tenant, a walled-off copy of every dashboard; the agency's
portfolio; the groups and the permissions that keep them apart (decision 0029).

Per tenant (keys start with the tenant id):
- a database connection ``Cerebro · <tenant_id>`` that logs in as the tenant's
  row-level-security role, which every card of the tenant queries;
- per group that asks requests (``requests:`` in access.yml), a connection
  ``Cerebro · <tenant_id> · <group>`` logging in as the group's login, and in a collection only
  that group reads, an Acciones page with the buttons of its kinds (decision 0075);
- a collection named after the tenant, holding one collection per area of
  ``metabase/access.yml`` with that area's dashboards, and "Preguntas" with one sub-collection
  of cards per dashboard;
- one group per role, ``<tenant name> · <role name>``.
Cards carry the tenant id in their SQL (a literal, not a filter: the connection reads that
tenant only anyway, and nobody has a tenant to choose), their money in the tenant's currency
and locale, their choice lists from the tenant's own rows, and a relative period in place of
two dates.

The agency (key ``agencia-cerebro``, not a possible tenant id): a collection with the portfolio
specs (``metabase/portfolio/``), whose cards read every tenant through the all-tenant reader,
and one group that reads it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from cerebro.serving.dashboards.spec import Card, Dashboard, in_tenant_words
from cerebro.serving.metabase.access import TENANT, Access
from cerebro.serving.metabase.audiences import AUDIENCES_NAME, audiences_key
from cerebro.serving.metabase.context import ProvisioningContext, TenantContext
from cerebro.serving.metabase.desired import (
    PARAMETER_TYPES,
    DesiredCard,
    DesiredCollection,
    DesiredDashboard,
    DesiredDashcard,
    dashboard_tenant_filter,
    metabase_sql,
    parameter_id,
    template_tag,
    with_marker,
)
from cerebro.serving.metabase.periods import (
    PERIOD_KEY,
    PERIOD_LABEL,
    PeriodFilter,
    period_filter,
    shown_filters,
)
from cerebro.serving.metabase.periods import with_period as _with_period
from cerebro.serving.metabase.requests import (
    REQUESTS_DASHBOARD,
    DesiredAction,
    group_database_key,
    owner_key,
    request_actions,
    request_dashcards,
    requests_model,
)
from cerebro.serving.metabase.visualization import metabase_display, visualization_settings

#: The agency's keys: a hyphen, which no tenant id has, so no tenant can take them.
AGENCY = "agencia-cerebro"
QUESTIONS = "preguntas"


@dataclass(frozen=True)
class DesiredGroup:
    key: str
    #: Groups have no description in Metabase: provisioning finds them by name.
    name: str


@dataclass(frozen=True)
class DesiredState:
    collections: tuple[DesiredCollection, ...]
    cards: tuple[DesiredCard, ...]
    dashboards: tuple[DesiredDashboard, ...]
    groups: tuple[DesiredGroup, ...] = ()
    #: (group key, database key) -> Metabase's create-queries; absent pairs are "no".
    data_permissions: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (group key, collection key) -> "read" or "write"; absent pairs are "none".
    collection_permissions: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Database keys: the tenants' ids, and AGENCY for the all-tenant reader.
    databases: tuple[str, ...] = ()
    #: Query actions on models (decision 0063), created after the cards.
    actions: tuple[DesiredAction, ...] = ()


def _literal(tenant_id: str) -> str:
    # Tenant ids are lowercase letters, digits and underscores (cerebro.tenants): no quoting.
    return f"'{tenant_id}'"


def _tenant_sql(dashboard: Dashboard, card: Card, tenant: TenantContext, period) -> str:
    tenant_filter = dashboard_tenant_filter(dashboard)
    sql = re.sub(
        r"\{\{\s*" + re.escape(tenant_filter) + r"\s*\}\}",
        _literal(tenant.tenant_id),
        metabase_sql(card, tenant_filter, tenant.country_code, tenant.currency),
    )
    return _with_period(sql, period, _literal(tenant.tenant_id)) if period else sql


def _period_tag(card_key: str, period: PeriodFilter) -> dict:
    start = dataclasses.replace(period.start, key=PERIOD_KEY, label=PERIOD_LABEL, type="category")
    return template_tag(card_key, start, True, period.default)


def _card(
    dashboard: Dashboard, card: Card, tenant: TenantContext | None, prefix: str, database: str
) -> DesiredCard:
    period = period_filter(dashboard)
    key = f"{prefix}/{dashboard.key}/{card.key}"
    sql = _tenant_sql(dashboard, card, tenant, period) if tenant else metabase_sql(card)
    bound = dataclasses.replace(card, sql=sql)
    required = set(bound.required_parameters)
    tags = {}
    for name in bound.parameters:
        if name == PERIOD_KEY and period is not None:
            tags[name] = _period_tag(key, period)
        else:
            default = tenant.default(dashboard.key, name) if tenant else None
            tags[name] = template_tag(key, dashboard.filter(name), name in required, default)
    return DesiredCard(
        key=key,
        collection=f"{prefix}/{QUESTIONS}/{dashboard.key}",
        name=card.title,
        description=with_marker(card.description, key),
        display=metabase_display(card),
        sql=sql,
        template_tags=tags,
        visualization_settings=visualization_settings(card, tenant.currency if tenant else ""),
        database=database,
    )


def _period_parameter(dashboard: Dashboard, period: PeriodFilter) -> dict:
    return {
        "id": parameter_id(dashboard.key, PERIOD_KEY),
        "name": PERIOD_LABEL,
        "slug": PERIOD_KEY,
        "type": "string/=",
        "sectionId": "string",
        "default": [period.default],
        "required": True,
        "values_query_type": "list",
        "values_source_type": "static-list",
        "values_source_config": {"values": list(period.choices)},
    }


def _parameters(dashboard: Dashboard, tenant: TenantContext | None, offline: bool) -> tuple:
    """Every filter but the tenant's; a date range as one relative period."""
    parameters = []
    for item in shown_filters(dashboard):
        if isinstance(item, PeriodFilter):
            parameters.append(_period_parameter(dashboard, item))
            continue
        kind, section = PARAMETER_TYPES[item.type]
        parameter = {
            "id": parameter_id(dashboard.key, item.key),
            "name": item.label,
            "slug": item.key,
            "type": kind,
            "sectionId": section,
        }
        default = tenant.default(dashboard.key, item.key) if tenant else item.default
        if default is not None:
            # Text and number filters hold lists of values; a single date is a plain string.
            parameter["default"] = default if item.type == "date" else [default]
        elif item.required and not offline:
            raise ValueError(f"{dashboard.key}: filter {item.key!r} is required but has no default")
        if item.required:
            parameter["required"] = True
        choices = tenant.choices_for(dashboard.key, item.key) if tenant else ()
        if choices:
            parameter.update(
                {
                    "values_query_type": "search" if item.any_value else "list",
                    "values_source_type": "static-list",
                    "values_source_config": {"values": list(choices)},
                }
            )
        parameters.append(parameter)
    return tuple(parameters)


def _dashboard(
    dashboard: Dashboard,
    cards: list[DesiredCard],
    prefix: str,
    collection: str,
    parameters: tuple,
    extra: tuple[DesiredDashcard, ...] = (),
) -> DesiredDashboard:
    by_key = {c.key: c for c in cards}
    dashcards = []
    for card in dashboard.cards:
        key = f"{prefix}/{dashboard.key}/{card.key}"
        dashcards.append(
            DesiredDashcard(
                card=key,
                row=card.layout["row"],
                col=card.layout["col"],
                size_x=card.layout["width"],
                size_y=card.layout["height"],
                mappings=tuple(
                    (parameter_id(dashboard.key, name), name) for name in by_key[key].template_tags
                ),
            )
        )
    return DesiredDashboard(
        key=f"{prefix}/{dashboard.key}",
        collection=collection,
        name=dashboard.title,
        description=with_marker(dashboard.description, f"{prefix}/{dashboard.key}"),
        position=dashboard.position,
        parameters=parameters,
        dashcards=(*dashcards, *extra),
    )


def _collection(key: str, name: str, text: str, parent: str | None = None) -> DesiredCollection:
    return DesiredCollection(key, name, with_marker(text, key), parent)


def _question_collections(owner: str, text: str, dashboards) -> list[DesiredCollection]:
    """The owner's "Preguntas" collection and one sub-collection per dashboard: a dashboard's
    cards live in its own, so a role gets the questions of exactly the dashboards it reads."""
    questions = f"{owner}/{QUESTIONS}"
    return [
        _collection(questions, "Preguntas", text, owner),
        *(
            _collection(f"{questions}/{d.key}", d.title, f"Preguntas del tablero {d.title}.",
                        questions)
            for d in dashboards
        ),
    ]  # fmt: skip


def group_key(tenant_id: str, role_key: str) -> str:
    return f"{tenant_id}/{role_key}"


def _tenant_objects(dashboards, tenant: TenantContext, access: Access, offline: bool):
    t = tenant.tenant_id
    collections = [_collection(t, tenant.name, f"Tableros de {tenant.name}, administrados como "
                                                "código; solo sus grupos los ven.")]  # fmt: skip
    collections += [
        _collection(f"{t}/{area.key}", area.name, f"{area.name} de {tenant.name}.", t)
        for area in access.areas
    ]
    collections += _question_collections(t, "Las preguntas de cada tablero.", dashboards)
    # Decision 0073: a question saved here that returns customer ids is a segment
    # (`cerebro activate --segment "audiencia:<nombre>"`).
    collections.append(
        _collection(audiences_key(t), AUDIENCES_NAME, "Preguntas que devuelven clientes "
                    "(una columna customer_id): cada una es una audiencia que se puede "
                    "sincronizar como un segmento.", t)
    )  # fmt: skip
    cards, boards, actions = [], [], []
    for dashboard in dashboards:
        dashboard = in_tenant_words(dashboard, tenant.country_code, tenant.currency)
        own = [_card(dashboard, c, tenant, t, t) for c in dashboard.cards]
        cards += own
        extra = ()
        if dashboard.key == REQUESTS_DASHBOARD:
            # The tenant's requests, read on the tenant's connection (which asks nothing), with
            # the dashboard's questions, so the roles that read the page see them; the buttons
            # are on each asking group's own page (decision 0075).
            cards.append(requests_model(t, f"{t}/{QUESTIONS}/{dashboard.key}"))
            bottom = max((c.layout["row"] + c.layout["height"] for c in dashboard.cards), default=0)
            extra = request_dashcards(t, bottom)
        area = access.area_of(dashboard.key)
        boards.append(
            _dashboard(
                dashboard, own, t, f"{t}/{area.key}", _parameters(dashboard, tenant, offline),
                extra,
            )
        )  # fmt: skip
    if any(d.key == REQUESTS_DASHBOARD for d in dashboards):
        for role in access.roles:
            if role.requests:
                group_objects = _group_requests(tenant, role.key, role.name, role.requests)
                collections.append(group_objects[0])
                cards.append(group_objects[1])
                actions.extend(group_objects[2])
                boards.append(group_objects[3])
    return collections, cards, boards, actions


def _group_requests(tenant: TenantContext, group: str, group_name: str, kinds):
    """An asking group's own Acciones page (decision 0075): a collection only that group reads
    (``<tenant>/acciones/<group>``), holding a requests model on the group's connection, which
    logs in as the group's login, the actions of the group's kinds on it, and a dashboard with
    their buttons above the requests table. The database refuses any other kind."""
    t, key = tenant.tenant_id, owner_key(tenant.tenant_id, group)
    collection = _collection(key, f"Acciones · {group_name}",
                             f"Lo que {group_name} puede pedir para {tenant.name}.", t)  # fmt: skip
    model = requests_model(t, key, group, group_database_key(t, group))
    own = request_actions(t, tenant.destinations, group=group, kinds=tuple(kinds))
    board = DesiredDashboard(
        key=key,
        collection=key,
        name=f"Acciones · {group_name}",
        description=with_marker(
            "Pedidos que este grupo puede hacer (el almacén rechaza cualquier otro) y el "
            "estado de las solicitudes de la tienda.",
            key,
        ),
        position=1,
        parameters=(),
        dashcards=request_dashcards(t, 0, own, group),
    )
    return collection, model, own, board


def _role_permissions(dashboards, tenant_id: str, access: Access, state: dict) -> None:
    for role in access.roles:
        group = group_key(tenant_id, role.key)
        state["data"][(group, tenant_id)] = role.queries
        for area_key, level in role.collections.items():
            # The tenant's top collection, its Audiencias, or an area's: keys under its own.
            key = tenant_id if area_key == TENANT else f"{tenant_id}/{area_key}"
            state["collections"][(group, key)] = level
        if role.requests and any(d.key == REQUESTS_DASHBOARD for d in dashboards):
            # The group's own Acciones page: its group alone reads it (decision 0075).
            state["collections"][(group, owner_key(tenant_id, role.key))] = "read"
        readable = access.dashboards_readable_by(role)
        if readable:
            state["collections"][(group, f"{tenant_id}/{QUESTIONS}")] = "read"
        for dashboard in dashboards:
            if dashboard.key in readable:
                state["collections"][(group, f"{tenant_id}/{QUESTIONS}/{dashboard.key}")] = "read"


def _store_links(tenants: tuple[TenantContext, ...], row: int) -> DesiredDashcard:
    links = " · ".join(f"[{t.name}](/collection/{{collection:{t.tenant_id}}})" for t in tenants)
    return DesiredDashcard(None, row=row, col=0, size_x=24, size_y=2,
                           text=f"**Abrir una tienda:** {links}")  # fmt: skip


def _agency_objects(portfolio: list[Dashboard], context: ProvisioningContext, access: Access):
    collections = [
        _collection(AGENCY, access.agency.name, "El portafolio de tiendas de la agencia."),
        *_question_collections(AGENCY, "Las preguntas del portafolio.", portfolio),
    ]
    cards, boards = [], []
    for dashboard in portfolio:
        own = [_card(dashboard, c, None, AGENCY, AGENCY) for c in dashboard.cards]
        cards += own
        bottom = max((c.layout["row"] + c.layout["height"] for c in dashboard.cards), default=0)
        links = (_store_links(context.tenants, bottom),) if access.agency.stores != "none" else ()
        boards.append(_dashboard(dashboard, own, AGENCY, AGENCY, (), links))
    return collections, cards, boards


def desired_state(
    dashboards: list[Dashboard],
    context: ProvisioningContext,
    access: Access,
    portfolio: list[Dashboard] = (),
) -> DesiredState:
    """Everything Metabase should hold for the tenants of ``context``, in creation order."""
    access.check_dashboards([d.key for d in dashboards])
    offline = not context.from_warehouse
    collections, cards, boards, groups, actions = [], [], [], [], []
    permissions: dict = {"data": {}, "collections": {}}
    for tenant in context.tenants:
        tenant_collections, tenant_cards, tenant_boards, tenant_actions = _tenant_objects(
            dashboards, tenant, access, offline
        )
        actions += tenant_actions
        collections += tenant_collections
        cards += tenant_cards
        boards += tenant_boards
        groups += [
            DesiredGroup(group_key(tenant.tenant_id, r.key), f"{tenant.name} · {r.name}")
            for r in access.roles
        ]
        _role_permissions(dashboards, tenant.tenant_id, access, permissions)
    databases = list(context.tenant_ids)
    if any(d.key == REQUESTS_DASHBOARD for d in dashboards):
        # Each asking group's connection (decision 0075); no group gets queries on it: its
        # model and actions are saved questions.
        databases += [group_database_key(t, group) for t in context.tenant_ids
                      for group in access.request_kinds()]  # fmt: skip
    if portfolio:
        agency_collections, agency_cards, agency_boards = _agency_objects(
            list(portfolio), context, access
        )
        collections += agency_collections
        cards += agency_cards
        boards += agency_boards
        groups.append(DesiredGroup(AGENCY, access.agency.name))
        databases.append(AGENCY)
        for collection in agency_collections:
            permissions["collections"][(AGENCY, collection.key)] = "read"
        if access.agency.stores != "none":
            for collection in collections:
                if collection.key.split("/")[0] in context.tenant_ids:
                    permissions["collections"][(AGENCY, collection.key)] = access.agency.stores
    return DesiredState(
        collections=tuple(collections),
        cards=tuple(cards),
        dashboards=tuple(boards),
        groups=tuple(groups),
        data_permissions=permissions["data"],
        collection_permissions=permissions["collections"],
        databases=tuple(databases),
        actions=tuple(actions),
    )
