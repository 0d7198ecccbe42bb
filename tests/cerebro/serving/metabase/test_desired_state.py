"""From a spec card to Metabase's shapes: displays, formats (CLP without decimals, fractions as
percentages), template tags and filters; and the normal form that compares cards read back
in either query format."""

from __future__ import annotations

import datetime as dt
import json
import re

import babel.numbers
import duckdb
import pytest

from cerebro.serving.dashboards.spec import MEANING_COLORS, Card, load_dashboards
from cerebro.serving.metabase.access import load_access
from cerebro.serving.metabase.current import native_query, normal_sql, normal_tags
from cerebro.serving.metabase.desired import metabase_sql
from cerebro.serving.metabase.layout import desired_state
from cerebro.serving.metabase.visualization import (
    column_key,
    metabase_display,
    visualization_settings,
)


def _card(**fields) -> Card:
    base = {
        "key": "k",
        "title": "Título",
        "display": "bar",
        "sql": "select 1 from marts.x",
        "columns": {"channel": "text", "value": "integer"},
        "layout": {"row": 0, "col": 0, "width": 12, "height": 6},
        "x": "channel",
        "y": ("value",),
    }
    return Card(**{**base, **fields})


def test_scalar_compared_with_the_previous_period_is_a_trend_on_the_previous_row():
    card = _card(display="scalar", comparison="previous_period", x=None,
                 columns={"period_start": "date", "value": "integer"})  # fmt: skip
    settings = visualization_settings(card, "CLP")
    assert metabase_display(card) == "smartscalar"
    assert settings["scalar.field"] == "value"
    assert settings["scalar.comparisons"] == [{"id": "previous_period", "type": "previousValue"}]
    assert settings["column_settings"][column_key("value")] == {
        "number_style": "decimal",
        "decimals": 0,
        "number_separators": ",.",
    }


def test_a_rate_compared_with_the_previous_period_is_a_row_with_its_change_in_points():
    # Metabase's Trend would write 5.3 % -> 5.1 % as "-3.8 %"; the row says -0.2 pp.
    card = _card(display="scalar", comparison="previous_period", x=None, higher_is_better=False,
                 columns={"period_start": "date", "value": "percent"},
                 labels={"value": "Tasa de cancelación"},
                 sql="select date '2026-10-01' as period_start, 0.053::double as value\n"
                     "union all select date '2026-11-01', 0.051::double")  # fmt: skip
    assert metabase_display(card) == "table"
    row = duckdb.sql(metabase_sql(card)).fetchall()
    assert len(row) == 1 and row[0][:2] == (pytest.approx(0.051), pytest.approx(0.053))
    assert row[0][2] == pytest.approx(-0.2)
    settings = visualization_settings(card, "CLP")
    assert [c["name"] for c in settings["table.columns"]] == [
        "value", "previous_period_value", "change_pp"
    ]  # fmt: skip
    formats = settings["column_settings"]
    assert formats[column_key("change_pp")] == {
        "number_style": "decimal", "decimals": 1, "suffix": " pp", "number_separators": ",.",
        "column_title": "Cambio (pp)",
    }  # fmt: skip
    assert formats[column_key("value")]["column_title"] == "Tasa de cancelación"
    # Lower is better: a rise is painted red, a fall green.
    colours = {rule["operator"]: rule["color"] for rule in settings["table.column_formatting"]}
    assert colours == {">": "#ED6E6E", "<": "#84BB4C"}


def test_money_looks_as_on_the_static_pages_in_the_tenants_locale():
    """Babel's es_CL / es_PE text for an amount is the symbol, then the amount with the
    locale's separators and the currency's minor unit: the card writes the same."""
    card = _card(columns={"channel": "text", "value": "currency"}, labels={"value": "Ticket"})
    for currency, locale in (("CLP", "es_CL"), ("PEN", "es_PE")):
        settings = visualization_settings(card, currency)["column_settings"][column_key("value")]
        decimals = babel.numbers.get_currency_precision(currency)
        sample = babel.numbers.format_currency(1234, currency, locale=locale)
        separators = babel.numbers.get_decimal_symbol(locale) + babel.numbers.get_group_symbol(
            locale
        )
        assert settings == {
            "number_style": "decimal",
            "currency": currency,
            "decimals": decimals,
            "prefix": sample[: sample.index("1")],
            "number_separators": separators,
            "column_title": "Ticket",
        }
    pen = visualization_settings(card, "PEN")["column_settings"][column_key("value")]
    assert (pen["prefix"], pen["number_separators"], pen["decimals"]) == ("S/\xa0", ".,", 2)


