"""The whole provisioning run (log in, databases, read, plan, apply, permissions) and the
card check."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from cerebro.serving.dashboards.spec import SPECS_DIR, Dashboard, load_dashboards
from cerebro.serving.metabase.access import Access, load_access
from cerebro.serving.metabase.apply import apply_plan
from cerebro.serving.metabase.auth import connect
from cerebro.serving.metabase.client import MetabaseClient, MetabaseError
from cerebro.serving.metabase.context import ProvisioningContext
from cerebro.serving.metabase.current import CurrentState, items_of, read_current_state
from cerebro.serving.metabase.database import DatabaseOutcome, ensure_database
from cerebro.serving.metabase.layout import AGENCY, DesiredState, desired_state
from cerebro.serving.metabase.permissions import (
    Graphs,
    Targets,
    compare,
    create_groups,
    put_changes,
    read_groups,
)
from cerebro.serving.metabase.plan import Plan, make_plan
from cerebro.serving.metabase.requests import REQUESTS_DASHBOARD, model_key
from cerebro.serving.metabase.settings import MetabaseSettings, WarehouseConnection

#: The portfolio specs: same schema as metabase/dashboards, kept apart because they read every
#: tenant (no tenant filter) and only Metabase's agency group shows them.
PORTFOLIO_DIR = SPECS_DIR.parent / "portfolio"


def load_portfolio(directory=PORTFOLIO_DIR) -> list[Dashboard]:
    """The agency's portfolio specs (none when the folder is absent)."""
    return load_dashboards(directory) if directory.is_dir() else []


@dataclass
class ProvisionResult:
    url: str
    dry_run: bool
    plan: Plan
    #: Connection key (tenant id, or the agency's) -> what happened to its Metabase database.
    databases: dict[str, DatabaseOutcome]
    connections: dict[str, WarehouseConnection]
    calls: Counter
    set_up: bool = False
    needs_setup: bool = False
    api_key_saved: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def counts(self) -> dict[str, int]:
        return {action: self.plan.count(action) for action in ("create", "update", "archive")}

    def render(self, settings: MetabaseSettings) -> str:
        mode = "plan (dry run: nothing is changed)" if self.dry_run else "apply"
        lines = [f"Metabase {self.url} · {mode}"]
        if self.needs_setup:
            lines.append("  + first-user setup (Metabase has no admin yet)")
        if self.set_up:
            lines.append(f"  first-user setup done for {settings.admin_email}")
        if self.api_key_saved:
            lines.append(f"  API key saved to {settings.api_key_file}")
        lines += [self.databases[k].describe(c) for k, c in self.connections.items()]
        lines.append(self.plan.render())
        lines += [f"  note: {note}" for note in self.notes]
        by_method = ", ".join(f"{m} {n}" for m, n in sorted(self.calls.items()))
        lines.append(f"API calls: {self.total_calls} ({by_method})")
        return "\n".join(lines)

    def metadata(self) -> dict:
        """Numbers for the Dagster asset's materialization."""
        return {
            "metabase_url": self.url,
            "api_calls": self.total_calls,
            "api_calls_by_method": dict(self.calls),
            **{f"{action}d": n for action, n in self.counts().items()},
            "unchanged": sum(self.plan.unchanged.values()),
            "changes": [change.describe().strip() for change in self.plan.changes],
            "databases": {key: outcome.action for key, outcome in self.databases.items()},
            "permission_entries_set": len(self.plan.permissions),
            "notes": list(self.notes),
        }


def _connection(settings: MetabaseSettings, key: str) -> WarehouseConnection:
    if key == AGENCY:
        return settings.warehouse
    tenant_id, _, group = key.partition("/")
    return settings.group_connection(tenant_id, group) if group else settings.tenant_connection(key)


def _connections(settings: MetabaseSettings, desired: DesiredState) -> dict:
    """Each desired database's connection: the tenants' roles, each asking group's login
    (``<tenant>/<group>``, decision 0075), and the all-tenant reader for the portfolio."""
    return {key: _connection(settings, key) for key in desired.databases}


def _stale_databases(listed: list[dict], settings: MetabaseSettings, connections) -> dict:
    """Databases provisioning registered that no tenant uses any more (a tenant left the
    file, or the portfolio went): found by their name, ``Cerebro`` or ``Cerebro · <id>``."""
    base = settings.warehouse.display_name
    wanted = {c.display_name for c in connections.values()}
    return {
        db["name"]: db["id"]
        for db in listed
        if (db.get("name") == base or str(db.get("name", "")).startswith(f"{base} · "))
        and db.get("name") not in wanted
    }


def _apply_permissions(
    client: MetabaseClient,
    desired: DesiredState,
    plan: Plan,
    graphs: Graphs,
    targets: Targets,
    *,
    dry_run: bool,
) -> None:
    plan.permissions = compare(
        graphs, targets, desired.data_permissions, desired.collection_permissions
    )
    if not dry_run and plan.permissions:
        put_changes(client, graphs, targets, plan.permissions)


