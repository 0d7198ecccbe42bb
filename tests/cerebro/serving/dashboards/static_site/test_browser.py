"""The static pages in headless Chromium, with the network switched off: no console errors,
every chart drawn, tooltips and table sorting working. Screenshots of every page are saved
under test-artifacts/dashboards/ (listed at the end of the test run)."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.dashboards.static_site import render_site, site_dir
from tests.cerebro.serving.dashboards.static_site.browser_pages import (
    ARTIFACTS_DIR,
    SCREENSHOTS,
    go_offline,
    load,
    screenshot,
)
from tests.cerebro.serving.dashboards.static_site.tiny_marts import build_tiny_warehouse

DEMO_DASHBOARDS = [d.key for d in load_dashboards()]


def _check_and_capture(driver, path, artifact) -> list[dict]:
    page = load(driver, path)
    SCREENSHOTS.append(screenshot(driver, artifact))
    assert page.console_errors == [], f"{path}: {page.console_errors}"
    assert page.undrawn_charts == [], f"{path}: charts not drawn: {page.undrawn_charts}"
    assert [c["key"] for c in page.cards if c["kind"] == "error"] == [], path
    return page.cards


@pytest.fixture(scope="module")
def offline_chromium(chromium):
    go_offline(chromium)
    return chromium


@pytest.fixture(scope="module")
def crafted_site(crafted_specs, tmp_path_factory):
    directory = tmp_path_factory.mktemp("crafted_site")
    return render_site(
        build_tiny_warehouse(directory), directory / "site", dashboards=crafted_specs
    )


def test_every_display_kind_draws_offline_without_console_errors(offline_chromium, crafted_site):
    for path in crafted_site.pages:
        relative = path.relative_to(crafted_site.out_dir).with_suffix(".png")
        cards = _check_and_capture(offline_chromium, path, ARTIFACTS_DIR / "crafted" / relative)
        if path.name == "modelos.html" and path.parent.name == "t_cl":
            drawn = {c["key"] for c in cards if c["kind"] == "chart" and c["marks"]}
            assert drawn == {"retencion_cohortes", "cac_vs_ltv", "curva_respuesta"}


def test_tooltips_show_spanish_values(offline_chromium, crafted_site):
    load(offline_chromium, crafted_site.out_dir / "t_cl" / "ventas.html")
    hover = """
        var plot = document.querySelector('#ingresos_por_region .js-plotly-plot');
        Plotly.Fx.hover(plot, [{curveNumber: 0, pointNumber: 0}]);
        return plot.querySelector('.hoverlayer').textContent;
    """
    text = offline_chromium.execute_script(hover)
    # The region in bold, then "Ingresos: $16.333.020": Chilean thousands, no decimals.
    assert re.fullmatch(
        r"(Región Metropolitana|Valparaíso|Biobío)Ingresos: \$\d{1,3}(\.\d{3})*", text
    )


def test_table_columns_sort_by_their_values_not_their_text(offline_chromium, crafted_site):
    driver = offline_chromium
    load(driver, crafted_site.out_dir / "t_cl" / "ventas.html")
    first_date = "return document.querySelector('#clientes tbody tr td:nth-child(6)').textContent"
    header = driver.find_element(By.XPATH, "//section[@id='clientes']//th[6]/button")
    header.click()  # Última compra, oldest first: as text, "1 oct 2026" would come first
    assert driver.execute_script(first_date) == "3 ago 2026"
    header.click()
    assert driver.execute_script(first_date) == "31 oct 2026"
    sorted_header = driver.find_element(By.XPATH, "//section[@id='clientes']//th[6]")
    assert sorted_header.get_attribute("aria-sort") == "descending"


@pytest.mark.parametrize("dashboard_key", DEMO_DASHBOARDS)
def test_demo_dashboards_load_with_every_chart_drawn(offline_chromium, demo_duckdb, dashboard_key):
    """The pages `cerebro run` wrote for the demo, one dashboard (every tenant) per test."""
    site = site_dir(demo_duckdb.settings)
    tenants = sorted(p.parent.name for p in site.glob("*/index.html"))
    assert tenants, f"no tenant pages in {site}"
    for tenant_id in tenants:
        path = site / tenant_id / f"{dashboard_key}.html"
        cards = _check_and_capture(
            offline_chromium, path, ARTIFACTS_DIR / tenant_id / f"{dashboard_key}.png"
        )
        assert cards, path


def test_demo_index_pages_load(offline_chromium, demo_duckdb):
    site = site_dir(demo_duckdb.settings)
    _check_and_capture(offline_chromium, site / "index.html", ARTIFACTS_DIR / "index.png")
    for index in sorted(site.glob("*/index.html")):
        tenant_id = index.parent.name
        _check_and_capture(offline_chromium, index, ARTIFACTS_DIR / tenant_id / "index.png")