def test_column_keys_are_metabase_name_references_without_spaces():
    assert column_key("new_users") == '["name","new_users"]'
    assert json.loads(column_key("new_users")) == ["name", "new_users"]


@pytest.mark.parametrize(
    ("display", "expected"),
    [("donut", "pie"), ("pie", "pie"), ("heatmap", "table"), ("row", "row"), ("area", "area")],
)
def test_displays_map_to_metabase_names(display, expected):
    assert metabase_display(_card(display=display)) == expected


def test_donut_shows_its_total_in_the_hole_and_pie_does_not():
    donut = visualization_settings(_card(display="donut"), "CLP")
    pie = visualization_settings(_card(display="pie"), "CLP")
    assert (donut["pie.show_total"], pie["pie.show_total"]) == (True, False)
    assert (donut["pie.dimension"], donut["pie.metric"]) == ("channel", "value")


def test_heatmap_is_a_pivoted_table_coloured_by_cell_value():
    columns = {"cohort": "month", "month_offset": "integer", "retention": "percent"}
    card = _card(display="heatmap", x="cohort", series="month_offset", y=("retention",),
                 columns=columns)  # fmt: skip
    settings = visualization_settings(card, "CLP")
    assert settings["table.pivot"] is True
    assert (settings["table.pivot_column"], settings["table.cell_column"]) == (
        "month_offset", "retention")  # fmt: skip
    (rule,) = settings["table.column_formatting"]
    assert rule["type"] == "range" and rule["columns"] == ["retention"]


def test_charts_name_their_axes_and_series_in_spanish():
    labels = {"hour": "Hora del día", "orders": "Órdenes", "revenue": "Ventas"}
    columns = {"hour": "integer", "orders": "integer", "revenue": "currency"}
    card = _card(display="line", x="hour", y=("orders", "revenue"), labels=labels,
                 columns=columns)  # fmt: skip
    settings = visualization_settings(card, "CLP")
    assert settings["graph.dimensions"] == ["hour"]
    assert settings["graph.metrics"] == ["orders", "revenue"]
    assert settings["graph.x_axis.title_text"] == "Hora del día"
    assert settings["series_settings"]["revenue"] == {"title": "Ventas"}


def test_a_series_the_spec_gives_a_meaning_has_its_colour_in_metabase():
    """Failures were drawn in the palette's second colour, green."""
    card = next(c for d in load_dashboards() if d.key == "salud_datos" for c in d.cards
                if c.key == "ejecuciones_por_dia")  # fmt: skip
    colors = {metric: value.get("color") for metric, value in
              visualization_settings(card, "CLP")["series_settings"].items()}  # fmt: skip
    assert colors == {"successes": MEANING_COLORS["good"], "failures": MEANING_COLORS["bad"],
                      "other_runs": MEANING_COLORS["neutral"]}  # fmt: skip


def test_cards_and_filters_of_the_specs_per_tenant(dashboards, context):
    state = desired_state(dashboards, context, load_access())
    spec = dashboards[0]
    card = next(c for c in state.cards if c.key == f"casafacil_pe/{spec.key}/{spec.cards[0].key}")
    # No tenant filter: the tenant is a literal, and the card queries the tenant's connection.
    assert "tenant" not in card.template_tags and card.database == "casafacil_pe"
    assert "tenant_id = 'casafacil_pe'" in card.sql and "{{tenant}}" not in card.sql
    # The date range is one relative period, computed from the tenant's last day of data.
    period = card.template_tags["period"]
    assert (period["type"], period["required"], period["default"]) == (
        "text", True, "Últimos 30 días")  # fmt: skip
    assert (
        "date_from" not in card.template_tags
        and "(select period.date_from from period)" in card.sql
    )
    # Optional clauses ([[ ... ]]) give optional tags without a default.
    assert card.template_tags["channel"]["required"] is False
    assert "default" not in card.template_tags["channel"]
    board = next(d for d in state.dashboards if d.key == f"casafacil_pe/{spec.key}")
    by_slug = {p["slug"]: p for p in board.parameters}
    assert set(by_slug) == {"period", "channel", "region"}
    assert by_slug["period"]["values_source_config"]["values"][:4] == [
        "Últimos 7 días", "Últimos 30 días", "Últimos 90 días", "Últimos 365 días"]  # fmt: skip
    assert "Mes pasado" in by_slug["period"]["values_source_config"]["values"]
    # Each tenant's own choices, never the union of all tenants'.
    assert by_slug["channel"]["values_source_config"] == {"values": ["Google Ads", "Meta Ads"]}
    chile = next(d for d in state.dashboards if d.key == f"casafacil_cl/{spec.key}")
    chile_channel = next(p for p in chile.parameters if p["slug"] == "channel")
    assert "TikTok Ads" in chile_channel["values_source_config"]["values"]
    assert "required" not in by_slug["channel"]


