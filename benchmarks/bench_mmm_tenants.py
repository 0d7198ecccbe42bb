"""The platform benchmark's budget brain per tenant, and for every tenant in a pool.

``fit_revenue`` and ``plan_budgets`` are one tenant's timed work, the same for the largest
tenant (``bench_ml.mmm_stage``, with ``--repeats``) and for every tenant
(``mmm_tenants_stage``, ``--mmm-tenants all``): the MMM on daily revenue (the backtest refit
and the posterior), then the budget optimizer over the grid of totals and the named scenarios
of ``cerebro/scenarios.yml``.

``mmm_tenants_stage`` reads each tenant's inputs with the asset's queries (timed apart as
``read_seconds``), then fits and plans every tenant once, largest first, in ``ml_workers``
spawned processes side by side, as the nightly asset spreads its tenants over the cores
(``ml_assets/mmm/tenant_pool.py``: the sampler runs its chains on one core, so two workers use
two cores; fewer if ``CEREBRO_MMM_MEMORY_MIB`` holds fewer at their measured peak). It
reports the wall and CPU seconds of the whole pool and each tenant's own
seconds; a tenant that cannot be modelled is named with the reason — the platform's own
``MmmInputError`` message when its data cannot support a fit (too few days, a channel that
never spent, no orders) — and the others go on. The asset fits a second target per tenant
(daily new customers) that this stage, like ``mmm_stage``, leaves out.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from benchmarks.bench_timing import cpu_seconds
from ml_assets.mmm.inputs import MmmInputError
from ml_assets.mmm.memory_pool import memory_budget_mib, run_within_memory
from ml_assets.mmm.posterior import release_compiled_programs
from ml_assets.mmm.scenarios import Scenario, run_scenarios
from ml_assets.mmm.settings import MmmSettings
from ml_assets.mmm.tenant import TenantInputs, tenant_table
from ml_assets.mmm.workflow import MmmResult, fit_mmm

if TYPE_CHECKING:  # the workers import this module: they need no warehouse client
    from cerebro.warehouse import Warehouse


def fit_revenue(
    table: pd.DataFrame,
    channels: list[str],
    controls: list[str],
    events: list[str],
    settings: MmmSettings,
    draws: int,
) -> MmmResult:
    """The tenant's MMM on daily revenue (``ml_assets.mmm.tenant.tenant_table``'s table)."""
    return fit_mmm(
        table, date_column="date", spend_columns=channels, target_column="revenue",
        control_columns=controls, event_columns=events,
        holdout_days=settings.holdout_days, draws=draws, seed=settings.seed,
    )  # fmt: skip


def plan_budgets(
    fitted: MmmResult, scenarios: list[Scenario], settings: MmmSettings
) -> tuple[pd.DataFrame, list[str]]:
    """The optimizer's plans for every scenario, and the scenarios it skipped."""
    return run_scenarios(fitted.model, scenarios, seed=settings.seed)


@dataclass(frozen=True)
class TenantFit:
    """One tenant's work in a worker: its inputs as read, its settings and the scenarios."""

    tenant_id: str
    inputs: TenantInputs
    settings: MmmSettings
    draws: int
    scenarios: tuple[Scenario, ...]


def fit_tenant(job: TenantFit) -> dict:
    """One tenant's fit and plans, timed (its own seconds, start-up of the worker left out);
    ``{"error": reason}`` when it cannot be done."""
    try:
        started = time.perf_counter()
        table, channels, controls, events = tenant_table(job.inputs)
        fitted = fit_revenue(table, channels, controls, events, job.settings, job.draws)
        fitted_at = time.perf_counter()
        plans, skipped = plan_budgets(fitted, list(job.scenarios), job.settings)
        done = time.perf_counter()
        holdout_mape = fitted.diagnostics()["holdout"]["mape"]
    except MmmInputError as error:
        return {"error": f"data cannot support a fit: {error}"}
    except Exception as error:
        # One tenant's unexpected failure is reported under its name with its type, rather
        # than costing the figures of the tenants still to run.
        return {"error": f"{type(error).__name__}: {error}"}
    finally:
        release_compiled_programs()  # as the asset's workers do after each tenant
    return {
        "days": len(table),
        "channels": channels,
        "seconds": done - started,
        "fit_seconds": fitted_at - started,
        "optimizer_seconds": done - fitted_at,
        "holdout_mape": holdout_mape,
        "plans_rows": len(plans),
        "skipped_scenarios": len(skipped),
    }


