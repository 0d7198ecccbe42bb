"""Every tenant's budget brain in the platform benchmark (``--mmm-tenants all``): a tenant
that cannot be modelled is named with its reason and the others go on. The whole command
runs it at the tiny size in ``test_platform_benchmark_smoke.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.bench_mmm_tenants import TenantFit, fit_every_tenant
from ml_assets.mmm.settings import MmmSettings
from ml_assets.mmm.tenant import TenantInputs

DAYS = pd.date_range("2026-01-01", periods=20, freq="D")


def _inputs(spend: pd.DataFrame) -> TenantInputs:
    """Twenty days of one paid channel, revenue and signups: far too few for the model."""
    return TenantInputs(
        spend=spend,
        organic=pd.DataFrame(columns=["search_date", "clicks"]),
        events=pd.DataFrame(columns=["event_date", "event_type"]),
        revenue=pd.DataFrame({"created_date": DAYS, "revenue": np.linspace(1e3, 2e3, len(DAYS))}),
        signups=pd.DataFrame({"signup_date": DAYS, "new_customers": np.arange(len(DAYS))}),
    )


def _job(tenant_id: str, spend: pd.DataFrame) -> TenantFit:
    return TenantFit(tenant_id, _inputs(spend), MmmSettings(), draws=200, scenarios=())


def test_tenants_that_cannot_be_modelled_are_named_with_their_reason_and_the_pool_goes_on():
    # Spend that varies (a flat one is refused for that first): too short is the only fault.
    spend = pd.DataFrame(
        {"spend_date": DAYS, "channel_group": "paid_social", "spend_amount": 100.0 + np.arange(20)}
    )
    jobs = [
        _job("too_short", spend),
        _job("no_spend", spend.iloc[:0]),
        # A frame without the column the marts give: an error nobody planned for.
        _job("broken", spend.rename(columns={"spend_date": "day"})),
    ]

    # Two spawned workers, as the stage runs them; every failure happens before any sampling.
    results = fit_every_tenant(jobs, workers=2)

    assert list(results) == ["too_short", "no_spend", "broken"]  # the jobs' order
    # The platform's own MmmInputError messages: a small store's data says why.
    assert results["too_short"]["error"].startswith(
        "data cannot support a fit: too few rows: 20 days, the model needs at least"
    )
    assert results["no_spend"] == {
        "error": "data cannot support a fit: no ad spend: the budget brain needs paid channels"
    }
    assert results["broken"] == {"error": "KeyError: 'spend_date'"}
