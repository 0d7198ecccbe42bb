"""`cerebro run` writes the static dashboards after the platform run, on each warehouse: one
page per tenant and spec, no card failing, and the summary says where the site is."""

from __future__ import annotations

import pytest
from static_pages import read_page

from cerebro.dashboards.spec import load_dashboards
from cerebro.dashboards.static_site import site_dir


@pytest.mark.parametrize("demo_run", ["demo_duckdb", "demo_postgres"])
def test_cerebro_run_writes_every_dashboard_for_every_tenant(request, demo_run):
    run = request.getfixturevalue(demo_run)
    dashboards = load_dashboards()
    site = site_dir(run.settings)
    summary = run.output.split("Dashboards without Metabase", 1)[-1]
    assert f"open {site / 'index.html'}" in summary, run.output
    assert "failed:" not in summary, summary
    tenants = sorted(p.parent.name for p in site.glob("*/index.html"))
    assert tenants == ["test_cl", "test_pe"]
    for tenant_id in tenants:
        for dashboard in dashboards:
            page = read_page(site / tenant_id / f"{dashboard.key}.html")
            assert set(page.cards) == {card.key for card in dashboard.cards}
            assert "error" not in page.cards.values(), (tenant_id, dashboard.key)
            assert page.navigation == [f"{d.position} {d.title}" for d in dashboards]
