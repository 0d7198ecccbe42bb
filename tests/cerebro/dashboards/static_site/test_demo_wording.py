"""The pages `cerebro run` wrote for the session's demo (a Chilean CLP tenant and a Peruvian PEN
one) read as Spanish to a marketer: no codes in capitals, raw source codes, English words or file
paths in any visible text or chart; the Chilean RUT card does not apply in Peru; every tile of
the overview shows figures; the MAU line marks partial months; and Metabase's card SQL shows
the same names as the pages (issue 26)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from cerebro.dashboards.spec import filter_values, load_dashboards
from cerebro.dashboards.static_site import site_dir
from cerebro.labels import labelled_columns, translate_frame
from cerebro.metabase.desired import metabase_sql
from cerebro.metabase.rate_changes import CHANGE, PREVIOUS, is_rate_comparison
from tests.cerebro.dashboards.static_site.static_pages import (
    overview_tiles,
    read_page,
    visible_texts,
)
from tests.cerebro.dashboards.static_site.wording import wording_problems

DEMO_TENANTS = ("test_cl", "test_pe")
DASHBOARDS = {dashboard.key: dashboard for dashboard in load_dashboards()}


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
                as_metabase = dataclasses.replace(card, sql=metabase_sql(card))
                for tenant_id in DEMO_TENANTS:
                    values = filter_values(dashboard, warehouse, tenant_id)
                    shown = as_metabase.run(warehouse, values)
                    if not card.applies_to("PE" if tenant_id == "test_pe" else "CL"):
                        assert shown.empty, (card.key, tenant_id)
                        continue
                    expected = translate_frame(card.run(warehouse, values))
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
