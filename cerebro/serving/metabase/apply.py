"""Carry out a plan against Metabase, in its order, resolving keys to ids as objects appear.

Endpoints: ``POST/PUT /api/collection``, ``POST/PUT /api/card``, ``POST/PUT /api/action``,
``POST/PUT /api/dashboard``.
Dashcards are saved with ``PUT /api/dashboard/:id`` (the ``dashcards`` list: existing ids
are updated, negative ids created, missing ones removed); archiving is ``archived: true``.
"""

from __future__ import annotations

from cerebro.serving.metabase.client import MetabaseClient
from cerebro.serving.metabase.current import CurrentState
from cerebro.serving.metabase.desired import DesiredDashboard, resolve_text
from cerebro.serving.metabase.layout import DesiredState
from cerebro.serving.metabase.plan import Change, Plan
from cerebro.serving.metabase.requests import action_button_settings

ENDPOINTS = {
    "collection": "/api/collection",
    "card": "/api/card",
    "action": "/api/action",
    "dashboard": "/api/dashboard",
}


class _Ids:
    """Key → id for every model, filled from the current state and by each create."""

    def __init__(self, current: CurrentState) -> None:
        self.by_model = {
            "collection": {k: v["id"] for k, v in current.collections.items()},
            "card": {k: v["id"] for k, v in current.cards.items()},
            "dashboard": {k: v["id"] for k, v in current.dashboards.items()},
            "action": {k: v["id"] for k, v in current.actions.items()},
        }

    def get(self, model: str, key: str | None) -> int | None:
        return None if key is None else self.by_model[model].get(key)


def _text_card(text: str) -> dict:
    """A Markdown dashcard's settings (Metabase's "virtual card": no question behind it)."""
    return {
        "virtual_card": {
            "name": None,
            "display": "text",
            "visualization_settings": {},
            "dataset_query": {},
            "archived": False,
        },
        "text": text,
    }


def dashcards_body(board: DesiredDashboard, ids: _Ids, existing: list[dict]) -> list[dict]:
    """The ``dashcards`` of ``PUT /api/dashboard/:id``: a dashcard already showing a card
    keeps its id (updated in place), the others get negative ids (created)."""
    # By card and action: a model shows both as a table and under its action's button.
    reuse: dict[tuple, int] = {}
    for dashcard in existing:
        reuse.setdefault((dashcard.get("card_id"), dashcard.get("action_id")), dashcard["id"])
    body, new_id = [], -1
    for dashcard in board.dashcards:
        card_id = ids.get("card", dashcard.card)
        action_id = ids.get("action", dashcard.action)
        dashcard_id = reuse.pop((card_id, action_id), None)
        if dashcard_id is None:
            dashcard_id, new_id = new_id, new_id - 1
        settings = {}
        if dashcard.text is not None:
            settings = _text_card(resolve_text(dashcard.text, ids.by_model["collection"]))
        if dashcard.action is not None:
            settings = action_button_settings(dashcard.label or "")
        body.append(
            {
                "id": dashcard_id,
                "card_id": card_id,
                **({"action_id": action_id} if dashcard.action is not None else {}),
                "row": dashcard.row,
                "col": dashcard.col,
                "size_x": dashcard.size_x,
                "size_y": dashcard.size_y,
                "series": [],
                "visualization_settings": settings,
                "parameter_mappings": [
                    {
                        "parameter_id": parameter,
                        "card_id": card_id,
                        "target": ["variable", ["template-tag", tag]],
                    }
                    for parameter, tag in dashcard.mappings
                ],
            }
        )
    return body


def _dashboard_fields(board: DesiredDashboard, ids: _Ids) -> dict:
    return {
        "name": board.name,
        "description": board.description,
        "collection_id": ids.get("collection", board.collection),
        "collection_position": board.position,
        "parameters": list(board.parameters),
    }


def _apply(change: Change, desired: dict, current: CurrentState, ids: _Ids, client, database_ids):
    endpoint = ENDPOINTS[change.model]
    object_id = ids.get(change.model, change.key)
    if change.action == "archive":
        client.put(f"{endpoint}/{object_id}", {"archived": True})
        return
    wanted = desired[change.model][change.key]
    if change.model == "collection":
        body = {
            "name": wanted.name,
            "description": wanted.description,
            "parent_id": ids.get("collection", wanted.parent),
        }
    elif change.model == "card":
        body = wanted.payload(
            database_ids.get(wanted.database), ids.get("collection", wanted.collection)
        )
    elif change.model == "action":
        body = wanted.payload(ids.get("card", wanted.model), database_ids.get(wanted.database))
    else:
        body = _dashboard_fields(wanted, ids)
    if change.action == "create":
        created = client.post(endpoint, body)
        object_id = ids.by_model[change.model][change.key] = created["id"]
        if change.model == "dashboard":
            client.put(f"{endpoint}/{object_id}", {"dashcards": dashcards_body(wanted, ids, [])})
        return
    if change.model == "dashboard":
        existing = current.dashboards[change.key].get("dashcards") or []
        body["dashcards"] = dashcards_body(wanted, ids, existing)
    client.put(f"{endpoint}/{object_id}", body)


def apply_plan(
    plan: Plan,
    desired: DesiredState,
    current: CurrentState,
    client: MetabaseClient,
    database_ids: dict[str, int],
    *,
    archives: bool,
) -> dict[str, int]:
    """Make the creates and updates of ``plan`` (``archives=False``) or its archives
    (``archives=True``), in order; groups are created by ``permissions.create_groups``.
    Returns every managed collection's id by key, the new ones included."""
    by_key = {
        "collection": {c.key: c for c in desired.collections},
        "card": {c.key: c for c in desired.cards},
        "dashboard": {d.key: d for d in desired.dashboards},
        "action": {a.key: a for a in desired.actions},
    }
    ids = _Ids(current)
    for change in plan.changes:
        if change.model != "group" and (change.action == "archive") == archives:
            _apply(change, by_key, current, ids, client, database_ids)
    return ids.by_model["collection"]
