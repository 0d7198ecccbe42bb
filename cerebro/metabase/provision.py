"""The whole provisioning run (log in, database, read, plan, apply) and the card check."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from cerebro.dashboards.spec import Dashboard
from cerebro.metabase.apply import apply_plan
from cerebro.metabase.auth import connect
from cerebro.metabase.client import MetabaseError
from cerebro.metabase.context import ProvisioningContext
from cerebro.metabase.current import CurrentState, read_current_state
from cerebro.metabase.database import DatabaseOutcome, ensure_database
from cerebro.metabase.desired import desired_state
from cerebro.metabase.plan import Plan, make_plan
from cerebro.metabase.settings import MetabaseSettings


@dataclass
class ProvisionResult:
    url: str
    dry_run: bool
    plan: Plan
    database: DatabaseOutcome
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
        lines.append(self.database.describe(settings.warehouse))
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
            "database": self.database.action,
            "notes": list(self.notes),
        }


def provision(
    settings: MetabaseSettings,
    dashboards: list[Dashboard],
    context: ProvisioningContext,
    *,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> ProvisionResult:
    """Make Metabase match the specs (or, with ``dry_run``, only say what would change)."""
    connection = connect(settings, dry_run=dry_run)
    client = connection.client
    if connection.needs_setup:
        # A fresh Metabase on a dry run: nothing to read, everything would be created.
        database, current = DatabaseOutcome("create", None), CurrentState()
    else:
        database = ensure_database(
            client,
            settings.warehouse,
            set(context.tables),
            dry_run=dry_run,
            timeout=settings.sync_timeout_seconds,
            sleep=sleep,
        )
        current = read_current_state(client)
    desired = desired_state(dashboards, context)
    plan = make_plan(desired, current, database.database_id)
    if not dry_run:
        apply_plan(plan, desired, current, client, database.database_id)
    return ProvisionResult(
        url=settings.url,
        dry_run=dry_run,
        plan=plan,
        database=database,
        calls=client.calls,
        set_up=connection.set_up,
        needs_setup=connection.needs_setup,
        api_key_saved=connection.api_key_saved,
        notes=[*connection.notes, *context.notes, *database.notes, *current.duplicates],
    )


@dataclass(frozen=True)
class CardRun:
    """One card's query run through Metabase: ``error`` is None when it succeeded."""

    key: str
    card_id: int | None
    error: str | None = None
    rows: int | None = None


def run_cards(settings: MetabaseSettings, dashboards: list[Dashboard]) -> tuple[list[CardRun], int]:
    """Run every spec card's saved question (``POST /api/card/:id/query``, with its default
    parameters) and return each outcome and the number of API calls."""
    connection = connect(settings, dry_run=True)
    if connection.needs_setup:
        raise MetabaseError("Metabase has no admin yet: run `cerebro metabase apply` first")
    client = connection.client
    cards = read_current_state(client).cards
    runs = []
    for dashboard in dashboards:
        for card in dashboard.cards:
            key = f"{dashboard.key}/{card.key}"
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
