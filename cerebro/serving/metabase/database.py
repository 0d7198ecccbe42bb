"""The warehouse as a Metabase database: registered once (found again by name), connected as
the read-only role, restricted to the marts schema, and synced before cards are saved.

Endpoints: ``GET/POST /api/database``, ``PUT /api/database/:id``,
``GET /api/database/:id?include=tables`` (``initial_sync_status``, tables) and
``POST /api/database/:id/sync_schema``. Native questions run without Metabase's metadata, so
a table the sync has not seen yet is a warning (the browser will not list it), not an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cerebro.serving.metabase.client import (
    MetabaseApiError,
    MetabaseClient,
    MetabaseError,
    MetabaseSetupError,
)
from cerebro.serving.metabase.current import items_of
from cerebro.serving.metabase.settings import WarehouseConnection

#: The first wait between two polls of a sync, doubled up to POLL_SECONDS: a schema of a few
#: dozen marts syncs within a second, and a large one is not asked four times a second.
FIRST_POLL_SECONDS = 0.25
#: The longest wait between two polls.
POLL_SECONDS = 2.0
#: How long to wait for a schema sync to show new marts (the first sync has its own timeout).
RESYNC_SECONDS = 60.0
#: The connection fields compared on re-runs (Metabase never returns the password).
#: Metabase's database-local setting that allows actions on a database.
ACTIONS_SETTING = "database-enable-actions"
COMPARED = ("host", "port", "dbname", "user", "schema-filters-type", "schema-filters-patterns")


@dataclass
class DatabaseOutcome:
    action: str  # "create", "update" or "none"
    database_id: int | None
    fields: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    def describe(self, connection: WarehouseConnection) -> str:
        where = (
            f"postgres://{connection.user}@{connection.host}:{connection.port}/"
            f"{connection.database} (schema {connection.schema})"
        )
        detail = f" ({', '.join(self.fields)})" if self.fields else ""
        verb = {"create": "+ create", "update": "~ update", "none": "= unchanged"}[self.action]
        return f"  {verb} database “{connection.display_name}” {where}{detail}"


def details(connection: WarehouseConnection) -> dict:
    return {
        "host": connection.host,
        "port": connection.port,
        "dbname": connection.database,
        "user": connection.user,
        "password": connection.password,
        "ssl": False,
        # Metabase syncs (and lists in its data browser) only the marts.
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": connection.schema,
    }


def _changed_fields(current: dict, connection: WarehouseConnection) -> tuple[str, ...]:
    want, have = details(connection), current.get("details") or {}
    return tuple(key for key in COMPARED if str(have.get(key)) != str(want[key]))


def _require_password(connection: WarehouseConnection) -> None:
    if not connection.password:
        raise MetabaseSetupError(
            f"registering the warehouse in Metabase as {connection.user} needs that role's "
            f"password: set {connection.password_variable}"
        )


def _connected(request: Callable[[], dict], connection: WarehouseConnection) -> dict:
    """Make a create or update request and return its answer. Metabase first connects with
    the details and answers HTTP 400 with its reason when it cannot (warehouses/api.clj): say
    which connection and what to check, in one line."""
    try:
        return request()
    except MetabaseApiError as error:
        if error.status != 400:
            raise
        raise MetabaseSetupError(
            f"Metabase cannot connect to the warehouse as {connection.user}@{connection.host}:"
            f"{connection.port}/{connection.database} (“{connection.display_name}”): "
            f"{error.message.rstrip('.')}. Check {connection.password_variable} (the role's "
            "password), "
            f"that the role {connection.user} exists, and that Metabase reaches "
            f"{connection.host}:{connection.port} (METABASE_WAREHOUSE_HOST, _PORT, _DATABASE)"
        ) from None


def poll_waits(timeout: float) -> list[float]:
    """The waits between the polls of a sync: doubling from FIRST_POLL_SECONDS up to
    POLL_SECONDS, as many as add up to ``timeout`` (at least one)."""
    waits, wait = [], FIRST_POLL_SECONDS
    while not waits or sum(waits) < timeout:
        waits.append(wait)
        wait = min(2 * wait, POLL_SECONDS)
    return waits


def _synced_tables(
    client: MetabaseClient,
    database_id: int,
    schema: str,
    needed: set[str],
    timeout: float,
    sleep: Callable[[float], None],
) -> set[str]:
    """Wait for the first sync to complete, then for the ``needed`` tables (or the timeout).
    Polls a fixed number of times, so that an injected ``sleep`` also bounds the wait."""
    for wait in (0.0, *poll_waits(timeout)):
        if wait:
            sleep(wait)
        answer = client.get(f"/api/database/{database_id}", include="tables")
        status = answer.get("initial_sync_status")
        if status == "aborted":
            raise MetabaseError(
                f"Metabase could not sync database {database_id}: check the read-only role "
                "and that Metabase can reach the warehouse"
            )
        tables = {t["name"] for t in answer.get("tables") or [] if t.get("schema") == schema}
        if status == "complete" and needed <= tables:
            return tables
    if status != "complete":
        raise MetabaseError(
            f"Metabase's first sync of database {database_id} did not finish in "
            f"{timeout:.0f} s (status {status!r})"
        )
    return tables


def ensure_database(
    client: MetabaseClient,
    connection: WarehouseConnection,
    needed_tables: set[str],
    *,
    dry_run: bool,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    databases: list[dict] | None = None,
    enable_actions: bool = False,
) -> DatabaseOutcome:
    """Register (or re-point) the warehouse and make sure Metabase has synced it.
    ``databases``: ``GET /api/database``'s answer when the caller has read it already.
    ``enable_actions``: turn on Metabase's actions for it (the database-local setting
    ``database-enable-actions``, without which Metabase refuses to create or run an action:
    ``check-actions-enabled-for-database!`` in src/metabase/actions/actions.clj)."""
    if databases is None:
        databases = items_of(client.get("/api/database"))
    existing = next(
        (
            db
            for db in databases
            if db.get("name") == connection.display_name and db.get("engine") == "postgres"
        ),
        None,
    )
    if existing is None:
        outcome = DatabaseOutcome("create", None)
        if dry_run:
            return outcome
        _require_password(connection)
        body = {
            "engine": "postgres",
            "name": connection.display_name,
            "details": details(connection),
            "is_full_sync": True,
            "auto_run_queries": True,
            **({"settings": {ACTIONS_SETTING: True}} if enable_actions else {}),
        }
        created = _connected(lambda: client.post("/api/database", body), connection)
        outcome.database_id = created["id"]
    else:
        changed = _changed_fields(existing, connection)
        settings = existing.get("settings") or {}
        # Turned on, never off: a tenant's reader connection that ran actions before decision
        # 0075 keeps the setting so that its old actions can still be archived (Metabase
        # refuses to change an action on a database without actions); its login asks nothing.
        actions = enable_actions and settings.get(ACTIONS_SETTING) is not True
        fields = (*changed, *(("actions",) if actions else ()))
        outcome = DatabaseOutcome("update" if fields else "none", existing["id"], fields)
        if dry_run:
            return outcome
        if changed:
            _require_password(connection)
            path, body = f"/api/database/{existing['id']}", {"details": details(connection)}
            _connected(lambda: client.put(path, body), connection)
        if actions:
            client.put(
                f"/api/database/{existing['id']}",
                {"settings": {**settings, ACTIONS_SETTING: True}},
            )
    tables = _synced_tables(client, outcome.database_id, connection.schema, set(), timeout, sleep)
    missing = needed_tables - tables
    if missing:
        # New marts since the last sync: ask for a schema sync and give it time.
        client.post(f"/api/database/{outcome.database_id}/sync_schema")
        tables = _synced_tables(
            client,
            outcome.database_id,
            connection.schema,
            needed_tables,
            min(timeout, RESYNC_SECONDS),
            sleep,
        )
        still = sorted(needed_tables - tables)
        if still:
            outcome.notes.append(
                f"Metabase has not synced {', '.join(still)} yet (the questions run anyway)"
            )
    return outcome
