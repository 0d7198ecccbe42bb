"""Requests from Metabase (decisions 0063, 0069 and 0075): provisioning gives each asking group
of each tenant a connection as its own login with actions on, a requests model there, the
query actions of its kinds and a page with their buttons; the fake refuses the action requests
Metabase refuses, and runs a button only for who reads its dashboard and model.

Oracles: Metabase's source for the pinned v0.64 line (github.com/metabase/metabase):
``src/metabase/actions/api.clj`` (``POST /api/action``: ``name`` and ``model_id`` required, a
query action needs ``database_id``), ``src/metabase/actions/actions.clj``
(``check-actions-enabled-for-database!``: "Actions are not enabled."),
``src/metabase/actions/models.clj`` (an implicit action needs a model: "Actions must be made
with models, not cards.") and ``frontend/src/metabase/dashboard/actions/actions.ts``
(``addActionToDashboard``: the button dashcard's ``action_id``, ``card_id`` and settings) and
``frontend/src/metabase-types/api/actions.ts`` (``FieldSettings``: what a form can draw);
running a button: ``src/metabase/actions/execution.clj`` (``execute-dashcard!``) and
``check-query-action-permissions*`` in
``src/metabase/query_processor/middleware/permissions.clj``.
"""

from __future__ import annotations

import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.metabase.access import load_access
from cerebro.serving.metabase.client import MetabaseApiError, MetabaseClient
from cerebro.serving.metabase.desired import marker_key
from cerebro.serving.metabase.provision import provision
from cerebro.serving.metabase.requests import REQUESTS_DASHBOARD
from tests.cerebro.serving.metabase.provisioning_support import TENANTS, make_context
from tests.cerebro.serving.metabase.test_fake_metabase import _call, _login, server  # noqa: F401


def _apply(settings, specs_dir):
    dashboards = load_dashboards(specs_dir)
    return provision(settings, dashboards, make_context(dashboards), sleep=lambda _: None)


def _managed(objects: dict) -> dict:
    return {marker_key(o.get("description")): o for o in objects.values() if not o["archived"]}


def test_each_asking_group_gets_its_connection_model_actions_and_page(fake, settings, specs_dir):
    """Decision 0075: each group of access.yml that asks requests gets, per tenant, a
    connection logged in as its own login with actions on, its requests model there, the
    actions of its kinds only, and its Acciones page (buttons above its requests table) in a
    collection of its own; the tenant's reader connection runs no action, and the spec's
    Acciones page keeps the requests table, read on the reader, without buttons."""
    _apply(settings, specs_dir)
    databases = {db["name"]: db for db in fake.databases.values()}
    assert not databases["Cerebro"]["settings"].get("database-enable-actions")
    cards, actions = _managed(fake.cards), _managed(fake.actions)
    boards, collections = _managed(fake.dashboards), _managed(fake.collections)
    for tenant in TENANTS:
        t = tenant.tenant_id
        reader = databases[f"Cerebro · {t}"]
        assert not reader["settings"].get("database-enable-actions")
        assert not [a for a in actions.values() if a["database_id"] == reader["id"]]
        spec_page = boards[f"{t}/{REQUESTS_DASHBOARD}"]
        assert not [d for d in spec_page["dashcards"] if d.get("action_id")]
        table = cards[f"{t}/{REQUESTS_DASHBOARD}/solicitudes"]
        assert table["database_id"] == reader["id"]
        assert table["id"] in {d["card_id"] for d in spec_page["dashcards"]}
        for group, kinds in ASKING.items():
            own = f"{t}/{REQUESTS_DASHBOARD}/{group}"
            database = databases[f"Cerebro · {t} · {group}"]
            assert database["details"]["user"] == f"{t}_{group}"
            assert database["settings"]["database-enable-actions"] is True
            model = cards[f"{own}/solicitudes"]
            assert model["type"] == "model" and model["database_id"] == database["id"]
            assert model["collection_id"] == collections[own]["id"]
            sql = model["dataset_query"]["native"]["query"]
            assert "from ops.action_requests" in sql and f"tenant_id = '{t}'" in sql
            mine = {k: a for k, a in actions.items() if k.startswith(f"{own}/")}
            assert {ACTION_KINDS[k.rsplit("/", 1)[1]][0] for k in mine} == set(kinds), group
            assert len(mine) == sum(1 for kind, _ in ACTION_KINDS.values() if kind in kinds)
            page = boards[own]
            assert page["collection_id"] == collections[own]["id"]
            buttons = {d["action_id"]: d for d in page["dashcards"] if d.get("action_id")}
            for action in mine.values():
                assert (action["type"], action["model_id"], action["database_id"]) == (
                    "query", model["id"], database["id"],
                )  # fmt: skip
                button = buttons.pop(action["id"])
                assert button["card_id"] == model["id"]
                settings_ = button["visualization_settings"]
                assert settings_["actionDisplayType"] == "button"
                assert settings_["button.label"] == action["name"]
                assert settings_["virtual_card"]["display"] == "action"
            assert buttons == {}
            assert [d for d in page["dashcards"] if d["card_id"] == model["id"]
                    and not d.get("action_id")]  # fmt: skip


