"""The dashboards without Metabase: every spec rendered to static HTML pages per tenant.

``render_site`` runs each card's SQL for each tenant with the dashboard's default filter values
(the tenant's last 30 days of data) and writes::

    <out>/index.html, cerebro.css          the tenants (the operator's entry point)
    <out>/<tenant_id>/index.html           the tenant's dashboards
    <out>/<tenant_id>/<dashboard_key>.html one page per spec, in the spec's 24-column grid
    <out>/<tenant_id>/<dashboard_key>-<card_key>.csv   each table card's rows
    <out>/<tenant_id>/<dashboard_key>-<card_key>-<value>.csv   a table's rows per value of
                                           the column a reader chooses by (``static_page.choose``)
    <out>/<tenant_id>/plotly.min.js, cerebro.css, cerebro.js, simulator.js, simulator_forms.js

A tenant's folder is complete on its own and names no other tenant: an agency hands each client
its folder (a zip, a shared drive) and the client sees nothing of the others. So every folder
carries its own copy of Plotly and the styles (no CDN, no ``../``), and pages open from disk
with no network. Customers' contact data (names, e-mails, phones) is left out of a tenant's
pages and CSVs unless its ``static_pages.contact_data`` is on (``contact_data.py``). Numbers
are written in the tenant's locale (``cerebro.formatting``), and so are the CSV downloads (a
spreadsheet's separators).

What a page's text asks a reader to do, the page does in the browser, offline
(``static_page`` in the specs): the Simulador's forms plan any budget and value any move on
the model's curves embedded in the page (``simulator.py``), a table is narrowed to one value
of a column with that value's CSV, and a search box finds a customer among those the page
carries (``browser_cards.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import plotly.offline
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from cerebro.formatting import (
    format_date,
    format_integer,
    format_long_date,
    format_period,
    format_timestamp,
    format_value,
    locale_for,
)
from cerebro.labels import translate_frame
from cerebro.serving.dashboards.browser_cards import (
    browser_filters,
    search_payload,
    table_choices,
)
from cerebro.serving.dashboards.card_views import (
    EMPTY_MESSAGE,
    CardView,
    card_view,
    not_applicable_view,
    write_csv,
)
from cerebro.serving.dashboards.contact_data import (
    WITHHELD_MESSAGE,
    draws_contact_data,
    without_contact_data,
)
from cerebro.serving.dashboards.simulator import simulator_payload
from cerebro.serving.dashboards.spec import (
    Dashboard,
    DashboardSpecError,
    filter_values,
    in_tenant_words,
    latest_data_date,
    load_dashboards,
)
from cerebro.settings import Settings
from cerebro.tenants import Tenant, load_tenants
from cerebro.warehouse import Warehouse

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
#: Written into every tenant's folder, so that the folder works alone (the root index needs
#: only the styles).
STATIC_FILES = ("cerebro.css", "cerebro.js", "simulator.js", "simulator_forms.js")
PLOTLY_FILE = "plotly.min.js"
ROOT_STATIC_FILES = ("cerebro.css",)
#: What a filter without a value means on a page.
NO_FILTER = {"category": "Todos", "number": "Sin filtro", "date": "Sin filtro"}
#: What a Simulador form says where the tenant has no fitted curves to plan on.
NO_CURVES_MESSAGE = (
    "Este cliente aún no tiene curvas de respuesta del modelo de mezcla de medios: sin gasto "
    "en publicidad conectado, o el modelo no ha corrido (revise «Mezcla de medios» en Salud "
    "de datos)."
)


@dataclass(frozen=True)
class SiteTenant:
    tenant_id: str
    name: str
    currency: str
    last_data_date: dt.date | None = None
    country_code: str = ""
    #: Whether the tenant's pages show its customers' names, e-mails and phones.
    contact_data: bool = False


@dataclass
class RenderedSite:
    """What a render wrote, how long it took, and the cards that could not be computed."""

    out_dir: Path
    tenants: list[SiteTenant] = field(default_factory=list)
    pages: list[Path] = field(default_factory=list)
    csv_files: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "tenant/dashboard/card: error"
    seconds: float = 0.0

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"

    def tenant_index(self, tenant_id: str) -> Path:
        """The entry page of a tenant's folder, the one to open after handing it over."""
        return self.out_dir / tenant_id / "index.html"


@dataclass(frozen=True)
class FilterChip:
    label: str
    value: str
    is_set: bool


