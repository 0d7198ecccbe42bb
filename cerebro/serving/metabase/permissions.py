"""Groups and the two permission graphs: what each group may do with each managed database
and collection, made exactly what ``access.yml`` says.

Endpoints: ``GET/POST /api/permissions/group``; ``GET/PUT /api/permissions/graph`` (per group
and database: ``view-data`` and ``create-queries``) and ``GET/PUT /api/collection/graph`` (per
group and collection: ``none``, ``read``, ``write``). A graph carries a revision: a PUT names
the revision it was computed from, Metabase refuses it (HTTP 409) when someone changed the
graph since, and answers with the next revision. A PUT holds only the groups and entries to
change; the others stay as they are.

Managed objects (the collections carrying a marker, the databases provisioning registers) get
exactly the desired level for every group but Administrators: a group the desired state does
not name, All Users included, gets none. That also revokes what Metabase grants by default
(All Users may query a new database, and a new collection copies its parent's permissions)
and what the groups of a tenant removed from the tenants file still had. Open-source Metabase
has no "blocked" view-data level (a paid feature), so ``view-data`` stays ``unrestricted``
and isolation comes from ``create-queries: no``, collections and the tenant's own connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cerebro.serving.metabase.client import MetabaseClient

ADMIN_GROUP = "Administrators"
NO_QUERIES, NO_COLLECTION = "no", "none"
DATA_GRAPH, COLLECTION_GRAPH = "/api/permissions/graph", "/api/collection/graph"


@dataclass(frozen=True)
class PermissionChange:
    graph: str  # "data" or "collection"
    group: str  # the group's name
    target: str  # the database's or collection's key
    before: str
    after: str

    def describe(self) -> str:
        what = "database" if self.graph == "data" else "collection"
        return f"  ~ {self.group}: {what} {self.target} {self.before} → {self.after}"


@dataclass
class Graphs:
    """The two graphs as read (``None`` before reading)."""

    data: dict | None = None
    collections: dict | None = None

    def read(self, client: MetabaseClient) -> Graphs:
        self.data = client.get(DATA_GRAPH)
        self.collections = client.get(COLLECTION_GRAPH)
        return self


@dataclass
class Targets:
    """Managed objects and groups by key and by id, for one comparison."""

    #: Group name -> id (every group but Administrators) and desired group name -> key.
    groups: dict[str, int]
    group_keys: dict[str, str]
    #: Database key -> id; collection key -> id (objects not created yet are left out).
    databases: dict[str, int]
    collections: dict[str, int]
    notes: list[str] = field(default_factory=list)


def _queries(entry) -> str:
    """A graph entry's ``create-queries`` as one word (a per-schema map is "granular")."""
    if not isinstance(entry, dict):
        return NO_QUERIES
    value = entry.get("create-queries", NO_QUERIES)
    return value if isinstance(value, str) else "granular"


def compare(
    graphs: Graphs,
    targets: Targets,
    data_wanted: dict[tuple[str, str], str],
    collections_wanted: dict[tuple[str, str], str],
) -> list[PermissionChange]:
    """Every (group, managed object) whose level differs from the desired one."""
    data_groups = (graphs.data or {}).get("groups", {})
    collection_groups = (graphs.collections or {}).get("groups", {})
    changes = []
    for name, group_id in sorted(targets.groups.items()):
        group_key = targets.group_keys.get(name)
        have_data = data_groups.get(str(group_id), {})
        for database, database_id in sorted(targets.databases.items()):
            want = data_wanted.get((group_key, database), NO_QUERIES)
            have = _queries(have_data.get(str(database_id)))
            if have != want:
                changes.append(PermissionChange("data", name, database, have, want))
        have_collections = collection_groups.get(str(group_id), {})
        for collection, collection_id in sorted(targets.collections.items()):
            want = collections_wanted.get((group_key, collection), NO_COLLECTION)
            have = have_collections.get(str(collection_id), NO_COLLECTION)
            if have != want:
                changes.append(PermissionChange("collection", name, collection, have, want))
    return changes


def put_changes(
    client: MetabaseClient, graphs: Graphs, targets: Targets, changes: list[PermissionChange]
) -> None:
    """At most one PUT per graph, holding only the changed entries."""
    data: dict = {}
    collections: dict = {}
    current = (graphs.data or {}).get("groups", {})
    for change in changes:
        group = str(targets.groups[change.group])
        if change.graph == "data":
            database = str(targets.databases[change.target])
            view = (current.get(group, {}).get(database) or {}).get("view-data")
            data.setdefault(group, {})[database] = {
                # Keep a plain view-data level; a per-schema map cannot be kept beside a
                # database-wide create-queries, so it becomes the database-wide default.
                "view-data": view if isinstance(view, str) else "unrestricted",
                "create-queries": change.after,
            }
        else:
            collection = str(targets.collections[change.target])
            collections.setdefault(group, {})[collection] = change.after
    if data:
        client.put(DATA_GRAPH, {"revision": graphs.data["revision"], "groups": data})
    if collections:
        client.put(
            COLLECTION_GRAPH, {"revision": graphs.collections["revision"], "groups": collections}
        )


def read_groups(client: MetabaseClient) -> dict[str, int]:
    """Every group but Administrators (whose permissions Metabase keeps whole), by name."""
    return {
        g["name"]: g["id"] for g in client.get("/api/permissions/group") if g["name"] != ADMIN_GROUP
    }


def create_groups(client: MetabaseClient, groups: dict[str, int], names: list[str]) -> list[str]:
    """Create the groups of ``names`` Metabase does not have; the names created."""
    created = []
    for name in names:
        if name not in groups:
            groups[name] = client.post("/api/permissions/group", {"name": name})["id"]
            created.append(name)
    return created
