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
    "registrar_experimento": "Registrar experimento",
    "retirar_experimento": "Retirar experimento",
}
#: Every kind of request a form can ask (the table's CHECK holds the same; a test says so).
REQUEST_KINDS = tuple(_KIND_LABELS)
#: The alert form's choices: the values the table's CHECK allows
#: (``cerebro/serving/security/action_requests.py``, a sibling this package does not import;
#: a test holds the two equal).
ALERT_CHANNELS = ("email", "slack", "whatsapp")
ALERT_COMPARISONS = ("above", "at_or_above", "below", "at_or_below")
#: The experiment form's targets, as the table's CHECK allows them (same test).
EXPERIMENT_TARGETS = ("revenue", "new_customers")
#: What a select shows for each code it stores. A form's ``valueOptions`` are plain values
#: (``FieldValueOptions = (string | number)[]`` in ``frontend/src/metabase-types/api/
#: actions.ts``, each turned into ``{name: o, value: o}`` by ``getOptionsFromArray`` in
#: ``frontend/src/metabase/actions/utils.ts``): a label cannot travel beside its value. So the
#: form offers the labels and the action's SQL turns the label back into the code.
CHOICE_LABELS = {
    "target": {"revenue": "Ingresos", "new_customers": "Clientes nuevos"},
    "comparison": {"above": "Mayor que", "at_or_above": "Mayor o igual que",
                   "below": "Menor que", "at_or_below": "Menor o igual que"},
}  # fmt: skip
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
    requests.metric as "Métrica",
    requests.threshold as "Umbral",
    requests.channel as "Canal",
    requests.start_date as "Desde",
    requests.end_date as "Hasta",
    requests.lift as "Efecto medido",
    requests.standard_error as "Error estándar",
    {_case("target", CHOICE_LABELS["target"])} as "Objetivo",
    requests.experiment_request_id as "Experimento (solicitud)",
    {_case("state", _STATE_LABELS)} as "Estado",
    requests.result as "Resultado",
    requests.requested_at as "Pedida (UTC)",
    requests.finished_at as "Terminada (UTC)"
from ops.action_requests as requests
where requests.tenant_id = '{tenant_id}'
order by requests.request_id desc"""


def owner_key(tenant_id: str, group: str | None = None) -> str:
    """The key prefix of a tenant's requests objects: the Acciones page's (the reader's
    model, which only reads), or one asking group's (decision 0075)."""
    base = f"{tenant_id}/{REQUESTS_DASHBOARD}"
    return f"{base}/{group}" if group else base


def model_key(tenant_id: str, group: str | None = None) -> str:
    return f"{owner_key(tenant_id, group)}/{MODEL_KEY}"


def group_database_key(tenant_id: str, group: str) -> str:
    """The key of the Metabase connection that logs in as a group's login (decision 0075)."""
    return f"{tenant_id}/{group}"


def requests_model(
    tenant_id: str, collection: str, group: str | None = None, database: str | None = None
) -> DesiredCard:
    """The tenant's requests as a Metabase model (a question of type ``model``: actions can
    be made only on models), on the tenant's connection or, for a group, on ``database``."""
    key = model_key(tenant_id, group)
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
        database=database or tenant_id,
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
    #: The kind of request it inserts (``ops.action_requests.kind``).
    kind: str = ""

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


@dataclass(frozen=True)
class Field:
    """One field of an action's form: its template tag, Metabase tag type, parameter type,
    label, input type (``InputSettingType`` in ``frontend/src/metabase-types/api/actions.ts``)
    and, for a ``select``, its options."""

    tag: str
    tag_type: str
    parameter_type: str
    label: str
    input_type: str
    options: tuple[str, ...] = ()
    #: code -> label of a select whose labels are shown and codes stored.
    labels: tuple[tuple[str, str], ...] = ()

    def value_sql(self) -> str:
        """The field's value in the action's SQL: its template tag, or for a labelled select
        the code of the label chosen (anything else passes as typed, for the CHECK to refuse)."""
        tag = f"{{{{{self.tag}}}}}"
        if not self.labels:
            return tag
        whens = " ".join(f"when '{label}' then '{code}'" for code, label in self.labels)
        return f"case {tag} {whens} else {tag} end"


def _text_field(tag: str, label: str) -> Field:
    return Field(tag, "text", "string/=", label, "string")


