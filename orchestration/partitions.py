"""The partitions, defined once: one per tenant and local calendar day (decision 0011).

A key is ``"<date>|<tenant_id>"`` (dimensions sorted by name: date, tenant). The date is a
calendar day *in the tenant's timezone*: partition ``2026-11-20|casafacil_pe`` holds what happened
on 20 November in Lima. Tenants are a dynamic dimension, registered from the tenants file by
``register_tenants`` (``cerebro run`` and the ``tenant_partitions_sensor`` call it), so that
loading the definitions reads no configuration.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dagster as dg

from orchestration.partition_days import SCHEDULE_TIMEZONE, partitions_start

TENANT_PARTITIONS = "tenant"
#: The first day that can be asked for; history before it is built by the first (full) build
#: (partition_days.py: the deployment's first run, recorded in its Dagster home).
PARTITIONS_START = partitions_start()
#: Where dbt's partition_window_given macro reads a run's window (dbt_project/macros).
DBT_WINDOW_ENV = "CEREBRO_DBT_PARTITION_WINDOW"
#: Dagster's run tags for a run over a range of partitions (a single-run backfill): the first
#: and last key of the range ("2026-11-20|casafacil_cl").
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
#: Server options for every session of a partition run's dbt, through libpq's PGOPTIONS
#: (PostgreSQL only; DuckDB and Spark never read it). JIT off: PostgreSQL costs a window's
#: query on the whole tables it prunes, so JIT compiled each of them for 0.5-2.6 s to process
#: a few thousand rows (a one-tenant partition at the large size: 64 s with JIT, 43 s
#: without). Full builds keep the server's setting, where JIT pays for itself (decision 0043).
PARTITION_RUN_PGOPTIONS = "-c jit=off"

tenant_partitions = dg.DynamicPartitionsDefinition(name=TENANT_PARTITIONS)
#: The hourly run builds *today*, which Dagster accepts only for days its partitions already
#: hold: end_offset 1 adds today in Santiago, the last day an hourly run asks for
#: (partition_days.hourly_day). The daily schedule asks only for days that are over.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START, timezone=SCHEDULE_TIMEZONE, end_offset=1
)
tenant_daily_partitions = dg.MultiPartitionsDefinition(
    {"date": daily_partitions, "tenant": tenant_partitions}
)


def partition_key(day: dt.date, tenant_id: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"date": day.isoformat(), "tenant": tenant_id})


@dataclass(frozen=True)
class PartitionWindow:
    """What a run covers: tenants and an inclusive range of local dates."""

    tenants: tuple[str, ...]
    start: dt.date
    end: dt.date

    def dbt_vars(self) -> dict:
        return {
            "partition_tenants": list(self.tenants),
            "partition_start_date": self.start.isoformat(),
            "partition_end_date": self.end.isoformat(),
        }

    def dbt_env(self) -> dict[str, str]:
        """The window for dbt as its macros read it from the environment (decision 0016):
        unlike ``--vars``, a new window does not make dbt re-parse the whole project. Also the
        partition run's PostgreSQL session options, after any the environment already sets."""
        options = f"{os.environ.get('PGOPTIONS', '')} {PARTITION_RUN_PGOPTIONS}".strip()
        return {DBT_WINDOW_ENV: json.dumps(self.dbt_vars()), "PGOPTIONS": options}


def range_tags(
    first_day: dt.date, first_tenant: str, last_day: dt.date, last_tenant: str
) -> dict[str, str]:
    """The tags of one run over a range of partitions: from the first tenant's first day to
    the last tenant's last day (every tenant registered between them, every day between)."""
    return {
        RANGE_START_TAG: str(partition_key(first_day, first_tenant)),
        RANGE_END_TAG: str(partition_key(last_day, last_tenant)),
    }


def window_of(keys: Iterable[str | dg.MultiPartitionKey]) -> PartitionWindow:
    """The window spanned by a run's partition keys (one key, or a single-run backfill)."""
    tenants: set[str] = set()
    days: set[dt.date] = set()
    for key in keys:
        dimensions = (
            key.keys_by_dimension
            if isinstance(key, dg.MultiPartitionKey)
            else tenant_daily_partitions.get_partition_key_from_str(key).keys_by_dimension
        )
        tenants.add(dimensions["tenant"])
        days.add(dt.date.fromisoformat(dimensions["date"]))
    if not tenants:
        raise ValueError("a partitioned run needs at least one partition key")
    return PartitionWindow(tuple(sorted(tenants)), min(days), max(days))


def tenants_of_run(tags: dict[str, str], instance: dg.DagsterInstance) -> list[str]:
    """The tenants a run covers: its partition's, or every tenant of its range (a night's run
    for several tenants, a backfill) in the order they were registered."""
    tenant = tags.get("dagster/partition/tenant")
    if tenant is not None:
        return [tenant]
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start is None or end is None:
        return []
    keys = tenant_daily_partitions.get_partition_keys_in_range(
        dg.PartitionKeyRange(start, end), dynamic_partitions_store=instance
    )
    return list(dict.fromkeys(key.keys_by_dimension["tenant"] for key in keys))


def register_tenants(instance: dg.DagsterInstance, tenant_ids: Sequence[str]) -> list[str]:
    """Add the tenants missing from the tenant dimension; returns those added."""
    known = set(instance.get_dynamic_partitions(TENANT_PARTITIONS))
    missing = [tenant_id for tenant_id in tenant_ids if tenant_id not in known]
    if missing:
        instance.add_dynamic_partitions(TENANT_PARTITIONS, missing)
    return missing
