"""The static renderer on crafted specs (every display kind) over a tiny DuckDB warehouse: every
card appears with the right kind, tables get complete CSVs, empty results the placeholder,
numbers the tenant's currency, and the pages need nothing but the files next to them."""

from __future__ import annotations

import datetime as dt
import decimal

import babel.numbers
import plotly.offline
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.formatting import format_period
from cerebro.serving.dashboards.card_views import EMPTY_MESSAGE, TABLE_ROWS_SHOWN
from cerebro.serving.dashboards.spec import load_dashboard
from cerebro.serving.dashboards.static_site import render_site
from tests.cerebro.serving.dashboards.static_site.locale_oracle import (
    LOCALES,
    misformatted,
    money_pattern,
    page_texts,
    raw_float,
    read_download,
    separators,
)
from tests.cerebro.serving.dashboards.static_site.static_pages import read_page
from tests.cerebro.serving.dashboards.static_site.tiny_marts import (
    CL_CUSTOMERS,
    LAST_DAY,
    SPECS_DIR,
    TENANTS,
    _customers,
    _sales,
    build_tiny_warehouse,
)

EXPECTED_KINDS = {
    "t_cl": {
        "ventas": {
            "ingresos": "scalar", "pedidos": "scalar", "canal_principal": "scalar",
            "pedidos_por_canal": "chart", "ingresos_por_region": "chart",
            "mezcla_canales": "chart", "mezcla_regiones": "chart", "ingresos_diarios": "chart",
            "ingresos_por_canal": "chart", "clientes": "table", "sin_ventas_tiktok": "empty",
        },
        "modelos": {
            "retencion_cohortes": "chart", "cac_vs_ltv": "chart", "curva_respuesta": "chart",
            "ciclo_servicio": "scalar", "clientes_en_riesgo": "empty", "estado_modelos": "table",
        },
    },
}  # fmt: skip
# t_pe has no cohorts: its heatmap is the placeholder.
EXPECTED_KINDS["t_pe"] = {
    "ventas": EXPECTED_KINDS["t_cl"]["ventas"],
    "modelos": {**EXPECTED_KINDS["t_cl"]["modelos"], "retencion_cohortes": "empty"},
}


@pytest.fixture(scope="module")
def site(crafted_specs, tmp_path_factory):
    """One rendering for the tests that only read it (each rendering takes seconds)."""
    directory = tmp_path_factory.mktemp("static_site")
    warehouse = build_tiny_warehouse(directory)
    return render_site(warehouse, directory / "site", dashboards=crafted_specs)


def test_every_card_of_every_spec_is_on_each_tenants_page_with_its_kind(site):
    assert site.failures == []
    assert [t.tenant_id for t in site.tenants] == list(TENANTS)
    for tenant_id, dashboards in EXPECTED_KINDS.items():
        for key, kinds in dashboards.items():
            assert read_page(site.out_dir / tenant_id / f"{key}.html").cards == kinds
    pages = {p.relative_to(site.out_dir).as_posix() for p in site.pages}
    assert pages == {"index.html"} | {
        f"{t}/{page}.html" for t in TENANTS for page in ("index", "ventas", "modelos")
    }


def test_a_table_gets_a_csv_with_every_row_spanish_headers_and_a_bom(site):
    csv = site.out_dir / "t_cl" / "ventas-clientes.csv"
    names = sorted(p.name for p in site.csv_files)
    assert names == ["modelos-estado_modelos.csv"] * 2 + ["ventas-clientes.csv"] * 2
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads "Ñúñez" right
    frame = read_download(csv, "CLP")
    assert len(frame) == CL_CUSTOMERS > TABLE_ROWS_SHOWN
    assert list(frame.columns) == [
        "ID", "Nombre", "Segmento", "Valor esperado", "Probabilidad de seguir activo",
        "Última compra", "VIP",
    ]  # fmt: skip
    assert frame["Nombre"].iloc[0] == f"José Ñúñez {CL_CUSTOMERS - 1}"  # ordered by CLV desc
    page = (site.out_dir / "t_cl" / "ventas.html").read_text(encoding="utf-8")
    assert 'href="ventas-clientes.csv" download>Descargar CSV</a>' in page
    assert page.count("<tr><td") == TABLE_ROWS_SHOWN
    assert f"Se muestran {TABLE_ROWS_SHOWN} de {CL_CUSTOMERS} filas" in page


