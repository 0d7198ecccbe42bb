"""What a reader sets in a static page, on a crafted dashboard over the tiny warehouse: a table
narrowed to one segment with that segment's CSV, and a search box over the customers the page
carries. The oracle is each card's own SQL run for the chosen value (what Metabase shows with
the filter set): the page's rows, CSVs and per-customer views must be those.

The same controls on the product's pages (Segmentación y Marketing, Ficha de cliente) are
driven in a browser on the demo in test_browser_simulator.py."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from cerebro.serving.dashboards.browser_cards import browser_filters
from cerebro.serving.dashboards.card_views import card_view
from cerebro.serving.dashboards.spec import DashboardSpecError, filter_values, load_dashboard
from cerebro.serving.dashboards.static_site import render_site
from tests.cerebro.serving.dashboards.static_site.browser_pages import go_offline, load
from tests.cerebro.serving.dashboards.static_site.static_pages import read_page
from tests.cerebro.serving.dashboards.static_site.tiny_marts import _customers

SEARCH_LIMIT = 100
SPEC = """\
key: fichas
title: Fichas
position: 4
filters:
  - {key: tenant, label: Cliente, type: tenant, required: true}
  - key: customer
    label: ID o e-mail del cliente
    type: category
    any_value: true
    static_page:
      search_sql: >
        select customer_id as key, email from marts.customers
        where tenant_id = {{tenant}} order by clv desc, customer_id
      search_limit: %(limit)d
      search_scope: los de mayor valor
  - {key: segment, label: Segmento, type: category}
cards:
  - key: valor
    title: Valor esperado
    display: scalar
    columns: {clv: currency}
    y: [clv]
    layout: {row: 0, col: 0, width: 8, height: 4}
    static_page:
      rows_sql: select customer_id as key, clv from marts.customers where tenant_id = {{tenant}}
    sql: |
      select clv from marts.customers where tenant_id = {{tenant}}
          [[and (customer_id = {{customer}} or email = {{customer}})]]
      order by clv desc, customer_id limit 1
  - key: ficha
    title: Cliente
    display: table
    columns: {customer_id: text, email: text, segment: text, p_alive: percent}
    labels: {customer_id: ID, email: E-mail, segment: Segmento, p_alive: Probabilidad}
    layout: {row: 0, col: 8, width: 16, height: 4}
    static_page:
      rows_sql: >
        select customer_id as key, customer_id, email, segment, p_alive
        from marts.customers where tenant_id = {{tenant}}
    sql: |
      select customer_id, email, segment, p_alive from marts.customers
      where tenant_id = {{tenant}}
          [[and (customer_id = {{customer}} or email = {{customer}})]]
      order by clv desc, customer_id limit 1
  - key: por_segmento
    title: Clientes por segmento
    description: Elija un segmento y descargue la tabla como CSV.
    display: table
    columns: {customer_id: text, segment: text, clv: currency}
    labels: {customer_id: ID, segment: Segmento, clv: Valor esperado}
    layout: {row: 4, col: 0, width: 24, height: 8}
    static_page:
      choose: {filter: segment, column: segment}
    sql: |
      select customer_id, segment, clv from marts.customers
      where tenant_id = {{tenant}} [[and segment = {{segment}}]]
      order by segment, clv desc, customer_id
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("choice_spec") / "04_fichas.yml"
    path.write_text(SPEC % {"limit": SEARCH_LIMIT}, encoding="utf-8")
    return load_dashboard(path)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from tests.cerebro.serving.dashboards.static_site.tiny_marts import build_tiny_warehouse

    return build_tiny_warehouse(tmp_path_factory.mktemp("choice_warehouse"))


@pytest.fixture(scope="module")
def site(spec, warehouse, tmp_path_factory):
    rendered = render_site(warehouse, tmp_path_factory.mktemp("choice_site"), dashboards=[spec])
    assert rendered.failures == []
    return rendered


def _search_data(page) -> dict:
    text = page.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="search-data">(.*?)</script>', text)
    return json.loads(found.group(1))


def _read_csv(path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream, delimiter=";"))


