"""Who may ask which request is the database's to enforce (decision 0075): each role of
``metabase/access.yml`` that asks requests gets its own login per tenant, and that login's
insert policy takes only the kinds the file gives the role, of its own tenant. The oracle is
PostgreSQL itself: what it refuses, with which message, and what it keeps."""

from __future__ import annotations

import secrets

import pytest
from psycopg import errors

from cerebro.serving.metabase.access import AccessError, load_access
from cerebro.serving.security import create_tenant_role
from cerebro.serving.security.action_requests import KINDS
from tests.cerebro.serving.security.tenant_marts import CL, PE, Role

#: One valid request of each kind, as the forms insert them.
REQUESTS = {
    "guardar_escenario": {"scenario_name": "Navidad", "budget_amount": 1000, "period_days": 30},
    "sincronizar_segmento": {"segment": "Campeones", "destination": "klaviyo", "preview": True},
    "detener_activacion": {"segment": "Campeones", "destination": "klaviyo"},
    "alerta": {"alert_name": "Caída", "metric": "revenue", "comparison": "below",
               "threshold": 10, "channel": "email"},
    "registrar_experimento": {"channel": "Meta Ads", "start_date": "2026-10-01",
                              "end_date": "2026-10-28", "lift": 1.0, "standard_error": 0.5,
                              "target": "revenue"},
    "retirar_experimento": {"experiment_request_id": 7},
}  # fmt: skip


def _insert(connection, tenant_id: str, kind: str) -> None:
    values = {"tenant_id": tenant_id, "kind": kind, **REQUESTS[kind]}
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({column})s" for column in values)
    # As the forms do: a request another group already has pending is one row.
    connection.execute(
        f"insert into ops.action_requests ({columns}) values ({placeholders}) "
        "on conflict do nothing",
        values,
    )


def _group_login(crafted, monkeypatch, tenant_id: str, group: str) -> Role:
    """The login ``cerebro security bootstrap`` makes for a group, with access.yml's kinds."""
    role = Role(f"{tenant_id}_{group}_{secrets.token_hex(3)}", secrets.token_urlsafe(18))
    variable = f"TEST_GROUP_PASSWORD_{role.name.upper()}"
    monkeypatch.setenv(variable, role.password)
    kinds = load_access().request_kinds()[group]
    create_tenant_role(crafted.warehouse, tenant_id, role.name, variable, request_kinds=kinds)
    return role


def test_every_kind_is_asked_by_some_group_and_every_group_asks_known_kinds():
    asked = load_access().request_kinds()
    assert set(asked) == {"directivo", "marketing", "automatizacion"}  # Analista builds audiences
    assert set().union(*asked.values()) == set(KINDS)
    assert asked["automatizacion"] == ("alerta",)


def test_a_group_login_inserts_only_its_kinds_with_a_spanish_refusal(tenant_warehouse, monkeypatch):
    asked = load_access().request_kinds()
    logins = {group: _group_login(tenant_warehouse, monkeypatch, CL, group) for group in asked}
    for group, login in logins.items():
        for kind in KINDS:
            with tenant_warehouse.connect(login) as connection:
                if kind in asked[group]:
                    _insert(connection, CL, kind)
                    continue
                with pytest.raises(errors.InsufficientPrivilege) as refused:
                    _insert(connection, CL, kind)
            first_line = str(refused.value).splitlines()[0]
            assert first_line == (f"Su grupo no puede pedir «{kind}»; puede pedir: "
                                  f"{', '.join(asked[group])}."), (group, kind)  # fmt: skip
    with tenant_warehouse.as_owner() as owner:
        kept = owner.execute("select requested_by, kind from ops.action_requests").fetchall()
    allowed = {(logins[group].name, kind) for group in asked for kind in asked[group]}
    assert set(kept) <= allowed
    assert {kind for _, kind in kept} == set(KINDS)


def test_the_policy_refuses_a_kind_even_without_the_explaining_trigger(
    tenant_warehouse, monkeypatch
):
    """The trigger only words the refusal; the row-level-security policy is the guard."""
    marketing = _group_login(tenant_warehouse, monkeypatch, CL, "marketing")
    with tenant_warehouse.as_owner() as owner:
        owner.execute("drop trigger action_requests_explained on ops.action_requests")
    with (
        tenant_warehouse.connect(marketing) as connection,
        pytest.raises(errors.InsufficientPrivilege, match="row-level security"),
    ):
        _insert(connection, CL, "alerta")