def _half_away(value: float, decimals: int) -> float:
    """The source value rounded as a reader rounds it (half away from zero)."""
    unit = decimal.Decimal(1).scaleb(-decimals)
    return float(decimal.Decimal(str(value)).quantize(unit, decimal.ROUND_HALF_UP))


@pytest.mark.parametrize("tenant_id", list(TENANTS))
def test_csv_downloads_read_back_in_the_tenants_locale_to_the_source_values(site, tenant_id):
    """Excel in the tenant's locale splits fields on ';' where the decimal symbol is a comma
    (Chile), on ',' where it is a point (Peru); money is rounded to the currency's minor unit
    (ISO 4217 via Babel), rates keep four decimals, dates are ISO; no raw 16-digit floats."""
    currency = TENANTS[tenant_id][1]
    path = site.out_dir / tenant_id / "ventas-clientes.csv"
    text = path.read_text(encoding="utf-8-sig")
    decimal_symbol, _ = separators(currency)
    assert text.splitlines()[0].count(";" if decimal_symbol == "," else ",") == 6
    assert not raw_float(currency).search(text), raw_float(currency).search(text)
    frame = read_download(path, currency)
    source = _customers()
    source = source[source["tenant_id"] == tenant_id].sort_values("clv", ascending=False)
    minor = babel.numbers.get_currency_precision(currency)
    assert frame["ID"].tolist() == source["customer_id"].tolist()
    assert frame["Valor esperado"].tolist() == [_half_away(v, minor) for v in source["clv"]]
    assert frame["Probabilidad de seguir activo"].tolist() == [
        _half_away(v, 4) for v in source["p_alive"]
    ]
    assert frame["Última compra"].tolist() == [d.isoformat() for d in source["last_order_date"]]
    if minor:  # every amount written with the minor unit's decimals, zeros included
        amounts = [line.split(",")[3] for line in text.splitlines()[1:]]
        assert all(len(a.partition(decimal_symbol)[2]) == minor for a in amounts), amounts


@pytest.mark.parametrize("tenant_id", list(TENANTS))
def test_every_amount_and_percentage_on_the_pages_is_written_the_tenants_way(site, tenant_id):
    """Cards, tables, tooltips and labels of every page: money as Babel writes it in the
    tenant's locale (symbol, separators, minor unit), percentages likewise, no ISO code beside
    a number; every money cell of a table is a formatted amount."""
    currency = TENANTS[tenant_id][1]
    money = money_pattern(currency)
    for page in sorted((site.out_dir / tenant_id).glob("*.html")):
        texts = page_texts(page)
        assert misformatted(texts, currency) == [], page
    html = (site.out_dir / tenant_id / "ventas.html").read_text(encoding="utf-8")
    cells = html.split('id="clientes"', 1)[1].split("</table>", 1)[0].split("<tr><td")[1:]
    assert cells, "the customers table has rows"
    for row in cells:
        clv = row.split("<td")[3]  # ID, Nombre, Segmento, Valor esperado
        assert money.fullmatch(clv.split(">", 1)[1].removesuffix("</td>")), clv


def test_empty_results_get_the_placeholder_and_no_csv(site):
    page = (site.out_dir / "t_cl" / "modelos.html").read_text(encoding="utf-8")
    assert page.count(f'<div class="placeholder" data-empty>{EMPTY_MESSAGE}</div>') == 1
    assert EMPTY_MESSAGE == "Sin datos para este período"
    assert not (site.out_dir / "t_cl" / "modelos-clientes_en_riesgo.csv").exists()
    assert "figure-sin_ventas_tiktok" not in (site.out_dir / "t_cl" / "ventas.html").read_text()


