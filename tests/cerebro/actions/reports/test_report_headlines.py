"""Headline KPIs and their changes on the crafted tiny marts (rows in conftest.py), against
figures worked out by hand from those rows."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from cerebro.actions.reports.headlines import build_report, headline_cards
from cerebro.serving.dashboards.spec import load_dashboards

D = dt.date.fromisoformat


def _headlines(report) -> dict[str, object]:
    return {h.card.key: h for page in report.pages for h in page.headlines}


# (cadence, report date, card, current, previous, absolute, relative); None = no value.
HAND_WORKED = [
    # Daily 1 Nov vs 31 Oct: a day without orders before (previous 0: no relative change).
    ("daily", "2026-11-01", "pedidos", 4, 0, 4, None),
    ("daily", "2026-11-01", "ingresos", 200_000, 0, 200_000, None),
    ("daily", "2026-11-01", "conversion", 4 / 80, 0 / 50, 4 / 80, None),
    ("daily", "2026-11-01", "ticket_promedio", 50_000, None, None, None),  # 0 orders: NULL
    ("daily", "2026-11-01", "clientes_acumulados", 5, 4, 1, 1 / 4),
    # Weekly as of Sunday 1 Nov: 26 Oct - 1 Nov (26th, 31st, 1st) vs 19-25 Oct (20th).
    ("weekly", "2026-11-01", "pedidos", 7, 6, 1, 1 / 6),
    ("weekly", "2026-11-01", "ingresos", 350_000, 300_000, 50_000, 50_000 / 300_000),
    ("weekly", "2026-11-01", "conversion", 7 / 280, 6 / 300, 7 / 280 - 6 / 300, 0.25),
    ("weekly", "2026-11-01", "ticket_promedio", 50_000, 50_000, 0, 0),
    ("weekly", "2026-11-01", "clientes_acumulados", 5, 3, 2, 2 / 3),
    # Weekly as of Wednesday 28 Oct: 19-25 Oct vs 12-18 Oct, which has no rows at all.
    ("weekly", "2026-10-28", "pedidos", 6, 0, 6, None),
    ("weekly", "2026-10-28", "conversion", 6 / 300, None, None, None),
    # Monthly as of 1 Nov: October vs September. The 31 Aug row (50 orders) is in the 31 days
    # before October but not in September: a calendar month, not an equal-length period.
    ("monthly", "2026-11-01", "pedidos", 19, 10, 9, 0.9),
    ("monthly", "2026-11-01", "ingresos", 1_050_000, 500_000, 550_000, 1.1),
    ("monthly", "2026-11-01", "conversion", 19 / 700, 10 / 500, 19 / 700 - 0.02,
     19 / 700 / 0.02 - 1),
    ("monthly", "2026-11-01", "ticket_promedio", 1_050_000 / 19, 50_000, 1_050_000 / 19 - 50_000,
     (1_050_000 / 19 - 50_000) / 50_000),
    ("monthly", "2026-11-01", "clientes_acumulados", 4, 2, 2, 1.0),
    # The month's last day closes it: the same October report.
    ("monthly", "2026-10-31", "pedidos", 19, 10, 9, 0.9),
    # Any other day reports the month before: September vs August (the 31 Aug row).
    ("monthly", "2026-10-30", "pedidos", 10, 50, -40, -0.8),
    ("monthly", "2026-10-30", "ingresos", 500_000, 5_000_000, -4_500_000, -0.9),
    ("monthly", "2026-10-30", "clientes_acumulados", 2, 1, 1, 1.0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cadence", "day", "card", "current", "previous", "absolute", "relative"), HAND_WORKED
)
def test_headline_values_and_changes_match_hand_computation(
    crafted_report, cadence, day, card, current, previous, absolute, relative
):
    headline = _headlines(crafted_report("t_cl", cadence, day))[card]
    assert headline.error is None
    for name, expected in [("current", current), ("previous", previous),
                           ("absolute", absolute), ("relative", relative)]:  # fmt: skip
        actual = getattr(headline, name)
        if expected is None:
            assert actual is None, (name, actual)
        else:
            assert actual == pytest.approx(expected, rel=1e-12), name


def test_rate_changes_are_percentage_points(crafted_report):
    headlines = _headlines(crafted_report("t_cl", "weekly", "2026-11-01"))
    # 7/280 = 2.5 % vs 6/300 = 2.0 %: half a point (and +25 % relative).
    assert headlines["conversion"].percentage_points == pytest.approx(0.5)
    assert headlines["pedidos"].percentage_points is None


def test_report_keeps_pages_with_headlines_in_spec_and_grid_order(crafted_report):
    report = crafted_report("t_cl", "daily", "2026-11-01")
    layout = [(page.dashboard.key, [h.card.key for h in page.headlines]) for page in report.pages]
    # Not the scalar without a period (dias_con_ventas), the chart, the table, nor the page of
    # what-if scalars; ticket_promedio is last on the grid although listed second.
    assert layout == [
        ("ventas", ["pedidos", "ingresos", "conversion", "ticket_promedio"]),
        ("clientes", ["clientes_acumulados"]),
    ]
    assert report.tenant.name == "Tienda Ñuñoa"
    assert report.tenant.currency == "CLP"


def test_data_ending_before_the_period_flags_the_report(crafted_report):
    # The tiny marts' orders end on 31 Oct.
    assert crafted_report("t_cl", "daily", "2026-11-01").data_incomplete
    assert not crafted_report("t_cl", "monthly", "2026-10-31").data_incomplete


def test_a_failing_card_is_reported_and_the_others_still_computed(report_warehouse, report_specs):
    ventas = report_specs[0]
    missing_table = (
        "select revenue from marts.no_such_table "
        "where tenant_id = {{tenant}} and sale_date = {{date_from}}"
    )
    broken_card = dataclasses.replace(ventas.card("ingresos"), sql=missing_table)
    broken = dataclasses.replace(
        ventas, cards=tuple(broken_card if c.key == "ingresos" else c for c in ventas.cards)
    )
    report = build_report(report_warehouse, "t_cl", "weekly", D("2026-11-01"), dashboards=[broken])
    headlines = _headlines(report)
    assert "no_such_table" in headlines["ingresos"].error
    assert report.failures[0].startswith("ventas/ingresos: ")
    assert headlines["pedidos"].current == 7


def test_unknown_tenant_is_refused(report_warehouse, report_specs):
    with pytest.raises(ValueError, match="unknown tenants"):
        build_report(report_warehouse, "t_xx", "daily", D("2026-11-01"), dashboards=report_specs)


def test_product_specs_headlines_are_the_period_scalars_of_the_kpi_pages():
    # Listed by hand from metabase/dashboards/01..05 and 08, and the executive summary's margin
    # figures: every scalar there reads the period; the executive summary's other scalars and
    # those of the customers, simulator, data-health and customer pages are snapshots or
    # what-ifs without one.
    headlines = {d.key: [c.key for c in headline_cards(d)] for d in load_dashboards()}
    assert {key: cards for key, cards in headlines.items() if cards} == {
        "adquisicion": ["nuevos_usuarios", "tasa_onboarding", "tasa_validacion_rut"],
        "engagement_conversion": ["tasa_abandono_carrito", "ticket_promedio", "frecuencia_compra"],
        "operaciones_calidad": [
            "tiempo_ciclo_servicio",
            "tasa_cancelacion",
            "satisfaccion_promedio",
        ],
        "retencion_lealtad": ["tasa_recompra", "ltv_historico"],
        "segmentacion_marketing": [
            "clientes_con_compras",
            "ingresos_netos_historicos",
            "frecuentes_que_dejaron_de_venir",
        ],
        "canales_marketing": [
            "inversion_pagada",
            "clientes_nuevos_pagados",
            "cac_promedio",
            "ltv_cliente_nuevo",
        ],
        "resumen_ejecutivo": ["margen_contribucion", "margen_sobre_ingresos", "beneficio_neto"],
    }


def test_a_card_meant_for_other_countries_is_left_out_of_the_report(
    writable_warehouse, report_specs
):
    # The Chilean RUT card says `countries: [CL]`: a Peruvian store's report has no figure
    # for it (it would read 0 %), a Chilean store's keeps it.
    with writable_warehouse.connect() as connection:
        connection.execute("alter table marts.dim_tenants add column country_code varchar")
        connection.execute(
            "update marts.dim_tenants set country_code = case tenant_id "
            "when 't_pe' then 'PE' else 'CL' end"
        )
    ventas = report_specs[0]
    chilean = dataclasses.replace(ventas.card("pedidos"), countries=("CL",))
    only_chile = dataclasses.replace(
        ventas, cards=tuple(chilean if c.key == "pedidos" else c for c in ventas.cards)
    )
    keys = {
        tenant: set(_headlines(build_report(
            writable_warehouse, tenant, "weekly", D("2026-11-01"), dashboards=[only_chile]
        )))
        for tenant in ("t_cl", "t_pe")
    }  # fmt: skip
    assert "pedidos" in keys["t_cl"]
    assert keys["t_pe"] == keys["t_cl"] - {"pedidos"} and keys["t_pe"]