def test_a_group_login_asks_for_its_own_tenant_only_and_reads_only_its_rows(
    tenant_warehouse, monkeypatch
):
    cl_marketing = _group_login(tenant_warehouse, monkeypatch, CL, "marketing")
    pe_marketing = _group_login(tenant_warehouse, monkeypatch, PE, "marketing")
    with tenant_warehouse.connect(pe_marketing) as pe:
        _insert(pe, PE, "guardar_escenario")
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            _insert(pe, CL, "guardar_escenario")
    with tenant_warehouse.connect(cl_marketing) as cl:
        assert cl.execute("select count(*) from ops.action_requests").fetchone() == (0,)


def test_a_tenants_reader_keeps_asking_every_kind(tenant_warehouse, tenant_roles):
    """The reader Metabase's shared connection logs in as (no kinds in the mapping): what it
    was allowed before 0075 (its open end: see the decision)."""
    with tenant_warehouse.connect(tenant_roles[CL]) as reader:
        for kind in KINDS:
            _insert(reader, CL, kind)


def test_a_kind_access_yml_does_not_know_is_one_line(tmp_path):
    from cerebro.serving.metabase.access import ACCESS_FILE

    text = ACCESS_FILE.read_text(encoding="utf-8").replace(
        "requests: [alerta]", "requests: [alertas]"
    )
    (tmp_path / "access.yml").write_text(text, encoding="utf-8")
    with pytest.raises(AccessError) as error:
        load_access(tmp_path / "access.yml")
    assert "unknown request kind 'alertas'" in str(error.value)
    assert "\n" not in str(error.value)


def test_after_bootstrap_the_reader_asks_nothing_and_metabase_connects_as_each_group(
    tenant_warehouse, tmp_path, monkeypatch
):
    """Decision 0075: with access.yml's groups, bootstrap leaves the tenant's reader (the
    connection every card reads on) no kind at all, so a button run on it inserts nothing;
    each group's login, which Metabase's group connection logs in as, asks its own kinds."""
    from cerebro.serving.metabase.settings import (
        group_login_variables,
        offline_settings,
        tenant_login_variables,
    )
    from cerebro.serving.security.bootstrap import bootstrap_tenant_roles
    from cerebro.settings import read_env_file

    asked = load_access().request_kinds()
    suffix = secrets.token_hex(3)
    for group in (None, *asked):
        variable = (tenant_login_variables(CL) if group is None
                    else group_login_variables(CL, group))[1]  # fmt: skip
        monkeypatch.delenv(variable, raising=False)
    secrets_file = tmp_path / "tenant-logins.env"
    bootstrap_tenant_roles(
        tenant_warehouse.warehouse, [CL], secrets_file,
        role_name=lambda t: f"{t}_reader_{suffix}",
        password_variable=lambda t: tenant_login_variables(t)[1],
        request_kinds=asked,
        group_role_name=lambda t, g: f"{t}_{g}_{suffix}",
        group_password_variable=lambda t, g: group_login_variables(t, g)[1],
    )  # fmt: skip
    kept = read_env_file(secrets_file)
    reader = Role(f"{CL}_reader_{suffix}", kept[tenant_login_variables(CL)[1]])
    for kind in KINDS:
        with (
            tenant_warehouse.connect(reader) as connection,
            pytest.raises(errors.InsufficientPrivilege) as refused,
        ):
            _insert(connection, CL, kind)
        assert str(refused.value).splitlines()[0] == (
            "Su grupo no puede pedir solicitudes desde Metabase."
        )
    settings = offline_settings({"METABASE_TENANT_LOGINS_FILE": str(secrets_file)})
    for group, kinds in asked.items():
        connection_ = settings.group_connection(CL, group)
        assert connection_.display_name == f"Cerebro · {CL} · {group}"
        login = Role(f"{CL}_{group}_{suffix}", connection_.password)
        with tenant_warehouse.connect(login) as connection:
            # Each group's last kind: no two groups share it (a pending duplicate is one row).
            _insert(connection, CL, kinds[-1])
    with tenant_warehouse.as_owner() as owner:
        kept_rows = owner.execute(
            "select requested_by from ops.action_requests where requested_by like %s",
            (f"%{suffix}",),
        ).fetchall()
    assert sorted(r for (r,) in kept_rows) == sorted(f"{CL}_{g}_{suffix}" for g in asked)