ACTION_KINDS = {
    "guardar_escenario": ("guardar_escenario", None),
    "vista_previa_sincronizacion": ("sincronizar_segmento", "true"),
    "sincronizar_segmento": ("sincronizar_segmento", "false"),
    "detener_activacion": ("detener_activacion", None),
    "alerta": ("alerta", None),
    "registrar_experimento": ("registrar_experimento", None),
    "retirar_experimento": ("retirar_experimento", None),
}
#: The groups that ask requests and their kinds, as metabase/access.yml says.
ASKING = load_access().request_kinds()


def _action_of(actions: dict, tenant_id: str, name: str) -> dict:
    """The action ``name`` of the first asking group that has it."""
    return next(actions[f"{tenant_id}/{REQUESTS_DASHBOARD}/{group}/{name}"]
                for group, kinds in ASKING.items() if ACTION_KINDS[name][0] in kinds)  # fmt: skip


def test_each_request_kind_has_its_action_form_and_button(fake, settings, specs_dir):
    """Every kind the sensor runs has a button on the Acciones page of each group that may ask
    it; a sync's preview and its confirmation are two buttons (the confirmation sends only
    after a preview); the destination is a choice of the tenant's own destinations, the
    alert's channel a choice of e-mail, Slack and WhatsApp; every form is one the frontend can
    draw."""
    _apply(settings, specs_dir)
    actions = _managed(fake.actions)
    assert {kind for kinds in ASKING.values() for kind in kinds} == {
        kind for kind, _ in ACTION_KINDS.values()
    }
    for tenant in TENANTS:
        t = tenant.tenant_id
        for group, kinds in ASKING.items():
            board = _managed(fake.dashboards)[f"{t}/{REQUESTS_DASHBOARD}/{group}"]
            buttons = {d["action_id"]: d for d in board["dashcards"] if d.get("action_id")}
            for key, (kind, preview) in ACTION_KINDS.items():
                if kind not in kinds:
                    continue
                action = actions[f"{t}/{REQUESTS_DASHBOARD}/{group}/{key}"]
                sql = action["dataset_query"]["native"]["query"]
                assert f"'{t}', '{kind}'" in sql and "on conflict do nothing" in sql
                assert (f", {preview})" in sql) if preview else "preview" not in sql
                assert fake.form_problems(action) == [], key
                label = buttons[action["id"]]["visualization_settings"]["button.label"]
                assert label == action["name"]
        fields = {
            f["title"]: f
            for key in ("sincronizar_segmento", "alerta")
            for f in _action_of(actions, t, key)["visualization_settings"]["fields"].values()
        }
        destinations = sorted(tenant.destinations)
        if destinations:
            assert fields["Destino"]["valueOptions"] == destinations
        else:
            assert fields["Destino"]["inputType"] == "string"
        assert fields["Canal"]["valueOptions"] == ["email", "slack", "whatsapp"]
        assert fields["Umbral"]["inputType"] == "number"
        experiment = _action_of(actions, t, "registrar_experimento")
        typed = {f["title"]: f for f in experiment["visualization_settings"]["fields"].values()}
        assert {title: f["inputType"] for title, f in typed.items()} == {
            "Canal": "string", "Inicio": "date", "Fin": "date", "Efecto medido": "number",
            "Error estándar": "number", "Objetivo": "select",
        }  # fmt: skip
        # Spanish words shown; the SQL stores the code of the word chosen.
        assert typed["Objetivo"]["valueOptions"] == ["Ingresos", "Clientes nuevos"]
        assert fields["Comparación"]["valueOptions"][0] == "Mayor que"
        sql = experiment["dataset_query"]["native"]["query"]
        assert ("case {{target}} when 'Ingresos' then 'revenue' when 'Clientes nuevos' then "
                "'new_customers' else {{target}} end") in sql  # fmt: skip
        tags = experiment["dataset_query"]["native"]["template-tags"]
        assert (tags["start_date"]["type"], tags["end_date"]["type"]) == ("date", "date")