def fit_every_tenant(jobs: list[TenantFit], workers: int) -> dict[str, dict]:
    """Each job's ``fit_tenant`` figures by tenant, in at most ``workers`` spawned processes,
    as many at once as the asset's memory budget holds (``ml_assets/mmm/memory_pool.py``,
    ``CEREBRO_MMM_MEMORY_MIB``), with the peak memory of the worker that ran it; one worker:
    in this process. A line is printed as each tenant ends (the stage's log shows progress)."""
    if workers <= 1:
        return {job.tenant_id: _noted(job.tenant_id, fit_tenant(job)) for job in jobs}
    results = {}
    finished = run_within_memory(fit_tenant, jobs, workers, memory_budget_mib())
    for job, done in zip(jobs, finished, strict=True):
        if done.error is not None:
            # The worker itself died (memory, a signal): the pool names every tenant lost.
            error = f"worker process failed: {type(done.error).__name__}: {done.error}"
            figures = {"error": error}
        elif "error" in done.result:
            figures = done.result
        else:
            figures = {
                **done.result, "worker_peak_mib": done.peak_mib, "pool_workers": done.pool_workers
            }  # fmt: skip
        results[job.tenant_id] = _noted(job.tenant_id, figures)
    return results


def _noted(tenant_id: str, figures: dict) -> dict:
    outcome = figures["error"] if "error" in figures else f"{figures['seconds']:.1f} s"
    print(f"{tenant_id}: {outcome}", flush=True)
    return figures


def mmm_tenants_stage(request: dict, warehouse: Warehouse, tenants: list) -> dict:
    """Every tenant's MMM on revenue and budget plans, once each, in ``request["ml_workers"]``
    processes: the pool's wall and CPU seconds, each tenant's figures, the failures by
    tenant."""
    from ml_assets.mmm.scenarios import grid_scenarios, load_scenarios
    from orchestration.mmm_assets import QUERIES, SCENARIOS_FILE

    scenarios = tuple(grid_scenarios() + load_scenarios(SCENARIOS_FILE))
    workers = request["ml_workers"]
    started = time.perf_counter()
    jobs = []
    # Largest first: a long fit started last would leave the other workers idle meanwhile.
    for tenant in sorted(tenants, key=lambda t: -t.settings.customers):
        params = {"tenant_id": tenant.tenant_id}
        inputs = TenantInputs(**{key: warehouse.query(sql, params) for key, sql in QUERIES.items()})
        settings = tenant.tenant.mmm
        draws = request.get("mmm_draws") or settings.draws
        jobs.append(TenantFit(tenant.tenant_id, inputs, settings, draws, scenarios))
    read_seconds = time.perf_counter() - started
    cpu_started, started = cpu_seconds(), time.perf_counter()
    results = fit_every_tenant(jobs, workers)
    # The workers have exited with the pool: their CPU is among the reaped children's.
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    modelled = {t: figures for t, figures in results.items() if "error" not in figures}
    seconds = [figures["seconds"] for figures in modelled.values()]
    return {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "wall_seconds_each": [round(wall, 4)],
        "repeats": 1,
        "read_seconds": read_seconds,
        # The pool runs fewer than asked when the budget holds fewer at the workers' measured
        # peak: the most that ran side by side.
        "workers": max(
            (figures.get("pool_workers", 1) for figures in modelled.values()),
            default=min(workers, len(jobs)),
        ),
        "memory_budget_mib": memory_budget_mib(),
        "max_worker_peak_mib": max(
            (figures.get("worker_peak_mib", 0) for figures in modelled.values()), default=None
        ),
        "rows": len(modelled),
        "rows_label": "tenants",
        "tenants_total": len(jobs),
        "posterior_draws": request.get("mmm_draws"),
        "median_tenant_seconds": statistics.median(seconds) if seconds else None,
        "max_tenant_seconds": max(seconds) if seconds else None,
        "tenants": modelled,
        "failed": {t: figures["error"] for t, figures in results.items() if "error" in figures},
    }
