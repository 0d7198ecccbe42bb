"""Tenants a run for several stores leaves out of its dbt step (decision 0078).

A night's run lands and builds every tenant whose yesterday is the same day. Its landing steps
do not stop for one tenant: a tenant whose tap failed, or whose newly landed rows broke their
contract beyond the limit, is named in the step's checks (``every_tenant_landed``'s
``failed``, the contract check's ``tenants_over_limit``), and the dbt step builds the others,
so that tenant's marts stay as they were, as they would in a run of its own whose check
blocked what follows.
"""

from __future__ import annotations

import dagster as dg

#: Check metadata that names tenants to leave out: the landing's, the contract's.
HOLDING_METADATA = ("failed", "tenants_over_limit")


def tenants_held_back(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """Each tenant the run's checks so far named as not landed or over the contract's limit,
    with the check that named it."""
    held: dict[str, str] = {}
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    for record in records:
        evaluation = record.get_dagster_event().event_specific_data
        if evaluation.passed:
            continue
        check = f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}"
        for name in HOLDING_METADATA:
            value = evaluation.metadata.get(name)
            named = value.value if value is not None else ()
            for tenant in named:
                held.setdefault(tenant, check)
    return held
