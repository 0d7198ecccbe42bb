"""A request left ``running`` by a process that died is run again once its lease runs out, at
most once more; a second loss fails it with the reason. On a crafted DuckDB warehouse with the
Klaviyo fake.

Oracles: the table's states and attempts, and the fake account's list (a sync run again after
its process died mid-way leaves the list as one sync would, adding no one twice)."""

from __future__ import annotations

import datetime as dt

from cerebro.actions.activation.sync import activate, audience_name
from cerebro.actions.requests import claim, run_pending
from cerebro.actions.requests.queue import LEASE, STALE_RESULT
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    expected_list,
    write_marts,
)
from tests.cerebro.actions.requests.test_sync_confirm_and_stop import (  # noqa: F401
    SEGMENT,
    T0,
    _ask,
    klaviyo,
)

#: The fake's routes that change the vendor's account.
WRITE_ROUTES = ("create_list", "import_profile", "add_to_list", "spawn_job", "remove_from_list")
LATER = T0 + LEASE + dt.timedelta(seconds=1)


def _states(warehouse) -> list[tuple]:
    frame = warehouse.query(
        "select state, attempts, result from ops.action_requests order by request_id"
    )
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_a_running_request_within_its_lease_is_left_alone(warehouse, klaviyo):  # noqa: F811
    _, tenant = klaviyo
    write_marts(warehouse, customers(20))
    request_id = _ask(warehouse, kind="detener_activacion")
    claim(warehouse, request_id, T0)
    assert run_pending(warehouse, {TENANT: tenant}, now=lambda: T0 + LEASE) == []
    assert _states(warehouse) == [("running", 1, None)]


def test_a_request_whose_process_died_runs_again_once(warehouse, klaviyo):  # noqa: F811
    _, tenant = klaviyo
    write_marts(warehouse, customers(20))
    request_id = _ask(warehouse, kind="detener_activacion")
    claim(warehouse, request_id, T0)
    (outcome,) = run_pending(warehouse, {TENANT: tenant}, now=lambda: LATER)
    assert (outcome.request_id, outcome.state) == (request_id, "done")
    assert _states(warehouse)[0][:2] == ("done", 2)


def test_a_request_that_lost_its_process_twice_fails_with_the_reason(
    warehouse,
    klaviyo,  # noqa: F811
):
    _, tenant = klaviyo
    write_marts(warehouse, customers(20))
    request_id = _ask(warehouse, kind="detener_activacion")
    claim(warehouse, request_id, T0)
    assert run_pending(warehouse, {TENANT: tenant}, now=lambda: LATER, limit=0) == []
    claim(warehouse, request_id, LATER)
    later = LATER + LEASE + dt.timedelta(seconds=1)
    assert run_pending(warehouse, {TENANT: tenant}, now=lambda: later) == []
    assert _states(warehouse) == [("failed", 2, STALE_RESULT)]
    assert not warehouse.table_exists("ops", "stopped_activations")


def test_a_sync_run_again_after_its_process_died_adds_no_one_twice(
    warehouse,
    klaviyo,  # noqa: F811
):
    fake, tenant = klaviyo
    people = customers(60)
    write_marts(warehouse, people)
    _ask(warehouse, preview=True)
    run_pending(warehouse, {TENANT: tenant}, now=lambda: T0)
    confirm = _ask(warehouse, preview=False)
    claim(warehouse, confirm, T0)
    # The process sent everything, then died before writing the outcome.
    activate(warehouse, tenant, SEGMENT, "klaviyo", now=lambda: T0)
    [list_id] = fake.list_named(audience_name(TENANT, SEGMENT))
    members = fake.member_emails(list_id)
    writes = sum(fake.calls(route) for route in WRITE_ROUTES)
    retry_at = T0 + dt.timedelta(minutes=20)
    (outcome,) = run_pending(warehouse, {TENANT: tenant}, now=lambda: retry_at)
    assert (outcome.request_id, outcome.state) == (confirm, "done"), outcome.result
    assert "0 enviados" in outcome.result
    assert sum(fake.calls(route) for route in WRITE_ROUTES) == writes > 0
    by_id = {c.customer_id: c.email.strip().lower() for c in people}
    assert fake.member_emails(list_id) == members == {by_id[c] for c in expected_list(people)}