def test_scalars_show_the_tenant_currency_and_the_change_against_the_previous_period(site):
    sales = _sales()
    start = LAST_DAY - dt.timedelta(days=29)
    for tenant_id, (_, currency, _, _) in TENANTS.items():
        mine = sales[sales["tenant_id"] == tenant_id]
        current = mine[mine["sale_date"] >= start]["revenue"].sum()
        expected = babel.numbers.format_currency(current, currency, locale=LOCALES[currency])
        page = (site.out_dir / tenant_id / "ventas.html").read_text(encoding="utf-8")
        assert f'<div class="scalar-value">{expected}</div>' in page
        assert "vs período anterior" in page
        period = format_period(dt.date(2026, 9, 2), dt.date(2026, 10, 1))
        assert f"Período anterior ({period})" in page
    assert "$48.999.060" in (site.out_dir / "t_cl" / "ventas.html").read_text(encoding="utf-8")
    assert "S/\xa0" in (site.out_dir / "t_pe" / "ventas.html").read_text(encoding="utf-8")
    modelos = (site.out_dir / "t_cl" / "modelos.html").read_text(encoding="utf-8")
    assert '<div class="scalar-value">44,96 h</div>' in modelos  # mean of 40,5 and 49,42
    assert "Mover presupuesto a Meta Ads" in (site.out_dir / "t_cl" / "ventas.html").read_text()


def test_traffic_light_words_show_as_coloured_lights(site):
    page = (site.out_dir / "t_cl" / "modelos.html").read_text(encoding="utf-8")
    light = '<td data-sort="{0}"><span class="light light-{1}" aria-hidden="true">'
    assert light.format("verde", "green") + "</span>verde</td>" in page
    assert light.format("amarillo", "yellow") + "</span>amarillo</td>" in page
    assert page.count('class="light ') == 2
    assert page.count('<td data-sort="Error del backtest dentro del objetivo') == 1
    assert page.count('class="sentence">Error del backtest dentro del objetivo') == 1


def test_navigation_follows_spec_positions_and_filters_show_the_values_used(site):
    page = read_page(site.out_dir / "t_cl" / "ventas.html")
    assert page.navigation == ["1 Ventas", "2 Modelos"]
    assert page.chips == [
        "Cliente Tienda Ñuñoa", "Desde 2 oct 2026", "Hasta 31 oct 2026", "Canal Todos",
        "Pedidos mínimos 0",
    ]  # fmt: skip
    period = format_period(dt.date(2026, 10, 2), LAST_DAY)
    assert period == "2 oct 2026 \u2013 31 oct 2026"
    assert period in (site.out_dir / "t_cl" / "ventas.html").read_text(encoding="utf-8")
    assert read_page(site.out_dir / "t_pe" / "modelos.html").chips == ["Cliente Tienda Miraflores"]


def test_pages_use_only_files_in_their_tenants_folder_which_carries_its_own_plotly(site):
    """A tenant's folder works when handed over alone: every src/href of its pages resolves
    inside it, nothing is online, and it has its own copy of the installed Plotly bundle. The
    root index (the operator's) needs only the styles."""
    bundle = plotly.offline.get_plotlyjs()
    assert sorted(p.relative_to(site.out_dir).as_posix() for p in site.out_dir.rglob("*.js")) == [
        f"{t}/{name}"
        for t in TENANTS
        for name in ("cerebro.js", "plotly.min.js", "simulator.js", "simulator_forms.js")
    ]
    for tenant_id in TENANTS:
        assert (site.out_dir / tenant_id / "plotly.min.js").read_text(encoding="utf-8") == bundle
    for path in site.pages:
        folder = path.parent.resolve()
        references = read_page(path).references
        online = [r for r in references if "//" in r and not r.startswith("data:")]
        assert online == [], path
        for reference in references:
            if not reference.startswith(("data:", "#")):
                target = (path.parent / reference).resolve()
                assert target.exists() and target.is_relative_to(folder), (path, reference)
    dashboard = read_page(site.out_dir / "t_cl" / "ventas.html").references
    assert "plotly.min.js" in dashboard and "cerebro.js" in dashboard


