"""The difference between the desired and the current state: what to create, update in place
or archive. Pure: no call to Metabase, so ``plan`` and ``apply`` show the same changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cerebro.serving.metabase.current import (
    CurrentState,
    card_database_id,
    native_query,
    normal_sql,
    normal_tags,
)
from cerebro.serving.metabase.desired import (
    DesiredCard,
    DesiredCollection,
    DesiredDashboard,
    resolve_text,
)
from cerebro.serving.metabase.layout import DesiredState
from cerebro.serving.metabase.permissions import PermissionChange
from cerebro.serving.metabase.requests import DesiredAction

MODELS = ("collection", "card", "action", "dashboard", "group")


@dataclass(frozen=True)
class Change:
    action: str  # "create", "update" or "archive"
    model: str  # "collection", "card" or "dashboard"
    key: str
    name: str
    fields: tuple[str, ...] = ()

    def describe(self) -> str:
        sign = {"create": "+", "update": "~", "archive": "-"}[self.action]
        detail = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"  {sign} {self.action} {self.model} {self.key} “{self.name}”{detail}"


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    unchanged: Counter = field(default_factory=Counter)
    #: Permission entries to set (known once the objects they name exist: after an apply's
    #: creates, or on a dry run for objects that exist already).
    permissions: list[PermissionChange] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.permissions

    def summary(self) -> str:
        return (
            f"{self.count('create')} to create, {self.count('update')} to update, "
            f"{self.count('archive')} to archive, {sum(self.unchanged.values())} unchanged, "
            f"{len(self.permissions)} permission entries to set"
        )

    def render(self) -> str:
        lines = [change.describe() for change in self.changes]
        lines += [change.describe() for change in self.permissions]
        return "\n".join([*(lines or ["  no changes"]), self.summary()])


def collection_parent_id(collection: dict) -> int | None:
    """The parent of a collection, from its ``location`` ("/12/34/" → 34; "/" → root)."""
    path = [part for part in (collection.get("location") or "/").split("/") if part]
    return int(path[-1]) if path else None


def _collection_fields(desired: DesiredCollection, current: dict, ids: dict) -> list[str]:
    changed = [f for f in ("name", "description") if current.get(f) != getattr(desired, f)]
    parent = ids.get(desired.parent) if desired.parent else None
    if collection_parent_id(current) != parent or (desired.parent and parent is None):
        changed.append("parent")
    return changed


def _card_fields(desired: DesiredCard, current: dict, collection_id, database_id) -> list[str]:
    """The fields of a card that differ (``database_id``: the id of the card's connection)."""
    changed = [
        f for f in ("name", "description", "display") if current.get(f) != getattr(desired, f)
    ]
    if collection_id is None or current.get("collection_id") != collection_id:
        changed.append("collection")
    if (current.get("visualization_settings") or {}) != desired.visualization_settings:
        changed.append("visualization_settings")
    sql, tags = native_query(current.get("dataset_query") or {})
    if normal_sql(sql) != normal_sql(desired.sql):
        changed.append("sql")
    if normal_tags(tags) != normal_tags(desired.template_tags):
        changed.append("template_tags")
    if database_id is None or card_database_id(current) != database_id:
        changed.append("database")
    if (current.get("type") or "question") != desired.card_type:
        changed.append("type")
    return changed


def _action_fields(desired: DesiredAction, current: dict, model_id, database_id) -> list[str]:
    """The fields of a query action that differ, on what provisioning sets."""
    changed = [f for f in ("name", "description") if current.get(f) != getattr(desired, f)]
    if model_id is None or current.get("model_id") != model_id:
        changed.append("model")
    sql, tags = native_query(current.get("dataset_query") or {})
    if database_id is None or current.get("database_id") != database_id:
        changed.append("database")
    if normal_sql(sql) != normal_sql(desired.sql) or normal_tags(tags) != normal_tags(
        desired.template_tags
    ):
        changed.append("sql")
    have = [{key: p.get(key) for key in want} for want, p in
            zip(desired.parameters, current.get("parameters") or [], strict=False)]  # fmt: skip
    if have != list(desired.parameters):
        changed.append("parameters")
    if (current.get("visualization_settings") or {}) != desired.visualization_settings:
        changed.append("visualization_settings")
    return changed


def mapping_tag(target) -> str | None:
    """The template tag of a ``["variable", ["template-tag", name]]`` target."""
    if isinstance(target, list) and len(target) == 2 and target[0] == "variable":
        inner = target[1]
        if isinstance(inner, list) and len(inner) == 2 and inner[0] == "template-tag":
            return inner[1]
    return None


def _text(dashcard: dict) -> str | None:
    return (dashcard.get("visualization_settings") or {}).get("text")


def normal_dashcards(dashcards: list[dict]) -> list[tuple]:
    return sorted(
        (
            str(_text(dashcard)),
            dashcard.get("card_id") or 0,
            dashcard.get("action_id") or 0,
            dashcard.get("row"),
            dashcard.get("col"),
            dashcard.get("size_x"),
            dashcard.get("size_y"),
            tuple(
                sorted(
                    (m.get("parameter_id"), mapping_tag(m.get("target")))
                    for m in dashcard.get("parameter_mappings") or []
                )
            ),
        )
        for dashcard in dashcards
    )


def desired_dashcards(
    desired: DesiredDashboard,
    card_ids: dict[str, int],
    collection_ids: dict[str, int],
    action_ids: dict[str, int] | None = None,
) -> list[tuple]:
    return sorted(
        (
            str(None if d.text is None else resolve_text(d.text, collection_ids)),
            0 if d.card is None else card_ids.get(d.card),
            0 if d.action is None else (action_ids or {}).get(d.action),
            d.row,
            d.col,
            d.size_x,
            d.size_y,
            tuple(sorted(d.mappings)),
        )
        for d in desired.dashcards
    )


def _parameters_differ(desired: tuple[dict, ...], current: list[dict]) -> bool:
    """Each desired parameter against the current one with the same id, on the fields
    provisioning sets (Metabase adds its own)."""
    if [p["id"] for p in desired] != [p.get("id") for p in current]:
        return True
    return any(
        {key: have.get(key) for key in want} != want
        for want, have in zip(desired, current, strict=True)
    )


def _dashboard_fields(
    desired: DesiredDashboard, current: dict, collection_ids: dict, card_ids: dict, action_ids
) -> list[str]:
    collection_id = collection_ids.get(desired.collection)
    changed = [f for f in ("name", "description") if current.get(f) != getattr(desired, f)]
    if collection_id is None or current.get("collection_id") != collection_id:
        changed.append("collection")
    if current.get("collection_position") != desired.position:
        changed.append("position")
    if _parameters_differ(desired.parameters, current.get("parameters") or []):
        changed.append("parameters")
    wanted = desired_dashcards(desired, card_ids, collection_ids, action_ids)
    missing = any(card_id is None or action_id is None for _, card_id, action_id, *_ in wanted)
    if missing or wanted != normal_dashcards(current.get("dashcards") or []):
        changed.append("dashcards")
    return changed


def make_plan(
    desired: DesiredState,
    current: CurrentState,
    database_ids: dict[str, int],
    groups: dict[str, int] | None = None,
) -> Plan:
    """Creates and updates in dependency order (collections, cards, actions, dashboards,
    groups), then the archives of managed objects no spec or tenant asks for any more
    (actions, cards, dashboards, collections). ``database_ids``: connection key -> Metabase
    id (absent: not registered yet); ``groups``: Metabase's groups by name."""
    plan = Plan()
    collection_ids = {key: c["id"] for key, c in current.collections.items()}
    card_ids = {key: c["id"] for key, c in current.cards.items()}
    action_ids = {key: a["id"] for key, a in current.actions.items()}

    def compare(model, wanted, have, fields):
        if have is None:
            plan.changes.append(Change("create", model, wanted.key, wanted.name))
        elif fields:
            plan.changes.append(Change("update", model, wanted.key, wanted.name, tuple(fields)))
        else:
            plan.unchanged[model] += 1

    for item in desired.collections:
        have = current.collections.get(item.key)
        compare("collection", item, have, have and _collection_fields(item, have, collection_ids))
    for card in desired.cards:
        have = current.cards.get(card.key)
        fields = have and _card_fields(
            card, have, collection_ids.get(card.collection), database_ids.get(card.database)
        )
        compare("card", card, have, fields)
    for action in desired.actions:
        have = current.actions.get(action.key)
        fields = have and _action_fields(
            action, have, card_ids.get(action.model), database_ids.get(action.database)
        )
        compare("action", action, have, fields)
    for board in desired.dashboards:
        have = current.dashboards.get(board.key)
        fields = have and _dashboard_fields(board, have, collection_ids, card_ids, action_ids)
        compare("dashboard", board, have, fields)
    for group in desired.groups:
        compare("group", group, (groups or {}).get(group.name), [])
    wanted = {
        "action": {a.key for a in desired.actions},
        "card": {c.key for c in desired.cards},
        "dashboard": {d.key for d in desired.dashboards},
        "collection": {c.key for c in desired.collections},
    }
    existing = {
        "action": current.actions,
        "card": current.cards,
        "dashboard": current.dashboards,
        "collection": current.collections,
    }
    for model in ("action", "card", "dashboard", "collection"):
        keys = sorted(set(existing[model]) - wanted[model])
        if model == "collection":
            keys.sort(key=lambda k: -k.count("/"))  # children before their parents
        for key in keys:
            plan.changes.append(Change("archive", model, key, existing[model][key].get("name", "")))
    return plan
