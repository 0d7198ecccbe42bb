"""Requests from Metabase (decision 0063): per tenant, a model over the tenant's rows of
``ops.action_requests`` (state and result of each request), a query action "Guardar
escenario" on it that inserts a request, and both on the dashboard ``REQUESTS_DASHBOARD`` (the
requests as a table, the action as a button that opens its form).

Shapes from Metabase's source for the pinned version (github.com/metabase/metabase):
``POST /api/action`` in ``src/metabase/actions/api.clj`` (``name`` and ``model_id`` required;
a ``query`` action needs ``database_id``; actions must be enabled on the database, the
``database-enable-actions`` setting, ``src/metabase/actions/actions.clj``); an action button is
a dashcard with ``action_id``, the model as ``card_id`` and a virtual "action" card in its
settings (``addActionToDashboard`` in ``frontend/src/metabase/dashboard/actions/actions.ts``).

The action runs as the tenant's connection (its row-level-security role): the database, not
Metabase, decides what it may insert. ``on conflict do nothing`` makes a double click one
request (the pending-request unique index).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cerebro.serving.metabase.desired import DesiredCard, DesiredDashcard, with_marker

#: The dashboard that shows a tenant's requests and their buttons (metabase/dashboards/).
REQUESTS_DASHBOARD = "acciones"
MODEL_KEY, SCENARIO_ACTION_KEY = "solicitudes", "guardar_escenario"
#: Rows of the requests table on the dashboard, below the spec's cards.
BUTTON_HEIGHT, TABLE_HEIGHT = 2, 7
_NAMESPACE = uuid.UUID("0b7c55f4-0c5e-4c57-9a0a-63f2c51f6a63")

_KIND_LABELS = {
    "guardar_escenario": "Guardar escenario",
    "sincronizar_segmento": "Sincronizar segmento",
    "detener_activacion": "Detener activación",
    "alerta": "Alerta",
}
_STATE_LABELS = {
    "queued": "En cola",
    "running": "En curso",
    "done": "Hecha",
    "refused": "Rechazada",
    "failed": "Falló",
}


def _case(column: str, labels: dict[str, str]) -> str:
    whens = " ".join(f"when '{code}' then '{label}'" for code, label in labels.items())
    return f"case requests.{column} {whens} else requests.{column} end"


def _model_sql(tenant_id: str) -> str:
    return f"""select
    requests.request_id as "Solicitud",
    {_case("kind", _KIND_LABELS)} as "Tipo",
    coalesce(requests.scenario_name, requests.segment, requests.alert_name) as "Sobre",
    requests.budget_amount as "Presupuesto",
    requests.period_days as "Días",
    requests.destination as "Destino",
    {_case("state", _STATE_LABELS)} as "Estado",
    requests.result as "Resultado",
    requests.requested_at as "Pedida (UTC)",
    requests.finished_at as "Terminada (UTC)"
