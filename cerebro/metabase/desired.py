"""The desired Metabase state, built from the dashboard specs.

Layout: one collection "Cerebro" holding the dashboards (pinned in the specs' order), and in
it a collection "Preguntas" with one sub-collection per dashboard for that dashboard's cards.
A business user opening "Cerebro" sees the dashboards and a single folder, not fifty cards;
an analyst still finds every card next to its siblings.

Every object carries a marker in its description, ``[cerebro:key=<key>]``: provisioning finds
its objects by that key (never by name, which users may edit), so re-running updates them in
place. Keys: ``<dashboard>`` for dashboards, ``<dashboard>/<card>`` for cards,
``cerebro``, ``cerebro/preguntas`` and ``cerebro/preguntas/<dashboard>`` for collections.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from cerebro.dashboards.spec import Card, Dashboard, Filter
from cerebro.labels import labelled_sql
from cerebro.metabase.context import ProvisioningContext
from cerebro.metabase.visualization import metabase_display, visualization_settings

MARKER = re.compile(r"\[cerebro:key=([A-Za-z0-9_/.-]+)\]")
ROOT = "cerebro"
QUESTIONS = "cerebro/preguntas"
#: Template tags (a card's ``{{name}}``) by filter type, and the dashboard filter types.
TAG_TYPES = {"tenant": "text", "date": "date", "category": "text", "number": "number"}
PARAMETER_TYPES = {
    "tenant": ("string/=", "string"),
    "date": ("date/single", "date"),
    "category": ("string/=", "string"),
    "number": ("number/=", "number"),
}
_TAG_NAMESPACE = uuid.UUID("6c1f0e52-0a4e-4d8e-9d8b-3c7f1b0e2a11")


def with_marker(text: str, key: str) -> str:
    """``text`` followed by the marker that identifies the object."""
    marker = f"[cerebro:key={key}]"
    return f"{text.strip()}\n\n{marker}" if text and text.strip() else marker


def marker_key(description: str | None) -> str | None:
    match = MARKER.search(description or "")
    return match.group(1) if match else None


def parameter_id(dashboard_key: str, filter_key: str) -> str:
    """A stable dashboard parameter id (Metabase's own are 8 hex characters)."""
    return hashlib.sha1(f"{dashboard_key}/{filter_key}".encode()).hexdigest()[:8]


@dataclass(frozen=True)
class DesiredCollection:
    key: str
    name: str
    description: str
    parent: str | None = None


@dataclass(frozen=True)
class DesiredCard:
    key: str
    collection: str
    name: str
    description: str
    display: str
    sql: str
    template_tags: dict
    visualization_settings: dict

    def payload(self, database_id: int | None, collection_id: int | None) -> dict:
        """The body of ``POST /api/card`` and ``PUT /api/card/:id`` (legacy native format,
        which Metabase still accepts and converts)."""
        return {
            "name": self.name,
            "description": self.description,
            "display": self.display,
            "type": "question",
            "collection_id": collection_id,
            "visualization_settings": self.visualization_settings,
            "dataset_query": {
                "type": "native",
                "database": database_id,
                "native": {"query": self.sql, "template-tags": self.template_tags},
            },
        }


@dataclass(frozen=True)
class DesiredDashcard:
    card: str
    row: int
    col: int
    size_x: int
    size_y: int
    #: (dashboard parameter id, template tag) pairs.
    mappings: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DesiredDashboard:
    key: str
    collection: str
    name: str
    description: str
    position: int
    parameters: tuple[dict, ...]
    dashcards: tuple[DesiredDashcard, ...]


@dataclass(frozen=True)
class DesiredState:
    collections: tuple[DesiredCollection, ...]
    cards: tuple[DesiredCard, ...]
    dashboards: tuple[DesiredDashboard, ...]


def _template_tag(card_key: str, item: Filter, required: bool, default) -> dict:
    tag = {
        "id": str(uuid.uuid5(_TAG_NAMESPACE, f"{card_key}/{item.key}")),
        "name": item.key,
        "display-name": item.label,
        "type": TAG_TYPES[item.type],
        "required": required,
    }
    # A required tag needs a default, so that the card also runs on its own (and in checks).
    if required and default is not None:
        tag["default"] = default
    return tag


def metabase_sql(card: Card, tenant_filter: str = "tenant") -> str:
    """The card's SQL as Metabase runs it: codes shown by their Spanish names
    (``cerebro.labels``), and no rows for a tenant outside the card's ``countries``. A heatmap
    keeps only its row, column and value columns: Metabase pivots a table into a matrix only
    when it has exactly those three."""
    sql, columns = card.sql, list(card.columns)
    cells = [card.x, card.series, card.y[0]] if card.y else []
    if card.display == "heatmap" and card.x and card.series and len(card.y) == 1:
        if columns != cells:
            # The newline before ")" keeps a trailing "-- comment" in the spec from swallowing it.
            sql = (
                f"select {card.x}, {card.series}, {card.y[0]}\nfrom (\n{sql.rstrip()}\n) as cells\n"
                "order by 1, 2"
            )
        columns = cells
    return _for_countries(labelled_sql(sql, columns), card.countries, tenant_filter)


def dashboard_tenant_filter(dashboard: Dashboard) -> str:
    """The key of the dashboard's tenant filter ("tenant" in every spec)."""
    return next((f.key for f in dashboard.filters if f.type == "tenant"), "tenant")


def _for_countries(sql: str, countries: tuple[str, ...] | None, tenant_filter: str) -> str:
    """``sql`` returning rows only for a tenant of one of ``countries`` (all when None)."""
    if countries is None:
        return sql
    listed = ", ".join(f"'{code}'" for code in countries)
    tenant = "{{" + tenant_filter + "}}"
    return (
        f"select * from (\n{sql.rstrip()}\n) as card\nwhere exists (\n"
        "    select 1 from marts.dim_tenants as tenants\n"
        f"    where tenants.tenant_id = {tenant} and tenants.country_code in ({listed})\n"
        ")"
    )


def _card(dashboard: Dashboard, card: Card, context: ProvisioningContext) -> DesiredCard:
    key = f"{dashboard.key}/{card.key}"
    required = set(card.required_parameters)
    tags = {
        name: _template_tag(
            key, dashboard.filter(name), name in required, context.default(dashboard.key, name)
        )
        for name in card.parameters
    }
    return DesiredCard(
        key=key,
        collection=f"{QUESTIONS}/{dashboard.key}",
        name=card.title,
        description=with_marker(card.description, key),
        display=metabase_display(card),
        sql=metabase_sql(card, dashboard_tenant_filter(dashboard)),
        template_tags=tags,
        visualization_settings=visualization_settings(card, context.currency),
    )


def _parameter(dashboard: Dashboard, item: Filter, context: ProvisioningContext) -> dict:
    kind, section = PARAMETER_TYPES[item.type]
    parameter = {
        "id": parameter_id(dashboard.key, item.key),
        "name": item.label,
        "slug": item.key,
        "type": kind,
        "sectionId": section,
    }
    default = context.default(dashboard.key, item.key)
    required = item.required or item.type == "tenant"
    if default is not None:
        # Text and number filters hold lists of values; a single date is a plain string.
        parameter["default"] = default if item.type == "date" else [default]
    elif required:
        raise ValueError(f"{dashboard.key}: filter {item.key!r} is required but has no default")
    if required:
        parameter["required"] = True
    choices = context.choices_for(dashboard.key, item.key)
    if choices:
        parameter.update(
            {
                "values_query_type": "search" if item.any_value else "list",
                "values_source_type": "static-list",
                "values_source_config": {"values": list(choices)},
            }
        )
    return parameter


def _dashboard(dashboard: Dashboard, context: ProvisioningContext) -> DesiredDashboard:
    dashcards = tuple(
        DesiredDashcard(
            card=f"{dashboard.key}/{card.key}",
            row=card.layout["row"],
            col=card.layout["col"],
            size_x=card.layout["width"],
            size_y=card.layout["height"],
            mappings=tuple((parameter_id(dashboard.key, name), name) for name in card.parameters),
        )
        for card in dashboard.cards
    )
    return DesiredDashboard(
        key=dashboard.key,
        collection=ROOT,
        name=dashboard.title,
        description=with_marker(dashboard.description, dashboard.key),
        position=dashboard.position,
        parameters=tuple(_parameter(dashboard, f, context) for f in dashboard.filters),
        dashcards=dashcards,
    )


def desired_state(dashboards: list[Dashboard], context: ProvisioningContext) -> DesiredState:
    """Collections, cards and dashboards for ``dashboards``, in creation order."""
    collections = [
        DesiredCollection(
            ROOT,
            "Cerebro",
            with_marker("Tableros de Cerebro, administrados como código.", ROOT),
        ),
        DesiredCollection(
            QUESTIONS,
            "Preguntas",
            with_marker("Las preguntas de cada tablero.", QUESTIONS),
            parent=ROOT,
        ),
    ]
    collections += [
        DesiredCollection(
            f"{QUESTIONS}/{d.key}",
            d.title,
            with_marker(f"Preguntas del tablero {d.title}.", f"{QUESTIONS}/{d.key}"),
            parent=QUESTIONS,
        )
        for d in dashboards
    ]
    return DesiredState(
        collections=tuple(collections),
        cards=tuple(_card(d, c, context) for d in dashboards for c in d.cards),
        dashboards=tuple(_dashboard(d, context) for d in dashboards),
    )
