"""The dashboards without Metabase: every spec rendered to static HTML pages per tenant.

``render_site`` runs each card's SQL for each tenant with the dashboard's default filter values
(the tenant's last 30 days of data) and writes::

    <out>/index.html                       the tenants
    <out>/plotly.min.js, cerebro.css, cerebro.js
    <out>/<tenant_id>/index.html           the tenant's dashboards
    <out>/<tenant_id>/<dashboard_key>.html one page per spec, in the spec's 24-column grid
    <out>/<tenant_id>/<dashboard_key>-<card_key>.csv   each table card's rows

Pages only reference files next to them (Plotly is written once, no CDN), so they open from
disk with no network. Numbers are written in the tenant's locale (``cerebro.formatting``), and
so are the CSV downloads (a spreadsheet's separators).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import plotly.offline
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from cerebro.dashboards.card_views import (
    EMPTY_MESSAGE,
    CardView,
    card_view,
    not_applicable_view,
    write_csv,
)
from cerebro.dashboards.spec import Dashboard, DashboardSpecError, filter_values, load_dashboards
from cerebro.formatting import (
    format_date,
    format_integer,
    format_long_date,
    format_period,
    format_timestamp,
    format_value,
    locale_for,
)
from cerebro.kpis.report import latest_data_date
from cerebro.labels import translate_frame
from cerebro.settings import Settings
from cerebro.warehouse import Warehouse

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
#: Written once at the site's root and referenced relatively by every page.
STATIC_FILES = ("cerebro.css", "cerebro.js")
PLOTLY_FILE = "plotly.min.js"
#: What a filter without a value means on a page.
NO_FILTER = {"category": "Todos", "number": "Sin filtro", "date": "Sin filtro"}


@dataclass(frozen=True)
class SiteTenant:
    tenant_id: str
    name: str
    currency: str
    last_data_date: dt.date | None = None
    country_code: str = ""


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


@dataclass(frozen=True)
class FilterChip:
    label: str
    value: str
    is_set: bool


def site_dir(settings: Settings) -> Path:
    """Where `cerebro run` writes the static dashboards: ``<data dir>/dashboards``."""
    return settings.data_dir / "dashboards"


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
    """Each filter with the value the page was computed with."""
    chips = []
    for item in dashboard.filters:
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
        if not card.applies_to(tenant.country_code):
            views.append(not_applicable_view(card, tenant.country_code))
            continue
        try:
            # Codes (source names, run states, consent) as a reader calls them.
            frame = translate_frame(card.run(warehouse, values))
            view = card_view(card, frame, tenant.currency, csv_name)
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
        views.append(view)
    return views, csv_files, failures


def _clear_tenant_dir(tenant_dir: Path) -> None:
    """Remove the pages and CSVs of an earlier render (a spec or card may have gone)."""
    tenant_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*tenant_dir.glob("*.html"), *tenant_dir.glob("*.csv")]:
        stale.unlink()


def _write_static_files(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    # The installed Plotly's own bundle: the figures' JSON is written for this version.
    (out_dir / PLOTLY_FILE).write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")
    for name in STATIC_FILES:
        (out_dir / name).write_bytes((TEMPLATES_DIR / "static" / name).read_bytes())


def render_site(
    warehouse: Warehouse,
    out_dir: Path,
    *,
    dashboards: list[Dashboard] | None = None,
    tenant_ids: list[str] | None = None,
) -> RenderedSite:
    """Render every dashboard spec for every tenant (or the chosen ones) into ``out_dir``.

    Specs default to ``metabase/dashboards/*.yml``. The site index lists every tenant of the
    warehouse that has pages in ``out_dir``, so rendering one tenant keeps the others."""
    started = time.monotonic()
    dashboards = load_dashboards() if dashboards is None else dashboards
    if not dashboards:
        raise DashboardSpecError("no dashboard specs to render")
    environment = _environment()
    generated = dt.datetime.now(dt.UTC)
    site = RenderedSite(out_dir=out_dir)
    _write_static_files(out_dir)
    with warehouse.reading():
        site.tenants = site_tenants(warehouse, tenant_ids)
        for tenant in site.tenants:
            _render_tenant(environment, dashboards, tenant, warehouse, out_dir, generated, site)
        rendered = site_tenants(warehouse)
        listed = [t for t in rendered if (out_dir / t.tenant_id / "index.html").exists()]
    page = environment.get_template("site_index.html.j2").render(
        tenants=listed, root="", generated=generated
    )
    site.index.write_text(page, encoding="utf-8")
    site.pages.append(site.index)
    site.seconds = time.monotonic() - started
    return site


def _render_tenant(environment, dashboards, tenant, warehouse, out_dir, generated, site) -> None:
    """One tenant's folder: a page per dashboard and an index; adds what it wrote to ``site``."""
    tenant_dir = out_dir / tenant.tenant_id
    _clear_tenant_dir(tenant_dir)
    navigation = [(d.key, d.title, d.position) for d in dashboards]
    summaries = []
    for dashboard in dashboards:
        values = filter_values(dashboard, warehouse, tenant.tenant_id)
        views, csv_files, failures = render_cards(dashboard, tenant, values, warehouse, tenant_dir)
        page = environment.get_template("dashboard.html.j2").render(
            dashboard=dashboard,
            tenant=tenant,
            views=views,
            chips=filter_chips(dashboard, values, tenant),
            period=dashboard_period(dashboard, values),
            navigation=navigation,
            active=dashboard.key,
            empty_message=EMPTY_MESSAGE,
            generated=generated,
            root="../",
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
        root="../",
    )
    (tenant_dir / "index.html").write_text(index, encoding="utf-8")
    site.pages.append(tenant_dir / "index.html")


def render_after_run(settings: Settings) -> RenderedSite:
    """The site `cerebro run` writes after a successful run, into :func:`site_dir`. A spec that
    does not load is reported as a failure rather than raised: the platform itself ran."""
    try:
        return render_site(Warehouse(settings), site_dir(settings))
    except DashboardSpecError as error:
        return RenderedSite(out_dir=site_dir(settings), failures=[str(error)])