def _button(fake, tenant_id: str, group: str, name: str) -> tuple[int, int]:
    """(dashboard id, dashcard id) of a group's button for action ``name``."""
    board = _managed(fake.dashboards)[f"{tenant_id}/{REQUESTS_DASHBOARD}/{group}"]
    action = _managed(fake.actions)[f"{tenant_id}/{REQUESTS_DASHBOARD}/{group}/{name}"]
    dashcard = next(d for d in board["dashcards"] if d.get("action_id") == action["id"])
    return board["id"], dashcard["id"]


def _as_group(fake, group_name: str) -> MetabaseClient:
    client = MetabaseClient(fake.url)
    client.use_api_key(fake.add_api_key(group_name, fake.group_id(group_name)))
    return client


def test_a_button_runs_as_its_groups_login_and_only_its_group_may_click_it(
    fake, settings, specs_dir
):
    """What Metabase checks when a button is clicked (dashboard and model read, actions on
    the database) lets a group run its own buttons, which connect as its own login; another
    group of the tenant cannot reach them, and no button runs on the reader."""
    _apply(settings, specs_dir)
    marketing = _as_group(fake, "CasaFácil Chile · Marketing")
    devops = _as_group(fake, "CasaFácil Chile · Automatización/DevOps")
    analyst = _as_group(fake, "CasaFácil Chile · Analista")
    dashboard, dashcard = _button(fake, "casafacil_cl", "marketing", "guardar_escenario")
    path = f"/api/dashboard/{dashboard}/dashcard/{dashcard}/execute"

    marketing.post(path, {"parameters": {}})

    ((login, sql, _),) = fake.executed
    assert login == "casafacil_cl_marketing"
    assert "'casafacil_cl', 'guardar_escenario'" in sql
    for other in (devops, analyst):
        with pytest.raises(MetabaseApiError) as refused:
            other.post(path, {"parameters": {}})
        assert refused.value.status == 403
    alert_board, alert_card = _button(fake, "casafacil_cl", "automatizacion", "alerta")
    with pytest.raises(MetabaseApiError) as refused:
        marketing.post(f"/api/dashboard/{alert_board}/dashcard/{alert_card}/execute", {})
    assert refused.value.status == 403
    devops.post(f"/api/dashboard/{alert_board}/dashcard/{alert_card}/execute", {})
    assert [login for login, _, _ in fake.executed] == [
        "casafacil_cl_marketing", "casafacil_cl_automatizacion",
    ]  # fmt: skip


