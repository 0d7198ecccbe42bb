"""What Metabase holds now: the objects carrying a Cerebro marker, and their normal form.

Metabase answers in more than one shape. Since v0.57 a card's ``dataset_query`` comes back as
MBQL 5 (``{"lib/type": "mbql/query", "stages": [{"native": sql, "template-tags": ...}]}``)
even when it was saved in the legacy form (``{"type": "native", "native": {"query": ...}}``),
and template tags may be a map or a list. Comparisons therefore use a normal form of the SQL
(whitespace collapsed) and of the tags (the fields provisioning sets), never raw JSON.

Endpoints: ``GET /api/collection``, ``GET /api/card?f=all``,
``GET /api/collection/:id/items?models=dashboard`` (for each managed collection),
``GET /api/dashboard/:id`` and ``GET /api/action``. Dashboards are not found through
``GET /api/search``: Metabase fills its search index from a delayed queue
(search/ingestion.clj), so an apply soon after another would miss the newest dashboards and
create them again; a collection's items are read from Metabase's own database. (A managed
dashboard moved out of the managed collections is not found, and is created again where the
specs put it.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cerebro.serving.metabase.client import MetabaseClient
from cerebro.serving.metabase.desired import marker_key

#: The template-tag fields provisioning sets (Metabase adds others, e.g. widget types).
TAG_FIELDS = ("name", "display-name", "type", "required", "default")


def normal_sql(sql: str) -> str:
    """SQL with every run of whitespace collapsed to one space."""
    return " ".join(sql.split())


def native_query(dataset_query: dict) -> tuple[str, dict[str, dict]]:
    """The SQL and the template tags (by name) of a native query in either format."""
    if "stages" in dataset_query:
        stage = dataset_query["stages"][0]
        sql, tags = stage.get("native", ""), stage.get("template-tags") or {}
    else:
        native = dataset_query.get("native") or {}
        sql, tags = native.get("query", ""), native.get("template-tags") or {}
    if isinstance(tags, list):
        tags = {tag["name"]: tag for tag in tags}
    return sql, tags


def normal_tags(tags: dict[str, dict]) -> dict[str, dict]:
    return {
        name: {key: tag[key] for key in TAG_FIELDS if tag.get(key) is not None}
        for name, tag in tags.items()
    }


def card_database_id(card: dict) -> int | None:
    return card.get("database_id") or (card.get("dataset_query") or {}).get("database")


@dataclass
class CurrentState:
    """Managed objects by key. ``duplicates`` lists objects that carry a key already taken
    (e.g. a card duplicated in the UI keeps the description): they are left alone."""

    collections: dict[str, dict] = field(default_factory=dict)
    cards: dict[str, dict] = field(default_factory=dict)
    dashboards: dict[str, dict] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    #: Query actions on the managed models (decision 0063).
    actions: dict[str, dict] = field(default_factory=dict)


def _by_key(objects: list[dict], model: str, duplicates: list[str]) -> dict[str, dict]:
    """Managed, not archived objects by marker key; the oldest (lowest id) wins a tie."""
    found: dict[str, dict] = {}
    for item in sorted(objects, key=lambda o: o.get("id") or 0):
        key = marker_key(item.get("description"))
        if key is None or item.get("archived"):
            continue
        if key in found:
            duplicates.append(f"{model} {item['id']} repeats the key {key!r} of {found[key]['id']}")
            continue
        found[key] = item
    return found


def items_of(answer) -> list[dict]:
    """List endpoints answer ``[...]`` or ``{"data": [...], "total": n}`` by version."""
    return answer.get("data", []) if isinstance(answer, dict) else list(answer or [])


def read_current_state(client: MetabaseClient) -> CurrentState:
    """The managed collections, cards and dashboards (each managed dashboard read whole, for
    its dashcards and parameters)."""
    state = CurrentState()
    collections = [
        c for c in items_of(client.get("/api/collection")) if isinstance(c.get("id"), int)
    ]
    state.collections = _by_key(collections, "collection", state.duplicates)
    state.cards = _by_key(items_of(client.get("/api/card", f="all")), "card", state.duplicates)
    found = [
        item
        for collection in sorted(state.collections.values(), key=lambda c: c["id"])
        for item in items_of(
            client.get(f"/api/collection/{collection['id']}/items", models="dashboard")
        )
    ]
    managed = [
        item
        for item in found
        if item.get("model") == "dashboard"
        and not item.get("archived")
        and marker_key(item.get("description"))
    ]
    full = [client.get(f"/api/dashboard/{item['id']}") for item in managed]
    state.dashboards = _by_key(full, "dashboard", state.duplicates)
    # Every action on a model the caller can read (actions/api.clj, ``GET /api/action``).
    state.actions = _by_key(items_of(client.get("/api/action")), "action", state.duplicates)
    return state
