"""The shapes Metabase objects are built from: markers, keys, template tags and the SQL of
a spec card as Metabase runs it. ``tenants.py`` lays them out per tenant.

Every object carries a marker in its description, ``[cerebro:key=<key>]``: provisioning finds
its objects by that key (never by name, which users may edit), so re-running updates them in
place.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from cerebro.labels import labelled_sql
from cerebro.serving.dashboards.spec import Card, Dashboard, Filter
from cerebro.serving.metabase.rate_changes import is_rate_comparison, rate_change_sql

MARKER = re.compile(r"\[cerebro:key=([A-Za-z0-9_/.-]+)\]")
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
    #: The key of the database connection the card queries (a tenant id, or the agency's).
    database: str = ""
    #: "question", or "model" for a card actions are made on (decision 0063).
    card_type: str = "question"

    def payload(self, database_id: int | None, collection_id: int | None) -> dict:
        """The body of ``POST /api/card`` and ``PUT /api/card/:id`` (legacy native format,
        which Metabase still accepts and converts)."""
        return {
            "name": self.name,
            "description": self.description,
            "display": self.display,
            "type": self.card_type,
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
    #: The card's key; None for a text dashcard.
    card: str | None
    row: int
    col: int
    size_x: int
    size_y: int
    #: (dashboard parameter id, template tag) pairs.
    mappings: tuple[tuple[str, str], ...] = ()
    #: A text dashcard's Markdown; ``{collection:<key>}`` becomes that collection's id.
    text: str | None = None
    #: An action button: the action's key (``card`` is then its model) and the button's label.
    action: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class DesiredDashboard:
    key: str
    collection: str
    name: str
    description: str
    position: int
    parameters: tuple[dict, ...]
    dashcards: tuple[DesiredDashcard, ...]


_COLLECTION_REFERENCE = re.compile(r"\{collection:([A-Za-z0-9_/.-]+)\}")


def resolve_text(text: str, collection_ids: dict[str, int]) -> str:
    """A text dashcard's Markdown with ``{collection:<key>}`` replaced by the id (``?`` for a
    collection not created yet, which no current text holds, so the dashcard is rewritten)."""
    return _COLLECTION_REFERENCE.sub(lambda m: str(collection_ids.get(m.group(1), "?")), text)


def template_tag(card_key: str, item: Filter, required: bool, default) -> dict:
    """A card's ``{{name}}`` as Metabase's template tag, with an id stable across runs."""
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


def metabase_sql(
    card: Card, tenant_filter: str = "tenant", country_code: str = "", currency: str = ""
) -> str:
    """The card's SQL as Metabase runs it: codes shown by their Spanish names
    (``cerebro.labels``, in the words of a tenant of that country and currency), a rate's
    comparison as one row with its change in percentage points (``rate_changes.py``), and no
    rows for a tenant outside the card's ``countries``. A heatmap
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
    sql = labelled_sql(sql, columns, country_code, currency)
    if is_rate_comparison(card):
        sql = rate_change_sql(card, sql)
    return _for_countries(sql, card.countries, tenant_filter)


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
