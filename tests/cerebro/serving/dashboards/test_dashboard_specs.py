"""The dashboard specs validate against metabase/dashboard.schema.json and the loader's
consistency rules, and a broken spec fails with a message that names the file and the problem.
No warehouse needed (filter_values gets a one-table DuckDB)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import yaml

from cerebro.serving import kpis
from cerebro.serving.dashboards.spec import (
    SPECS_DIR,
    DashboardSpecError,
    filter_values,
    load_dashboard,
    load_dashboards,
)
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse

PAGES = [
    "Adquisición", "Engagement y Conversión", "Operaciones y Calidad", "Retención y Lealtad",
    "Segmentación y Marketing", "Resumen ejecutivo", "Clientes", "Canales / Marketing",
    "Simulador", "Salud de datos", "Acciones", "Ficha de cliente",
]  # fmt: skip


def test_the_twelve_pages_validate_and_are_in_the_issue_order():
    dashboards = load_dashboards()
    assert [d.title for d in dashboards] == PAGES
    assert [d.position for d in dashboards] == list(range(1, 13))
    assert [p.name[:3] for p in sorted(SPECS_DIR.glob("*.yml"))] == [
        f"{n:02d}_" for n in range(1, 13)
    ]


def test_every_filter_is_wired_to_a_card_and_every_card_to_the_tenant():
    for dashboard in load_dashboards():
        used = {name for card in dashboard.cards for name in card.parameters}
        unused = [f.key for f in dashboard.filters if f.key not in used]
        assert not unused, f"{dashboard.key}: filters no card uses: {unused}"
        for card in dashboard.cards:
            assert "tenant" in card.required_parameters, f"{dashboard.key}.{card.key}"


def test_every_kpi_card_names_a_kpi_function():
    declared = [(d.key, c) for d in load_dashboards() for c in d.cards if c.kpi]
    assert len(declared) >= 20
    for key, card in declared:
        assert card.kpi["function"] in kpis.__all__, f"{key}.{card.key}: {card.kpi}"


def test_layouts_fit_metabase_grid_without_overlaps():
    for dashboard in load_dashboards():
        cells = {}
        for card in dashboard.cards:
            box = card.layout
            assert box["col"] + box["width"] <= 24, f"{dashboard.key}.{card.key}"
            for row in range(box["row"], box["row"] + box["height"]):
                for col in range(box["col"], box["col"] + box["width"]):
                    assert (row, col) not in cells, (
                        f"{dashboard.key}: {card.key} overlaps {cells[(row, col)]}"
                    )
                    cells[(row, col)] = card.key


# A broken spec fails with a clear message ------------------------------------------------------


def _engagement_spec() -> dict:
    return yaml.safe_load((SPECS_DIR / "02_engagement_conversion.yml").read_text("utf-8"))


def _break(document: dict, change) -> dict:
    change(document)
    return document


def _set_card(field, value):
    return lambda document: document["cards"][0].__setitem__(field, value)


BROKEN = {
    "unknown_display": (_set_card("display", "gauge"), "cards/0/display: 'gauge' is not one of"),
    "missing_sql": (
        lambda d: d["cards"][0].pop("sql"),
        "cards/0: 'sql' is a required property",
    ),
    "unknown_format": (
        lambda d: d["cards"][0]["columns"].__setitem__("value", "pesos"),
        "cards/0/columns/value: 'pesos' is not one of",
    ),
    "card_key_not_a_slug": (_set_card("key", "Tasa Abandono"), "cards/0/key: 'Tasa Abandono'"),
    "parameter_not_a_filter": (
        lambda d: d["cards"][0].__setitem__(
            "sql", d["cards"][0]["sql"] + "\n-- {{canal_de_venta}}"
        ),
        "card 'tasa_abandono_carrito' uses ['canal_de_venta'], which are not dashboard filters",
    ),
    "reads_staging": (
        _set_card("sql", "select 1 as value from staging.stg_shopify__orders -- {{tenant}}"),
        "card 'tasa_abandono_carrito' must read the marts schema only (reads {'staging'})",
    ),
    "charts_an_absent_column": (
        _set_card("y", ["rate"]),
        "card 'tasa_abandono_carrito' charts ['rate'], which are not in its columns",
    ),
    "colours_a_series_it_does_not_chart": (
        _set_card("series_colors", {"rate": "bad"}),
        "card 'tasa_abandono_carrito' colours ['rate'], which are not among its y",
    ),
    "colours_by_an_unknown_meaning": (
        _set_card("series_colors", {"value": "red"}),
        "cards/0/series_colors/value: 'red' is not one of ['good', 'bad', 'neutral']",
    ),
    "duplicated_card_key": (
        lambda d: d["cards"][1].__setitem__("key", d["cards"][0]["key"]),
        "duplicated card keys ['tasa_abandono_carrito']",
    ),
    "required_filter_without_default": (
        lambda d: d["filters"][1].pop("default"),
        "filter 'date_from' is required, so it needs a default",
    ),
    "period_days_on_the_end_date": (
        lambda d: d["filters"][2].__setitem__("period_days", 90),
        "filter 'date_to' sets period_days without default period_start",
    ),
    "kpi_top_of_zero": (
        lambda d: d["cards"][3]["kpi"].__setitem__("top", 0),
        "cards/3/kpi/top: 0 is less than the minimum of 1",
    ),
    # The page colours a change by what it means: the spec must say (issue 26).
    "comparison_without_direction": (
        lambda d: d["cards"][0].pop("higher_is_better"),
        "cards/0: 'higher_is_better' is a dependency of 'comparison'",
    ),
    "country_not_iso": (
        _set_card("countries", ["Chile"]),
        "cards/0/countries/0: 'Chile' does not match",
    ),
    # The loader adds the previous period and its first day (decision 0031).
    "comparison_declares_period_start": (
        lambda d: d["cards"][0]["columns"].update({"period_start": "date"}),
        "card 'tasa_abandono_carrito' declares 'period_start': a comparison card's SQL",
    ),
    "comparison_without_a_date_range": (
        lambda d: [f.update(default="2026-10-31") for f in d["filters"][1:3]],
        "card 'tasa_abandono_carrito' compares with the previous period, but the dashboard has "
        "no date range",
    ),
    "unknown_top_level_field": (
        lambda d: d.__setitem__("owner", "marketing"),
        "(top): Additional properties are not allowed ('owner' was unexpected)",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_spec_fails_naming_the_file_and_the_problem(tmp_path, case):
    change, message = BROKEN[case]
    path = tmp_path / "02_roto.yml"
    path.write_text(yaml.safe_dump(_break(_engagement_spec(), change), allow_unicode=True), "utf-8")
    with pytest.raises(DashboardSpecError) as raised:
        load_dashboard(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_invalid_yaml_and_duplicated_dashboards_fail_clearly(tmp_path):
    broken = tmp_path / "01_roto.yml"
    broken.write_text("key: roto\ncards: [\n", "utf-8")
    with pytest.raises(DashboardSpecError, match=r"01_roto\.yml: not valid YAML"):
        load_dashboard(broken)
    broken.unlink()
    text = yaml.safe_dump(_engagement_spec(), allow_unicode=True)
    for name in ("02_a.yml", "03_b.yml"):
        (tmp_path / name).write_text(text, "utf-8")
    with pytest.raises(DashboardSpecError, match=r"duplicated dashboard keys \['engagement_conv"):
        load_dashboards(tmp_path)


def test_a_column_named_in_extract_is_not_taken_for_another_schema(tmp_path):
    document = _engagement_spec()
    card = document["cards"][0]
    # A card of its own period only: a comparison card's SQL gets the period's parameters.
    del card["comparison"], card["higher_is_better"]
    card["sql"] = (
        "select extract(year from orders.created_date) as value "
        "from marts.mart_orders_daily as orders where orders.tenant_id = {{tenant}}"
    )
    card["columns"] = {"value": "integer"}
    card["labels"] = {"value": "Año"}
    path = tmp_path / "02_extract.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    assert load_dashboard(path).cards[0].parameters == ["tenant"]


def test_optional_clauses_are_kept_only_with_a_value():
    card = next(c for c in load_dashboards()[1].cards if c.key == "metodos_pago")
    values = {"tenant": "t", "date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 1, 31)}
    sql, params = card.bind({**values, "channel": None, "region": "Metropolitana"})
    assert "channel_group = %(channel)s" not in sql
    assert "region_name = %(region)s" in sql
    assert params == {**values, "region": "Metropolitana"}


# Comparison with the previous period --------------------------------------------------------------


def test_a_comparison_card_runs_its_period_and_the_previous_one_of_equal_length(tmp_path):
    """Four days ending 2026-10-31 and the four before: new users 1+2+3+4 = 10 and 5+6+7+8 = 26
    (day i before the 31st has i + 1 users), onboarded ones half of them, rounded down, the
    verification recorded for all but i // 3 of them."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.mart_acquisition_daily as "
            "select 't' as tenant_id, date '2026-10-31' - cast(i as integer) as signup_date, "
            "'Email' as acquisition_channel, 'Biobío' as region_name, i + 1 as new_users, "
            "(i + 1) // 2 as onboarded_users, i + 1 - i // 3 as onboarding_observed_users, "
            "0 as rut_validated_users from range(10) as days(i)"
        )
    warehouse = Warehouse(load_settings({"CEREBRO_DUCKDB_PATH": str(path)}))
    page = {d.key: d for d in load_dashboards()}["adquisicion"]
    values = {"tenant": "t", "date_from": dt.date(2026, 10, 28), "date_to": dt.date(2026, 10, 31),
              "channel": None, "region": None}  # fmt: skip
    users = page.card("nuevos_usuarios")
    assert list(users.columns) == ["period_start", "value"]
    frame = users.run(warehouse, values)
    assert frame.values.tolist() == [[dt.date(2026, 10, 24), 26], [dt.date(2026, 10, 28), 10]]
    rate = page.card("tasa_onboarding").run(warehouse, {**values, "channel": "Email"})
    # Over the users whose verification is recorded (i + 1 less one in three), not all.
    assert rate["value"].tolist() == [(2 + 3 + 3 + 4) / (4 + 5 + 5 + 6), (0 + 1 + 1 + 2) / 9]


