"""Who sees what, per tenant: areas (collections of dashboards), roles (groups with a level on
each area and on the tenant's connection) and the agency group, from ``metabase/access.yml``.

Metabase's permission words: a collection is ``none``, ``read`` or ``write`` for a group; a
database's ``create-queries`` is ``no``, ``query-builder`` or ``query-builder-and-native``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cerebro.serving.metabase.requests import REQUEST_KINDS
from cerebro.settings import PROJECT_ROOT
from cerebro.yaml_schema import (
    SchemaError,
    item,
    key,
    known_keys,
    mapping,
    one_of,
    read_yaml,
    required,
    text,
)

ACCESS_FILE = PROJECT_ROOT / "metabase" / "access.yml"
#: The tenant's top collection in a role's ``collections``.
TENANT = "tenant"
#: The tenant's "Audiencias" collection (decision 0073): questions there are audiences.
AUDIENCES = "audiencias"
COLLECTION_LEVELS = ("read", "write")
#: access.yml's words for Metabase's ``create-queries`` values.
QUERIES = {"no": "no", "query-builder": "query-builder", "native": "query-builder-and-native"}


class AccessError(ValueError):
    """``access.yml`` is invalid or does not fit the specs; the message says where."""


@dataclass(frozen=True)
class Area:
    key: str
    name: str
    dashboards: tuple[str, ...]


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    #: Area key (or ``tenant``) -> "read" or "write"; absent means no access.
    collections: dict[str, str]
    #: Metabase's ``create-queries`` on the tenant's connection.
    queries: str
    #: The request kinds (``ops.action_requests``) the role may ask; empty: none (0075).
    requests: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agency:
    name: str
    #: The agency group's level on every tenant's collections ("none" to see the portfolio only).
    stores: str


@dataclass(frozen=True)
class Access:
    areas: tuple[Area, ...]
    roles: tuple[Role, ...]
    agency: Agency

    def area_of(self, dashboard_key: str) -> Area:
        return next(a for a in self.areas if dashboard_key in a.dashboards)

    def check_dashboards(self, dashboard_keys: list[str]) -> None:
        """Every spec dashboard in exactly one area, and no area naming an unknown one."""
        placed = [d for area in self.areas for d in area.dashboards]
        twice = sorted({d for d in placed if placed.count(d) > 1})
        missing = [d for d in dashboard_keys if d not in placed]
        unknown = sorted(set(placed) - set(dashboard_keys))
        for problem, keys in (
            ("in more than one area", twice),
            ("in no area (add it to one in metabase/access.yml)", missing),
            ("named in an area but have no spec", unknown),
        ):
            if keys:
                raise AccessError(f"access: dashboards {problem}: {', '.join(keys)}")

    def request_kinds(self) -> dict[str, tuple[str, ...]]:
        """Role key -> the request kinds it may ask, for the roles that ask any: what the
        warehouse's per-role logins are made from (decision 0075)."""
        return {role.key: role.requests for role in self.roles if role.requests}

    def dashboards_readable_by(self, role: Role) -> list[str]:
        return [d for area in self.areas if area.key in role.collections for d in area.dashboards]


def _area(entry: object, where: str) -> Area:
    entry = mapping(entry, where, "an area with key, name and dashboards")
    known_keys(entry, ("key", "name", "dashboards"), where)
    dashboards = required(entry, "dashboards", where)
    if not isinstance(dashboards, list) or not dashboards:
        raise SchemaError(f"{key(where, 'dashboards')}: expected a list of dashboard keys")
    return Area(
        key=text(required(entry, "key", where), key(where, "key")),
        name=text(required(entry, "name", where), key(where, "name")),
        dashboards=tuple(
            text(d, item(key(where, "dashboards"), i)) for i, d in enumerate(dashboards)
        ),
    )


def _role(entry: object, where: str, areas: list[str]) -> Role:
    entry = mapping(entry, where, "a role with key, name, collections and queries")
    known_keys(entry, ("key", "name", "collections", "queries", "requests"), where)
    collections = mapping(
        required(entry, "collections", where), key(where, "collections"), "area: read or write"
    )
    for name, level in collections.items():
        one_of(name, [TENANT, AUDIENCES, *areas], key(where, "collections"), "area")
        one_of(level, COLLECTION_LEVELS, key(key(where, "collections"), name), "level")
    queries = one_of(required(entry, "queries", where), QUERIES, key(where, "queries"), "level")
    asked = entry.get("requests", [])
    if not isinstance(asked, list):
        raise SchemaError(f"{key(where, 'requests')}: expected a list of request kinds")
    for i, kind in enumerate(asked):
        one_of(kind, REQUEST_KINDS, item(key(where, "requests"), i), "request kind")
    return Role(
        key=text(required(entry, "key", where), key(where, "key")),
        name=text(required(entry, "name", where), key(where, "name")),
        collections=dict(collections),
        queries=QUERIES[queries],
        requests=tuple(dict.fromkeys(asked)),
    )


def load_access(path: Path = ACCESS_FILE) -> Access:
    """The areas, roles and agency of ``path``; a mistake is one line naming its key path."""
    try:
        document = mapping(read_yaml(path), "", "areas, roles and agency")
        known_keys(document, ("areas", "roles", "agency"), "")
        areas = [_area(a, item("areas", i)) for i, a in enumerate(required(document, "areas", ""))]
        area_keys = [a.key for a in areas]
        roles = [
            _role(r, item("roles", i), area_keys)
            for i, r in enumerate(required(document, "roles", ""))
        ]
        agency = mapping(required(document, "agency", ""), "agency", "name and stores")
        known_keys(agency, ("name", "stores"), "agency")
        stores = one_of(agency.get("stores", "none"), ("none", *COLLECTION_LEVELS), "agency",
                        "stores level")  # fmt: skip
        for kind, keys in (("area", area_keys), ("role", [r.key for r in roles])):
            if len(set(keys)) != len(keys):
                raise SchemaError(f"{kind} keys must be unique: {', '.join(keys)}")
        # Inside the try: a missing agency name is the file's mistake, said in one line.
        agency_name = text(required(agency, "name", "agency"), "agency.name")
    except (SchemaError, OSError) as error:
        raise AccessError(f"{path}: {error}") from None
    return Access(
        areas=tuple(areas), roles=tuple(roles), agency=Agency(name=agency_name, stores=stores)
    )