def test_the_fake_refuses_to_run_an_action_where_actions_are_off(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    dashboard, dashcard = _button(fake, "casafacil_cl", "marketing", "guardar_escenario")
    database = next(d for d in fake.databases.values()
                    if d["name"] == "Cerebro · casafacil_cl · marketing")  # fmt: skip
    database["settings"]["database-enable-actions"] = False
    marketing = _as_group(fake, "CasaFácil Chile · Marketing")
    with pytest.raises(MetabaseApiError) as refused:
        marketing.post(f"/api/dashboard/{dashboard}/dashcard/{dashcard}/execute", {})
    assert (refused.value.status, refused.value.message) == (400, "Actions are not enabled.")
    assert fake.executed == []


def test_the_alert_forms_choices_are_what_the_tables_check_allows():
    from cerebro.serving.metabase import requests
    from cerebro.serving.security import action_requests

    assert requests.ALERT_CHANNELS == action_requests.ALERT_CHANNELS
    assert requests.ALERT_COMPARISONS == action_requests.ALERT_COMPARISONS
    assert requests.EXPERIMENT_TARGETS == action_requests.EXPERIMENT_TARGETS
    assert tuple(requests.CHOICE_LABELS["target"]) == action_requests.EXPERIMENT_TARGETS
    assert tuple(requests.CHOICE_LABELS["comparison"]) == action_requests.ALERT_COMPARISONS
    assert requests.REQUEST_KINDS == action_requests.KINDS


def test_the_experiment_targets_are_the_experiments_files():
    from cerebro.serving.metabase.requests import EXPERIMENT_TARGETS
    from ml_assets.mmm.lift_tests import TARGETS

    assert EXPERIMENT_TARGETS == TARGETS


def test_a_form_the_frontend_cannot_draw_is_found(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    action = _managed(fake.actions)[f"casafacil_cl/{REQUESTS_DASHBOARD}/automatizacion/alerta"]
    field = next(iter(action["visualization_settings"]["fields"].values()))
    field["inputType"] = "dropdown"
    assert any("inputType 'dropdown'" in p for p in fake.form_problems(action))


def test_the_fake_refuses_labelled_options_as_the_frontend_cannot_draw_them(
    fake, settings, specs_dir
):
    """``FieldValueOptions`` is ``(string | number)[]``: an option carrying its own label
    (``{name, value}``, the shape the form builds internally) is not one Metabase stores."""
    _apply(settings, specs_dir)
    action = _action_of(_managed(fake.actions), "casafacil_cl", "registrar_experimento")
    field = next(f for f in action["visualization_settings"]["fields"].values()
                 if f["title"] == "Objetivo")  # fmt: skip
    field["valueOptions"] = [{"name": "Ingresos", "value": "revenue"}]
    assert any("valueOptions must be strings or numbers" in p for p in fake.form_problems(action))


def test_a_second_apply_leaves_the_actions_alone(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    fake.reset_calls()
    second = _apply(settings, specs_dir)
    assert fake.writes() == [] and second.plan.is_empty


def test_an_action_changed_by_hand_is_put_back(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    action = next(iter(_managed(fake.actions).values()))
    action["dataset_query"]["native"]["query"] = "delete from ops.action_requests"
    fake.reset_calls()
    result = _apply(settings, specs_dir)
    (change,) = result.plan.changes
    assert (change.model, change.action, change.fields) == ("action", "update", ("sql",))
    assert "insert into ops.action_requests" in action["dataset_query"]["native"]["query"]
    assert fake.writes() == [("PUT", f"/api/action/{action['id']}")]


def _question_and_database(fake, session, *, enable_actions: bool) -> tuple[int, int]:
    from tests.cerebro.serving.metabase.test_fake_metabase import _details

    body = {"name": "W", "engine": "postgres", "details": _details()}
    if enable_actions:
        body["settings"] = {"database-enable-actions": True}
    status, database = _call(fake, "POST", "/api/database", body, session)
    assert status == 200
    card = {"name": "Q", "display": "table", "type": "question", "description": "q",
            "visualization_settings": {},
            "dataset_query": {"type": "native", "database": database["id"],
                              "native": {"query": "select 1"}}}  # fmt: skip
    status, created = _call(fake, "POST", "/api/card", card, session)
    assert status == 200
    return created["id"], database["id"]


def _action(model_id, database, **changes) -> dict:
    return {"name": "A", "type": "query", "model_id": model_id, "database_id": database,
            "dataset_query": {"type": "native", "database": database,
                              "native": {"query": "insert into t values (1)"}},
            **changes}  # fmt: skip


def test_the_fake_refuses_actions_as_metabases_api_does(server):  # noqa: F811
    session = _login(server)
    off_model, off_db = _question_and_database(server, session, enable_actions=False)
    on_model, on_db = _question_and_database(server, session, enable_actions=True)
    cases = [
        (_action(on_model, on_db, database_id=None), 400, "Must provide a database_id"),
        (_action(on_model, on_db, name=None), 400, "name"),
        (_action(on_model, on_db, type="sql"), 400, "Unsupported action type"),
        (_action(999, on_db), 404, "Not found"),
        (_action(off_model, off_db), 400, "Actions are not enabled."),
        (_action(on_model, off_db), 400, "Actions are not enabled."),
        ({"name": "A", "type": "implicit", "kind": "row/create", "model_id": on_model}, 400,
         "Actions must be made with models, not cards."),
    ]  # fmt: skip
    for body, status, message in cases:
        answer = _call(server, "POST", "/api/action", body, session)
        assert answer[0] == status and message in answer[1]["message"], body
    assert _call(server, "GET", "/api/action", None, session)[1] == []
    status, created = _call(server, "POST", "/api/action", _action(on_model, on_db), session)
    assert status == 200 and created["database_id"] == on_db
    listed = _call(server, "GET", f"/api/action?model-id={on_model}", None, session)[1]
    assert [a["id"] for a in listed] == [created["id"]]
