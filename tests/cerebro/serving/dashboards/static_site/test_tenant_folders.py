"""Each tenant's folder of static pages can be handed to that client alone. The oracle is the
tiny warehouse's own rows: no file of a tenant's folder holds another tenant's id, name, or any
of its customers' ids, e-mails or phones, and a tenant's own customers' names, e-mails and
phones are in its pages and CSVs only when its tenants-file setting turns them on
(``static_pages.contact_data``, off by default)."""

from __future__ import annotations

import re

import plotly.offline
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.serving.dashboards.contact_data import WITHHELD_MESSAGE, is_contact_column
from cerebro.serving.dashboards.spec import load_dashboard
from cerebro.serving.dashboards.static_site import TEMPLATES_DIR, render_site
from tests.cerebro.serving.dashboards.static_site.locale_oracle import read_download
from tests.cerebro.serving.dashboards.static_site.static_pages import read_page
from tests.cerebro.serving.dashboards.static_site.tiny_marts import SPECS_DIR, TENANTS, _customers

#: A crafted dashboard over the tiny customers: a table with contact columns as the real
#: Clientes and Segmentación cards have them, and a scalar that is nothing but an e-mail.
CONTACTS_SPEC = """\
key: contactos
title: Contactos
position: 3
filters:
  - {key: tenant, label: Cliente, type: tenant, required: true}
cards:
  - key: lista
    title: Lista para campaña
    display: table
    columns: {customer_id: text, first_name: text, email: text, phone: text, segment: text}
    labels: {customer_id: ID, first_name: Nombre, email: E-mail, phone: Teléfono,
             segment: Segmento}
    layout: {row: 0, col: 0, width: 24, height: 8}
    sql: |
      select customer_id, name as first_name, email, phone, segment
      from marts.customers where tenant_id = {{tenant}}
      order by clv desc, customer_id
  - key: primer_email
    title: Cliente más valioso
    display: scalar
    columns: {email: text}
    y: [email]
    layout: {row: 8, col: 0, width: 8, height: 4}
    sql: |
      select email from marts.customers where tenant_id = {{tenant}}
      order by clv desc, customer_id limit 1
"""
#: Files every folder carries that are the installed bundle or the templates' own, byte for
#: byte (checked below), so they hold no tenant's data.
SHARED_FILES = ("plotly.min.js", "cerebro.css", "cerebro.js", "simulator.js", "simulator_forms.js")


@pytest.fixture
def specs(crafted_specs, tmp_path):
    path = tmp_path / "03_contactos.yml"
    path.write_text(CONTACTS_SPEC, encoding="utf-8")
    return [*crafted_specs, load_dashboard(path)]


def _marks(tenant_id: str) -> set[str]:
    """What betrays a tenant in a file: its id and name, its customers' ids, names, e-mails and
    phones."""
    customers = _customers()
    mine = customers[customers["tenant_id"] == tenant_id]
    columns = ["customer_id", "name", "email", "phone"]
    return {tenant_id, TENANTS[tenant_id][0], *mine[columns].to_numpy().ravel().tolist()}


def _found(marks: set[str], text: str) -> set[str]:
    """The marks in the text as whole tokens ('c1' is not in 'c10', 'p1' not in 'p12'). A plain
    substring search first: the token pattern, which opens with a look-behind, scans the pages'
    figure data slowly, and most marks are not in a file at all."""
    return {
        mark
        for mark in marks
        if mark in text and re.search(rf"(?<![\w.+@-]){re.escape(mark)}(?![\w@-]|\.\w)", text)
    }


def _data_files(folder):
    """Every file of the folder but the shared ones, after checking that those are the
    installed Plotly bundle and the templates' files unchanged."""
    assert (folder / "plotly.min.js").read_text(encoding="utf-8") == plotly.offline.get_plotlyjs()
    for name in ("cerebro.css", "cerebro.js", "simulator.js", "simulator_forms.js"):
        assert (folder / name).read_bytes() == (TEMPLATES_DIR / "static" / name).read_bytes()
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in SHARED_FILES]


def test_no_file_of_a_tenants_folder_holds_another_tenant_or_its_customers(
    tiny_warehouse, specs, tmp_path
):
    """With contact data on for both tenants (the most there is to leak), every page and CSV
    of a folder is read for the other tenant's marks: none. The same search finds the folder's
    own customers, so it would see a leak."""
    site = render_site(tiny_warehouse, tmp_path / "site", dashboards=specs, contact_data=TENANTS)
    assert site.failures == []
    for tenant_id in TENANTS:
        folder = site.out_dir / tenant_id
        files = _data_files(folder)
        assert {p.suffix for p in files} == {".html", ".csv"}
        others = set().union(*(_marks(t) for t in TENANTS if t != tenant_id))
        leaks = {p.name: found for p in files if (found := _found(others, p.read_text("utf-8")))}
        assert leaks == {}, tenant_id
        people = _marks(tenant_id) - {tenant_id, TENANTS[tenant_id][0]}
        own = _found(people, (folder / "contactos-lista.csv").read_text("utf-8-sig"))
        assert own == people, tenant_id  # every customer, with name, e-mail and phone
    # The operator's index at the root names every tenant and links into each folder.
    index = read_page(site.index).references
    assert {f"{t}/index.html" for t in TENANTS} <= set(index)


