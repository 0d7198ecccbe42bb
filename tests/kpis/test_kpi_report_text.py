"""`cerebro kpis` and the run summary's headlines write each tenant's KPIs in its locale (the
one formatting module): compared with Babel's own text for es_CL and es_PE, and with the
source numbers."""

from __future__ import annotations

import babel.numbers
import pytest

from cerebro.kpis.report import format_value, render_page

LOCALES = {"CLP": "es_CL", "PEN": "es_PE"}


@pytest.mark.parametrize("currency", sorted(LOCALES))
def test_money_rates_and_counts_are_written_in_the_tenants_locale(currency):
    locale = LOCALES[currency]
    assert format_value("aov", 49434.4, currency) == babel.numbers.format_currency(
        round(49434.4, babel.numbers.get_currency_precision(currency)), currency, locale=locale
    )
    assert format_value("repurchase_rate", 0.746, currency) == babel.numbers.format_percent(
        0.746, "#,##0.0%", locale=locale
    )
    assert format_value("new_users", 1234567, currency) == babel.numbers.format_decimal(
        1234567, locale=locale
    )
    assert format_value("avg_rating", 4.256, currency) == babel.numbers.format_decimal(
        4.26, "#,##0.00", locale=locale
    )
    assert format_value("aov", None, currency) == "—"


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
