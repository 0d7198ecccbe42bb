"""The sensor that runs what tenants ask from Metabase (``ops.action_requests``, decision
0063): each tick claims the oldest queued requests and runs them with the command line's code
(``cerebro.actions.requests``), which writes each request's state and Spanish result back."""

from __future__ import annotations

import dagster as dg

from cerebro.actions.requests import run_pending
from cerebro.warehouse import WarehouseLockedError
from orchestration.resources import CerebroResource

#: Requests run per tick: a tick stays well inside the sensor's time limit (a scenario plans
#: in about a second, a preview is a few queries); the rest wait for the next tick.
REQUESTS_PER_TICK = 5


@dg.sensor(
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Runs the requests tenants make from Metabase's action buttons (ops.action_requests): "
        "saved budget scenarios and segment syncs or their previews, oldest first, each claimed "
        "once; writes each one's state and result for the Acciones page."
    ),
)
def action_requests_sensor(context: dg.SensorEvaluationContext, cerebro: CerebroResource):
    tenants = {tenant.tenant_id: tenant for tenant in cerebro.tenants()}
    try:
        outcomes = run_pending(cerebro.warehouse(), tenants, limit=REQUESTS_PER_TICK)
    except WarehouseLockedError as error:
        # DuckDB has one writer: a platform run holds it; the requests wait for a later tick.
        return dg.SkipReason(f"the warehouse is busy, requests wait: {error}")
    if not outcomes:
        return dg.SkipReason("no queued requests")
    for outcome in outcomes:
        context.log.info(
            f"request {outcome.request_id} ({outcome.kind}): {outcome.state} · {outcome.result}"
        )
    states = ", ".join(f"{o.request_id} {o.state}" for o in outcomes)
    return dg.SkipReason(f"ran {len(outcomes)} requests ({states}); they start no run")
