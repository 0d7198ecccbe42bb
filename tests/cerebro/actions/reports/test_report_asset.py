"""The Dagster asset `scheduled_reports`: which day a run reports on, from its tags; and, on
a copy of the session's demo warehouse (slow: it needs the demo platform run), the product
specs' report against the `cerebro.serving.kpis` functions and the asset sending once per period."""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import pytest

from cerebro.actions.reports.headlines import build_report
from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.tenants import Tenant
from orchestration.report_assets import MARTS, partition_dates, scheduled_reports
from orchestration.resources import CerebroResource

D = dt.date.fromisoformat
TENANTS = [
    Tenant("cl", "Chile", "America/Santiago", "CLP", "CL", sources={}),
    Tenant("pe", "Perú", "America/Lima", "PEN", "PE", sources={}),
]


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        # The publish run of the 16 Nov tick: the tenant runs landed the 15th.
        ({"publish_date": "2026-11-16"}, {"cl": "2026-11-15", "pe": "2026-11-15"}),
        # `cerebro run --date 2026-11-20 --days 30`: its partition range ends on the 20th.
        ({"range_end": "2026-11-20|pe"}, {"cl": "2026-11-20", "pe": "2026-11-20"}),
        # Launched by hand at 04:00 UTC on 16 Nov: 01:00 in Santiago (UTC-3, summer time), so
        # the 15th is over there; 23:00 on the 15th in Lima (UTC-5), where the 14th is.
        ({}, {"cl": "2026-11-15", "pe": "2026-11-14"}),
        # A date in the run's config wins.
        ({"chosen": "2026-10-31", "publish_date": "2026-11-16"},
         {"cl": "2026-10-31", "pe": "2026-10-31"}),
    ],
)  # fmt: skip
def test_partition_dates_follow_the_run(run, expected):
    now = dt.datetime(2026, 11, 16, 4, 0, tzinfo=dt.UTC)
    assert partition_dates(TENANTS, now, **run) == {t: D(d) for t, d in expected.items()}


def test_asset_is_a_notification_after_the_marts_its_cards_read():
    assert scheduled_reports.group_names_by_key[dg.AssetKey("scheduled_reports")] == "notifications"
    # The marts the product headline cards read (pages 1 to 4), listed by hand.
    assert {"mart_acquisition_daily", "mart_checkouts_daily", "mart_orders_daily",
            "mart_customer_orders_daily", "mart_order_completions_daily",
            "mart_customer_retention_daily", "dim_tenants"} <= set(MARTS)  # fmt: skip
    deps = {key.path[-1] for key in scheduled_reports.dependency_keys}
    assert set(MARTS) <= deps


# On the session's demo (slow) ------------------------------------------------------------------


def _kpi_value(card, tenant_id, start, end, warehouse):
    import cerebro.serving.kpis

    function = getattr(cerebro.serving.kpis, card.kpi["function"])
    return function(tenant_id, start, end, warehouse=warehouse)[card.kpi["key"]]


@pytest.mark.slow
@pytest.mark.parametrize(("cadence", "day"), [("monthly", "2026-10-31"), ("weekly", "2026-10-25")])
def test_product_report_equals_the_kpi_functions_for_both_periods(demo_duckdb, cadence, day):
    warehouse = demo_duckdb.warehouse
    report = build_report(warehouse, "test_cl", cadence, D(day), dashboards=load_dashboards())
    assert report.failures == []
    period = report.period
    compared = 0
    for page in report.pages:
        for headline in page.headlines:
            # Segmentación's and Canales' scalars have no function (Canales' are checked against
            # the facts in test_report_periods_on_demo.py).
            if headline.card.kpi is None:
                continue
            current = _kpi_value(headline.card, "test_cl", period.start, period.end, warehouse)
            previous = _kpi_value(
                headline.card, "test_cl", period.previous_start, period.previous_end, warehouse
            )
            for actual, expected in ((headline.current, current), (headline.previous, previous)):
                if expected is None:
                    assert actual is None, headline.card.key
                else:
                    assert actual == pytest.approx(expected, rel=1e-9), headline.card.key
            compared += 1
    # Pages 1 to 4 (11) and the Resumen's margin, net profit and margin rate (3).
    assert compared == 14


@pytest.mark.slow
def test_asset_sends_due_reports_once_on_the_demo(demo_duckdb, tmp_path, monkeypatch, smtp_server):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_duckdb.settings.duckdb_path, path)
    reports = tmp_path / "reports.yml"
    reports.write_text(
        "reports:\n  test_cl:\n    monthly: [gerencia@tienda.example]\n"
        "  test_pe:\n    daily: [lima@tienda.example]\n    weekly: [lima@tienda.example]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CEREBRO_REPORTS_FILE", str(reports))
    monkeypatch.setenv("CEREBRO_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("CEREBRO_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("CEREBRO_SMTP_STARTTLS", "false")
    resource = CerebroResource(
        data_dir=str(tmp_path),
        tenants_file=str(demo_duckdb.settings.tenants_file),
        duckdb_path=str(path),
    )
    # Landed Saturday 31 Oct: daily and monthly are due (1 Nov is a Sunday: no weekly).
    config = {"ops": {"scheduled_reports": {"config": {"date": "2026-10-31"}}}}

    def materialize() -> dict:
        result = dg.materialize([scheduled_reports], resources={"cerebro": resource},
                                run_config=config)  # fmt: skip
        (event,) = result.get_asset_materialization_events()
        return {k: v.value for k, v in event.materialization.metadata.items()}

    first = materialize()
    assert (first["reports_sent"], first["skipped_duplicates"], first["recipients"]) == (2, 0, 2)
    assert sorted(first["sent"]) == ["test_cl/monthly/2026-10-01", "test_pe/daily/2026-10-31"]
    assert "@" not in repr(first)
    subjects = sorted(d.message["Subject"] for d in smtp_server.delivered)
    assert subjects == [
        "Resumen diario · Tienda de prueba Perú · 31 oct 2026",
        "Resumen mensual · Tienda de prueba Chile · octubre de 2026",
    ]
    second = materialize()
    assert (second["reports_sent"], second["skipped_duplicates"]) == (0, 2)
    assert len(smtp_server.delivered) == 2
    assert (tmp_path / "reports" / "test_cl" / "monthly_2026-10-01.html").exists()
