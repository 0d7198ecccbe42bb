"""Run what tenants asked from Metabase with the command line's own code, and write back one
line in Spanish (decision 0063).

- ``guardar_escenario``: plans the budget on the tenant's fitted revenue model
  (``marts.mart_budget_models``, what ``cerebro mmm export`` writes for ``cerebro mmm
  optimize``) with ``plan_budget``, and saves the plan per channel in ``ops.saved_scenarios``.
- ``sincronizar_segmento``: with ``preview``, the plan of ``cerebro activate --dry-run``
  (nothing sent; the plan's counts kept in ``ops.sync_previews``); without it, the sync
  itself, confirmed only by a preview of the same pair that is recent, not used by another
  confirmation, and still true (the segment, its control group and its consent exclusions
  unchanged: ``previews``).
- ``detener_activacion``: the pair's scheduled syncs stop (``ops.stopped_activations``).
- ``alerta``: an alert of the tenant's (``ops.requested_alerts``) on one of the alerts file's
  metrics or any KPI mart scalar, checked first (a text column, an unknown metric, a channel
  the alerts file lacks are refused).
- ``registrar_experimento``: a lift-test readout for calibration (``ops.registered_experiments``,
  ``experiments``), checked with the experiments file's rules.
- ``retirar_experimento``: a registered test, named by the request that registered it, leaves
  calibration (``experiments.withdraw``).

A request the platform cannot run as asked (an unknown segment, a budget the model has never
seen, a tenant without a model) is ``refused`` with the reason and nothing else written; an
error of the platform's own is ``failed`` with its first line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from cerebro.actions.activation.audiences import is_audience
from cerebro.actions.activation.errors import ActivationError
from cerebro.actions.activation.members import known_segments
from cerebro.actions.activation.registry import DESTINATIONS
from cerebro.actions.activation.stops import (
    has_synced,
    resume_writes,
    stop_writes,
    stopped_since,
)
from cerebro.actions.activation.sync import SyncReport, activate
from cerebro.actions.alerts import requested
from cerebro.actions.alerts.config import alerts_file_from_env, load_alerts_config
from cerebro.actions.alerts.metrics import METRICS
from cerebro.actions.requests import experiments, previews, queue
from cerebro.formatting import format_currency, format_integer, format_timestamp
from cerebro.serving.security.action_requests import (
    ALERT,
    DONE,
    FAILED,
    REFUSED,
    REGISTER_EXPERIMENT,
    SAVE_SCENARIO,
    STOP_ACTIVATION,
    SYNC_SEGMENT,
    WITHDRAW_EXPERIMENT,
)
from cerebro.tenants import Tenant
from cerebro.warehouse import Warehouse, WarehouseError
from ml_assets.mmm.budget import plan_budget
from ml_assets.mmm.persistence import ModelFileError, model_from_dict
from ml_assets.mmm.scenarios import GRID_RATIOS

logger = logging.getLogger(__name__)

#: The largest budget a request may plan, relative to the current spend over its period: the
#: Simulador's grid ends there, and the curves have seen nothing like beyond it.
MAX_BUDGET_RATIO = float(max(GRID_RATIOS))
#: The model scenarios are planned on (the Simulador's revenue curves).
SCENARIO_TARGET = "revenue"
SAVED_SCENARIOS = "ops.saved_scenarios"
_PLAN_COLUMNS = (
    "channel",
    "current_spend",
    "optimal_spend",
    "expected_revenue_change",
    "expected_revenue_change_low",
    "expected_revenue_change_high",
)
_SAVED_DDL = (
    f"create table if not exists {SAVED_SCENARIOS} (request_id bigint, tenant_id text, "
    "scenario_name text, period_days integer, total_budget double precision, "
    + ", ".join(f"{c} {'text' if c == 'channel' else 'double precision'}" for c in _PLAN_COLUMNS)
    + ", saved_at timestamp)"
)


class Refused(Exception):
    """The request cannot be run as asked; the message is the Spanish line the page shows."""


@dataclass(frozen=True)
class Outcome:
    request_id: int
    kind: str
    state: str
    result: str


def run_pending(
    warehouse: Warehouse,
    tenants: Mapping[str, Tenant],
    *,
    limit: int = 5,
    now: Callable[[], dt.datetime] = queue.utc_now,
) -> list[Outcome]:
    """Claim and run up to ``limit`` queued requests, oldest first; what became of each."""
    outcomes = []
    for request_id, state in queue.release_stale(warehouse, now()):
        logger.warning("action request %s lost its process: now %s", request_id, state)
    for request_id in queue.queued_ids(warehouse, limit):
        row = queue.claim(warehouse, request_id, now())
        if row is None:
            continue
        outcomes.append(_run_one(warehouse, tenants, row, now))
    return outcomes


def _run_one(warehouse, tenants, row: pd.Series, now) -> Outcome:
    request_id, kind = int(row["request_id"]), row["kind"]
    writes: list = []
    try:
        tenant = tenants.get(row["tenant_id"])
        if tenant is None:
            raise Refused(f"El cliente {row['tenant_id']} no está en el archivo de clientes.")
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise Refused(
                f"Las solicitudes «{kind}» aún no se ejecutan desde Metabase; pídalas al "
                "equipo de datos."
            )
        state, result, writes = DONE, *handler(warehouse, tenant, row, now)
    except Refused as refusal:
        state, result, writes = REFUSED, str(refusal), []
    except Exception as error:
        logger.exception("action request %s failed", request_id)
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        state, result, writes = FAILED, f"Falló al ejecutarse: {first}", []
    queue.finish(warehouse, request_id, state, result, now(), writes)
    return Outcome(request_id, kind, state, result)


def _fitted_model(warehouse: Warehouse, tenant_id: str):
    missing = Refused(
        "Este cliente aún no tiene un modelo de presupuesto ajustado: no hay curvas con qué "
        "planificar el escenario (corra el cerebro de presupuesto primero)."
    )
    if not warehouse.table_exists("marts", "mart_budget_models"):
        raise missing
    rows = warehouse.query(
        "select model_document, currency from marts.mart_budget_models "
        "where tenant_id = %(tenant_id)s and target = %(target)s",
        {"tenant_id": tenant_id, "target": SCENARIO_TARGET},
    )
    if rows.empty:
        raise missing
    try:
        model = model_from_dict(json.loads(rows["model_document"].iloc[0]))
    except (ModelFileError, ValueError, KeyError) as error:
        raise Refused(f"El modelo guardado de este cliente no se puede leer ({error}).") from None
    return model, rows["currency"].iloc[0]


def save_scenario(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now):
    """Plan the asked budget as ``cerebro mmm optimize`` does, and save the plan."""
    model, currency = _fitted_model(warehouse, tenant.tenant_id)
    name, budget, days = row["scenario_name"], float(row["budget_amount"]), int(row["period_days"])
    current = float(model.current_spend_.sum() / model.period_days) * days
    money = lambda value: format_currency(value, currency)  # noqa: E731
    if current > 0 and budget > MAX_BUDGET_RATIO * current:
        raise Refused(
            f"Un presupuesto de {money(budget)} en {days} días es más de "
            f"{format_integer(MAX_BUDGET_RATIO)} veces el gasto actual ({money(current)}): el "
            "modelo no ha visto inversiones así; pida uno menor."
        )
    try:
        plan = plan_budget(model, budget, period_days=days)
    except ValueError as error:
        raise Refused(f"El presupuesto no se puede repartir así: {error}.") from None
    first = plan.iloc[0]
    result = (
        f"Escenario «{name}» guardado: {money(budget)} en {days} días, cambio esperado en "
        f"ingresos {money(first.scenario_change)} (entre {money(first.scenario_change_low)} y "
        f"{money(first.scenario_change_high)})."
    )
    saved_at = now()
    writes = [(_SAVED_DDL, None)] + [
        (f"insert into {SAVED_SCENARIOS} values (%(request_id)s, %(tenant_id)s, %(name)s, "
         "%(days)s, %(budget)s, " + ", ".join(f"%({c})s" for c in _PLAN_COLUMNS)
         + ", %(saved_at)s)",
         {"request_id": int(row["request_id"]), "tenant_id": tenant.tenant_id, "name": name,
          "days": days, "budget": budget, "saved_at": saved_at,
          **{c: (str(line[c]) if c == "channel" else float(line[c])) for c in _PLAN_COLUMNS}})
        for _, line in plan.iterrows()
    ]  # fmt: skip
    return result, writes


def _check_pair(warehouse: Warehouse, tenant: Tenant, segment: str, destination: str) -> None:
    if destination not in DESTINATIONS:
        raise Refused(
            f"No existe el destino «{destination}»; los destinos son: {', '.join(DESTINATIONS)}."
        )
    if destination not in tenant.destinations:
        raise Refused(
            f"El destino «{destination}» no está configurado para este cliente; pida al equipo "
            "de datos que lo agregue en el archivo de clientes."
        )
    # A saved question's audience (decision 0073) is checked when it is read.
    if not is_audience(segment) and warehouse.table_exists("marts", "dim_rfm_segments"):
        known = known_segments(warehouse)
        if segment not in known:
            raise Refused(
                f"No existe el segmento «{segment}»; los segmentos son: {', '.join(known)}."
            )


def sync_segment(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now):
    """``cerebro activate`` for the asked segment and destination: ``--dry-run`` when the
    request is a preview (its plan kept in ``ops.sync_previews``); otherwise the sync itself,
    only after a preview of the same pair that is recent, unused and still true."""
    segment, destination, preview = row["segment"], row["destination"], bool(row["preview"])
    _check_pair(warehouse, tenant, segment, destination)
    where = f"«{segment}» → {destination}"
    try:
        planned = activate(warehouse, tenant, segment, destination, dry_run=True, now=now)
        if preview:
            return _sync_line(planned), previews.record(row, planned.plan, now())
        seen = previews.latest(warehouse, tenant.tenant_id, segment, destination)
        problem = previews.staleness(seen, planned.plan, now(), where)
        if problem:
            raise Refused(problem)
        # Sending may take a while: the claim says it is alive before it starts.
        queue.heartbeat(warehouse, int(row["request_id"]), now())
        report = activate(warehouse, tenant, segment, destination, now=now)
    except (ActivationError, WarehouseError) as error:
        raise Refused(f"No se puede sincronizar {where}: {error}.") from None
    writes = previews.use(seen["request_id"], int(row["request_id"]))
    writes += resume_writes(tenant.tenant_id, segment, destination)
    return _sync_line(report), writes


def stop_activation(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now):
    """``cerebro activate --stop``: the scheduled syncs of the pair stop (nothing is taken
    out of the vendor's list)."""
    segment, destination = row["segment"], row["destination"]
    _check_pair(warehouse, tenant, segment, destination)
    where = f"«{segment}» → {destination}"
    since = stopped_since(warehouse, tenant.tenant_id, segment, destination)
    if since is not None:
        raise Refused(f"La activación {where} ya está detenida desde el {format_timestamp(since)}.")
    scheduled = any(
        (entry.segment, entry.destination) == (segment, destination) for entry in tenant.activations
    )
    if not scheduled and not has_synced(warehouse, tenant.tenant_id, segment, destination):
        raise Refused(f"No hay una activación {where} que detener: nunca se ha sincronizado.")
    writes = stop_writes(tenant.tenant_id, segment, destination, now(), row["requested_by"],
                         int(row["request_id"]))  # fmt: skip
    return (
        f"Activación {where} detenida: las sincronizaciones programadas ya no la envían; "
        "la lista del destino queda como está.",
        writes,
    )


def _sync_line(report: SyncReport) -> str:
    plan = report.plan
    where = f"«{plan.segment}» → {plan.destination}"
    if report.dry_run:
        return (
            f"Vista previa de {where}: {plan.members} clientes en el segmento, "
            f"{len(plan.add)} por {'enviar' if plan.one_shot else 'agregar'}, "
            f"{len(plan.remove)} por quitar, {len(plan.held_out)} en el grupo de control, "
            f"{len(plan.no_consent)} sin consentimiento; nada enviado."
        )
    return (
        f"Sincronizado {where}: {report.sent} enviados, {report.refused} rechazados, "
        f"{report.failed} fallidos, {report.removed} quitados, {len(plan.held_out)} en el "
        f"grupo de control (corrida {report.run_id})."
    )


def create_alert(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now):
    """An alert of this tenant, evaluated with the alerts file's rules after each daily run
    (``cerebro.actions.alerts.requested``)."""
    name, metric = row["alert_name"], row["metric"]
    threshold, kind = float(row["threshold"]), row["channel"]
    try:
        config = load_alerts_config(alerts_file_from_env(), tenant_ids=[tenant.tenant_id])
        channel = requested.channel_for(config, kind)
        target = requested.metric_target(warehouse, tenant.tenant_id, metric)
    except requested.AlertRequestError as error:
        raise Refused(str(error)) from None
    problem = METRICS[target[0]].threshold_problem(threshold)
    if problem:
        raise Refused(f"El umbral {threshold:g} no sirve para «{metric}» ({problem}).")
    rule = requested.rule_id(name)
    if requested.exists(warehouse, tenant.tenant_id, rule):
        raise Refused(f"Ya existe la alerta «{name}»; use otro nombre.")
    writes = requested.record_writes(
        int(row["request_id"]), tenant.tenant_id, rule, name, target, row["comparison"],
        threshold, kind, channel, now(),
    )  # fmt: skip
    words = {"above": "sobre", "at_or_above": "desde", "below": "bajo", "at_or_below": "hasta"}
    return (
        f"Alerta «{name}» creada: avisa por {kind} cuando «{metric}» esté "
        f"{words[row['comparison']]} {threshold:g}; se revisa después de cada corrida diaria.",
        writes,
    )


def register_experiment(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now):
    """A lift test the tenant ran, kept once for the budget model's next fit."""
    try:
        return experiments.register(warehouse, tenant, row, now)
    except experiments.ExperimentRefused as refusal:
        raise Refused(str(refusal)) from None


def withdraw_experiment(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now):
    """A registered lift test leaves calibration."""
    try:
        return experiments.withdraw(warehouse, tenant, row, now)
    except experiments.ExperimentRefused as refusal:
        raise Refused(str(refusal)) from None


_HANDLERS = {
    SAVE_SCENARIO: save_scenario,
    SYNC_SEGMENT: sync_segment,
    STOP_ACTIVATION: stop_activation,
    ALERT: create_alert,
    REGISTER_EXPERIMENT: register_experiment,
    WITHDRAW_EXPERIMENT: withdraw_experiment,
}