def test_each_segment_gets_the_rows_and_csv_its_filter_gives(spec, warehouse, site):
    """Per segment, the CSV beside the page holds exactly what the card's SQL returns with the
    segment filter set (the oracle), in its order; the page's control lists every segment."""
    card = spec.card("por_segmento")
    folder = site.out_dir / "t_cl"
    customers = _customers()
    segments = sorted(set(customers.loc[customers["tenant_id"] == "t_cl", "segment"]))
    for segment in segments:
        values = filter_values(spec, warehouse, "t_cl", segment=segment)
        expected = card.run(warehouse, values)["customer_id"].tolist()
        slug = segment.lower().replace(" ", "-")
        rows = _read_csv(folder / f"fichas-por_segmento-{slug}.csv")
        assert rows[0] == ["ID", "Segmento", "Valor esperado"]
        assert [row[0] for row in rows[1:]] == expected
        assert {row[1] for row in rows[1:]} == {segment}
    html = (folder / "fichas.html").read_text(encoding="utf-8")
    for segment in segments:
        assert f">{segment} (" in html


def test_the_filters_the_browser_sets_have_controls_not_chips(spec, site):
    assert browser_filters(spec) == {"customer", "segment"}
    page = read_page(site.out_dir / "t_cl" / "fichas.html")
    assert page.chips == ["Cliente Tienda Ñuñoa"]
    html = (site.out_dir / "t_cl" / "fichas.html").read_text(encoding="utf-8")
    assert 'form class="search" data-search="customer"' in html


def test_search_carries_the_first_customers_and_their_emails_hashed_only(site):
    """The page carries the search's first ``search_limit`` customers; their e-mails only as
    SHA-256 hashes (contact data is off: no address anywhere in the page)."""
    customers = _customers()
    mine = customers[customers["tenant_id"] == "t_cl"].sort_values(
        ["clv", "customer_id"], ascending=[False, True]
    )
    page = site.out_dir / "t_cl" / "fichas.html"
    data = _search_data(page)
    assert data["keys"] == mine["customer_id"].head(SEARCH_LIMIT).tolist()
    assert data["total"] == len(mine) and data["limit"] == SEARCH_LIMIT
    first = mine.head(SEARCH_LIMIT)
    assert data["emails"] == {
        hashlib.sha256(email.lower().encode()).hexdigest(): key
        for key, email in zip(first["customer_id"], first["email"], strict=True)
    }
    text = page.read_text(encoding="utf-8")
    assert [email for email in customers["email"] if email in text] == []


def test_each_customers_view_is_what_the_card_shows_for_that_customer(spec, warehouse, site):
    """For customers across the list, the embedded view of each card equals the card's own SQL
    run with the customer filter set to that customer (formatted as the page formats it)."""
    data = _search_data(site.out_dir / "t_cl" / "fichas.html")
    for key in data["keys"][:: SEARCH_LIMIT // 7]:
        values = filter_values(spec, warehouse, "t_cl", customer=key)
        value_card = spec.card("valor")
        expected = card_view(value_card, value_card.run(warehouse, values), "CLP", "")
        assert data["cards"]["valor"][key] == {"scalar": expected.scalar.value}
        ficha = spec.card("ficha")
        rows = ficha.run(warehouse, values).drop(columns="email")
        columns = {c: f for c, f in ficha.columns.items() if c != "email"}
        view = card_view(dataclasses.replace(ficha, columns=columns), rows, "CLP", "")
        embedded = [
            [_expanded(cell) for cell in row] for row in data["cards"]["ficha"][key]["rows"]
        ]
        assert embedded == [[list(cell) for cell in row] for row in view.table.rows]


def _expanded(cell) -> list:
    """A compact cell as cerebro.js reads it: the text alone, or [text, sort key (None: the
    text), class, light] without its trailing empty parts."""
    cell = [cell] if isinstance(cell, str) else list(cell)
    cell += [None, "", ""][len(cell) - 1 :]
    return [cell[0], cell[0] if cell[1] is None else cell[1], cell[2], cell[3]]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"static_page": {"choose": {"filter": "segment", "column": "region"}}},
            "chooses by 'region', which is not in its columns",
        ),
        ({"static_page": {"rows_sql": "select 1 as key from marts.customers"}}, "rows_sql"),
    ],
)
def test_a_choice_or_rows_the_card_cannot_have_is_refused(tmp_path, change, message):
    document = SPEC % {"limit": 10}
    if "rows_sql" in change["static_page"]:
        # A card that does not use the search filter cannot give per-customer rows.
        document = document.replace(
            "    static_page:\n      choose: {filter: segment, column: segment}\n",
            "    static_page:\n      rows_sql: select customer_id as key from marts.customers\n",
        )
    else:
        document = document.replace("column: segment}", "column: region}")
    path = tmp_path / "bad.yml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(DashboardSpecError, match=re.escape(message)):
        load_dashboard(path)


