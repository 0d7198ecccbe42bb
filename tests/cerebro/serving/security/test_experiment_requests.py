"""Experiments registered from Metabase (decision 0072) on a real PostgreSQL: the
"Registrar experimento" action inserts a request of the tenant's own only, another tenant's
login neither inserts for it nor reads it, the CHECK refuses what the experiments file
refuses, and the sensor's run (as the warehouse owner) keeps the test once, in a table no
tenant login reads. The oracle is the server itself: what PostgreSQL refuses or returns."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from psycopg import errors

from cerebro.actions.requests import run_pending
from cerebro.actions.requests.queue import LEASE
from cerebro.serving.metabase.requests import request_actions
from cerebro.tenants import Tenant
from tests.cerebro.serving.security.tenant_marts import CL, PE

NOW = dt.datetime(2026, 11, 27, 12)
ASKED = {"channel": "Meta Ads", "start_date": dt.date(2026, 10, 1),
         "end_date": dt.date(2026, 10, 28), "lift": 1_500_000, "standard_error": 400_000,
         "target": "revenue"}  # fmt: skip


def _action_sql(tenant_id: str) -> str:
    """The action's SQL as provisioning gives it to Metabase, its template tags bound as
    parameters (as Metabase binds a native query's values)."""
    (action,) = [a for a in request_actions(tenant_id) if a.key.endswith("/registrar_experimento")]
    return re.sub(r"\{\{(\w+)\}\}", r"%(\1)s", action.sql)


def test_a_tenant_registers_its_own_experiments_and_reads_only_them(tenant_warehouse, tenant_roles):
    with (
        tenant_warehouse.connect(tenant_roles[CL]) as cl,
        tenant_warehouse.connect(tenant_roles[PE]) as pe,
    ):
        cl.execute(_action_sql(CL), ASKED)
        cl.execute(_action_sql(CL), ASKED)  # double click
        seen_by_cl = cl.execute("select tenant_id, kind, channel, start_date, state "
                                "from ops.action_requests").fetchall()  # fmt: skip
        seen_by_pe = pe.execute("select count(*) from ops.action_requests").fetchone()
    assert seen_by_cl == [(CL, "registrar_experimento", "Meta Ads", dt.date(2026, 10, 1),
                           "queued")]  # fmt: skip
    assert seen_by_pe == (0,)


def test_another_tenants_login_cannot_register_for_it(tenant_warehouse, tenant_roles):
    with (
        tenant_warehouse.connect(tenant_roles[PE]) as pe,
        pytest.raises(errors.InsufficientPrivilege, match="row-level security"),
    ):
        pe.execute(_action_sql(CL), ASKED)
    with tenant_warehouse.as_owner() as owner:
        assert owner.execute("select count(*) from ops.action_requests").fetchone() == (0,)


@pytest.mark.parametrize(
    "changes",
    [{"end_date": dt.date(2026, 9, 30)}, {"standard_error": 0}, {"standard_error": -3},
     {"target": "ventas"}, {"channel": ""}],
    ids=["end before start", "standard error 0", "negative standard error", "unknown target",
         "empty channel"],
)  # fmt: skip
def test_the_check_refuses_a_bad_experiment(tenant_warehouse, tenant_roles, changes):
    with tenant_warehouse.connect(tenant_roles[CL]) as cl, pytest.raises(errors.CheckViolation):
        cl.execute(_action_sql(CL), {**ASKED, **changes})


def test_the_check_refuses_an_experiment_with_another_kinds_parameter(
    tenant_warehouse, tenant_roles
):
    with tenant_warehouse.connect(tenant_roles[CL]) as cl, pytest.raises(errors.CheckViolation):
        cl.execute(
            "insert into ops.action_requests (tenant_id, kind, channel, start_date, end_date, "
            "lift, standard_error, target, budget_amount) values (%s, 'registrar_experimento', "
            "'Meta Ads', '2026-10-01', '2026-10-28', 1, 1, 'revenue', 100)",
            (CL,),
        )


def test_the_sensor_keeps_the_experiment_once_where_no_tenant_reads_it(
    tenant_warehouse, tenant_roles
):
    """Run by the owner's warehouse as the sensor is; run again after its outcome was lost
    (a lease that ran out), it writes no second row."""
    with tenant_warehouse.as_owner() as owner:
        owner.execute("create table marts.mart_channel_spend_daily (tenant_id text, spend_date "
                      "date, channel_group text, spend_amount double precision)")  # fmt: skip
        owner.execute("insert into marts.mart_channel_spend_daily values "
                      f"('{CL}', '2026-10-01', 'Meta Ads', 5000)")  # fmt: skip
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        cl.execute(_action_sql(CL), ASKED)
    tenants = {CL: Tenant(CL, "CasaFácil", "America/Santiago", "CLP", "CL", sources={})}
    warehouse = tenant_warehouse.warehouse
    (first,) = run_pending(warehouse, tenants, now=lambda: NOW)
    assert first.state == "done", first.result
    warehouse.execute(("update ops.action_requests set state = 'running', finished_at = null, "
                       "result = null", None))  # fmt: skip
    (retry,) = run_pending(warehouse, tenants, now=lambda: NOW + LEASE + dt.timedelta(seconds=1))
    assert retry.state == "done", retry.result
    with tenant_warehouse.as_owner() as owner:
        rows = owner.execute(
            "select tenant_id, channel, start_date, end_date, lift, standard_error, target, "
            "request_id from ops.registered_experiments"
        ).fetchall()
    assert rows == [(CL, "Meta Ads", dt.date(2026, 10, 1), dt.date(2026, 10, 28), 1.5e6, 4e5,
                     "revenue", first.request_id)]  # fmt: skip
    for reader in (tenant_roles[CL], tenant_roles[PE]):
        with (
            tenant_warehouse.connect(reader) as login,
            pytest.raises(errors.InsufficientPrivilege),
        ):
            login.execute("select * from ops.registered_experiments")


def test_a_withdrawn_experiment_leaves_calibration_and_can_be_registered_again(
    tenant_warehouse, tenant_roles
):
    """On PostgreSQL (decision 0075): the withdrawal stamps the test, calibration leaves it
    out, a second withdrawal is refused, and the same test asked again comes back."""
    from cerebro.actions.requests.experiments import tenant_lift_tests

    with tenant_warehouse.as_owner() as owner:
        owner.execute("create table marts.mart_channel_spend_daily (tenant_id text, spend_date "
                      "date, channel_group text, spend_amount double precision)")  # fmt: skip
        owner.execute("insert into marts.mart_channel_spend_daily values "
                      f"('{CL}', '2026-10-01', 'Meta Ads', 5000)")  # fmt: skip
    tenants = {CL: Tenant(CL, "CasaFácil", "America/Santiago", "CLP", "CL", sources={})}
    warehouse = tenant_warehouse.warehouse
    withdraw = ("insert into ops.action_requests (tenant_id, kind, experiment_request_id) "
                "values (%s, 'retirar_experimento', %s) on conflict do nothing")  # fmt: skip
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        cl.execute(_action_sql(CL), ASKED)
    (registered,) = run_pending(warehouse, tenants, now=lambda: NOW)
    assert len(tenant_lift_tests(warehouse, CL, None)) == 1
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        cl.execute(withdraw, (CL, registered.request_id))
    (withdrawn,) = run_pending(warehouse, tenants, now=lambda: NOW)
    assert withdrawn.state == "done", withdrawn.result
    assert tenant_lift_tests(warehouse, CL, None) is None
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        cl.execute(withdraw, (CL, registered.request_id))
    (twice,) = run_pending(warehouse, tenants, now=lambda: NOW)
    assert twice.state == "refused" and f"(solicitud {withdrawn.request_id})" in twice.result
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        cl.execute(_action_sql(CL), {**ASKED, "lift": 900_000})
    (again,) = run_pending(warehouse, tenants, now=lambda: NOW)
    assert again.state == "done", again.result
    assert list(tenant_lift_tests(warehouse, CL, None)["lift"]) == [900_000]
