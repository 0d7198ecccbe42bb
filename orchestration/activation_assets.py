"""Activation (issue 24): a tenant's configured segments synced to their destinations, after
the customer brain has refreshed the marts they are read from.

Sending to customers is a decision, not a side effect of refreshing data: this asset is in no
job that `cerebro run` or the daily runs execute (orchestration/jobs.py leaves it out), and its
schedule (orchestration/schedules.py) is off until a user turns it on. The demo has no real
vendor to send to.
"""

import dagster as dg

from cerebro.actions.activation.errors import ActivationError
from cerebro.actions.activation.stops import stopped_since
from cerebro.actions.activation.sync import activate
from orchestration.partitions import tenant_partitions
from orchestration.resources import CerebroResource

#: The marts a sync reads its segments and contacts from (cerebro/actions/activation/members.py).
SEGMENT_MARTS = [
    dg.AssetKey(["marts", name])
    for name in ("mart_customer_value", "mart_rfm_customers", "mart_customer_contacts")
]


def _summary(report) -> dict:
    plan = report.plan
    return {
        "run_id": report.run_id, "sent": report.sent, "removed": report.removed,
        "refused": report.refused, "failed": report.failed, "held_out": len(plan.held_out),
        "no_consent": len(plan.no_consent), "unchanged": plan.unchanged, "calls": report.calls,
        "seconds": round(report.seconds, 2),
    }  # fmt: skip


@dg.asset(
    partitions_def=tenant_partitions,
    deps=SEGMENT_MARTS,
    group_name="activation",
    kinds={"python"},
    # The vendor clients retry throttling and 5xx themselves; this covers what they cannot
    # see (a dropped connection, a warehouse held by another process). A sync is idempotent,
    # so running it again sends only what the first attempt did not.
    retry_policy=dg.RetryPolicy(max_retries=2, delay=120),
)
def activation_syncs(
    context: dg.AssetExecutionContext, cerebro: CerebroResource
) -> dg.MaterializeResult:
    """Syncs each `activations:` entry of the partition's tenant (a segment and a destination,
    tenants file) as `cerebro activate` does: consented members only, a stable control group
    held out, every answer in `ops.activation_log`. Every entry is tried; one that cannot run
    (a missing secret, a refused credential) fails the asset with its one-line reason after
    the others have synced, and answers that failed (the vendor still down after its retries)
    fail it too, for the retry policy to sync again."""
    tenant_id = context.partition_key
    tenant = next((t for t in cerebro.tenants() if t.tenant_id == tenant_id), None)
    if tenant is None:
        raise dg.Failure(f"tenant {tenant_id} is not in the tenants file", allow_retries=False)
    warehouse = cerebro.warehouse()
    synced, failed, stopped = {}, {}, []
    for entry in tenant.activations:
        name = f"{entry.segment} → {entry.destination}"
        if stopped_since(warehouse, tenant_id, entry.segment, entry.destination) is not None:
            # Stopped from Metabase or `cerebro activate --stop` (ops.stopped_activations).
            stopped.append(name)
            context.log.info(f"{tenant_id}: {name} is stopped: not synced")
            continue
        try:
            synced[name] = _summary(activate(warehouse, tenant, entry.segment, entry.destination))
        except ActivationError as error:
            failed[name] = str(error)
            context.log.error(f"{tenant_id}: {name}: {error}")
    metadata = {
        "activations": synced,
        "sent": sum(summary["sent"] for summary in synced.values()),
        "failed_activations": failed,
        "stopped_activations": stopped,
    }
    if failed:
        # The reasons are for a person to fix (a secret, a credential): retrying will not.
        raise dg.Failure("; ".join(failed.values()), metadata=metadata, allow_retries=False)
    unanswered = {name: summary["failed"] for name, summary in synced.items() if summary["failed"]}
    if unanswered:
        # As `cerebro activate` exits 1: the vendor kept failing after its retries. A retry of
        # the asset syncs again, which sends only those.
        counts = ", ".join(f"{name}: {count}" for name, count in unanswered.items())
        raise dg.Failure(f"answers that failed (vendor down or throttling): {counts}",
                         metadata=metadata)  # fmt: skip
    if not tenant.activations:
        context.log.info(f"{tenant_id} has no activations in the tenants file: nothing to sync")
    return dg.MaterializeResult(metadata=metadata)