# Default periods --------------------------------------------------------------------------------


@pytest.fixture
def one_day_warehouse(tmp_path) -> Warehouse:
    """A warehouse whose only data is one order day, 2026-10-31, for tenant `t`."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.mart_orders_daily as "
            "select 't' as tenant_id, date '2026-10-31' as created_date"
        )
    return Warehouse(load_settings({"CEREBRO_DUCKDB_PATH": str(path)}))


def test_default_periods_end_on_the_last_day_of_data_and_span_period_days(one_day_warehouse):
    by_key = {d.key: d for d in load_dashboards()}
    last = dt.date(2026, 10, 31)
    thirty = filter_values(by_key["engagement_conversion"], one_day_warehouse, "t")
    assert (thirty["date_from"], thirty["date_to"]) == (last - dt.timedelta(days=29), last)
    assert thirty["channel"] is None and thirty["tenant"] == "t"
    year = filter_values(by_key["retencion_lealtad"], one_day_warehouse, "t")
    assert year["date_from"] == dt.date(2025, 11, 1)
    simulator = filter_values(by_key["simulador"], one_day_warehouse, "t")
    # The plan maximizes customer value by default (issue 22: the product's central idea).
    assert (simulator["budget_percent"], simulator["objective"]) == (100, "Valor de clientes (LTV)")


def test_a_series_the_spec_gives_a_meaning_is_drawn_in_its_colour():
    """On the static page, as in Metabase: Fallidas red, Exitosas green, Otras grey."""
    import pandas as pd

    from cerebro.serving.dashboards.figures import build_figure
    from cerebro.serving.dashboards.spec import MEANING_COLORS

    card = next(c for d in load_dashboards() if d.key == "salud_datos" for c in d.cards
                if c.key == "ejecuciones_por_dia")  # fmt: skip
    frame = pd.DataFrame({"run_date": pd.to_datetime(["2026-11-01", "2026-11-02"]),
                          "successes": [3, 4], "failures": [1, 0],
                          "other_runs": [0, 1]})  # fmt: skip
    figure = build_figure(card, frame, "CLP")
    colors = {trace.name: trace.marker.color for trace in figure.data}
    assert colors == {"Exitosas": MEANING_COLORS["good"], "Fallidas": MEANING_COLORS["bad"],
                      "Otras": MEANING_COLORS["neutral"]}  # fmt: skip
