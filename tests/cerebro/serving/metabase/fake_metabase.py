"""A stateful fake of Metabase's REST API, served on 127.0.0.1 from a thread.

It keeps users, sessions, API keys, groups, databases, collections, cards, dashboards,
dashcards and the two permission graphs with their revision numbers (a PUT naming an older
revision is refused with 409, as Metabase does; a PUT holds only the entries it changes). New
objects get Metabase's default permissions: All Users may query a new database with SQL, and
a new collection copies its parent's permissions (All Users may write in the root). It
enforces authentication (``X-Metabase-Session`` or ``x-api-key``), assigns ids, validates
the request bodies the way current Metabase does where provisioning could get them wrong
(closed dashboard and dashcard schemas, non-blank card descriptions, parameter mappings to
existing parameters), answers cards in the newer MBQL 5 shape (SQL without its trailing
newline, template tags as a list), and records every call. Failures can be injected.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ALL_USERS_GROUP_ID, ADMIN_GROUP_ID = 1, 2
#: Open-source Metabase's data levels ("blocked" and the others need a paid plan).
VIEW_DATA = {"unrestricted"}
CREATE_QUERIES = {"no", "query-builder", "query-builder-and-native"}
COLLECTION_LEVELS = {"none", "read", "write"}
FULL_DATA = {"view-data": "unrestricted", "create-queries": "query-builder-and-native"}
#: Keys `PUT /api/dashboard/:id` and its dashcards accept (Metabase's schemas are closed).
DASHBOARD_UPDATE_KEYS = {
    "name", "description", "caveats", "points_of_interest", "show_in_getting_started",
    "enable_embedding", "embedding_type", "embedding_params", "parameters", "position", "width",
    "archived", "auto_apply_filters", "collection_id", "collection_position", "cache_ttl",
    "dashcards", "tabs",
}  # fmt: skip
DASHBOARD_CREATE_KEYS = {
    "name", "parameters", "description", "cache_ttl", "collection_id", "collection_position",
}  # fmt: skip
DASHCARD_KEYS = {
    "id", "size_x", "size_y", "row", "col", "card_id", "action_id", "dashboard_tab_id",
    "parameter_mappings", "visualization_settings", "inline_parameters", "series",
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, status: int, message, *, text: bool = False) -> None:
        super().__init__(message)
        self.status, self.message, self.text = status, message, text


def _mbql5(card: dict) -> dict:
    """The card as Metabase >= 0.57 answers it: MBQL 5, tags as a list, SQL trimmed."""
    answer = copy.deepcopy(card)
    legacy = answer.pop("dataset_query")
    answer["dataset_query"] = {
        "lib/type": "mbql/query",
        "database": legacy["database"],
        "stages": [
            {
                "lib/type": "mbql.stage/native",
                "native": legacy["native"]["query"].rstrip(),
                "template-tags": [
                    {**tag, "widget-type": "none"}
                    for tag in legacy["native"].get("template-tags", {}).values()
                ],
            }
        ],
    }
    return answer


class FakeMetabase:
    """The state and the handlers; ``start()`` serves them over HTTP."""

    def __init__(
        self,
        *,
        admin: tuple[str, str] | None = None,
        warehouse_tables: tuple[str, ...] = (),
        sync_polls: int = 1,
    ) -> None:
        self.users = {admin[0]: admin[1]} if admin else {}
        self.setup_token = "0f3c2a7e-setup-token"
        self.sessions: set[str] = set()
        self.api_keys: dict[int, dict] = {}
        self.databases: dict[int, dict] = {}
        self.collections: dict[int, dict] = {}
        self.cards: dict[int, dict] = {}
        self.dashboards: dict[int, dict] = {}
        self.groups: dict[int, str] = {
            ALL_USERS_GROUP_ID: "All Users",
            ADMIN_GROUP_ID: "Administrators",
        }
        #: group id -> database id -> {"view-data": ..., "create-queries": ...}
        self.data_permissions: dict[int, dict[int, dict]] = {g: {} for g in self.groups}
        #: group id -> collection id (or "root") -> "none" / "read" / "write"
        self.collection_permissions: dict[int, dict] = {
            ALL_USERS_GROUP_ID: {"root": "write"},
            ADMIN_GROUP_ID: {"root": "write"},
        }
        self.revisions = Counter()
        self.warehouse_tables = list(warehouse_tables)
        self.sync_polls = sync_polls
        #: Substrings that make a card's query fail, with the database's message.
        self.failing_sql: dict[str, str] = {}
        #: Cards (by their ``[cerebro:key=…]`` marker) whose query fails, with the message.
        self.failing_cards: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        self._failures: list[tuple[str, re.Pattern, int, str]] = []
        self._ids: Counter = Counter()
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    # Test helpers ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, method: str, path_pattern: str, status: int, message: str) -> None:
        """Make the next call matching ``method`` and ``path_pattern`` fail."""
        self._failures.append((method, re.compile(path_pattern), status, message))

    def writes(self) -> list[tuple[str, str]]:
        return [call for call in self.calls if call[0] in {"POST", "PUT", "DELETE"}]

    def reset_calls(self) -> None:
        self.calls.clear()

    def live(self, objects: dict[int, dict]) -> list[dict]:
        return [o for o in objects.values() if not o.get("archived")]

    def _new_id(self, model: str) -> int:
        self._ids[model] += 1
        # Groups 1 and 2 are Metabase's own (All Users, Administrators).
        return self._ids[model] + (2 if model == "group" else 0)

    def data_level(self, group_id: int, database_id: int) -> str:
        return (
            self.data_permissions.get(group_id, {}).get(database_id, {}).get("create-queries", "no")
        )

    def collection_level(self, group_id: int, collection_id: int) -> str:
        return self.collection_permissions.get(group_id, {}).get(collection_id, "none")

    def group_id(self, name: str) -> int:
        return next(g for g, n in self.groups.items() if n == name)

    # HTTP -------------------------------------------------------------------------------------

    def start(self) -> FakeMetabase:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with fake._lock:
                    status, payload, text = fake.dispatch(
                        self.command, parts.path, parse_qs(parts.query), raw, self.headers
                    )
                body = (payload if text else json.dumps(payload)).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if text else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args) -> None:  # keep pytest's output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def dispatch(self, method, path, query, raw, headers):
        self.calls.append((method, path))
        for index, (fail_method, pattern, status, message) in enumerate(self._failures):
            if fail_method == method and pattern.fullmatch(path):
                del self._failures[index]
                return status, {"message": message}, False
        try:
            body = json.loads(raw) if raw else None
            for route_method, pattern, handler, public in self._routes():
                match = re.fullmatch(pattern, path)
                if route_method == method and match:
                    if not public:
                        self._authenticate(headers)
                    status, payload = handler(body, query, *map(int, match.groups()))
                    return status, payload, False
            raise ApiError(404, f"no route {method} {path}")
        except ApiError as error:
            payload = error.message if error.text else {"message": error.message}
            return error.status, payload, error.text

    def _authenticate(self, headers) -> None:
        session, key = headers.get("X-Metabase-Session"), headers.get("x-api-key")
        if session in self.sessions:
            return
        if key and any(k["key"] == key for k in self.api_keys.values()):
            return
        raise ApiError(401, "Unauthenticated", text=True)

    def _routes(self):
        integer = r"(\d+)"
        return [
            ("GET", "/api/health", self._health, True),
            ("GET", "/api/session/properties", self._properties, True),
            ("POST", "/api/setup", self._setup, True),
            ("POST", "/api/session", self._login, True),
            ("GET", "/api/user/current", self._current_user, False),
            ("GET", "/api/permissions/group", self._groups, False),
            ("POST", "/api/permissions/group", self._create_group, False),
            ("GET", "/api/permissions/graph", self._data_graph, False),
            ("PUT", "/api/permissions/graph", self._put_data_graph, False),
            ("GET", "/api/collection/graph", self._collection_graph, False),
            ("PUT", "/api/collection/graph", self._put_collection_graph, False),
            ("GET", "/api/search", self._search, False),
            ("GET", "/api/api-key", self._list_keys, False),
            ("POST", "/api/api-key", self._create_key, False),
            ("PUT", f"/api/api-key/{integer}/regenerate", self._regenerate_key, False),
            ("GET", "/api/database", self._list_databases, False),
            ("POST", "/api/database", self._create_database, False),
            ("GET", f"/api/database/{integer}", self._get_database, False),
            ("PUT", f"/api/database/{integer}", self._update_database, False),
            ("POST", f"/api/database/{integer}/sync_schema", self._sync_schema, False),
            ("GET", "/api/collection", self._list_collections, False),
            ("POST", "/api/collection", self._create_collection, False),
            ("PUT", f"/api/collection/{integer}", self._update_collection, False),
            ("GET", f"/api/collection/{integer}/items", self._collection_items, False),
            ("GET", "/api/card", self._list_cards, False),
            ("POST", "/api/card", self._create_card, False),
            ("GET", f"/api/card/{integer}", self._get_card, False),
            ("PUT", f"/api/card/{integer}", self._update_card, False),
            ("POST", f"/api/card/{integer}/query", self._run_card, False),
            ("POST", "/api/dashboard", self._create_dashboard, False),
            ("GET", f"/api/dashboard/{integer}", self._get_dashboard, False),
            ("PUT", f"/api/dashboard/{integer}", self._update_dashboard, False),
        ]

    # Session, setup, users, keys ------------------------------------------------------------

    def _health(self, body, query):
        return 200, {"status": "ok"}

    def _properties(self, body, query):
        set_up = bool(self.users)
        return 200, {
            "has-user-setup": set_up,
            "setup-token": None if set_up else self.setup_token,
            "version": {"tag": "v0.64.2.2"},
        }

    def _session(self) -> str:
        session = f"session-{len(self.sessions) + 1:04d}-7c1e"
        self.sessions.add(session)
        return session

    def _setup(self, body, query):
        if self.users:
            raise ApiError(403, "The /api/setup route can only be used to create the first user")
        if body.get("token") != self.setup_token:
            raise ApiError(400, "Token does not match the setup token.")
        if not body.get("prefs", {}).get("site_name"):
            raise ApiError(400, "site_name: value must be a non-blank string.")
        user = body["user"]
        self.users[user["email"]] = user["password"]
        return 200, {"id": self._session()}

    def _login(self, body, query):
        if self.users.get(body.get("username")) != body.get("password"):
            raise ApiError(401, "Password did not match stored password.")
        return 200, {"id": self._session()}

    def _current_user(self, body, query):
        return 200, {"id": 1, "email": next(iter(self.users)), "is_superuser": True}

    def _groups(self, body, query):
        return 200, [{"id": g, "name": n, "member_count": 0} for g, n in self.groups.items()]

    def _create_group(self, body, query):
        name = (body or {}).get("name")
        if not name or name in self.groups.values():
            raise ApiError(400, "A group with that name already exists.")
        group_id = self._new_id("group")
        self.groups[group_id] = name
        self.data_permissions[group_id], self.collection_permissions[group_id] = {}, {}
        return 200, {"id": group_id, "name": name}

    # Permission graphs ----------------------------------------------------------------------

    def _check_revision(self, graph: str, body) -> None:
        if not isinstance(body, dict) or "revision" not in body:
            raise ApiError(400, "revision: value must be an integer.")
        if body["revision"] != self.revisions[graph]:
            raise ApiError(409, "Looks like someone else edited the permissions and your data "
                                "is out of date. Please fetch new data and try again.")  # fmt: skip

    def _data_graph(self, body, query):
        groups = {
            str(g): {
                str(d): dict(FULL_DATA) if g == ADMIN_GROUP_ID else
                {"view-data": "unrestricted", "create-queries": self.data_level(g, d)}
                for d in self.databases
            }
            for g in self.groups
        }  # fmt: skip
        return 200, {"revision": self.revisions["data"], "groups": groups}

    def _put_data_graph(self, body, query):
        self._check_revision("data", body)
        for group, databases in body["groups"].items():
            if int(group) == ADMIN_GROUP_ID:
                raise ApiError(400, "You cannot create or revoke permissions for Administrators.")
            for database, entry in databases.items():
                if int(database) not in self.databases:
                    raise ApiError(400, f"database {database} does not exist")
                if entry.get("view-data") not in VIEW_DATA:
                    raise ApiError(402, f"view-data {entry.get('view-data')!r} needs a paid plan")
                if entry.get("create-queries") not in CREATE_QUERIES:
                    raise ApiError(400, f"invalid create-queries {entry.get('create-queries')!r}")
                self.data_permissions[int(group)][int(database)] = dict(entry)
        self.revisions["data"] += 1
        return self._data_graph(None, query)

    def _collection_graph(self, body, query):
        ids = ["root", *(c for c in self.collections if not self.collections[c]["archived"])]
        groups = {str(g): {str(c): self.collection_level(g, c) for c in ids} for g in self.groups}
        return 200, {"revision": self.revisions["collection"], "groups": groups}

    def _put_collection_graph(self, body, query):
        self._check_revision("collection", body)
        for group, collections in body["groups"].items():
            for collection, level in collections.items():
                key = collection if collection == "root" else int(collection)
                if key != "root" and key not in self.collections:
                    raise ApiError(400, f"collection {collection} does not exist")
                if level not in COLLECTION_LEVELS:
                    raise ApiError(400, f"invalid collection permission {level!r}")
                self.collection_permissions[int(group)][key] = level
        self.revisions["collection"] += 1
        return self._collection_graph(None, query)

    def _search(self, body, query):
        models = set(query.get("models", ["dashboard", "card", "collection"]))
        found = [
            {"model": "dashboard", "id": d["id"], "name": d["name"],
             "description": d["description"], "archived": False,
             "collection": {"id": d["collection_id"]}}
            for d in self.live(self.dashboards)
        ] if "dashboard" in models else []  # fmt: skip
        return 200, {"data": found, "total": len(found), "models": sorted(models)}

    def _list_keys(self, body, query):
        return 200, [
            {"id": i, "name": k["name"], "masked_key": "mb_****"} for i, k in self.api_keys.items()
        ]

    def _create_key(self, body, query):
        if body.get("group_id") != ADMIN_GROUP_ID:
            raise ApiError(400, "the provisioning key must be in the admin group")
        key_id = self._new_id("api_key")
        self.api_keys[key_id] = {"name": body["name"], "key": f"mb_fakekey{key_id:04d}xyz"}
        return 200, {
            "id": key_id,
            "name": body["name"],
            "unmasked_key": self.api_keys[key_id]["key"],
        }

    def _regenerate_key(self, body, query, key_id):
        self.api_keys[key_id]["key"] = f"mb_regenerated{key_id:04d}{len(self.calls)}"
        return 200, {"id": key_id, "unmasked_key": self.api_keys[key_id]["key"]}

    # Databases ------------------------------------------------------------------------------

    def _public_database(self, database: dict) -> dict:
        answer = copy.deepcopy(database)
        answer.pop("polls", None)
        answer["details"]["password"] = "**MetabasePass**"
        return answer

    def _list_databases(self, body, query):
        data = [self._public_database(d) for d in self.databases.values()]
        return 200, {"data": data, "total": len(data)}

    def _create_database(self, body, query):
        if body.get("engine") != "postgres" or not body.get("details", {}).get("password"):
            raise ApiError(400, "engine and details (with a password) are required")
        database_id = self._new_id("database")
        self.databases[database_id] = {
            "id": database_id,
            "name": body["name"],
            "engine": body["engine"],
            "details": dict(body["details"]),
            "initial_sync_status": "incomplete",
            "tables": [],
            "polls": 0,
        }
        # Metabase opens a new database to All Users, SQL included.
        self.data_permissions[ALL_USERS_GROUP_ID][database_id] = dict(FULL_DATA)
        return 200, self._public_database(self.databases[database_id])

    def _get_database(self, body, query, database_id):
        database = self.databases[database_id]
        database["polls"] += 1
        if database["initial_sync_status"] != "complete" and database["polls"] > self.sync_polls:
            database["initial_sync_status"] = "complete"
            database["tables"] = [{"name": t, "schema": "marts"} for t in self.warehouse_tables]
        answer = self._public_database(database)
        if query.get("include") != ["tables"]:
            answer.pop("tables")
        return 200, answer

    def _update_database(self, body, query, database_id):
        self.databases[database_id]["details"].update(body.get("details", {}))
        return 200, self._public_database(self.databases[database_id])

    def _sync_schema(self, body, query, database_id):
        self.databases[database_id]["tables"] = [
            {"name": t, "schema": "marts"} for t in self.warehouse_tables
        ]
        return 200, {"status": "ok"}

    # Collections ----------------------------------------------------------------------------

    def _location(self, parent_id) -> str:
        if parent_id is None:
            return "/"
        if parent_id not in self.collections:
            raise ApiError(404, f"collection {parent_id} not found")
        return f"{self.collections[parent_id]['location']}{parent_id}/"

    def _list_collections(self, body, query):
        root = {"id": "root", "name": "Our analytics", "can_write": True}
        personal = {"id": 1000, "name": "Admin's Personal Collection", "location": "/",
                    "personal_owner_id": 1, "description": None, "archived": False}  # fmt: skip
        return 200, [root, personal, *copy.deepcopy(self.live(self.collections))]

    def _create_collection(self, body, query):
        if not body.get("name"):
            raise ApiError(400, "name: value must be a non-blank string.")
        collection_id = self._new_id("collection")
        self.collections[collection_id] = {
            "id": collection_id,
            "name": body["name"],
            "description": body.get("description"),
            "location": self._location(body.get("parent_id")),
            "archived": False,
        }
        # A new collection copies its parent's permissions (the root's for a top one).
        parent = body.get("parent_id") or "root"
        for levels in self.collection_permissions.values():
            levels[collection_id] = levels.get(parent, "none")
        return 200, copy.deepcopy(self.collections[collection_id])

    def _update_collection(self, body, query, collection_id):
        collection = self.collections[collection_id]
        for key in ("name", "description", "archived"):
            if key in body:
                collection[key] = body[key]
        if "parent_id" in body:
            collection["location"] = self._location(body["parent_id"])
        return 200, copy.deepcopy(collection)

    def _collection_items(self, body, query, collection_id):
        models = set(query.get("models", ["card", "dashboard"]))
        items = []
        if "dashboard" in models:
            items += [
                {
                    "id": d["id"],
                    "name": d["name"],
                    "description": d["description"],
                    "model": "dashboard",
                    "collection_position": d["collection_position"],
                }
                for d in self.live(self.dashboards)
                if d["collection_id"] == collection_id
            ]
        return 200, {"data": items, "total": len(items), "models": sorted(models)}

    # Cards ----------------------------------------------------------------------------------

    def _check_card(self, body: dict, *, creating: bool) -> None:
        for key in ("name", "display") if creating else ():
            if not body.get(key):
                raise ApiError(400, f"{key}: value must be a non-blank string.")
        if "description" in body and creating and not (body["description"] or "").strip():
            raise ApiError(400, "description: value must be a non-blank string.")
        query = body.get("dataset_query")
        if query is not None and (
            query.get("type") != "native" or query.get("database") not in self.databases
        ):
            raise ApiError(400, "dataset_query: a native query on a known database")

    def _list_cards(self, body, query):
        if query.get("f", ["all"]) != ["all"]:
            raise ApiError(400, "only f=all is faked")
        return 200, [_mbql5(card) for card in self.live(self.cards)]

    def _create_card(self, body, query):
        self._check_card(body, creating=True)
        card_id = self._new_id("card")
        self.cards[card_id] = {
            "id": card_id,
            "archived": False,
            "database_id": body["dataset_query"]["database"],
            **copy.deepcopy(body),
        }
        return 200, _mbql5(self.cards[card_id])

    def _get_card(self, body, query, card_id):
        if card_id not in self.cards:
            raise ApiError(404, "Not found.")
        return 200, _mbql5(self.cards[card_id])

    def _update_card(self, body, query, card_id):
        self._check_card(body, creating=False)
        card = self.cards[card_id]
        card.update(copy.deepcopy(body))
        if "dataset_query" in body:
            card["database_id"] = body["dataset_query"]["database"]
        return 200, _mbql5(card)

    def _run_card(self, body, query, card_id):
        card = self.cards.get(card_id)
        if card is None or card["archived"]:
            raise ApiError(404, "Not found.")
        sql = card["dataset_query"]["native"]["query"]
        marker = re.search(r"\[cerebro:key=([^\]]+)\]", card.get("description") or "")
        if marker and marker.group(1) in self.failing_cards:
            return 202, {"status": "failed", "error": self.failing_cards[marker.group(1)],
                         "row_count": 0}  # fmt: skip
        for fragment, message in self.failing_sql.items():
            if fragment in sql:
                return 202, {"status": "failed", "error": message, "row_count": 0}
        return 202, {"status": "completed", "row_count": 1, "data": {"rows": [[1]]}}

    # Dashboards -----------------------------------------------------------------------------

    def _get_dashboard(self, body, query, dashboard_id):
        dashboard = copy.deepcopy(self.dashboards[dashboard_id])
        for dashcard in dashboard["dashcards"]:
            if dashcard.get("card_id") is not None:
                dashcard["card"] = _mbql5(self.cards[dashcard["card_id"]])
            dashcard["dashboard_id"] = dashboard_id
        return 200, {**dashboard, "tabs": []}

    def _create_dashboard(self, body, query):
        unknown = set(body) - DASHBOARD_CREATE_KEYS
        if unknown:
            raise ApiError(400, f"unknown keys {sorted(unknown)}")
        dashboard_id = self._new_id("dashboard")
        self.dashboards[dashboard_id] = {
            "id": dashboard_id,
            "name": body["name"],
            "description": body.get("description"),
            "collection_id": body.get("collection_id"),
            "collection_position": body.get("collection_position"),
            "parameters": copy.deepcopy(body.get("parameters") or []),
            "dashcards": [],
            "archived": False,
        }
        return 200, copy.deepcopy(self.dashboards[dashboard_id])

    def _update_dashboard(self, body, query, dashboard_id):
        unknown = set(body) - DASHBOARD_UPDATE_KEYS
        if unknown:
            raise ApiError(400, f"unknown keys {sorted(unknown)}")
        dashboard = self.dashboards[dashboard_id]
        for key in ("name", "description", "collection_id", "collection_position", "archived"):
            if key in body:
                dashboard[key] = body[key]
        if "parameters" in body:
            dashboard["parameters"] = copy.deepcopy(body["parameters"])
        if "dashcards" in body:
            dashboard["dashcards"] = self._save_dashcards(dashboard, body["dashcards"])
        return 200, copy.deepcopy(dashboard)

    def _save_dashcards(self, dashboard: dict, dashcards: list[dict]) -> list[dict]:
        """Positive ids update existing dashcards, negative ones create, absent ones go."""
        existing = {d["id"]: d for d in dashboard["dashcards"]}
        parameter_ids = {p["id"] for p in dashboard["parameters"]}
        saved = []
        for dashcard in dashcards:
            unknown = set(dashcard) - DASHCARD_KEYS
            missing = {"id", "size_x", "size_y", "row", "col"} - set(dashcard)
            if unknown or missing:
                raise ApiError(
                    400, f"dashcard keys: unknown {sorted(unknown)}, missing {sorted(missing)}"
                )
            card = self.cards.get(dashcard.get("card_id"))
            virtual = (dashcard.get("visualization_settings") or {}).get("virtual_card")
            if dashcard.get("card_id") is None and virtual is None:
                raise ApiError(400, "a dashcard without a card must be a virtual (text) card")
            if dashcard.get("card_id") is not None and (card is None or card["archived"]):
                raise ApiError(400, f"card {dashcard.get('card_id')} does not exist or is archived")
            for mapping in dashcard.get("parameter_mappings") or []:
                if mapping["parameter_id"] not in parameter_ids:
                    raise ApiError(400, f"unknown parameter {mapping['parameter_id']}")
            if dashcard["id"] < 0:
                entry = {**copy.deepcopy(dashcard), "id": self._new_id("dashcard")}
            elif dashcard["id"] in existing:
                entry = {**existing[dashcard["id"]], **copy.deepcopy(dashcard)}
            else:
                raise ApiError(404, f"dashcard {dashcard['id']} is not on this dashboard")
            saved.append(entry)
        return saved
