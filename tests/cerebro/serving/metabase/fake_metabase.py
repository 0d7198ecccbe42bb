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

Four behaviours of the real server (v0.64, the version docker-compose.yml pins), each read in
Metabase's source (github.com/metabase/metabase) and restated here, not copied:

- **Connection test** (``src/metabase/warehouses/api.clj``, ``POST /`` and ``PUT /:id`` with
  ``test-connection-details`` / ``test-database-connection``): a new database, or changed
  ``details``, is connected to first; on failure the answer is HTTP 400 with the humanized
  error (``src/metabase/driver/util.clj``, ``connection-error-messages``; the PostgreSQL
  driver's ``humanize-connection-error-message`` in ``src/metabase/driver/postgres.clj``). A
  ``details.password`` of ``**MetabasePass**`` on a PUT keeps the stored one
  (``upsert-sensitive-fields``); other details replace the stored ones whole. The fake knows
  the warehouse's hosts, databases and roles (``warehouse``); Metabase's opportunistic SSL
  attempt is not modelled (the compose PostgreSQL has no SSL).
- **Visualization-settings migration** (``src/metabase/models/interface.clj``,
  ``migrate-viz-settings`` with ``viz-settings-current-version`` 2, applied when cards and
  dashcards are saved and read): settings without ``version`` are version 1; ``pie.show_legend``
  true becomes ``pie.percent_visibility: "inside"`` (else ``pie.show_legend_perecent`` [sic]
  true becomes "legend"), a click behaviour's ``linkType`` "page" becomes "dashboard", and
  ``version: 2`` is added, only when something changed.
- **Asynchronous search indexing** (``src/metabase/search/ingestion.clj``): changes reach the
  search index through a delay queue (100 ms per message, batches of up to 50), so
  ``GET /api/search`` does not show a dashboard created or changed moments ago. The fake counts
  requests instead of time: a change shows in search after ``search_lag`` further requests.
  ``GET /api/collection/:id/items`` reads the application database and is current at once.
- **Actions** (``src/metabase/actions/api.clj``, ``POST /`` and ``PUT /:id``;
  ``check-actions-enabled-for-database!`` in ``src/metabase/actions/actions.clj``; the
  before-insert checks of ``src/metabase/actions/models.clj``): an action needs a string
  ``name`` and a positive ``model_id`` naming a card (404 otherwise); ``type`` is ``http``,
  ``query`` or ``implicit``; a query action needs ``database_id``; an implicit one needs a
  card of type ``model``; each database the action runs on (its model's, and
  ``database_id``) must have the database-local setting ``database-enable-actions`` true, else
  400 "Actions are not enabled."; a query action's database is its query's. ``GET /api/action``
  lists the unarchived actions of unarchived models. A dashcard's ``action_id`` must name an
  action (a foreign key in Metabase's database). Database ``settings`` are stored and merged.
  The API stores an action's form settings as given; what the form can draw is the
  frontend's ``FieldSettings`` (``frontend/src/metabase-types/api/actions.ts``: ``inputType``
  one of ``InputSettingType``, ``valueOptions`` a list of strings or numbers), which
  ``form_problems`` checks for the tests, not the API. Running an action from a dashboard
  (``POST /api/dashboard/:id/dashcard/:dashcard-id/execute`` in
  ``src/metabase/dashboards_rest/api.clj``, ``execute-dashcard!`` in
  ``src/metabase/actions/execution.clj``, ``check-query-action-permissions*`` in
  ``src/metabase/query_processor/middleware/permissions.clj``) needs read on the dashboard and
  on the model, and actions enabled on the action's databases; the query runs as the login of
  the action's database, so what it may insert is the warehouse's to say.
- **Date styles** (``::date-style`` in ``src/metabase/models/visualization_settings.cljc``;
  ``DATE_STYLE_TO_FORMAT`` in ``frontend/src/metabase/lib/formatting/date.tsx``): six styles.
  The API stores any string; the browser, drawing a column with another style, logs "Unknown
  date style" and uses the style text itself as the format. The fake stores it too and keeps
  what the browser would log in ``browser_warnings``.
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
#: Metabase's current visualization-settings version (``viz-settings-current-version``).
VIZ_SETTINGS_VERSION = 2
#: The date styles Metabase's frontend and its settings spec know.
DATE_STYLES = {
    "M/D/YYYY", "D/M/YYYY", "YYYY/M/D", "MMMM D, YYYY", "D MMMM, YYYY", "dddd, MMMM D, YYYY",
}  # fmt: skip
#: What Metabase answers in place of a stored password, and accepts back as "unchanged".
PASSWORD_MASK = "**MetabasePass**"
#: Connection failures as Metabase answers them (driver/util.clj's humanized messages; the
#: unresolvable host and the missing password are PgJDBC's own texts, which the PostgreSQL
#: driver's humanizer passes through unchanged).
CONNECTION_ERRORS = {
    "host": {"message": "The connection attempt failed."},
    "port": {
        "message": "Hmm, we couldn't connect to the database. Make sure your Host and Port "
        "settings are correct",
        "errors": {"host": "check your host settings", "port": "check your port settings"},
    },
    "dbname": {
        "message": "Looks like the Database name is incorrect.",
        "errors": {"dbname": "check your database name settings"},
    },
    "user": {
        "message": "Looks like your Username is incorrect.",
        "errors": {"user": "check your username"},
    },
    "no-password": {
        "message": "The server requested password-based authentication, but no password was "
        "provided."
    },
    "password": {
        "message": "Looks like your Password is incorrect.",
        "errors": {"password": "check your password"},
    },
}
DASHCARD_KEYS = {
    "id", "size_x", "size_y", "row", "col", "card_id", "action_id", "dashboard_tab_id",
    "parameter_mappings", "visualization_settings", "inline_parameters", "series",
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, status: int, message, *, text: bool = False, body=None) -> None:
        super().__init__(message)
        self.status, self.message, self.text, self.body = status, message, text, body


def migrate_visualization_settings(settings: dict | None) -> dict:
    """Version 1 settings (no ``version``) brought to version 2, as Metabase does on save and
    on read; unchanged (and no ``version`` added) when the migration changes nothing."""
    settings = copy.deepcopy(settings or {})
    if not settings or settings.get("version", 1) >= VIZ_SETTINGS_VERSION:
        return settings
    migrated = dict(settings)
    if settings.get("pie.show_legend"):
        migrated["pie.percent_visibility"] = "inside"
    elif settings.get("pie.show_legend_perecent"):
        migrated["pie.percent_visibility"] = "legend"
    click = settings.get("click_behavior")
    if isinstance(click, dict) and click.get("linkType") == "page":
        migrated["click_behavior"] = {**click, "linkType": "dashboard"}
    if migrated != settings:
        migrated["version"] = VIZ_SETTINGS_VERSION
    return migrated


def unknown_date_styles(settings: dict | None) -> list[tuple[str, str]]:
    """(column key, style) of every column formatted with a date style Metabase lacks."""
    columns = (settings or {}).get("column_settings") or {}
    return [
        (column, entry["date_style"])
        for column, entry in columns.items()
        if isinstance(entry, dict) and "date_style" in entry
        and entry["date_style"] not in DATE_STYLES
    ]  # fmt: skip


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
        warehouse: dict | None = None,
        search_lag: int = 50,
    ) -> None:
        self.users = {admin[0]: admin[1]} if admin else {}
        self.setup_token = "0f3c2a7e-setup-token"
        self.sessions: set[str] = set()
        self.api_keys: dict[int, dict] = {}
        self.databases: dict[int, dict] = {}
        self.collections: dict[int, dict] = {}
        self.cards: dict[int, dict] = {}
        self.dashboards: dict[int, dict] = {}
        self.actions: dict[int, dict] = {}
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
        #: What Metabase can reach: ``{"hosts": {host: port}, "databases": {name},
        #: "roles": {user: password}}`` (``None``: every connection succeeds).
        self.warehouse = warehouse
        #: Requests after which a dashboard's change shows in ``GET /api/search``.
        self.search_lag = search_lag
        #: The search index: dashboard id -> the document as last indexed.
        self.search_index: dict[int, dict] = {}
        #: Changes waiting to be indexed: (request number due, dashboard id).
        self._index_queue: list[tuple[int, int]] = []
        #: What a browser drawing the cards would log (an unknown date style).
        self.browser_warnings: list[str] = []
        #: Substrings that make a card's query fail, with the database's message.
        self.failing_sql: dict[str, str] = {}
        #: Cards (by their ``[cerebro:key=…]`` marker) whose query fails, with the message.
        self.failing_cards: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        #: Actions run from a dashboard: (the login its database connects as, SQL, parameters).
        self.executed: list[tuple[str, str, dict]] = []
        self._failures: list[tuple[str, re.Pattern, int, str]] = []
        #: What a card's SQL returns when exported: SQL -> (column titles, rows).
        self.results: dict[str, tuple[list[str], list[list]]] = {}
        self._caller_group = ADMIN_GROUP_ID
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
        self._index_due()
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
                    groups = [int(g) if g.isdigit() else g for g in match.groups()]
                    status, payload = handler(body, query, *groups)
                    return status, payload, False
            raise ApiError(404, f"no route {method} {path}")
        except ApiError as error:
            if error.body is not None:
                return error.status, error.body, False
            payload = error.message if error.text else {"message": error.message}
            return error.status, payload, error.text

    def _authenticate(self, headers) -> None:
        session, key = headers.get("X-Metabase-Session"), headers.get("x-api-key")
        if session in self.sessions:
            # Sessions are the admin's: the fake has one user.
            self._caller_group = ADMIN_GROUP_ID
            return
        found = next((k for k in self.api_keys.values() if key and k["key"] == key), None)
        if found is not None:
            # An API key acts with its group's permissions.
            self._caller_group = found.get("group_id", ADMIN_GROUP_ID)
            return
        raise ApiError(401, "Unauthenticated", text=True)

    def add_api_key(self, name: str, group_id: int) -> str:
        """A key in any group (``POST /api/api-key`` here takes the admin group only): what a
        user of that group could do through the API."""
        key_id = self._new_id("api_key")
        key = f"mb_groupkey{key_id:04d}xyz"
        self.api_keys[key_id] = {"name": name, "key": key, "group_id": group_id}
        return key

    def _can_read(self, collection_id) -> bool:
        """Whether the caller's group (or All Users) reads the collection; admins read all.
        ``GET /api/collection`` lists only those (collections_rest/api.clj)."""
        group = self._caller_group
        if group == ADMIN_GROUP_ID:
            return True
        where = collection_id or "root"
        levels = {self.collection_level(g, where) for g in (group, ALL_USERS_GROUP_ID)}
        return bool(levels & {"read", "write"})

    def _check_read(self, collection_id) -> None:
        """Reading a collection or its cards needs read or write on it (``api/read-check``):
        else 403 with Metabase's plain-text body."""
        if not self._can_read(collection_id):
            raise ApiError(403, "You don't have permissions to do that.", text=True)

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
            ("POST", f"/api/card/{integer}/query/([a-z]+)", self._export_card, False),
            ("POST", "/api/dashboard", self._create_dashboard, False),
            ("GET", f"/api/dashboard/{integer}", self._get_dashboard, False),
            ("PUT", f"/api/dashboard/{integer}", self._update_dashboard, False),
            ("GET", "/api/action", self._list_actions, False),
            ("POST", "/api/action", self._create_action, False),
            ("GET", f"/api/action/{integer}", self._get_action, False),
            ("PUT", f"/api/action/{integer}", self._update_action, False),
            ("POST", f"/api/dashboard/{integer}/dashcard/{integer}/execute",
             self._execute_dashcard, False),
        ]  # fmt: skip

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

    def _queue_index(self, dashboard_id: int) -> None:
        self._index_queue.append((len(self.calls) + self.search_lag, dashboard_id))

    def _index_due(self) -> None:
        """Index the queued changes whose time (in requests) has come."""
        due = [d for n, d in self._index_queue if n <= len(self.calls)]
        self._index_queue = [(n, d) for n, d in self._index_queue if n > len(self.calls)]
        for dashboard_id in due:
            d = self.dashboards[dashboard_id]
            self.search_index[dashboard_id] = {
                "model": "dashboard", "id": d["id"], "name": d["name"],
                "description": d["description"], "archived": d["archived"],
                "collection": {"id": d["collection_id"]},
            }  # fmt: skip

    def index_now(self) -> None:
        """Let the indexer catch up (as if enough time had passed)."""
        self._index_queue = [(0, d) for _, d in self._index_queue]
        self._index_due()

    def _search(self, body, query):
        models = set(query.get("models", ["dashboard", "card", "collection"]))
        found = [
            copy.deepcopy(doc) for doc in self.search_index.values() if not doc["archived"]
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
        answer["details"]["password"] = PASSWORD_MASK
        return answer

    def _list_databases(self, body, query):
        data = [self._public_database(d) for d in self.databases.values()]
        return 200, {"data": data, "total": len(data)}

    def _connection_error(self, details: dict) -> dict | None:
        """Metabase's answer when it cannot connect with ``details`` (None: it can)."""
        if self.warehouse is None:
            return None
        hosts = self.warehouse.get("hosts", {})
        if details.get("host") not in hosts:
            return CONNECTION_ERRORS["host"]
        if str(details.get("port")) != str(hosts[details["host"]]):
            return CONNECTION_ERRORS["port"]
        if details.get("dbname") not in self.warehouse.get("databases", set()):
            return CONNECTION_ERRORS["dbname"]
        roles = self.warehouse.get("roles", {})
        if details.get("user") not in roles:
            return CONNECTION_ERRORS["user"]
        if not details.get("password"):
            return CONNECTION_ERRORS["no-password"]
        if details["password"] != roles[details["user"]]:
            return CONNECTION_ERRORS["password"]
        return None

    def _create_database(self, body, query):
        if not body.get("name") or body.get("engine") != "postgres":
            raise ApiError(400, "name and engine (postgres) are required")
        details = dict(body.get("details") or {})
        failure = self._connection_error(details)
        if failure is not None:
            raise ApiError(400, failure["message"], body=copy.deepcopy(failure))
        database_id = self._new_id("database")
        self.databases[database_id] = {
            "id": database_id,
            "name": body["name"],
            "engine": body["engine"],
            "details": details,
            "initial_sync_status": "incomplete",
            "tables": [],
            "polls": 0,
            "settings": copy.deepcopy(body.get("settings") or {}),
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
        database = self.databases[database_id]
        if body.get("details") is not None:
            details = dict(body["details"])
            if details.get("password") == PASSWORD_MASK:
                details["password"] = database["details"].get("password")
            if details != database["details"]:
                failure = self._connection_error(details)
                if failure is not None:
                    raise ApiError(400, failure["message"], body=copy.deepcopy(failure))
            database["details"] = details
        if body.get("settings") is not None:
            database["settings"] = {**database.get("settings", {}), **body["settings"]}
        return 200, self._public_database(database)

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
        readable = [c for c in self.live(self.collections) if self._can_read(c["id"])]
        return 200, [root, personal, *copy.deepcopy(readable)]

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
        if collection_id not in self.collections:
            raise ApiError(404, "Not found.", text=True)
        self._check_read(collection_id)
        models = set(query.get("models", ["card", "dashboard"]))
        items = []
        if "card" in models:
            items += [
                {
                    "id": c["id"],
                    "name": c["name"],
                    "description": c.get("description"),
                    "model": "dataset" if c.get("type") == "model" else "card",
                    "database_id": c["database_id"],
                    "collection_position": c.get("collection_position"),
                }
                for c in self.live(self.cards)
                if c.get("collection_id") == collection_id
            ]
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

    def _save_settings(self, card: dict) -> None:
        """Store a card's settings as Metabase does (migrated) and note what a browser drawing
        it would log."""
        card["visualization_settings"] = migrate_visualization_settings(
            card.get("visualization_settings")
        )
        for column, style in unknown_date_styles(card["visualization_settings"]):
            self.browser_warnings.append(
                f"card {card['id']} column {column}: Unknown date style {style!r}"
            )

    def _create_card(self, body, query):
        self._check_card(body, creating=True)
        card_id = self._new_id("card")
        self.cards[card_id] = {
            "id": card_id,
            "archived": False,
            "database_id": body["dataset_query"]["database"],
            **copy.deepcopy(body),
        }
        self._save_settings(self.cards[card_id])
        return 200, _mbql5(self.cards[card_id])

    def _get_card(self, body, query, card_id):
        if card_id not in self.cards:
            raise ApiError(404, "Not found.")
        self._check_read(self.cards[card_id].get("collection_id"))
        return 200, _mbql5(self.cards[card_id])

    def _update_card(self, body, query, card_id):
        self._check_card(body, creating=False)
        card = self.cards[card_id]
        card.update(copy.deepcopy(body))
        if "dataset_query" in body:
            card["database_id"] = body["dataset_query"]["database"]
        if "visualization_settings" in body:
            self._save_settings(card)
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

    def _export_card(self, body, query, card_id, export_format):
        """``POST /api/card/:card-id/query/:export-format`` (queries_rest/api/card.clj): the
        whole result (no row limit) as a file; ``json`` is an array of one object per row keyed
        by the column titles (query_processor/streaming/json.clj). Unknown or archived card:
        404 "Not found." as text; a card the caller cannot read: 403."""
        if export_format not in {"csv", "json", "xlsx", "api"}:
            raise ApiError(400, f"export-format: invalid format {export_format!r}")
        if export_format != "json":
            raise ApiError(400, f"the fake exports json only, not {export_format}")
        card = self.cards.get(card_id)
        if card is None or card["archived"]:
            raise ApiError(404, "Not found.", text=True)
        self._check_read(card.get("collection_id"))
        if not isinstance((body or {}).get("format_rows", False), bool):
            raise ApiError(400, "format_rows: value must be a valid boolean string")
        titles, rows = self.results.get(card["dataset_query"]["native"]["query"], ([], []))
        return 200, [dict(zip(titles, row, strict=True)) for row in rows]

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
        self._queue_index(dashboard_id)
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
        self._queue_index(dashboard_id)
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
            if dashcard.get("action_id") is not None and dashcard["action_id"] not in self.actions:
                raise ApiError(400, f"action {dashcard['action_id']} does not exist")
            for mapping in dashcard.get("parameter_mappings") or []:
                if mapping["parameter_id"] not in parameter_ids:
                    raise ApiError(400, f"unknown parameter {mapping['parameter_id']}")
            if dashcard["id"] < 0:
                entry = {**copy.deepcopy(dashcard), "id": self._new_id("dashcard")}
            elif dashcard["id"] in existing:
                entry = {**existing[dashcard["id"]], **copy.deepcopy(dashcard)}
            else:
                raise ApiError(404, f"dashcard {dashcard['id']} is not on this dashboard")
            entry["visualization_settings"] = migrate_visualization_settings(
                entry.get("visualization_settings")
            )
            saved.append(entry)
        return saved

    # Actions --------------------------------------------------------------------------------

    def _check_actions_enabled(self, database_id) -> None:
        database = self.databases.get(database_id)
        if database is None or not (database.get("settings") or {}).get("database-enable-actions"):
            raise ApiError(400, "Actions are not enabled.")

    def _action_databases(self, action: dict) -> list:
        """The databases an action runs on: its query's for a query action, its model's."""
        model = self.cards[action["model_id"]]
        query = action.get("dataset_query") or {}
        return [model["database_id"], query.get("database") or action.get("database_id")]

    def _list_actions(self, body, query):
        models = {c["id"] for c in self.live(self.cards)}
        if "model-id" in query:
            models &= {int(query["model-id"][0])}
        return 200, [copy.deepcopy(a) for a in self.live(self.actions) if a["model_id"] in models]

    def _get_action(self, body, query, action_id):
        action = self.actions.get(action_id)
        if action is None or action["archived"]:
            raise ApiError(404, "Not found.")
        return 200, copy.deepcopy(action)

    def _create_action(self, body, query):
        if not isinstance(body.get("name"), str):
            raise ApiError(400, "name: value must be a string.")
        model_id = body.get("model_id")
        if not isinstance(model_id, int) or model_id < 1:
            raise ApiError(400, "model_id: value must be an integer greater than zero.")
        kind = body.get("type")
        if kind is not None and kind not in {"http", "query", "implicit"}:
            raise ApiError(400, "type: Unsupported action type")
        if kind == "query" and body.get("database_id") is None:
            raise ApiError(400, "Must provide a database_id for query actions")
        model = self.cards.get(model_id)
        if model is None:
            raise ApiError(404, "Not found.")
        for database_id in (model["database_id"], body.get("database_id")):
            if database_id is not None:
                self._check_actions_enabled(database_id)
        if kind == "implicit" and model.get("type") != "model":
            raise ApiError(400, "Actions must be made with models, not cards.")
        action_id = self._new_id("action")
        action = {"id": action_id, "archived": False, "parameters": [],
                  "visualization_settings": {}, **copy.deepcopy(body)}  # fmt: skip
        action["collection_id"] = model.get("collection_id")
        if (action.get("dataset_query") or {}).get("database") is not None:
            action["database_id"] = action["dataset_query"]["database"]
        self.actions[action_id] = action
        return 200, copy.deepcopy(action)

    def _execute_dashcard(self, body, query, dashboard_id, dashcard_id):
        """``POST /api/dashboard/:id/dashcard/:dashcard-id/execute``: the caller must read the
        dashboard (``api/read-check``), the dashcard must be on it with an action (404), the
        action's databases must allow actions (``check-actions-enabled!``), and the caller must
        read the model (``check-query-action-permissions*`` binds ``*card-id*`` to the model and
        checks its read perms; view-data is unrestricted in open-source Metabase, so no data
        level is needed). The fake cannot run SQL: it records which login the action's
        database connects as, the SQL and the parameters in ``executed``, for a test to run
        on a real warehouse."""
        dashboard = self.dashboards.get(dashboard_id)
        if dashboard is None or dashboard["archived"]:
            raise ApiError(404, "Not found.")
        self._check_read(dashboard.get("collection_id"))
        dashcard = next((d for d in dashboard["dashcards"] if d["id"] == dashcard_id), None)
        action = self.actions.get((dashcard or {}).get("action_id"))
        if action is None or action["archived"]:
            raise ApiError(404, "Not found.")
        for database_id in self._action_databases(action):
            self._check_actions_enabled(database_id)
        self._check_read(self.cards[action["model_id"]].get("collection_id"))
        parameters = (body or {}).get("parameters") or {}
        database = self.databases[action["database_id"]]
        self.executed.append(
            (database["details"]["user"], action["dataset_query"]["native"]["query"], parameters)
        )
        return 200, {"rows-affected": 1}

    #: ``InputSettingType`` (frontend/src/metabase-types/api/actions.ts).
    INPUT_TYPES = frozenset(
        {"date", "time", "datetime", "string", "text", "number", "select", "radio", "boolean"}
    )

    def form_problems(self, action: dict) -> list[str]:
        """What an action's form settings say that the frontend's ``FieldSettings`` type
        cannot draw: an unknown input type, a choice without options, a field of no
        parameter."""
        problems = []
        parameters = {p.get("id") for p in action.get("parameters") or []}
        fields = (action.get("visualization_settings") or {}).get("fields") or {}
        for field_id, field in fields.items():
            if field_id not in parameters:
                problems.append(f"{field_id}: no parameter has this id")
            if field.get("inputType") not in self.INPUT_TYPES:
                problems.append(f"{field_id}: inputType {field.get('inputType')!r}")
            options = field.get("valueOptions")
            if field.get("inputType") in {"select", "radio"} and not options:
                problems.append(f"{field_id}: a {field['inputType']} without valueOptions")
            if options is not None and not all(
                isinstance(o, str | int | float) and not isinstance(o, bool) for o in options
            ):
                problems.append(f"{field_id}: valueOptions must be strings or numbers")
        return problems

    def _update_action(self, body, query, action_id):
        action = self.actions.get(action_id)
        if action is None:
            raise ApiError(404, "Not found.")
        for database_id in self._action_databases(action):
            self._check_actions_enabled(database_id)
        action.update(copy.deepcopy(body))
        if (action.get("dataset_query") or {}).get("database") is not None:
            action["database_id"] = action["dataset_query"]["database"]
        if body.get("archived"):
            # Archiving an action removes its dashcards (actions/models.clj, update*!).
            for dashboard in self.dashboards.values():
                dashboard["dashcards"] = [
                    d for d in dashboard["dashcards"] if d.get("action_id") != action_id
                ]
        return 200, copy.deepcopy(action)