def site_dir(settings: Settings) -> Path:
    """Where `cerebro run` writes the static dashboards: ``<data dir>/dashboards``."""
    return settings.data_dir / "dashboards"


def contact_data_tenants(tenants: list[Tenant]) -> frozenset[str]:
    """The tenants whose static pages may show contact data (``static_pages.contact_data``)."""
    return frozenset(t.tenant_id for t in tenants if t.static_pages.contact_data)


def site_tenants(warehouse: Warehouse, tenant_ids: list[str] | None = None) -> list[SiteTenant]:
    """The tenants in the warehouse (``marts.dim_tenants``), or the chosen ones, in order."""
    frame = warehouse.query(
        # Every column: crafted warehouses in tests may lack the country.
        "select * from marts.dim_tenants order by tenant_id"
    )
    known = {row.tenant_id: row for row in frame.itertuples(index=False)}
    unknown = sorted(set(tenant_ids or ()) - set(known))
    if unknown:
        raise ValueError(f"unknown tenants {unknown}; the warehouse has {sorted(known)}")
    chosen = tenant_ids or list(known)
    return [
        SiteTenant(
            tenant_id=tenant_id,
            name=known[tenant_id].tenant_name,
            currency=known[tenant_id].currency or "",
            last_data_date=latest_data_date(tenant_id, warehouse),
            country_code=getattr(known[tenant_id], "country_code", None) or "",
        )
        for tenant_id in chosen
    ]


@pass_context
def _integer(context, value: object) -> str:
    """The ``integer`` filter: a count in the locale of the page's tenant (none on the index)."""
    tenant = context.get("tenant")
    return format_integer(value, locale_for(tenant.currency if tenant else ""))


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["long_date"] = format_long_date
    environment.filters["short_date"] = format_date
    environment.filters["period"] = lambda bounds: format_period(*bounds)
    environment.filters["integer"] = _integer
    environment.filters["timestamp"] = format_timestamp
    return environment


def filter_chips(dashboard: Dashboard, values: dict, tenant: SiteTenant) -> list[FilterChip]:
    """Each filter with the value the page was computed with; the filters the reader sets in
    the browser (``browser_cards.browser_filters``) have a control of their own instead."""
    chips = []
    in_browser = browser_filters(dashboard)
    for item in dashboard.filters:
        if item.key in in_browser:
            continue
        value = values.get(item.key)
        if item.type == "tenant":
            shown = tenant.name
        elif value is None:
            shown = NO_FILTER.get(item.type, "Sin filtro")
        elif item.type == "date":
            shown = format_date(value)
        elif item.type == "number":
            number = float(value)
            fmt = "integer" if number.is_integer() else "number"
            shown = format_value(number, fmt, tenant.currency)
        else:
            shown = str(value)
        chips.append(FilterChip(item.label, shown, is_set=value is not None))
    return chips


def dashboard_period(dashboard: Dashboard, values: dict) -> tuple[dt.date, dt.date] | None:
    """The period a dashboard shows: the values of its filters that default to the tenant's
    default period (period_start / period_end), when it has both."""
    bounds = {item.default: values.get(item.key) for item in dashboard.filters}
    start, end = bounds.get("period_start"), bounds.get("period_end")
    return (start, end) if start is not None and end is not None else None


def render_cards(
    dashboard: Dashboard, tenant: SiteTenant, values: dict, warehouse: Warehouse, tenant_dir: Path
) -> tuple[list[CardView], list[Path], list[str]]:
    """Every card of a dashboard for one tenant (in reading order), the CSVs written, and the
    cards that failed."""
    views, csv_files, failures = [], [], []
    for card in sorted(dashboard.cards, key=lambda c: (c.layout["row"], c.layout["col"])):
        csv_name = f"{dashboard.key}-{card.key}.csv"
        if card.widget is not None:
            # A form the page computes in the browser: its SQL is Metabase's.
            views.append(CardView(card, widget=card.widget))
            continue
        if not card.applies_to(tenant.country_code):
            views.append(not_applicable_view(card, tenant.country_code))
            continue
        if not tenant.contact_data and draws_contact_data(card):
            views.append(CardView(card, withheld=WITHHELD_MESSAGE))
            continue
        try:
            # Codes (source names, run states, consent) as a reader calls them.
            frame = translate_frame(
                card.run(warehouse, values), tenant.country_code, tenant.currency
            )
            hidden: list[str] = []
            if not tenant.contact_data:
                # Dropped before anything is formatted or written: page and CSV alike.
                card, frame, hidden = without_contact_data(card, frame)
            view = card_view(card, frame, tenant.currency, csv_name, tuple(hidden))
        # One card that fails (a query error, a column the spec does not list) must not hide
        # the others: its panel shows the error and the render reports it.
        except Exception as error:
            message = f"{type(error).__name__}: {error}".strip()
            first_line = message.splitlines()[0]
            failures.append(f"{tenant.tenant_id}/{dashboard.key}/{card.key}: {first_line}")
            views.append(CardView(card, error=message))
            continue
        if view.table is not None:
            write_csv(card, frame, tenant_dir / csv_name, tenant.currency)
            csv_files.append(tenant_dir / csv_name)
            if card.choose is not None:
                view.choices = table_choices(card, frame, tenant.currency, csv_name, tenant_dir)
                csv_files += [tenant_dir / choice.csv_name for choice in view.choices]
        views.append(view)
    return views, csv_files, failures


