"""``ops.action_requests`` on a real PostgreSQL: a tenant's login (the role its Metabase
connection uses) inserts and reads its own tenant's requests only, asks only what the CHECK
constraints allow, and a double click queues one request. The oracle is the server itself:
what PostgreSQL refuses or returns to each role."""

from __future__ import annotations

import re

import pytest
from psycopg import errors

from cerebro.serving.metabase.requests import request_actions, scenario_action
from tests.cerebro.serving.security.tenant_marts import CL, PE

INSERT = (
    "insert into ops.action_requests (tenant_id, kind, scenario_name, budget_amount, "
    "period_days) values (%s, 'guardar_escenario', %s, %s, 30)"
)


def _ask(connection, tenant_id: str, name: str = "Plan CyberDay", budget: float = 1_000_000):
    connection.execute(INSERT, (tenant_id, name, budget))


def test_a_tenant_inserts_and_reads_its_own_requests_only(tenant_warehouse, tenant_roles):
    with (
        tenant_warehouse.connect(tenant_roles[CL]) as cl,
        tenant_warehouse.connect(tenant_roles[PE]) as pe,
    ):
        _ask(cl, CL)
        _ask(pe, PE, "Plan Perú")
        seen_by_cl = cl.execute("select tenant_id, scenario_name, state, requested_by "
                                "from ops.action_requests").fetchall()  # fmt: skip
        seen_by_pe = pe.execute("select tenant_id from ops.action_requests").fetchall()
    assert seen_by_cl == [(CL, "Plan CyberDay", "queued", tenant_roles[CL].name)]
    assert seen_by_pe == [(PE,)]
    with tenant_warehouse.as_owner() as owner:
        assert owner.execute("select count(*) from ops.action_requests").fetchone() == (2,)


def test_a_tenant_cannot_insert_for_another_tenant(tenant_warehouse, tenant_roles):
    with (
        tenant_warehouse.connect(tenant_roles[CL]) as cl,
        pytest.raises(errors.InsufficientPrivilege, match="row-level security"),
    ):
        _ask(cl, PE)
    with tenant_warehouse.as_owner() as owner:
        assert owner.execute("select count(*) from ops.action_requests").fetchone() == (0,)


