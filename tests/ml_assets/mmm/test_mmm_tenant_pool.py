"""Tenants modelled in worker processes: outcomes come back in the jobs' order, a tenant that
cannot be modelled comes back with its reason, and the worker cap is read from the
environment with a clear error."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ml_assets.mmm.tenant import TenantInputs
from ml_assets.mmm.tenant_pool import WORKERS_VARIABLE, TenantJob, model_tenants


def _job_without_spend(tenant_id: str, days: int) -> TenantJob:
    dates = pd.date_range("2025-01-01", periods=days).strftime("%Y-%m-%d")
    inputs = TenantInputs(
        spend=pd.DataFrame(columns=["spend_date", "channel_group", "spend_amount"]),
        organic=pd.DataFrame(columns=["search_date", "clicks"]),
        events=pd.DataFrame(columns=["event_date", "event_type"]),
        revenue=pd.DataFrame({"created_date": dates, "revenue": 100.0}),
        signups=pd.DataFrame({"signup_date": dates, "new_customers": 2}),
    )
    arguments = {"inputs": inputs, "scenarios": [], "predicted_at": dt.datetime(2025, 6, 1)}
    return TenantJob(tenant_id, arguments)


@pytest.mark.parametrize("workers", [1, 2])
def test_each_tenant_comes_back_in_order_with_the_reason_it_could_not_be_modelled(workers):
    jobs = [_job_without_spend("tienda_a", 30), _job_without_spend("tienda_b", 45)]
    outcomes = list(model_tenants(jobs, workers=workers))
    assert [o.tenant_id for o in outcomes] == ["tienda_a", "tienda_b"]
    for outcome in outcomes:
        # No channel has spend: nothing to model, said per target, no tables.
        reasons = [outcome.error, *outcome.failed.values()]
        assert any(reason and "spend" in reason for reason in reasons), outcome
        assert all(frame.empty for frame in outcome.tables.values())


def test_the_worker_cap_must_be_a_whole_number(monkeypatch):
    monkeypatch.setenv(WORKERS_VARIABLE, "dos")
    jobs = [_job_without_spend("tienda_a", 30), _job_without_spend("tienda_b", 30)]
    with pytest.raises(ValueError, match=f"{WORKERS_VARIABLE} must be a whole number"):
        list(model_tenants(jobs))


def test_a_worker_drops_the_programs_it_compiled_after_each_tenant(monkeypatch):
    import jax
    import jax.numpy as jnp

    from ml_assets.mmm import posterior

    compiled = jax.jit(lambda x: jnp.sin(x) * 2.0)
    compiled(jnp.arange(3.0))
    assert compiled._cache_size() == 1
    released = []
    original = posterior.release_compiled_programs
    monkeypatch.setattr(posterior, "release_compiled_programs", lambda: released.append(original()))

    # Whether the tenant is modelled or comes back with its reason.
    [outcome] = model_tenants([_job_without_spend("tienda_a", 30)], workers=1)

    assert outcome.error or outcome.failed
    assert released == [None] and compiled._cache_size() == 0