def test_a_card_using_the_search_without_its_rows_is_refused(tmp_path):
    document = (SPEC % {"limit": 10}).replace(
        "    static_page:\n      rows_sql: select customer_id as key, clv from marts.customers "
        "where tenant_id = {{tenant}}\n",
        "",
    )
    path = tmp_path / "bad.yml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(DashboardSpecError, match="give it rows_sql"):
        load_dashboard(path)


# In the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(chromium, site, tmp_path_factory):
    go_offline(chromium)
    downloads = tmp_path_factory.mktemp("downloads")
    chromium.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    load(chromium, site.out_dir / "t_cl" / "fichas.html")
    return chromium, downloads


def _search(driver, text: str) -> str:
    box = driver.find_element(By.CSS_SELECTOR, "form[data-search] input")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "form[data-search] button").click()
    return driver.find_element(By.CSS_SELECTOR, ".search-message").text


def test_search_finds_a_customer_by_id_or_email_in_the_browser(browser, site):
    driver, _ = browser
    data = _search_data(site.out_dir / "t_cl" / "fichas.html")
    customers = _customers().set_index("customer_id")
    key = data["keys"][42]
    assert _search(driver, key) == f"Ficha del cliente {key}."
    assert (
        driver.find_element(By.CSS_SELECTOR, "#valor .scalar-value").text
        == (data["cards"]["valor"][key]["scalar"])
    )
    assert driver.find_element(By.CSS_SELECTOR, "#ficha tbody td").text == key
    other = data["keys"][7]
    # An e-mail typed in capitals, with spaces around it, finds its customer by its hash.
    assert _search(driver, f"  {customers.loc[other, 'email'].upper()} ") == (
        f"Ficha del cliente {other}."
    )
    assert driver.find_element(By.CSS_SELECTOR, "#ficha tbody td").text == other


def test_search_says_in_spanish_what_it_cannot_find(browser, site):
    driver, _ = browser
    data = _search_data(site.out_dir / "t_cl" / "fichas.html")
    assert _search(driver, "") == "Escriba el ID o el e-mail de un cliente."
    message = _search(driver, "nadie@ejemplo.cl")
    assert message.startswith("Ningún cliente de esta página tiene el e-mail «nadie@ejemplo.cl».")
    # A customer beyond the page's limit: the message says where to look.
    customers = _customers()
    mine = customers[customers["tenant_id"] == "t_cl"].sort_values("clv")
    beyond = mine["customer_id"].iloc[0]  # the least valuable: not among the first 100
    assert beyond not in data["keys"]
    message = _search(driver, beyond)
    assert f"Esta página trae {data['limit_text']} de {data['total_text']} clientes" in message
    assert "Metabase" in message


def test_choosing_a_segment_shows_its_rows_and_downloads_its_csv(browser, site):
    driver, downloads = browser
    select = Select(driver.find_element(By.CSS_SELECTOR, "select[data-choice]"))
    select.select_by_visible_text(
        next(o.text for o in select.options if o.text.startswith("Campeones"))
    )
    assert _segments_shown(driver) == {"Campeones"}
    driver.find_element(By.CSS_SELECTOR, "#por_segmento a.download").click()
    target = downloads / "fichas-por_segmento-campeones.csv"
    for _ in range(50):
        if target.exists():
            break
        driver.execute_script("return new Promise(function (done) { setTimeout(done, 100); });")
    assert target.read_bytes() == (site.out_dir / "t_cl" / target.name).read_bytes()
    select.select_by_visible_text("Todos")
    assert _segments_shown(driver) == {"Campeones", "Frecuentes alejados"}


def _segments_shown(driver) -> set[str]:
    cells = driver.find_elements(By.CSS_SELECTOR, "#por_segmento tbody td:nth-child(2)")
    return {cell.text for cell in cells}
