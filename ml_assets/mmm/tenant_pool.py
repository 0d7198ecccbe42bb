"""Tenants' budget-brain runs side by side, one process per core.

A tenant's run (``tenant.run_tenant_mmm``) reads nothing from the warehouse and shares nothing
with another tenant's, and its sampler runs its chains one after the other on one core
(decision 0021): two tenants on two cores take the time of one. Processes, not threads: the
sampler holds the interpreter while it traces and the compiled programs are not thread-safe to
share. Workers are *spawned* — a forked copy of a process that has started JAX's thread pools
can deadlock — and send back only tables and plain summaries; the fitted models stay in the
worker. A tenant's run peaks at about 1.6 GB whatever the store (JAX and the compiled
samplers), and a worker gives that memory back after each tenant (``model_tenant``): as many
run at once as ``CEREBRO_MMM_MEMORY_MIB`` holds at their measured peak (``memory_pool.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from ml_assets.mmm.inputs import MmmInputError
from ml_assets.mmm.memory_pool import memory_budget_mib, peak_resident_mib, run_within_memory
from ml_assets.mmm.side_process import usable_cores
from ml_assets.mmm.tenant import TenantMmm, run_tenant_mmm

#: ``CEREBRO_MMM_WORKERS`` caps the processes (1: every tenant in this process).
WORKERS_VARIABLE = "CEREBRO_MMM_WORKERS"


@dataclass(frozen=True)
class TenantJob:
    """One tenant's run: its id and ``run_tenant_mmm``'s keyword arguments."""

    tenant_id: str
    arguments: dict


@dataclass
class TenantOutcome:
    """What a run sends back: the output rows, what failed and why, and a summary per target."""

    tenant_id: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    #: The whole tenant could not be modelled (``MmmInputError``'s message), else None.
    error: str | None = None
    summary: dict = field(default_factory=dict)
    fit_seconds: dict[str, float] = field(default_factory=dict)
    #: The peak resident memory of the process that ran it, so far (MiB).
    peak_mib: int = 0


def model_tenants(jobs: list[TenantJob], workers: int | None = None) -> Iterator[TenantOutcome]:
    """Each job's outcome, in the jobs' order; ``workers`` processes at most (default: the
    cores, or ``CEREBRO_MMM_WORKERS``), fewer if ``CEREBRO_MMM_MEMORY_MIB`` (default: half the
    machine's memory) holds fewer at their measured peak. One job, or one worker, runs in this
    process."""
    workers = min(len(jobs), workers or _default_workers())
    if workers <= 1:
        for job in jobs:
            outcome = model_tenant(job)
            outcome.peak_mib = peak_resident_mib()
            yield outcome
        return
    for finished in run_within_memory(model_tenant, jobs, workers, memory_budget_mib()):
        if finished.error is not None:
            raise finished.error
        finished.result.peak_mib = finished.peak_mib
        yield finished.result


def _default_workers() -> int:
    configured = os.environ.get(WORKERS_VARIABLE, "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError as error:
            raise ValueError(
                f"{WORKERS_VARIABLE} must be a whole number, got {configured!r}"
            ) from error
    return usable_cores()


def model_tenant(job: TenantJob) -> TenantOutcome:
    """One tenant's run, reduced to what crosses a process boundary; its compiled samplers
    are dropped after it, so a worker's memory does not grow with the tenants it ran."""
    try:
        return _outcome(job)
    finally:
        from ml_assets.mmm.posterior import release_compiled_programs  # imports JAX

        release_compiled_programs()


def _outcome(job: TenantJob) -> TenantOutcome:
    try:
        run = run_tenant_mmm(job.tenant_id, **job.arguments)
    except MmmInputError as error:
        return TenantOutcome(job.tenant_id, error=str(error))
    return TenantOutcome(
        job.tenant_id,
        tables=run.tables,
        failed=dict(run.failed),
        summary=tenant_summary(run),
        fit_seconds={target: result.fit_seconds for target, result in run.results.items()},
    )


def tenant_summary(run: TenantMmm) -> dict:
    """Per target: holdout MAPE, fit time and each channel's ROI with its interval (the
    asset's metadata), plus the scenarios that could not be planned."""
    summary = {}
    for target, result in run.results.items():
        channels = result.channel_summary()
        holdout = result.diagnostics()["holdout"]
        summary[target] = {
            "holdout_mape": holdout["mape"],
            "fit_seconds": round(result.fit_seconds, 1),
            "roi": {
                row.channel: f"{row.roi:.4g} [{row.roi_low:.4g}, {row.roi_high:.4g}]"
                + ("" if row.identified else " (not identified)")
                for row in channels.itertuples()
            },
        }
    if run.skipped_scenarios:
        summary["skipped_scenarios"] = run.skipped_scenarios
    return summary
