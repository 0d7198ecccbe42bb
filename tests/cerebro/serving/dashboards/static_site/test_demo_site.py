"""`cerebro run` writes the static dashboards after the platform run, on each warehouse: one
page per tenant and spec, no card failing, one folder per tenant holding no other tenant's
customers and no contact data (the demo's tenants file leaves it off), and the summary says
where the site and each folder are."""

from __future__ import annotations

import re

import babel.numbers
import pytest

from cerebro.serving.dashboards.contact_data import is_contact_column
from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.dashboards.static_site import STATIC_FILES, site_dir
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.dashboards.static_site.locale_oracle import (
    misformatted,
    page_texts,
    raw_float,
    read_download,
)
from tests.cerebro.serving.dashboards.static_site.static_pages import read_page
from tests.support.demo_platform import DEMO_TENANTS


@pytest.mark.parametrize("demo_run", ["demo_duckdb", "demo_postgres"])
def test_cerebro_run_writes_every_dashboard_for_every_tenant(request, demo_run):
    run = request.getfixturevalue(demo_run)
    dashboards = load_dashboards()
    site = site_dir(run.settings)
    summary = run.output.split("Dashboards without Metabase", 1)[-1]
    assert f"open {site / 'index.html'}" in summary, run.output
    for tenant_id in DEMO_TENANTS:
        index = re.escape(str(site / tenant_id / "index.html"))
        folder = rf"{tenant_id} +{index} · contact data left out"
        assert re.search(folder, summary), summary
    assert "failed:" not in summary, summary
    tenants = sorted(p.parent.name for p in site.glob("*/index.html"))
    assert tenants == sorted(DEMO_TENANTS)
    for tenant_id in tenants:
        for dashboard in dashboards:
            page = read_page(site / tenant_id / f"{dashboard.key}.html")
            assert set(page.cards) == {card.key for card in dashboard.cards}
            assert "error" not in page.cards.values(), (tenant_id, dashboard.key)
            assert page.navigation == [f"{d.position} {d.title}" for d in dashboards]


#: The session demo's tenants and their currencies (tests/conftest.py DEMO_TENANTS_YAML).
DEMO_CURRENCIES = {"test_cl": "CLP", "test_pe": "PEN", "test_woo": "CLP"}


def test_every_amount_on_the_demo_pages_and_downloads_is_in_the_tenants_locale(demo_duckdb):
    """On every page of both demo tenants (cards, tables, tooltips, generated sentences) money
    and percentages are written as Babel writes them in the tenant's locale, with no ISO code
    beside a number; every CSV download splits into the card's columns with the locale's
    delimiter, has no raw float, and its money has no more decimals than the currency's minor
    unit."""
    site = site_dir(demo_duckdb.settings)
    dashboards = {dashboard.key: dashboard for dashboard in load_dashboards()}
    for tenant_id, currency in DEMO_CURRENCIES.items():
        for key in dashboards:
            texts = page_texts(site / tenant_id / f"{key}.html")
            assert misformatted(texts, currency) == [], (tenant_id, key)
        downloads = sorted((site / tenant_id).glob("*.csv"))
        assert downloads, tenant_id
        minor = babel.numbers.get_currency_precision(currency)
        unrounded = raw_float(currency)
        for path in downloads:
            text = path.read_text(encoding="utf-8-sig")
            assert not unrounded.search(text), (path.name, unrounded.search(text))
            # <page>-<card>.csv, or <page>-<card>-<value>.csv for one value a reader chooses.
            dashboard_key, _, rest = path.stem.partition("-")
            card = next(
                c
                for c in dashboards[dashboard_key].cards
                if rest == c.key or rest.startswith(f"{c.key}-")
            )
            frame = read_download(path, currency)
            # The demo's tenants keep the default: contact columns are left out.
            shown = [c for c in card.columns if not is_contact_column(c)]
            assert list(frame.columns) == [card.label(c) for c in shown], path.name
            for column, fmt in card.columns.items():
                if fmt != "currency":
                    continue
                amounts = frame[card.label(column)].dropna().astype(float)
                assert ((amounts * 10**minor).round(6) % 1 == 0).all(), (path.name, column)


def test_each_demo_folder_holds_only_its_own_customers_and_no_contact_data(demo_duckdb):
    """Every page and CSV of a demo tenant's folder, split into words: none is a customer id of
    the other tenant, nor any customer's e-mail (marts.mart_customer_contacts, the oracle), nor
    the other tenant's id; the folder's own customer ids are there (the search sees them)."""
    site = site_dir(demo_duckdb.settings)
    contacts = Warehouse(demo_duckdb.settings).query(
        "select tenant_id, customer_id, email from marts.mart_customer_contacts"
    )
    emails = set(contacts["email"].dropna())
    assert emails
    for tenant_id in DEMO_CURRENCIES:
        files = [
            p
            for p in (site / tenant_id).iterdir()
            if p.name not in {*STATIC_FILES, "plotly.min.js"}
        ]
        text = "\n".join(p.read_text(encoding="utf-8-sig") for p in files)
        words = set(re.findall(r"[\w.+@-]+", text))
        mine = contacts["tenant_id"] == tenant_id
        assert words & set(contacts.loc[mine, "customer_id"]), tenant_id
        # Another store's customer ids, but for those this store also has (two stores on one
        # platform number their customers alike).
        theirs = set(contacts.loc[~mine, "customer_id"]) - set(contacts.loc[mine, "customer_id"])
        assert theirs and words.isdisjoint(theirs), tenant_id
        assert words.isdisjoint(emails), tenant_id
        assert words.isdisjoint(set(DEMO_CURRENCIES) - {tenant_id}), tenant_id