def test_money_cards_are_formatted_in_each_tenants_currency(dashboards, context):
    """CLP has no decimals and PEN two (ISO 4217 minor units), each with its local symbol."""
    state = desired_state(dashboards, context, load_access())
    key = "resumen_ejecutivo/capital_en_riesgo"
    settings = {
        t: next(c for c in state.cards if c.key == f"{t}/{key}").visualization_settings
        for t in ("casafacil_cl", "casafacil_pe")
    }
    chile = settings["casafacil_cl"]["column_settings"][column_key("value")]
    peru = settings["casafacil_pe"]["column_settings"][column_key("value")]
    assert (chile["currency"], chile["decimals"], chile["prefix"]) == ("CLP", 0, "$")
    assert (peru["currency"], peru["decimals"], peru["prefix"].strip()) == ("PEN", 2, "S/")
    assert chile["number_separators"] == ",." and peru["number_separators"] == ".,"


def test_the_period_sql_runs_and_gives_the_expected_bounds(tmp_path):
    """Oracle: the calendar, for a tenant whose last day of orders is 2026-10-15 (DuckDB runs
    the same SQL as PostgreSQL here: casts, date_trunc, intervals, lateral values)."""
    import duckdb

    from cerebro.serving.dashboards.spec import Dashboard, Filter
    from cerebro.serving.metabase.periods import period_filter, with_period

    board = Dashboard("d", "D", 1, filters=(
        Filter("date_from", "Desde", "date", True, "period_start"),
        Filter("date_to", "Hasta", "date", True, "period_end"),
    ), cards=())  # fmt: skip
    period = period_filter(board)
    connection = duckdb.connect()
    connection.execute("create schema marts")
    connection.execute("create table marts.mart_orders_daily as select 'cl' as tenant_id, "
                       "date '2026-10-15' as created_date")  # fmt: skip
    sql = with_period("select {{date_from}} as first, {{date_to}} as last", period, "'cl'")
    expected = {
        "Últimos 30 días": (dt.date(2026, 9, 16), dt.date(2026, 10, 15)),
        "Mes pasado": (dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
        "Este mes": (dt.date(2026, 10, 1), dt.date(2026, 10, 15)),
        "Año pasado": (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    }
    for label, bounds in expected.items():
        bound = sql.replace("{{period}}", f"'{label}'")
        first, last = connection.execute(bound).fetchone()
        assert (first.date() if hasattr(first, "date") else first, last) == bounds, label


def test_template_tag_ids_are_stable_across_runs(dashboards, context):
    first = desired_state(dashboards, context, load_access())
    second = desired_state(dashboards, context, load_access())
    assert [c.template_tags for c in first.cards] == [c.template_tags for c in second.cards]


LEGACY = {
    "type": "native",
    "database": 3,
    "native": {
        "query": "select *\n  from marts.x\n where tenant_id = {{tenant}}\n",
        "template-tags": {"tenant": {"id": "a", "name": "tenant", "display-name": "Cliente",
                                     "type": "text", "required": True, "default": "cl"}},
    },
}  # fmt: skip
MBQL5 = {
    "lib/type": "mbql/query",
    "database": 3,
    "stages": [
        {
            "lib/type": "mbql.stage/native",
            "native": "select * from marts.x where tenant_id = {{tenant}}",
            "template-tags": [{"id": "b", "name": "tenant", "display-name": "Cliente",
                               "type": "text", "required": True, "default": "cl",
                               "widget-type": "none"}],
        }
    ],
}  # fmt: skip


def test_legacy_and_mbql5_queries_have_the_same_normal_form():
    legacy_sql, legacy_tags = native_query(LEGACY)
    new_sql, new_tags = native_query(MBQL5)
    assert normal_sql(legacy_sql) == normal_sql(new_sql)
    assert normal_tags(legacy_tags) == normal_tags(new_tags)
    map_form = {
        **MBQL5,
        "stages": [{**MBQL5["stages"][0], "template-tags": LEGACY["native"]["template-tags"]}],
    }
    assert normal_tags(native_query(map_form)[1]) == normal_tags(legacy_tags)


def test_context_on_the_demo_warehouse_ends_on_each_tenants_last_day(demo_duckdb):
    from cerebro.serving.dashboards.spec import latest_data_date, load_dashboards
    from cerebro.serving.metabase.context import read_context
    from cerebro.tenants import load_tenants

    dashboards = load_dashboards()
    tenants = load_tenants(demo_duckdb.settings.tenants_file)

    context = read_context(dashboards, tenants, demo_duckdb.warehouse)

    assert context.tenant_ids == tuple(t.tenant_id for t in tenants)
    for tenant, found in zip(tenants, context.tenants, strict=True):
        last_day = latest_data_date(tenant.tenant_id, demo_duckdb.warehouse)
        assert found.currency == tenant.currency
        assert found.default("segmentacion_marketing", "date_to") == last_day.isoformat()
        channels = found.choices_for("adquisicion", "channel")
        assert channels and list(channels) == sorted(channels)
    assert "mart_acquisition_daily" in context.tables


def test_a_heatmap_with_extra_columns_is_narrowed_to_the_three_metabase_pivots():
    card = _card(display="heatmap", x="cohort", series="month_offset", y=("retention",),
                 sql="select * from marts.cohorts -- by cohort",
                 columns={"cohort": "month", "month_offset": "integer", "customers": "integer",
                          "retention": "percent"})  # fmt: skip
    sql = metabase_sql(card)
    assert sql.startswith("select cohort, month_offset, retention\nfrom (\n")
    assert "-- by cohort\n) as cells" in sql
    three = {"cohort": "month", "month_offset": "integer", "retention": "percent"}
    narrow = _card(display="heatmap", x="cohort", series="month_offset", y=("retention",),
                   columns=three)  # fmt: skip
    assert metabase_sql(narrow) == narrow.sql


def test_defaults_without_data_follow_the_spec_rules(dashboards, monkeypatch):
    import cerebro.serving.dashboards.spec
    from cerebro.serving.dashboards.spec import filter_values
    from cerebro.serving.metabase.context import values_without_data

    end = dt.date(2026, 10, 31)
    monkeypatch.setattr(
        cerebro.serving.dashboards.spec, "latest_data_date", lambda tenant, warehouse: end
    )
    for dashboard in dashboards:
        assert values_without_data(dashboard, "casafacil_cl", end) == filter_values(
            dashboard, None, "casafacil_cl"
        )


#: What a Chilean page calls the currency's unit, the national id and the local area.
CHILEAN_WORDS = re.compile(r"\b(pesos?|RUTs?|comunas?)\b", re.IGNORECASE)


def _titles(settings) -> list[str]:
    """The column, axis and series titles in a card's visualization settings."""
    if isinstance(settings, dict):
        return [
            text
            for key, value in settings.items()
            for text in ([value] if "title" in key and isinstance(value, str) else _titles(value))
        ]
    return (
        [text for item in settings for text in _titles(item)] if isinstance(settings, list) else []
    )


def _tenant_texts(state, dashboards, tenant_id: str, country_code: str) -> list[str]:
    """What a tenant's readers see of its dashboards in Metabase but its SQL: names,
    descriptions, filter names and column titles, of the cards that apply to its country."""
    foreign = {
        f"{tenant_id}/{d.key}/{c.key}"
        for d in dashboards
        for c in d.cards
        if not c.applies_to(country_code)
    }
    texts = []
    for board in state.dashboards:
        if board.key.startswith(f"{tenant_id}/"):
            texts += [board.name, board.description, *(p["name"] for p in board.parameters)]
    for card in state.cards:
        if card.key.startswith(f"{tenant_id}/") and card.key not in foreign:
            texts += [card.name, card.description, *_titles(card.visualization_settings)]
            texts += [tag["display-name"] for tag in card.template_tags.values()]
    return texts


def test_a_peruvian_tenants_dashboards_say_sol_dni_ruc_and_distrito(dashboards, context):
    """Issue 52: Peru's pages said "por cada peso", "RUT" and "comuna"."""
    state = desired_state(dashboards, context, load_access())
    peru = _tenant_texts(state, dashboards, "casafacil_pe", "PE")
    assert [text for text in peru if CHILEAN_WORDS.search(text)] == []
    joined = " ".join(" ".join(peru).split())
    assert "Por cada sol invertido" in joined and "Órdenes por distrito" in joined
    assert "Clientes unificados por DNI/RUC" in joined
    chile = " ".join(" ".join(_tenant_texts(state, dashboards, "casafacil_cl", "CL")).split())
    assert "Por cada peso invertido" in chile and "Órdenes por comuna" in chile
