"""Requests from Metabase (decisions 0063 and 0069): provisioning turns actions on for each tenant's
connection, makes the requests model and its "Guardar escenario" query action, and puts the
action's button and the requests on the Acciones dashboard; the fake refuses the action
requests Metabase refuses.

Oracles: Metabase's source for the pinned v0.64 line (github.com/metabase/metabase):
``src/metabase/actions/api.clj`` (``POST /api/action``: ``name`` and ``model_id`` required, a
query action needs ``database_id``), ``src/metabase/actions/actions.clj``
(``check-actions-enabled-for-database!``: "Actions are not enabled."),
``src/metabase/actions/models.clj`` (an implicit action needs a model: "Actions must be made
with models, not cards.") and ``frontend/src/metabase/dashboard/actions/actions.ts``
(``addActionToDashboard``: the button dashcard's ``action_id``, ``card_id`` and settings) and
``frontend/src/metabase-types/api/actions.ts`` (``FieldSettings``: what a form can draw).
"""

from __future__ import annotations

from cerebro.serving.dashboards.spec import load_dashboards
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


def test_each_tenant_gets_its_requests_model_action_and_button(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    databases = {db["name"]: db for db in fake.databases.values()}
    assert not databases["Cerebro"]["settings"].get("database-enable-actions")
    cards, actions = _managed(fake.cards), _managed(fake.actions)
    for tenant in TENANTS:
        t = tenant.tenant_id
        database = databases[f"Cerebro · {t}"]
        assert database["settings"]["database-enable-actions"] is True
        model = cards[f"{t}/{REQUESTS_DASHBOARD}/solicitudes"]
        assert model["type"] == "model" and model["database_id"] == database["id"]
        sql = model["dataset_query"]["native"]["query"]
        assert "from ops.action_requests" in sql and f"tenant_id = '{t}'" in sql
        action = actions[f"{t}/{REQUESTS_DASHBOARD}/guardar_escenario"]
        assert (action["type"], action["model_id"], action["database_id"]) == (
            "query",
            model["id"],
            database["id"],
        )
        assert f"values ('{t}', 'guardar_escenario'" in action["dataset_query"]["native"]["query"]
        assert {p["slug"] for p in action["parameters"]} == {
            "scenario_name", "budget_amount", "period_days"
        }  # fmt: skip
        board = _managed(fake.dashboards)[f"{t}/{REQUESTS_DASHBOARD}"]
        (button,) = [d for d in board["dashcards"] if d.get("action_id") == action["id"]]
        assert button["card_id"] == model["id"]
        settings_ = button["visualization_settings"]
        assert settings_["actionDisplayType"] == "button"
        assert settings_["button.label"] == "Guardar escenario"
        assert settings_["virtual_card"]["display"] == "action"
        assert [d for d in board["dashcards"] if d["card_id"] == model["id"]
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


def test_each_request_kind_has_its_action_form_and_button(fake, settings, specs_dir):
    """Every kind the sensor runs has a button on the tenant's Acciones page; a sync's preview
    and its confirmation are two buttons (the confirmation sends only after a preview); the
    destination is a choice of the tenant's own destinations, the alert's channel a choice of
    e-mail, Slack and WhatsApp; every form is one the frontend can draw."""
    _apply(settings, specs_dir)
    actions = _managed(fake.actions)
    for tenant in TENANTS:
        t = tenant.tenant_id
        board = _managed(fake.dashboards)[f"{t}/{REQUESTS_DASHBOARD}"]
        buttons = {d["action_id"]: d for d in board["dashcards"] if d.get("action_id")}
        for key, (kind, preview) in ACTION_KINDS.items():
            action = actions[f"{t}/{REQUESTS_DASHBOARD}/{key}"]
            sql = action["dataset_query"]["native"]["query"]
            assert f"'{t}', '{kind}'" in sql and "on conflict do nothing" in sql
            assert (f", {preview})" in sql) if preview else "preview" not in sql
            assert fake.form_problems(action) == [], key
            assert buttons[action["id"]]["visualization_settings"]["button.label"] == action["name"]
        fields = {
            f["title"]: f
            for key in ("sincronizar_segmento", "alerta")
            for f in actions[f"{t}/{REQUESTS_DASHBOARD}/{key}"]["visualization_settings"][
                "fields"
            ].values()
        }
        destinations = sorted(tenant.destinations)
        if destinations:
            assert fields["Destino"]["valueOptions"] == destinations
        else:
            assert fields["Destino"]["inputType"] == "string"
        assert fields["Canal"]["valueOptions"] == ["email", "slack", "whatsapp"]
        assert fields["Umbral"]["inputType"] == "number"
        experiment = actions[f"{t}/{REQUESTS_DASHBOARD}/registrar_experimento"]
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
    action = _managed(fake.actions)[f"casafacil_cl/{REQUESTS_DASHBOARD}/alerta"]
    field = next(iter(action["visualization_settings"]["fields"].values()))
    field["inputType"] = "dropdown"
    assert any("inputType 'dropdown'" in p for p in fake.form_problems(action))


def test_the_fake_refuses_labelled_options_as_the_frontend_cannot_draw_them(
    fake, settings, specs_dir
):
    """``FieldValueOptions`` is ``(string | number)[]``: an option carrying its own label
    (``{name, value}``, the shape the form builds internally) is not one Metabase stores."""
    _apply(settings, specs_dir)
    action = _managed(fake.actions)[f"casafacil_cl/{REQUESTS_DASHBOARD}/registrar_experimento"]
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
