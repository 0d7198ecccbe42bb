"""The e-mail: subject, an HTML part that mail clients show as is (no script, nothing loaded
from outside), and a plain-text part with the same numbers, formatted in Spanish with the
tenant's currency. Expected texts are written by hand from the rows in conftest.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from cerebro.actions.reports.render import render_report

#: What may point outside the message: URLs, scripts, stylesheets, images, frames, CSS imports.
EXTERNAL = re.compile(
    r"https?:|//[a-z0-9]|<script|<link|<img|<iframe|<object|<embed|<style|@import|url\(|"
    r"\bsrc\s*=|\bhref\s*=|\bon[a-z]+\s*=",
    re.IGNORECASE,
)

# (tenant, cadence, report date, subject, texts the e-mail must show)
CASES = [
    (
        "t_cl", "weekly", "2026-11-01",
        "Resumen semanal · Tienda Ñuñoa · 26 oct \u2013 1 nov 2026",
        [
            "Pedidos", "7", "6", "▲ +1", "+16,7%",
            "$350.000", "$300.000", "▲ +$50.000",
            "2,5%", "2,0%", "▲ +0,5 pp",
            "$50.000", "= $0", "0,0%",
            "Clientes acumulados", "▲ +2", "+66,7%",
        ],
    ),
    (
        "t_cl", "monthly", "2026-10-30",
        "Resumen mensual · Tienda Ñuñoa · septiembre de 2026",
        ["10", "50", "▼ -40", "-80,0%", "$500.000", "$5.000.000", "▼ -$4.500.000", "-90,0%"],
    ),
    (
        "t_pe", "daily", "2026-10-31",
        "Resumen diario · Tienda Miraflores · 31 oct 2026",
        # Peru's locale (es_PE): a decimal point, the sol's symbol before the amount.
        ["S/\xa0456.50", "S/\xa0228.25", "▲ +S/\xa0228.25", "+100.0%", "▲ +1", "+100.0%"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("tenant", "cadence", "day", "subject", "texts"), CASES)
def test_subject_and_both_parts_show_the_hand_worked_figures(
    crafted_report, tenant, cadence, day, subject, texts
):
    rendered = render_report(crafted_report(tenant, cadence, day))
    assert rendered.subject == subject
    for text in texts:
        assert text in rendered.text, text
        assert text in rendered.html, text


@pytest.mark.parametrize(("tenant", "cadence", "day"), [case[:3] for case in CASES])
def test_html_has_no_script_and_nothing_external(crafted_report, tenant, cadence, day):
    html = render_report(crafted_report(tenant, cadence, day)).html
    assert EXTERNAL.search(html) is None, EXTERNAL.search(html)
    # Styles are inline: every element that is styled carries its own style attribute.
    assert 'style="' in html and "<table" in html


class _TableRows(HTMLParser):
    """Every table row of an HTML document as its cells, each cell as its text fragments."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[list[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td" and self.rows:
            self.rows[-1].append([])

    def handle_data(self, data):
        if self.rows and self.rows[-1] and data.strip():
            self.rows[-1][-1].append(data.strip())


def test_text_part_carries_every_figure_of_the_html_part(crafted_report):
    rendered = render_report(crafted_report("t_cl", "weekly", "2026-11-01"))
    parser = _TableRows()
    parser.feed(rendered.html)
    # Headline rows: indicator, value, previous value, change (arrow and size, relative).
    headline_rows = [row for row in parser.rows if len(row) == 4]
    assert len(headline_rows) == 5
    for title, value, previous, change in headline_rows:
        line = next(
            line for line in rendered.text.splitlines() if line.startswith(f"- {title[0]}:")
        )
        for fragment in [*value, *previous, *change]:
            assert fragment in line, (fragment, line)


def test_no_previous_value_and_a_previous_zero_read_as_such(crafted_report):
    text = render_report(crafted_report("t_cl", "daily", "2026-11-01")).text
    # 31 Oct had no orders: the average ticket is NULL, so there is nothing to compare with;
    # orders went from 0 to 4: an absolute change but no relative one.
    assert "- Ticket promedio: $50.000 (anterior: —; cambio: sin comparación)" in text
    assert "- Pedidos: 4 (anterior: 0; cambio: ▲ +4)" in text
    assert "- Tasa de conversión: 5,0% (anterior: 0,0%; cambio: ▲ +5,0 pp)" in text


def test_data_ending_before_the_period_is_announced(crafted_report):
    late = render_report(crafted_report("t_cl", "daily", "2026-11-01"))
    complete = render_report(crafted_report("t_cl", "monthly", "2026-10-31"))
    assert "Los datos llegan hasta el 31 oct 2026" in late.text
    assert "Los datos llegan hasta el 31 oct 2026" in late.html
    assert "Aviso" not in complete.text and "Aviso" not in complete.html


def test_names_from_the_warehouse_are_escaped_in_the_html(crafted_report):
    import dataclasses

    report = crafted_report("t_cl", "daily", "2026-10-31")
    tenant = dataclasses.replace(report.tenant, name="<b>Tienda & Cía</b>")
    rendered = render_report(dataclasses.replace(report, tenant=tenant))
    assert "&lt;b&gt;Tienda &amp; Cía&lt;/b&gt;" in rendered.html
    assert "<b>Tienda & Cía</b>" in rendered.text


def test_the_budget_advice_is_the_pages_headline_sentence_word_for_word(
    writable_warehouse, report_specs
):
    """The report quotes the Resumen's recommended move for the headline objective only, so
    where the pages keep today's split (decision 0050) the e-mail does too; a warehouse without
    the budget marts reports no advice."""
    import datetime as dt

    import pandas as pd

    from cerebro.actions.reports.headlines import build_report

    kept = (
        "Mantener el reparto actual: los datos no distinguen si mover $1.000 de Meta Ads "
        "(-$1.000) a Google Ads (+$1.000) en los próximos 30 días mejora los ingresos."
    )
    day = dt.date(2026, 11, 1)
    without = build_report(writable_warehouse, "t_cl", "weekly", day, dashboards=report_specs)
    assert without.budget_advice is None and "PRESUPUESTO" not in render_report(without).text
    writable_warehouse.replace_table(
        "marts",
        "mart_budget_recommendation",
        pd.DataFrame(
            {"tenant_id": ["t_cl", "t_cl"], "is_headline_objective": [True, False],
             "recommendation_text": [kept, "Mover $1.000 de Meta Ads a Google Ads."]}
        ),
    )  # fmt: skip
    report = build_report(writable_warehouse, "t_cl", "weekly", day, dashboards=report_specs)
    rendered = render_report(report)
    assert f"PRESUPUESTO\n{kept}\n" in rendered.text
    assert kept in rendered.html and "Mover" not in rendered.text
