"""Security setups at the same time, on a real PostgreSQL server (policies.hold_setup_lock).

The request sensor set up ``ops.action_requests`` on its 30-second tick while a dbt step's
isolation pass did the same; the two deadlocked and PostgreSQL aborted one, failing the step
when it chose the pass. Before the fix, the first test below saw 28 deadlocks in 30 seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cerebro.actions.requests import queue
from cerebro.actions.requests.run import run_pending
from cerebro.serving.security import apply_tenant_isolation
from cerebro.serving.security.action_requests import NAME, ensure_table
from cerebro.serving.security.policies import SETUP_LOCK_KEY
from tests.cerebro.serving.security.test_tenant_isolation import rebuild_like_dbt

SECONDS = 8


def _side_by_side(*loops: Callable[[], None]) -> tuple[list[str], list[int]]:
    """Run each loop body over and over in its own thread for SECONDS; its errors and turns."""
    errors: list[str] = []
    turns = [0] * len(loops)
    stop = time.monotonic() + SECONDS

    def repeat(index: int, body: Callable[[], None]) -> None:
        while time.monotonic() < stop:
            try:
                body()
            except Exception as error:  # every failure is the finding, whatever its type
                errors.append(f"{body.__name__}: {type(error).__name__}: {error}")
            turns[index] += 1

    threads = [threading.Thread(target=repeat, args=pair) for pair in enumerate(loops)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, turns


def test_the_request_sensor_ticks_beside_the_dbt_steps_isolation_pass_without_a_deadlock(
    tenant_warehouse, tenant_roles
):
    warehouse = tenant_warehouse.warehouse

    def isolation_pass():
        with tenant_warehouse.as_owner() as connection:
            rebuild_like_dbt(connection, "fct_orders")
        apply_tenant_isolation(warehouse)

    def sensor_tick():
        run_pending(warehouse, {}, limit=5)

    errors, turns = _side_by_side(isolation_pass, sensor_tick)
    assert not errors, errors[:3]
    assert min(turns) >= 5, turns  # both sides ran, over and over


def test_a_release_setting_the_request_table_up_beside_the_isolation_pass_waits_its_turn(
    tenant_warehouse, tenant_roles
):
    """The first ticks after a deploy set the table up again (it carries the older release's
    mark) while a night's isolation pass sets it up too: both replace the same functions and
    lock the same tables, in different orders."""
    warehouse = tenant_warehouse.warehouse

    def isolation_pass():
        apply_tenant_isolation(warehouse)

    def upgrading_tick():
        with tenant_warehouse.as_owner() as connection:
            connection.execute(f"comment on table {NAME} is 'an older release'")
        run_pending(warehouse, {}, limit=5)

    errors, turns = _side_by_side(isolation_pass, upgrading_tick)
    assert not errors, errors[:3]
    assert min(turns) >= 5, turns


def test_a_set_up_request_table_is_read_without_waiting_for_a_setup(tenant_warehouse):
    """The sensor's tick takes no setup lock once the table is this code's: a long isolation
    pass (the lock held here) does not hold the tenants' requests back."""
    warehouse = tenant_warehouse.warehouse
    ensure_table(warehouse)
    with tenant_warehouse.as_owner() as holder:
        holder.execute("select pg_advisory_lock(%s)", (SETUP_LOCK_KEY,))
        try:
            done = threading.Event()
            reader = threading.Thread(target=lambda: (queue.queued_ids(warehouse, 5), done.set()))
            reader.start()
            assert done.wait(10), "the tick waited for the setup lock"
        finally:
            holder.execute("select pg_advisory_unlock(%s)", (SETUP_LOCK_KEY,))
            reader.join()


def test_a_table_set_up_by_another_release_is_set_up_again(tenant_warehouse):
    warehouse = tenant_warehouse.warehouse
    ensure_table(warehouse)
    with tenant_warehouse.as_owner() as connection:
        connection.execute(f"alter table {NAME} drop constraint action_requests_kind")
        connection.execute(f"comment on table {NAME} is 'an older release'")
    ensure_table(warehouse)
    with tenant_warehouse.as_owner() as connection:
        (constraints,) = connection.execute(
            "select count(*) from pg_constraint "
            "where conrelid = to_regclass(%s) and conname = 'action_requests_kind'",
            (NAME,),
        ).fetchone()
    assert constraints == 1
