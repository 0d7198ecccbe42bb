"""The pages `cerebro run` wrote for the session's demo (a Chilean CLP tenant and a Peruvian PEN
one) read as Spanish to a marketer: no codes in capitals, raw source codes, English words or file
paths in any visible text or chart; the Chilean RUT card does not apply in Peru; every tile of
the overview shows figures; the MAU line marks partial months; and Metabase's card SQL shows
the same names as the pages (issue 26)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pandas as pd
import pytest

from cerebro.labels import labelled_columns, translate_frame
from cerebro.serving.dashboards.card_views import card_view
from cerebro.serving.dashboards.spec import filter_values, load_dashboards
from cerebro.serving.dashboards.static_site import site_dir
from cerebro.serving.metabase.desired import metabase_sql
from cerebro.serving.metabase.rate_changes import CHANGE, PREVIOUS, is_rate_comparison
from tests.cerebro.serving.dashboards.dashboard_runs import filter_choices
from tests.cerebro.serving.dashboards.static_site.static_pages import (
    overview_tiles,
    read_page,
    visible_texts,
)
from tests.cerebro.serving.dashboards.static_site.wording import wording_problems
from tests.support.demo_platform import DEMO_TENANTS

DASHBOARDS = {dashboard.key: dashboard for dashboard in load_dashboards()}
#: Each demo tenant's country and currency (tests/support/demo_platform.py).
TENANT_WORDS = {"test_cl": ("CL", "CLP"), "test_pe": ("PE", "PEN"), "test_woo": ("CL", "CLP")}
#: What a Chilean page calls the currency's unit, the national id and the local area.
CHILEAN_WORDS = re.compile(r"\b(pesos?|RUTs?|comunas?)\b", re.IGNORECASE)
#: A change in money (the currency's own decimals: CLP none, PEN two) and a count of customers.
MONEY = {
    "CLP": re.compile(r"^-?\$\d{1,3}(\.\d{3})*$"),
    "PEN": re.compile(r"^-?S/\s\d{1,3}(,\d{3})*\.\d{2}$"),
}
COUNT = {"CLP": re.compile(r"^-?\d{1,3}(\.\d{3})*$"), "PEN": re.compile(r"^-?\d{1,3}(,\d{3})*$")}


@pytest.fixture(scope="module")
def demo_site(demo_duckdb):
    return site_dir(demo_duckdb.settings)


def test_no_page_shows_codes_english_words_or_file_paths(demo_site):
    pages = sorted(demo_site.rglob("*.html"))
    assert len(pages) == 1 + len(DEMO_TENANTS) * (len(DASHBOARDS) + 1)
    problems = {
        str(page.relative_to(demo_site)): wording_problems(visible_texts(page)) for page in pages
    }
    assert {page: found for page, found in problems.items() if found} == {}


def test_the_chilean_rut_card_says_it_does_not_apply_to_the_peruvian_store(demo_site):
    chile = read_page(demo_site / "test_cl" / "adquisicion.html")
    assert chile.cards["tasa_validacion_rut"] == "scalar"
    peru = demo_site / "test_pe" / "adquisicion.html"
    assert read_page(peru).cards["tasa_validacion_rut"] == "not_applicable"
    assert "No aplica en Perú: solo para Chile." in visible_texts(peru)
    # The overview's tile lists the cards that apply; the RUT is not among Peru's.
    index = (demo_site / "test_pe" / "index.html").read_text(encoding="utf-8")
    assert "Tasa de validación RUT" not in index


def test_every_tile_of_the_overview_shows_figures(demo_site):
    for tenant_id in DEMO_TENANTS:
        tiles = overview_tiles(demo_site / tenant_id / "index.html")
        assert set(tiles) == {d.title for d in DASHBOARDS.values()}
        assert {title for title, figures in tiles.items() if figures == 0} == set(), tenant_id


def test_mau_marks_the_months_a_mid_month_period_covers_in_part(demo_duckdb):
    dashboard = DASHBOARDS["retencion_lealtad"]
    card = dashboard.card("clientes_activos_mes")
    warehouse = demo_duckdb.warehouse
    with warehouse.reading():
        values = filter_values(
            dashboard, warehouse, "test_cl", date_from=dt.date(2026, 1, 15),
            date_to=dt.date(2026, 10, 20),
        )  # fmt: skip
        rows = card.run(warehouse, values)
    months = [str(month)[:7] for month in rows["month"]]
    partial = [m for m, flag in zip(months, rows["is_partial"], strict=True) if flag]
    assert months[0] == "2026-01" and months[-1] == "2026-10" and len(months) == 10
    assert partial == ["2026-01", "2026-10"]


def test_metabase_cards_show_the_same_names_as_the_pages(demo_duckdb):
    """Each card with named columns, run as Metabase runs it (its SQL wrapped by
    cerebro.labels), returns the static page's translated rows; the RUT card returns no rows
    for the Peruvian tenant."""
    warehouse, compared = demo_duckdb.warehouse, 0
    with warehouse.reading():
        for dashboard in DASHBOARDS.values():
            for card in dashboard.cards:
                named = labelled_columns(card.columns) or card.countries
                if not named or card.display == "heatmap":  # a heatmap's SQL drops columns
                    continue
                for tenant_id in DEMO_TENANTS:
                    country, currency = TENANT_WORDS[tenant_id]
                    as_metabase = dataclasses.replace(
                        card, sql=metabase_sql(card, "tenant", country, currency)
                    )
                    values = filter_values(dashboard, warehouse, tenant_id)
                    shown = as_metabase.run(warehouse, values)
                    if not card.applies_to(country):
                        assert shown.empty, (card.key, tenant_id)
                        continue
                    expected = translate_frame(card.run(warehouse, values), country, currency)
                    if is_rate_comparison(card):
                        # One row: the chosen period's rate, the previous one's, the change.
                        metric = card.y[0]
                        previous, chosen = expected[metric].astype(float).tolist()
                        row = shown.iloc[0]
                        assert len(shown) == 1, (card.key, tenant_id)
                        assert row[metric] == pytest.approx(chosen), (card.key, tenant_id)
                        assert row[PREVIOUS] == pytest.approx(previous), (card.key, tenant_id)
                        assert row[CHANGE] == pytest.approx((chosen - previous) * 100)
                        compared += 1
                        continue
                    # A source's lag follows the clock between the two queries.
                    columns = [c for c in card.columns if c != "lag_minutes"]
                    pd.testing.assert_frame_equal(
                        shown[columns].reset_index(drop=True),
                        expected[columns].reset_index(drop=True),
                        check_dtype=False,
                    )
                    compared += 1
    assert compared >= 10


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_the_peruvian_pages_say_sol_dni_ruc_and_distrito(demo_site):
    """Issue 52: Peru's pages said "por cada peso", "RUT" and "comuna". A card for Chile only
    (the RUT validation) keeps its words beside "No aplica en Perú"."""
    chilean_cards = {
        _one_line(text)
        for dashboard in DASHBOARDS.values()
        for card in dashboard.cards
        if not card.applies_to("PE")
        for text in (card.title, card.description)
    }
    found = {}
    for page in sorted((demo_site / "test_pe").glob("*.html")):
        texts = [_one_line(t) for t in visible_texts(page)]
        words = [t for t in texts if t not in chilean_cards and CHILEAN_WORDS.search(t)]
        if words:
            found[page.name] = words
    assert found == {}
    resumen = " ".join(visible_texts(demo_site / "test_pe" / "resumen_ejecutivo.html"))
    assert "Por cada sol invertido" in _one_line(resumen)
    chile = " ".join(visible_texts(demo_site / "test_cl" / "resumen_ejecutivo.html"))
    assert "Por cada peso invertido" in _one_line(chile)


def test_the_simulators_expected_change_is_in_the_objectives_unit(demo_duckdb):
    """Issue 52: "Cambio esperado del objetivo" read 1.114.397,83 (CLP with cents) whatever the
    objective. Money objectives show money in the tenant's currency and its own decimals, the
    new-customers objective a count; the other column stays empty."""
    dashboard, warehouse = DASHBOARDS["simulador"], demo_duckdb.warehouse
    amount, customers = "expected_change_amount", "expected_change_customers"
    checked = set()
    with warehouse.reading():
        for tenant_id in DEMO_TENANTS:
            currency = TENANT_WORDS[tenant_id][1]
            for objective in filter_choices(warehouse, dashboard, tenant_id)["objective"]:
                is_money = objective != "Nuevos clientes"
                values = {**filter_values(dashboard, warehouse, tenant_id), "objective": objective}
                for key in ("reparto_presupuesto_escrito", "mover_entre_canales"):
                    card = dashboard.card(key)
                    table = card_view(card, card.run(warehouse, values), currency, "x.csv").table
                    assert table is not None, (tenant_id, objective, key)
                    columns = list(card.columns)
                    shown = [row[columns.index(amount)][0] for row in table.rows]
                    counted = [row[columns.index(customers)][0] for row in table.rows]
                    filled, empty = (shown, counted) if is_money else (counted, shown)
                    pattern = (MONEY if is_money else COUNT)[currency]
                    where = (tenant_id, objective, key)
                    assert all(pattern.match(text) for text in filled), (where, filled)
                    assert set(empty) == {"—"}, (where, empty)
                    checked.add((currency, is_money))
    assert checked == {("CLP", True), ("CLP", False), ("PEN", True), ("PEN", False)}