def test_figures_carry_spanish_tooltips_and_axes(site):
    figures = read_page(site.out_dir / "t_cl" / "modelos.html").figures
    assert set(figures) == {"retencion_cohortes", "cac_vs_ltv", "curva_respuesta"}
    heatmap = figures["retencion_cohortes"]["data"][0]
    assert heatmap["y"] == ["may 2026", "jun 2026", "jul 2026", "ago 2026", "sep 2026", "oct 2026"]
    assert heatmap["x"] == ["0", "1", "2", "3", "4", "5"]
    assert heatmap["text"][0][:2] == ["100,0%", "42,0%"] and heatmap["z"][0][0] == 100
    curves = figures["curva_respuesta"]["data"]
    assert [t["name"] for t in curves] == ["Google Ads", "Meta Ads", "Orgánico", "Inversión actual"]
    assert len(curves[-1]["x"]) == 3  # one current spend per channel
    scatter = figures["cac_vs_ltv"]["data"]
    assert scatter[0]["name"] == "Google Ads"
    assert scatter[0]["customdata"][0] == ["$29.696", "$123.735", "Google Ads"]
    assert figures["cac_vs_ltv"]["layout"]["separators"] == ",."
    ventas = read_page(site.out_dir / "t_pe" / "ventas.html").figures
    region_revenue = ventas["ingresos_por_region"]["data"][0]["customdata"][0][1]
    assert money_pattern("PEN").fullmatch(region_revenue)
    assert ventas["mezcla_canales"]["data"][0]["text"][0].endswith("%")
    # Axes: Plotly's separators are the decimal symbol then the group symbol of the locale.
    layout = ventas["pedidos_por_canal"]["layout"]
    assert layout["separators"] == "".join(separators("PEN")) == ".,"


def test_a_failing_card_shows_its_error_and_is_reported_while_the_others_render(
    tiny_warehouse, tmp_path
):
    spec = (SPECS_DIR / "02_modelos.yml").read_text(encoding="utf-8")
    broken = tmp_path / "02_modelos.yml"
    broken.write_text(spec.replace("from marts.cycles", "from marts.no_such_table"), "utf-8")
    site = render_site(tiny_warehouse, tmp_path / "site", dashboards=[load_dashboard(broken)])
    assert len(site.failures) == 2  # one per tenant
    assert site.failures[0].startswith("t_cl/modelos/ciclo_servicio: CatalogException")
    cards = read_page(tmp_path / "site" / "t_cl" / "modelos.html").cards
    assert cards["ciclo_servicio"] == "error" and cards["cac_vs_ltv"] == "chart"


def test_rendering_one_tenant_keeps_the_others_and_removes_stale_pages(
    tiny_warehouse, crafted_specs, tmp_path
):
    out = tmp_path / "site"
    render_site(tiny_warehouse, out, dashboards=crafted_specs)
    (out / "t_cl" / "gone.html").write_text("an old dashboard", encoding="utf-8")
    (out / "t_cl" / "gone-table.csv").write_text("old", encoding="utf-8")
    site = render_site(tiny_warehouse, out, dashboards=crafted_specs[:1], tenant_ids=["t_cl"])
    assert [t.tenant_id for t in site.tenants] == ["t_cl"]
    assert sorted(p.name for p in (out / "t_cl").iterdir()) == [
        "cerebro.css", "cerebro.js", "index.html", "plotly.min.js", "simulator.js",
        "simulator_forms.js", "ventas-clientes.csv", "ventas.html",
    ]  # fmt: skip
    index = read_page(out / "index.html").references
    assert "t_cl/index.html" in index and "t_pe/index.html" in index


def test_render_command_writes_the_site_and_rejects_unknown_tenants(tiny_warehouse, tmp_path):
    environment = {"CEREBRO_DUCKDB_PATH": str(tiny_warehouse.location)}
    out = tmp_path / "cli-site"
    arguments = ["dashboards", "render", "--specs", str(SPECS_DIR), "--out", str(out)]
    result = CliRunner().invoke(main, [*arguments, "--tenant", "t_pe"], env=environment)
    assert result.exit_code == 0, result.output
    assert f"open {out / 'index.html'}" in result.output
    assert "(2 dashboards for 1 tenants)" in result.output
    assert (out / "t_pe" / "modelos.html").exists() and not (out / "t_cl").exists()
    unknown = CliRunner().invoke(main, [*arguments, "--tenant", "nobody"], env=environment)
    assert unknown.exit_code != 0 and "unknown tenants ['nobody']" in unknown.output