from ops.action_requests as requests
where requests.tenant_id = '{tenant_id}'
order by requests.request_id desc"""


def model_key(tenant_id: str) -> str:
    return f"{tenant_id}/{REQUESTS_DASHBOARD}/{MODEL_KEY}"


def requests_model(tenant_id: str, collection: str) -> DesiredCard:
    """The tenant's requests as a Metabase model (a question of type ``model``: actions can
    be made only on models)."""
    key = model_key(tenant_id)
    return DesiredCard(
        key=key,
        collection=collection,
        name="Solicitudes",
        description=with_marker(
            "Lo que se pidió desde estos tableros, su estado y su resultado (se actualiza "
            "en menos de un minuto).",
            key,
        ),
        display="table",
        sql=_model_sql(tenant_id),
        template_tags={},
        visualization_settings={},
        database=tenant_id,
        card_type="model",
    )


@dataclass(frozen=True)
class DesiredAction:
    """A query action on a model, as ``POST /api/action`` takes it."""

    key: str
    name: str
    description: str
    model: str  # the model card's key
    database: str  # the connection's key
    sql: str
    parameters: tuple[dict, ...]
    template_tags: dict
    visualization_settings: dict

    def payload(self, model_id: int | None, database_id: int | None) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "type": "query",
            "model_id": model_id,
            "database_id": database_id,
            "dataset_query": {
                "type": "native",
                "database": database_id,
                "native": {"query": self.sql, "template-tags": self.template_tags},
            },
            "parameters": list(self.parameters),
            "visualization_settings": self.visualization_settings,
        }


#: The form's fields: template tag, Metabase tag type, parameter type, label, input type.
_SCENARIO_FIELDS = (
    ("scenario_name", "text", "string/=", "Nombre del escenario", "string"),
    ("budget_amount", "number", "number/=", "Presupuesto total", "number"),
    ("period_days", "number", "number/=", "Días", "number"),
)


def scenario_action(tenant_id: str) -> DesiredAction:
    """ "Guardar escenario": a budget for a period, planned on the tenant's fitted curves by
    the sensor and saved with its plan."""
    key = f"{tenant_id}/{REQUESTS_DASHBOARD}/{SCENARIO_ACTION_KEY}"
    ids = {tag: str(uuid.uuid5(_NAMESPACE, f"{key}/{tag}")) for tag, *_ in _SCENARIO_FIELDS}
    values = ", ".join(f"{{{{{tag}}}}}" for tag, *_ in _SCENARIO_FIELDS)
    sql = (
        "insert into ops.action_requests (tenant_id, kind, scenario_name, budget_amount, "
        f"period_days)\nvalues ('{tenant_id}', 'guardar_escenario', {values})\n"
        "on conflict do nothing"
    )
    tags = {
        tag: {"id": ids[tag], "name": tag, "display-name": label, "type": kind, "required": True}
        for tag, kind, _, label, _ in _SCENARIO_FIELDS
    }
    parameters = tuple(
        {"id": ids[tag], "name": label, "slug": tag, "type": parameter_type, "required": True,
         "target": ["variable", ["template-tag", tag]]}
        for tag, _, parameter_type, label, _ in _SCENARIO_FIELDS
    )  # fmt: skip
    fields = {
        ids[tag]: {"id": ids[tag], "title": label, "inputType": input_type, "required": True,
                   "hidden": False, "order": order}
        for order, (tag, _, _, label, input_type) in enumerate(_SCENARIO_FIELDS)
    }  # fmt: skip
    return DesiredAction(
        key=key,
        name="Guardar escenario",
        description=with_marker(
            "Pide planificar un presupuesto en las curvas del modelo y guardar el plan; el "
            "resultado aparece en Solicitudes.",
            key,
        ),
        model=model_key(tenant_id),
        database=tenant_id,
        sql=sql,
        parameters=parameters,
        template_tags=tags,
        visualization_settings={
            "type": "form",
            "fields": fields,
            "submitButtonLabel": "Pedir",
            "successMessage": "Pedido: el resultado aparece en Solicitudes en menos de un minuto.",
        },
    )


def action_button_settings(label: str) -> dict:
    """A button dashcard's settings, as Metabase's dashboard editor saves them."""
    virtual = {"name": None, "display": "action", "visualization_settings": {},
               "dataset_query": {}, "archived": False}  # fmt: skip
    return {"actionDisplayType": "button", "virtual_card": virtual, "button.label": label}


def request_dashcards(tenant_id: str, below: int) -> tuple[DesiredDashcard, ...]:
    """The button and the requests table, from row ``below`` down."""
    action = scenario_action(tenant_id)
    return (
        DesiredDashcard(action.model, row=below, col=0, size_x=6, size_y=BUTTON_HEIGHT,
                        action=action.key, label=action.name),
        DesiredDashcard(action.model, row=below + BUTTON_HEIGHT, col=0, size_x=24,
                        size_y=TABLE_HEIGHT),
    )  # fmt: skip