def test_contact_columns_are_left_out_of_a_tenants_pages_and_csvs_unless_turned_on(
    tiny_warehouse, specs, tmp_path
):
    """t_pe turns contact data on, t_cl keeps the default: t_cl's table and its CSV lose the
    name, e-mail and phone columns (a note names them), its e-mail scalar is not drawn, and no
    e-mail or phone of its customers is in any file of its folder; t_pe's are all there."""
    site = render_site(tiny_warehouse, tmp_path / "site", dashboards=specs, contact_data={"t_pe"})
    assert site.failures == []
    assert {t.tenant_id: t.contact_data for t in site.tenants} == {"t_cl": False, "t_pe": True}
    customers = _customers()

    hidden = site.out_dir / "t_cl"
    frame = read_download(hidden / "contactos-lista.csv", "CLP")
    assert list(frame.columns) == ["ID", "Segmento"]
    assert len(frame) == (customers["tenant_id"] == "t_cl").sum()
    page = (hidden / "contactos.html").read_text(encoding="utf-8")
    assert "Columnas omitidas por privacidad: Nombre, E-mail, Teléfono." in page
    assert read_page(hidden / "contactos.html").cards == {
        "lista": "table",
        "primer_email": "withheld",
    }
    assert WITHHELD_MESSAGE in page
    contacts = customers.loc[customers["tenant_id"] == "t_cl", ["email", "phone"]]
    mine = set(contacts.to_numpy().ravel().tolist())
    assert {
        p.name: f for p in _data_files(hidden) if (f := _found(mine, p.read_text("utf-8")))
    } == {}

    shown = site.out_dir / "t_pe"
    frame = read_download(shown / "contactos-lista.csv", "PEN")
    assert list(frame.columns) == ["ID", "Nombre", "E-mail", "Teléfono", "Segmento"]
    expected = customers[customers["tenant_id"] == "t_pe"].sort_values("clv", ascending=False)
    assert frame["E-mail"].tolist() == expected["email"].tolist()
    page = (shown / "contactos.html").read_text(encoding="utf-8")
    assert "Columnas omitidas" not in page
    assert f'<div class="scalar-value scalar-text">{expected["email"].iloc[0]}</div>' in page


def test_render_command_reads_the_setting_from_the_tenants_file(tiny_warehouse, tmp_path):
    """`cerebro dashboards render` takes contact_data from the tenants file and says, per
    folder, whether its pages hold contact data; a tenant the file leaves out gets none."""
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(
        "tenants:\n"
        "  - {tenant_id: t_pe, name: Tienda Miraflores, timezone: America/Lima, currency: PEN,\n"
        "     country_code: PE, static_pages: {contact_data: true}}\n",
        encoding="utf-8",
    )
    spec = tmp_path / "specs" / "01_contactos.yml"
    spec.parent.mkdir()
    spec.write_text(CONTACTS_SPEC.replace("position: 3", "position: 1"), encoding="utf-8")
    out = tmp_path / "cli-site"
    result = CliRunner().invoke(
        main,
        ["dashboards", "render", "--specs", str(spec.parent), "--out", str(out)],
        env={
            "CEREBRO_DUCKDB_PATH": str(tiny_warehouse.location),
            "CEREBRO_TENANTS_FILE": str(tenants_file),
        },
    )
    assert result.exit_code == 0, result.output
    assert f"t_cl  {out / 't_cl' / 'index.html'} · contact data left out" in result.output
    assert "t_pe  " in result.output and "contact data included" in result.output
    assert "E-mail" in read_download(out / "t_pe" / "contactos-lista.csv", "PEN").columns
    assert "E-mail" not in read_download(out / "t_cl" / "contactos-lista.csv", "CLP").columns


@pytest.mark.parametrize(
    ("column", "is_contact"),
    [
        ("email", True), ("phone", True), ("first_name", True), ("last_name", True),
        ("customer_email", True), ("phone_number", True), ("whatsapp", True),
        ("email_marketing_state", False), ("is_email_verified", False), ("email_sha256", False),
        ("has_sms_marketing_consent", False), ("region_name", False), ("source_name", False),
        ("customer_id", False),
    ],
)  # fmt: skip
def test_contact_columns_are_known_by_name(column, is_contact):
    assert is_contact_column(column) is is_contact


def test_every_contact_column_of_the_product_specs_is_caught():
    """The product's dashboards name contact data as marts.mart_customer_contacts does; each
    such column of a spec is one the pages leave out (the rule, not a list, decides)."""
    from cerebro.serving.dashboards.spec import load_dashboards

    found = {
        column
        for dashboard in load_dashboards()
        for card in dashboard.cards
        for column in card.columns
        if is_contact_column(column)
    }
    assert found == {"email", "phone", "first_name", "last_name"}
    assert SPECS_DIR.exists()