def _clear_tenant_dir(tenant_dir: Path) -> None:
    """Remove the pages and CSVs of an earlier render (a spec or card may have gone)."""
    tenant_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*tenant_dir.glob("*.html"), *tenant_dir.glob("*.csv")]:
        stale.unlink()


def _write_static_files(folder: Path, names: tuple[str, ...], plotly_js: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if plotly_js is not None:
        (folder / PLOTLY_FILE).write_text(plotly_js, encoding="utf-8")
    for name in names:
        (folder / name).write_bytes((TEMPLATES_DIR / "static" / name).read_bytes())


def _clear_root(out_dir: Path) -> None:
    """Remove the scripts an earlier layout shared at the root (the tenants' folders have their
    own now): a stale bundle there would be mistaken for the one the pages load."""
    for name in {PLOTLY_FILE, *STATIC_FILES} - set(ROOT_STATIC_FILES):
        (out_dir / name).unlink(missing_ok=True)


def render_site(
    warehouse: Warehouse,
    out_dir: Path,
    *,
    dashboards: list[Dashboard] | None = None,
    tenant_ids: list[str] | None = None,
    contact_data: Collection[str] = (),
) -> RenderedSite:
    """Render every dashboard spec for every tenant (or the chosen ones) into ``out_dir``.

    Specs default to ``metabase/dashboards/*.yml``. Only the tenants in ``contact_data``
    (:func:`contact_data_tenants`) get their customers' names, e-mails and phones on their
    pages. The site index lists every tenant of the warehouse that has pages in ``out_dir``,
    so rendering one tenant keeps the others."""
    started = time.monotonic()
    dashboards = load_dashboards() if dashboards is None else dashboards
    if not dashboards:
        raise DashboardSpecError("no dashboard specs to render")
    environment = _environment()
    generated = dt.datetime.now(dt.UTC)
    site = RenderedSite(out_dir=out_dir)
    _write_static_files(out_dir, ROOT_STATIC_FILES, plotly_js=None)
    _clear_root(out_dir)
    # The installed Plotly's own bundle: the figures' JSON is written for this version.
    plotly_js = plotly.offline.get_plotlyjs()
    with warehouse.reading():
        site.tenants = [
            dataclasses.replace(tenant, contact_data=tenant.tenant_id in contact_data)
            for tenant in site_tenants(warehouse, tenant_ids)
        ]
        for tenant in site.tenants:
            tenant_dir = out_dir / tenant.tenant_id
            _clear_tenant_dir(tenant_dir)
            _write_static_files(tenant_dir, STATIC_FILES, plotly_js)
            _render_tenant(environment, dashboards, tenant, warehouse, tenant_dir, generated, site)
        rendered = site_tenants(warehouse)
        listed = [t for t in rendered if (out_dir / t.tenant_id / "index.html").exists()]
    page = environment.get_template("site_index.html.j2").render(
        tenants=listed, root="", generated=generated
    )
    site.index.write_text(page, encoding="utf-8")
    site.pages.append(site.index)
    site.seconds = time.monotonic() - started
    return site


def _render_tenant(environment, dashboards, tenant, warehouse, tenant_dir, generated, site) -> None:
    """One tenant's folder: a page per dashboard and an index; adds what it wrote to ``site``.
    Pages link only within the folder (``root`` is the folder itself), in the tenant's words."""
    dashboards = [in_tenant_words(d, tenant.country_code, tenant.currency) for d in dashboards]
    navigation = [(d.key, d.title, d.position) for d in dashboards]
    summaries = []
    for dashboard in dashboards:
        values = filter_values(dashboard, warehouse, tenant.tenant_id)
        views, csv_files, failures = render_cards(dashboard, tenant, values, warehouse, tenant_dir)
        browser = browser_data(dashboard, tenant, values, warehouse, views, failures)
        page = environment.get_template("dashboard.html.j2").render(
            dashboard=dashboard,
            tenant=tenant,
            views=views,
            browser=browser,
            chips=filter_chips(dashboard, values, tenant),
            period=dashboard_period(dashboard, values),
            navigation=navigation,
            active=dashboard.key,
            empty_message=EMPTY_MESSAGE,
            generated=generated,
            root="",
        )
        path = tenant_dir / f"{dashboard.key}.html"
        path.write_text(page, encoding="utf-8")
        site.pages.append(path)
        site.csv_files += csv_files
        site.failures += failures
        summaries.append((dashboard, views, dashboard_period(dashboard, values)))
    index = environment.get_template("tenant_index.html.j2").render(
        tenant=tenant,
        summaries=summaries,
        navigation=navigation,
        active=None,
        generated=generated,
        root="",
    )
    (tenant_dir / "index.html").write_text(index, encoding="utf-8")
    site.pages.append(tenant_dir / "index.html")


@dataclass
class BrowserData:
    """What a page carries for the reader's browser: the Simulador's curves and the search's
    customers (JSON, safe inside a <script> element), and the search filter."""

    simulator_json: str | None = None
    search_json: str | None = None
    search: object = None  # the spec's search Filter

    @property
    def needs_simulator(self) -> bool:
        return self.simulator_json is not None


def _script_json(payload) -> str:
    # NaN is no JSON: a missing value that slipped through fails here, not in the browser.
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")


def browser_data(dashboard, tenant, values, warehouse, views, failures) -> BrowserData:
    """The data a page's forms and search compute on; a form without data says why (its
    view's ``widget_missing``), and a search that fails is reported like a card."""
    data = BrowserData()
    widgets = [view for view in views if view.widget is not None]
    if widgets:
        objective = next((f.default for f in dashboard.filters if f.key == "objective"), None)
        try:
            payload = simulator_payload(warehouse, tenant.tenant_id, tenant.currency, objective)
            data.simulator_json = None if payload is None else _script_json(payload)
            missing = NO_CURVES_MESSAGE
        # As a card's: the forms say so and the render reports it.
        except Exception as error:
            failures.append(f"{tenant.tenant_id}/{dashboard.key}/simulator: {error}")
            missing = f"No se pudieron leer las curvas del modelo: {error}"
        if data.simulator_json is None:
            for view in widgets:
                view.widget_missing = missing
    search = next((f for f in dashboard.filters if f.is_search), None)
    if search is not None:
        try:
            data.search_json = _script_json(
                search_payload(dashboard, search, values, warehouse, tenant)
            )
            data.search = search
        # As a card's: the page keeps its default customer and the render reports it.
        except Exception as error:
            failures.append(f"{tenant.tenant_id}/{dashboard.key}/{search.key}: {error}")
    return data


def tenant_folder_lines(site: RenderedSite) -> list[str]:
    """For the terminal: each tenant's folder, the page to open in it, and whether its pages
    hold contact data (what an operator checks before handing a folder over)."""
    if not site.tenants:
        return []
    width = max(len(t.tenant_id) for t in site.tenants)
    return ["  one folder per tenant, complete alone (hand each client its own):"] + [
        f"    {t.tenant_id:<{width}}  {site.tenant_index(t.tenant_id)} · contact data "
        + ("included (static_pages.contact_data)" if t.contact_data else "left out")
        for t in site.tenants
    ]


def render_after_run(settings: Settings) -> RenderedSite:
    """The site `cerebro run` writes after a successful run, into :func:`site_dir`. A spec that
    does not load is reported as a failure rather than raised: the platform itself ran."""
    contact_data = contact_data_tenants(load_tenants(settings.tenants_file))
    try:
        return render_site(Warehouse(settings), site_dir(settings), contact_data=contact_data)
    except DashboardSpecError as error:
        return RenderedSite(out_dir=site_dir(settings), failures=[str(error)])
