"""Each card that declares `kpi:` shows what the `cerebro.serving.kpis` function returns for the
same
tenant and period (scalars to 1e-9 relative, each period of a comparison; distributions as
sets of rows on the columns they share), on the demo marts of both warehouses. Both read the
same mart (decision 0031, test_cards_read_marts.py): this checks the card's read, e.g. that
it sums the columns the function does, which the KPI oracle checks for the function only."""

from __future__ import annotations

import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from tests.cerebro.serving.dashboards.dashboard_runs import default_runs, kpi_mismatch
from tests.support.demo_platform import DEMO_TENANTS

pytestmark = pytest.mark.e2e
KPI_DASHBOARDS = [d.key for d in load_dashboards() if any(c.kpi for c in d.cards)]


def test_the_kpi_pages_declare_their_kpis():
    assert {"adquisicion", "engagement_conversion", "operaciones_calidad", "retencion_lealtad",
            "segmentacion_marketing"} <= set(KPI_DASHBOARDS)  # fmt: skip


@pytest.mark.parametrize("key", KPI_DASHBOARDS)
def test_kpi_cards_equal_their_kpi_functions(demo_run, dashboards, key):
    warehouse, dashboard = demo_run.warehouse, dashboards[key]
    problems, compared = [], 0
    with warehouse.reading():
        for tenant in DEMO_TENANTS:
            for run in default_runs(warehouse, dashboard, tenant):
                if not run.card.kpi:
                    continue
                problems.append(run.problem() or kpi_mismatch(warehouse, run))
                compared += 1
    assert compared >= len(DEMO_TENANTS)
    assert not any(problems), "\n".join(p for p in problems if p)
