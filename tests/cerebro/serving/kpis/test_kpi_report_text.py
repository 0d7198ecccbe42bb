"""`cerebro kpis` and the run summary's headlines write each tenant's KPIs in its locale (the
one formatting module): compared with Babel's own text for es_CL and es_PE, and with the
source numbers."""

from __future__ import annotations

import babel.numbers
import pytest

from cerebro.serving.kpis.report import format_kpi, render_page

LOCALES = {"CLP": "es_CL", "PEN": "es_PE"}


@pytest.mark.parametrize("currency", sorted(LOCALES))
def test_money_rates_and_counts_are_written_in_the_tenants_locale(currency):
    locale = LOCALES[currency]
    assert format_kpi("aov", 49434.4, currency) == babel.numbers.format_currency(
        round(49434.4, babel.numbers.get_currency_precision(currency)), currency, locale=locale
    )
    assert format_kpi("repurchase_rate", 0.746, currency) == babel.numbers.format_percent(
        0.746, "#,##0.0%", locale=locale
    )
    assert format_kpi("new_users", 1234567, currency) == babel.numbers.format_decimal(
        1234567, locale=locale
    )
    assert format_kpi("avg_rating", 4.256, currency) == babel.numbers.format_decimal(
        4.26, "#,##0.00", locale=locale
    )
    assert format_kpi("aov", None, currency) == "—"


def test_no_iso_code_and_no_english_separators_in_a_page():
    kpis = {
        "aov": 49434.4,
        "cart_abandonment_rate": 0.746,
        "purchase_frequency": 1.25,
        "revenue_by_channel": [{"channel": "Meta Ads", "revenue": 1234567.0, "share": 0.5}],
    }
    page = render_page("engagement", kpis, "CLP")
    assert "$49.434" in page and "74,6%" in page and "1,25" in page
    assert "$1.234.567" in page and "50,0%" in page
    assert "CLP" not in page
    peru = render_page("engagement", kpis, "PEN")
    assert "S/\xa049,434.40" in peru and "74.6%" in peru and "S/\xa01,234,567.00" in peru


@pytest.mark.parametrize(("country", "shows_rut"), [("CL", True), ("PE", False), ("", True)])
def test_the_run_summary_names_the_rut_only_where_the_page_shows_it(
    monkeypatch, country, shows_rut
):
    # The KPI functions are replaced by fixed figures: what is under test is which lines the
    # summary writes for a tenant's country (the Adquisición card says `countries: [CL]`).
    import datetime as dt

    from cerebro.serving.kpis import report

    figures = {
        "get_acquisition_kpis": {"new_users": 10, "onboarding_rate": 0.5,
                                 "rut_validation_rate": 0.0},
        "get_engagement_kpis": {"cart_abandonment_rate": 0.7, "aov": 1000.0,
                                "purchase_frequency": 1.2},
        "get_operations_kpis": {"avg_service_cycle_hours": 3.0, "cancellation_rate": 0.1,
                                "avg_rating": 4.5, "ratings_count": 8},
        "get_retention_kpis": {"repurchase_rate": 0.3, "historical_ltv": 5000.0},
        "get_rfm_segmentation": {"segment_distribution": []},
    }  # fmt: skip
    for name, value in figures.items():
        monkeypatch.setattr(report, name, lambda *a, value=value, **k: value)
    monkeypatch.setattr(report, "latest_data_date", lambda *a: dt.date(2026, 11, 1))
    text = "\n".join(report.headline("t", "PEN", warehouse=None, country_code=country))
    assert ("RUT válido" in text) is shows_rut
    assert "onboarding 50,0" in text or "onboarding 50.0" in text


def test_each_terminal_page_has_one_title_and_a_dashboard_page_keeps_its_specs_title():
    from cerebro.serving.dashboards.spec import SPECS_DIR, load_dashboard
    from cerebro.serving.kpis.report import DASHBOARD_PAGES, OWN_TITLES, PAGES, page_title

    assert not set(DASHBOARD_PAGES) & set(OWN_TITLES)
    assert set(DASHBOARD_PAGES) | set(OWN_TITLES) == set(PAGES)
    # The spec file read on its own, not through the titles' cache.
    engagement = load_dashboard(SPECS_DIR / "02_engagement_conversion.yml")
    assert page_title("engagement") == engagement.title == "Engagement y Conversión"
    assert render_page("engagement", {"aov": 1.0}, "CLP").splitlines()[0] == engagement.title