def provision(
    settings: MetabaseSettings,
    dashboards: list[Dashboard],
    context: ProvisioningContext,
    *,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    access: Access | None = None,
    portfolio: list[Dashboard] | None = None,
) -> ProvisionResult:
    """Make Metabase match the specs for every tenant of ``context`` (or, with ``dry_run``,
    only say what would change)."""
    access = access or load_access()
    portfolio = load_portfolio() if portfolio is None else portfolio
    desired = desired_state(dashboards, context, access, portfolio)
    connections = _connections(settings, desired)
    connection = connect(settings, dry_run=dry_run)
    client = connection.client
    if connection.needs_setup:
        # A fresh Metabase on a dry run: nothing to read, everything would be created.
        databases = {key: DatabaseOutcome("create", None) for key in connections}
        plan = make_plan(desired, CurrentState(), {}, {})
        current, stale = CurrentState(), {}
    else:
        listed = items_of(client.get("/api/database"))
        databases = {
            key: ensure_database(
                client,
                wanted,
                set(context.tables),
                dry_run=dry_run,
                timeout=settings.sync_timeout_seconds,
                sleep=sleep,
                databases=listed,
                # Only the asking groups' connections run actions (decisions 0063, 0075);
                # the tenants' readers and the agency's all-tenant reader only read.
                enable_actions="/" in key,
            )
            for key, wanted in connections.items()
        }
        stale = _stale_databases(listed, settings, connections)
        current = read_current_state(client)
        groups = read_groups(client)
        graphs = Graphs().read(client)
        ids = {k: o.database_id for k, o in databases.items() if o.database_id is not None}
        plan = make_plan(desired, current, ids, groups)
        collection_ids = {key: c["id"] for key, c in current.collections.items()}
        if not dry_run:
            collection_ids = apply_plan(plan, desired, current, client, ids, archives=False)
            created = create_groups(client, groups, [g.name for g in desired.groups])
            if (
                created
                or plan.count("create")
                or any(o.action == "create" for o in databases.values())
            ):
                # New objects got Metabase's default permissions (a collection copies its
                # parent's, a database is open to All Users): compare with those.
                graphs.read(client)
        targets = Targets(
            groups=groups,
            group_keys={g.name: g.key for g in desired.groups},
            databases={**ids, **stale},
            collections=collection_ids,
        )
        _apply_permissions(client, desired, plan, graphs, targets, dry_run=dry_run)
        if not dry_run:
            apply_plan(plan, desired, current, client, ids, archives=True)
    notes = [*connection.notes, *context.notes, *current.duplicates]
    notes += [n for outcome in databases.values() for n in outcome.notes]
    notes += [
        f"database “{name}” serves no tenant of the tenants file: every group's access to it "
        "was removed; delete it in Metabase's admin once its archived questions are not needed"
        for name in stale
    ]
    return ProvisionResult(
        url=settings.url,
        dry_run=dry_run,
        plan=plan,
        databases=databases,
        connections=connections,
        calls=client.calls,
        set_up=connection.set_up,
        needs_setup=connection.needs_setup,
        api_key_saved=connection.api_key_saved,
        notes=notes,
    )


@dataclass(frozen=True)
class CardRun:
    """One card's query run through Metabase: ``error`` is None when it succeeded."""

    key: str
    card_id: int | None
    error: str | None = None
    rows: int | None = None


def run_cards(
    settings: MetabaseSettings,
    dashboards: list[Dashboard],
    tenant_ids: tuple[str, ...] | list[str],
    portfolio: list[Dashboard] | None = None,
    access: Access | None = None,
) -> tuple[list[CardRun], int]:
    """Run every card's saved question for every tenant and the portfolio (``POST
    /api/card/:id/query``, with its default parameters, through the card's own connection)
    and return each outcome and the number of API calls."""
    portfolio = load_portfolio() if portfolio is None else portfolio
    expected = [
        f"{prefix}/{dashboard.key}/{card.key}"
        for prefix, specs in [*((t, dashboards) for t in tenant_ids), (AGENCY, portfolio)]
        for dashboard in specs
        for card in dashboard.cards
    ]
    if any(dashboard.key == REQUESTS_DASHBOARD for dashboard in dashboards):
        # Each tenant's requests model too, and each asking group's on its own login: they
        # read ops.action_requests (decisions 0063, 0075).
        groups = [None, *(access or load_access()).request_kinds()]
        expected += [model_key(tenant_id, group) for tenant_id in tenant_ids for group in groups]
    connection = connect(settings, dry_run=True)
    if connection.needs_setup:
        raise MetabaseError("Metabase has no admin yet: run `cerebro metabase apply` first")
    client = connection.client
    cards = read_current_state(client).cards
    runs = []
    for key in expected:
        found = cards.get(key)
        if found is None:
            runs.append(CardRun(key, None, "not in Metabase: run `cerebro metabase apply`"))
            continue
        answer = client.post(f"/api/card/{found['id']}/query", {"ignore_cache": True})
        # A failing query is HTTP 202 with status "failed" and the database's message.
        if answer.get("status") == "failed" or answer.get("error"):
            runs.append(CardRun(key, found["id"], str(answer.get("error") or "failed")))
        else:
            runs.append(CardRun(key, found["id"], rows=answer.get("row_count")))
    return runs, client.total_calls