def _number_field(tag: str, label: str) -> Field:
    return Field(tag, "number", "number/=", label, "number")


def _date_field(tag: str, label: str) -> Field:
    # A date variable: Metabase's action editor maps the "date" input to a "date" template
    # tag and a "date/single" parameter.
    return Field(tag, "date", "date/single", label, "date")


def _select_field(tag: str, label: str, options: tuple[str, ...]) -> Field:
    # Without options (a tenant with no destination yet) the field is typed, and the sensor
    # refuses a value that names nothing.
    if not options:
        return _text_field(tag, label)
    return Field(tag, "text", "string/=", label, "select", options)


def _labelled_field(tag: str, label: str) -> Field:
    """A select of ``CHOICE_LABELS[tag]``: Spanish words shown, codes stored."""
    labels = tuple(CHOICE_LABELS[tag].items())
    return Field(tag, "text", "string/=", label, "select",
                 tuple(word for _, word in labels), labels)  # fmt: skip


_SCENARIO_FIELDS = (
    _text_field("scenario_name", "Nombre del escenario"),
    _number_field("budget_amount", "Presupuesto total"),
    _number_field("period_days", "Días"),
)


def _query_action(tenant_id: str, key_name: str, name: str, description: str, kind: str,
                  fields: tuple[Field, ...], fixed: tuple[tuple[str, str], ...] = (),
                  group: str | None = None) -> DesiredAction:  # fmt: skip
    """A query action that inserts one request of ``kind`` with the form's ``fields`` (and
    ``fixed`` columns as SQL literals); a double click inserts nothing more. A ``group``'s
    action runs on that group's connection, on its model."""
    key = f"{owner_key(tenant_id, group)}/{key_name}"
    ids = {f.tag: str(uuid.uuid5(_NAMESPACE, f"{key}/{f.tag}")) for f in fields}
    columns = ", ".join(("tenant_id", "kind", *(f.tag for f in fields), *(c for c, _ in fixed)))
    values = ", ".join((f"'{tenant_id}'", f"'{kind}'", *(f.value_sql() for f in fields),
                        *(v for _, v in fixed)))  # fmt: skip
    sql = f"insert into ops.action_requests ({columns})\nvalues ({values})\non conflict do nothing"
    tags = {
        f.tag: {"id": ids[f.tag], "name": f.tag, "display-name": f.label, "type": f.tag_type,
                "required": True}
        for f in fields
    }  # fmt: skip
    parameters = tuple(
        {"id": ids[f.tag], "name": f.label, "slug": f.tag, "type": f.parameter_type,
         "required": True, "target": ["variable", ["template-tag", f.tag]]}
        for f in fields
    )  # fmt: skip
    settings = {}
    for order, f in enumerate(fields):
        settings[ids[f.tag]] = {"id": ids[f.tag], "title": f.label, "inputType": f.input_type,
                                "required": True, "hidden": False, "order": order}  # fmt: skip
        if f.options:
            settings[ids[f.tag]]["valueOptions"] = list(f.options)
    return DesiredAction(
        key=key,
        name=name,
        description=with_marker(description, key),
        model=model_key(tenant_id, group),
        database=group_database_key(tenant_id, group) if group else tenant_id,
        sql=sql,
        parameters=parameters,
        template_tags=tags,
        visualization_settings={
            "type": "form",
            "fields": settings,
            "submitButtonLabel": "Pedir",
            "successMessage": "Pedido: el resultado aparece en Solicitudes en menos de un minuto.",
        },
        kind=kind,
    )


def scenario_action(tenant_id: str, group: str | None = None) -> DesiredAction:
    """ "Guardar escenario": a budget for a period, planned on the tenant's fitted curves by
    the sensor and saved with its plan."""
    return _query_action(
        tenant_id, SCENARIO_ACTION_KEY, "Guardar escenario",
        "Pide planificar un presupuesto en las curvas del modelo y guardar el plan; el "
        "resultado aparece en Solicitudes.",
        "guardar_escenario", _SCENARIO_FIELDS, group=group,
    )  # fmt: skip


def _pair_fields(destinations: tuple[str, ...]) -> tuple[Field, ...]:
    return (
        _text_field("segment", "Segmento"),
        _select_field("destination", "Destino", destinations),
    )


