"""Small demo tenants shared by the generator tests (generated once per session)."""

from __future__ import annotations

import datetime as dt

import pytest
from tap_cerebro_demo.generator.dataset import generate
from tap_cerebro_demo.generator.storage import DemoDataset, DemoSettings

# 400 days ending on 2024-12-31 cover both of Santiago's 2024 DST transitions,
# CyberDay 2024, Fiestas Patrias 2024 and Peru's 28 July 2024.
END_DATE = dt.date(2024, 12, 31)
HISTORY_DAYS = 400
SMALL_TENANTS = {
    "cl_services": DemoSettings(
        tenant_id="demo_cl",
        profile="cl_services",
        timezone="America/Santiago",
        customers=1200,
        seed=7,
        end_date=END_DATE,
        days=HISTORY_DAYS,
        # Its Meta account bills in US dollars, as casafacil_cl's (decision 0061).
        billed_in=(("meta_ads", "USD"),),
    ),
    "pe_services": DemoSettings(
        tenant_id="demo_pe",
        profile="pe_services",
        timezone="America/Lima",
        customers=1200,
        seed=7,
        end_date=END_DATE,
        days=HISTORY_DAYS,
    ),
}


@pytest.fixture(scope="session")
def small_datasets() -> dict[str, DemoDataset]:
    """One small tenant per profile, keyed by profile name."""
    return {profile: generate(settings) for profile, settings in SMALL_TENANTS.items()}


@pytest.fixture(params=sorted(SMALL_TENANTS))
def small_dataset(request, small_datasets) -> DemoDataset:
    """Each small tenant in turn (parametrized by profile)."""
    return small_datasets[request.param]