def test_a_tenant_cannot_write_the_state_the_result_or_who_asked(tenant_warehouse, tenant_roles):
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        _ask(cl, CL)
        for statement in (
            "insert into ops.action_requests (tenant_id, kind, alert_name, state, result, "
            f"finished_at) values ('{CL}', 'alerta', 'x', 'done', 'hecho', now())",
            "insert into ops.action_requests (tenant_id, kind, alert_name, requested_by) "
            f"values ('{CL}', 'alerta', 'x', 'someone_else')",
            "update ops.action_requests set state = 'done'",
            "delete from ops.action_requests",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                cl.execute(statement)
        assert cl.execute("select state from ops.action_requests").fetchall() == [("queued",)]


BAD_REQUESTS = [
    ("kind, scenario_name, budget_amount, period_days", "'guardar_escenario', 'x', -5, 30",
     "El presupuesto debe ser un monto mayor que cero."),
    ("kind, scenario_name, budget_amount, period_days", "'guardar_escenario', 'x', 100, 0",
     "El período debe tener de 1 a 365 días."),
    ("kind, scenario_name, budget_amount, period_days", "'guardar_escenario', '', 100, 30",
     "El escenario necesita un nombre (de 1 a 120 letras)."),
    ("kind, alert_name", "'borrar_todo', 'x'",
     "Tipo de solicitud desconocido: debe ser uno de guardar_escenario, sincronizar_segmento, "
     "detener_activacion, alerta, registrar_experimento, retirar_experimento."),
    ("kind, segment, destination", "'sincronizar_segmento', 'Campeones', 'klaviyo'",
     "Diga si es una vista previa o la sincronización."),
    ("kind, alert_name, segment", "'alerta', 'x', 'Campeones'", "Elija la métrica de la alerta."),
    ("kind, alert_name, metric, comparison, threshold, channel, segment",
     "'alerta', 'x', 'cac', 'above', 1, 'email', 'Campeones'",
     "La solicitud trae datos que no corresponden a su tipo."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("columns", "values", "message"),
    BAD_REQUESTS,
    ids=["negative budget", "zero days", "empty name", "unknown kind",
         "sync without preview", "alert without a metric", "alert with a segment"],
)  # fmt: skip
def test_a_bad_request_is_refused_with_its_reason_in_spanish(
    tenant_warehouse, tenant_roles, columns, values, message
):
    """What Metabase shows after "Error executing Action:" is the database's message."""
    with (
        tenant_warehouse.connect(tenant_roles[CL]) as cl,
        pytest.raises(errors.CheckViolation) as refused,
    ):
        cl.execute(
            f"insert into ops.action_requests (tenant_id, {columns}) values ('{CL}', {values})"
        )
    assert refused.value.diag.message_primary == message


@pytest.mark.parametrize(("columns", "values"), [case[:2] for case in BAD_REQUESTS])
def test_the_check_refuses_the_same_requests_without_the_explaining_trigger(
    tenant_warehouse, tenant_roles, columns, values
):
    """The trigger only explains: the CHECK constraints, built from the same rules, hold. (The
    trigger is disabled inside a transaction the refusal rolls back.)"""
    with (
        tenant_warehouse.as_owner() as owner,
        pytest.raises(errors.CheckViolation) as refused,
        owner.transaction(),
    ):
        owner.execute("alter table ops.action_requests disable trigger action_requests_explained")
        owner.execute(
            f"insert into ops.action_requests (tenant_id, {columns}) values ('{CL}', {values})"
        )
    assert refused.value.diag.constraint_name in (
        "action_requests_kind", "action_requests_parameters",
    )  # fmt: skip


def test_a_double_click_queues_one_request(tenant_warehouse, tenant_roles):
    """The second identical insert of a pending request is refused by the unique index (the
    Metabase action's SQL says ``on conflict do nothing``); once the first is finished, the
    same question may be asked again."""
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        _ask(cl, CL)
        with pytest.raises(errors.UniqueViolation):
            _ask(cl, CL)
        cl.execute(INSERT.replace("30)", "30) on conflict do nothing"), (CL, "Plan CyberDay", 1e6))
        _ask(cl, CL, budget=2_000_000)
    with tenant_warehouse.as_owner() as owner:
        assert owner.execute("select count(*) from ops.action_requests").fetchone() == (2,)
        owner.execute(
            "update ops.action_requests set state = 'done', result = 'listo', "
            "finished_at = now() where budget_amount = 1000000"
        )
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        _ask(cl, CL)
        assert cl.execute("select count(*) from ops.action_requests").fetchone() == (3,)


def _run_action(connection, tenant_id: str, **values) -> None:
    """The "Guardar escenario" action's SQL as provisioning gives it to Metabase, with its
    template tags bound as parameters (as Metabase binds a native query's values)."""
    sql = re.sub(r"\{\{(\w+)\}\}", r"%(\1)s", scenario_action(tenant_id).sql)
    connection.execute(sql, values)


def test_the_metabase_action_queues_one_request_per_double_click(tenant_warehouse, tenant_roles):
    asked = {"scenario_name": "CyberDay", "budget_amount": 1_500_000, "period_days": 30}
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        _run_action(cl, CL, **asked)
        _run_action(cl, CL, **asked)
        rows = cl.execute("select kind, scenario_name, state from ops.action_requests").fetchall()
    assert rows == [("guardar_escenario", "CyberDay", "queued")]


def test_a_tenant_running_another_tenants_action_is_refused(tenant_warehouse, tenant_roles):
    with (
        tenant_warehouse.connect(tenant_roles[PE]) as pe,
        pytest.raises(errors.InsufficientPrivilege, match="row-level security"),
    ):
        _run_action(pe, CL, scenario_name="x", budget_amount=10, period_days=30)


@pytest.mark.parametrize(
    ("key", "values"),
    [("vista_previa_sincronizacion", {"segment": "Campeones", "destination": "klaviyo"}),
     ("sincronizar_segmento", {"segment": "Campeones", "destination": "klaviyo"}),
     ("detener_activacion", {"segment": "Campeones", "destination": "klaviyo"}),
     ("alerta", {"alert_name": "CAC alto", "metric": "cac", "comparison": "above",
                 "threshold": 25_000, "channel": "slack"})],
)  # fmt: skip
def test_each_new_action_queues_one_request_per_double_click(
    tenant_warehouse, tenant_roles, key, values
):
    (action,) = [a for a in request_actions(CL) if a.key.endswith(f"/{key}")]
    sql = re.sub(r"\{\{(\w+)\}\}", r"%(\1)s", action.sql)
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        cl.execute(sql, values)
        cl.execute(sql, values)
        assert cl.execute("select count(*) from ops.action_requests").fetchone() == (1,)


@pytest.mark.parametrize(
    ("columns", "values"),
    [("kind, segment, destination, preview", "'detener_activacion', 'Campeones', 'klaviyo', true"),
     ("kind, alert_name, metric, comparison, threshold, channel",
      "'alerta', 'x', 'cac', 'above', 1, 'paloma'"),
     ("kind, alert_name, metric, comparison, threshold, channel",
      "'alerta', 'x', 'cac', 'más o menos', 1, 'email'"),
     ("kind, alert_name, metric, comparison, channel", "'alerta', 'x', 'cac', 'above', 'email'"),
     ("kind, alert_name, comparison, threshold, channel", "'alerta', 'x', 'above', 1, 'email'")],
    ids=["stop with a preview", "unknown channel", "unknown comparison", "no threshold",
         "no metric"],
)  # fmt: skip
def test_the_check_refuses_a_bad_stop_or_alert(tenant_warehouse, tenant_roles, columns, values):
    with (
        tenant_warehouse.connect(tenant_roles[CL]) as cl,
        pytest.raises(errors.CheckViolation) as refused,
    ):
        cl.execute(
            f"insert into ops.action_requests (tenant_id, {columns}) values ('{CL}', {values})"
        )
    assert re.fullmatch(r"[A-ZÉ][^\n]+\.", refused.value.diag.message_primary)
    assert "constraint" not in refused.value.diag.message_primary


def test_a_table_of_the_first_release_is_migrated_by_the_secure_pass(
    tenant_warehouse, tenant_roles
):
    """A warehouse whose request table predates the new kinds (no alert columns, the old
    rules and pending index) takes an alert from the Metabase action once the secure pass has
    run, and keeps its rows."""
    from cerebro.serving.security.action_requests import PENDING_INDEX, secure_requests

    with tenant_warehouse.as_owner() as owner:
        owner.execute("drop table ops.action_requests")
        owner.execute(
            "create table ops.action_requests (request_id bigint generated always as identity "
            "primary key, tenant_id text not null, kind text not null, scenario_name text, "
            "budget_amount numeric(18, 2), period_days integer, segment text, destination "
            "text, preview boolean, alert_name text, requested_by text not null default "
            "current_user, requested_at timestamp not null default now(), state text not null "
            "default 'queued', started_at timestamp, finished_at timestamp, result text, "
            "constraint action_requests_parameters check (kind <> 'alerta' or "
            "(alert_name is not null and segment is null)))"
        )
        owner.execute(
            "create unique index action_requests_one_pending on ops.action_requests "
            "(tenant_id, kind, coalesce(alert_name, '')) where state in ('queued', 'running')"
        )
        owner.execute(
            f"insert into ops.action_requests (tenant_id, kind, alert_name) values ('{CL}', "
            "'alerta', 'vieja')"
        )
        with owner.cursor() as cursor:
            secure_requests(cursor)
        indexes = {
            row[0]
            for row in owner.execute(
                "select indexname from pg_indexes where schemaname = 'ops'"
            ).fetchall()
        }
    assert PENDING_INDEX in indexes and "action_requests_one_pending" not in indexes
    (action,) = [a for a in request_actions(CL) if a.key.endswith("/alerta")]
    sql = re.sub(r"\{\{(\w+)\}\}", r"%(\1)s", action.sql)
    with tenant_warehouse.connect(tenant_roles[CL]) as cl:
        cl.execute(sql, {"alert_name": "CAC alto", "metric": "cac", "comparison": "above",
                         "threshold": 25_000, "channel": "email"})  # fmt: skip
        rows = cl.execute(
            "select alert_name, metric, attempts from ops.action_requests order by request_id"
        ).fetchall()
    assert rows == [("vieja", None, 0), ("CAC alto", "cac", 0)]