def request_actions(
    tenant_id: str,
    destinations: tuple[str, ...] = (),
    metrics: tuple[str, ...] = (),
    group: str | None = None,
    kinds: tuple[str, ...] | None = None,
) -> tuple[DesiredAction, ...]:
    """The actions of a tenant's Acciones page, in button order: the scenario, the sync's
    preview and its confirmation, stopping an activation, an alert (decision 0069) and an
    experiment's readout (decision 0072) and its withdrawal (decision 0075); for a ``group``,
    those of its ``kinds`` only, on its own model and connection."""
    pair = _pair_fields(destinations)
    every = (
        scenario_action(tenant_id, group),
        _query_action(
            tenant_id, "vista_previa_sincronizacion", "Vista previa de sincronización",
            "Muestra, sin enviar nada, cuántos clientes del segmento irían al destino, cuántos "
            "quedan en el grupo de control y cuántos se excluyen por consentimiento.",
            "sincronizar_segmento", pair, (("preview", "true"),), group,
        ),
        _query_action(
            tenant_id, "sincronizar_segmento", "Sincronizar este segmento",
            "Envía el segmento al destino, solo si su vista previa tiene menos de una hora y "
            "el segmento no cambió desde entonces.",
            "sincronizar_segmento", pair, (("preview", "false"),), group,
        ),
        _query_action(
            tenant_id, "detener_activacion", "Detener activación",
            "Detiene las sincronizaciones programadas del segmento con el destino.",
            "detener_activacion", pair, group=group,
        ),
        _query_action(
            tenant_id, "alerta", "Crear alerta",
            "Avisa cuando una métrica cruza el umbral, por correo, Slack o WhatsApp.",
            "alerta",
            (_text_field("alert_name", "Nombre de la alerta"),
             _select_field("metric", "Métrica", metrics),
             _labelled_field("comparison", "Comparación"),
             _number_field("threshold", "Umbral"),
             _select_field("channel", "Canal", ALERT_CHANNELS)),
            group=group,
        ),
        _query_action(
            tenant_id, "registrar_experimento", "Registrar experimento",
            "Registra el resultado de un experimento de incrementalidad (lift test) de un "
            "canal, para calibrar el modelo de presupuesto en su próximo ajuste.",
            "registrar_experimento",
            # The channel is typed: its choices are the tenant's paid channels in the
            # warehouse, which the sensor checks, not the provisioning's.
            (_text_field("channel", "Canal"),
             _date_field("start_date", "Inicio"),
             _date_field("end_date", "Fin"),
             _number_field("lift", "Efecto medido"),
             _number_field("standard_error", "Error estándar"),
             _labelled_field("target", "Objetivo")),
            group=group,
        ),
        _query_action(
            tenant_id, "retirar_experimento", "Retirar experimento",
            "Deja de calibrar el modelo de presupuesto con un experimento registrado; se "
            "indica con el número de la solicitud que lo registró (columna Solicitud).",
            "retirar_experimento",
            (_number_field("experiment_request_id", "Solicitud que lo registró"),),
            group=group,
        ),
    )  # fmt: skip
    if kinds is None:
        return every
    return tuple(action for action in every if action.kind in kinds)


def action_button_settings(label: str) -> dict:
    """A button dashcard's settings, as Metabase's dashboard editor saves them."""
    virtual = {"name": None, "display": "action", "visualization_settings": {},
               "dataset_query": {}, "archived": False}  # fmt: skip
    return {"actionDisplayType": "button", "virtual_card": virtual, "button.label": label}


def request_dashcards(
    tenant_id: str,
    below: int,
    actions: tuple[DesiredAction, ...] = (),
    group: str | None = None,
) -> tuple[DesiredDashcard, ...]:
    """A button per action side by side (none: the page only reads), and the requests table
    under them, from row ``below`` down."""
    width = 24 // max(len(actions), 1)
    buttons = tuple(
        DesiredDashcard(action.model, row=below, col=index * width, size_x=width,
                        size_y=BUTTON_HEIGHT, action=action.key, label=action.name)
        for index, action in enumerate(actions)
    )  # fmt: skip
    row = below + (BUTTON_HEIGHT if actions else 0)
    table = DesiredDashcard(model_key(tenant_id, group), row=row, col=0, size_x=24,
                            size_y=TABLE_HEIGHT)  # fmt: skip
    return (*buttons, table)
