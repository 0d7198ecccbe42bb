"""KPI pages rendered for the terminal: one page as a table, and the run summary's headlines."""

from __future__ import annotations

import datetime as dt
import functools
import numbers

from cerebro.formatting import (
    MISSING,
    format_currency,
    format_date,
    format_integer,
    format_number,
    format_percent,
    locale_for,
)
from cerebro.serving.dashboards.spec import (
    SPECS_DIR,
    latest_data_date,
    load_dashboard,
    load_dashboards,
)
from cerebro.serving.kpis.acquisition import get_acquisition_kpis
from cerebro.serving.kpis.campaigns import get_campaign_kpis
from cerebro.serving.kpis.channels import get_channels_page
from cerebro.serving.kpis.customer_health import get_customer_health_kpis
from cerebro.serving.kpis.engagement import get_engagement_kpis
from cerebro.serving.kpis.identity import get_identity_kpis
from cerebro.serving.kpis.margin import get_margin_kpis
from cerebro.serving.kpis.operations import get_operations_kpis
from cerebro.serving.kpis.retention import get_retention_kpis
from cerebro.serving.kpis.segmentation import get_rfm_segmentation
from cerebro.warehouse import Warehouse

#: ``cerebro kpis <page>``: the function that reads each page's KPIs.
PAGES = {
    "acquisition": get_acquisition_kpis,
    "engagement": get_engagement_kpis,
    "operations": get_operations_kpis,
    "retention": get_retention_kpis,
    "segmentation": get_rfm_segmentation,
    "channels": get_channels_page,
    "campaigns": get_campaign_kpis,
    "health": get_customer_health_kpis,
    "margin": get_margin_kpis,
    "identity": get_identity_kpis,
}
#: Terminal pages that are a dashboard page: titled as its spec (metabase/dashboards/*.yml,
#: ``key`` -> ``title``), where the page names are written once.
DASHBOARD_PAGES = {
    "acquisition": "adquisicion",
    "engagement": "engagement_conversion",
    "operations": "operaciones_calidad",
    "retention": "retencion_lealtad",
    "segmentation": "segmentacion_marketing",
}
#: Terminal pages that are one part of a dashboard page, titled for what they show.
OWN_TITLES = {
    "channels": "Canales",
    "campaigns": "Canales · Campañas",
    "health": "Salud de los clientes",
    "margin": "Margen y beneficio",
    "identity": "Clientes unificados por RUT",
}
RATES = {
    "onboarding_rate", "rut_validation_rate", "cart_abandonment_rate", "cancellation_rate",
    "repurchase_rate", "share", "retention_rate", "click_through_rate", "click_to_checkout_rate",
    "checkout_to_order_rate", "repeat_order_share", "contribution_margin_rate", "prob_alive",
    "prob_purchase_30d", "repurchase_rate_by_record", "repurchase_rate_by_person",
}  # fmt: skip
MONEY = {
    "aov", "historical_ltv", "revenue", "monetary", "net_revenue", "cogs", "payment_fees",
    "order_costs", "contribution_margin", "margin_per_order", "ad_spend", "net_profit",
    "acquisition_spend", "cac", "cohort_margin", "historical_net_amount", "predicted_clv_12m",
    "amount", "refunded_amount", "recoverable_value", "new_customer_value", "first_order_value",
    "spend", "platform_value", "first_click_revenue", "last_click_revenue",
}  # fmt: skip


def data_coverage_warning(name: str, last_data_date: dt.date | None, period_end: dt.date) -> str:
    """What a reader of a period's figures must know when the data do not reach its end (a
    late or failed landing, or a period still to come), or "" when they do. The one wording
    for the report's banner and `cerebro kpis`' ``Warning:`` line."""
    if last_data_date is None:
        return f"{name} todavía no tiene órdenes cargadas: las cifras están vacías."
    if last_data_date < period_end:
        return (
            f"Los datos llegan hasta el {format_date(last_data_date)}: el período puede estar "
            "incompleto (una carga atrasada o fallida)."
        )
    return ""


def format_kpi(key: str, value, currency: str = "") -> str:
    """A KPI named ``key`` as the dashboards show it, in the locale of a tenant whose currency
    is ``currency``: rates as percentages, money in the currency. The name says the format here;
    a dashboard column's format is its spec's (``cerebro.formatting.format_value``)."""
    locale = locale_for(currency)
    if value is None:
        return MISSING
    if key in RATES:
        return format_percent(value, locale=locale)
    if key in MONEY:
        return format_currency(value, currency)
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return str(value)
    # numpy and Decimal numbers too (pandas and PostgreSQL hand them back).
    if isinstance(value, numbers.Integral):
        return format_integer(value, locale)
    return format_number(value, 2, locale)


def page_title(page: str) -> str:
    """The title ``cerebro kpis <page>`` prints: its dashboard page's, or its own."""
    if page in OWN_TITLES:
        return OWN_TITLES[page]
    return _dashboard_titles()[DASHBOARD_PAGES[page]]


@functools.cache
def _dashboard_titles() -> dict[str, str]:
    return {dashboard.key: dashboard.title for dashboard in load_dashboards()}


def render_page(page: str, kpis: dict, currency: str = "") -> str:
    """A page's KPIs as plain text: scalars first, then each distribution as a small table."""
    return render_kpis(page_title(page), kpis, currency)


def render_kpis(title: str, kpis: dict, currency: str = "") -> str:
    """Figures under a title: scalars first, then each list as a small table."""
    lines = [title, "=" * len(title)]
    scalars = {k: v for k, v in kpis.items() if not isinstance(v, list) and k != "customers"}
    width = max((len(k) for k in scalars), default=0)
    lines += [f"{k:<{width}}  {format_kpi(k, v, currency)}" for k, v in scalars.items()]
    for key, rows in kpis.items():
        if not isinstance(rows, list):
            continue
        lines += ["", key]
        if not rows:
            lines.append("  (sin datos)")
            continue
        columns = list(rows[0])
        cells = [[format_kpi(c, row[c], currency) for c in columns] for row in rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        lines += [
            "  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells
        ]
    return "\n".join(lines)


def _rut_applies(country_code: str) -> bool:
    """Whether the RUT validation rate means something for a tenant of that country: the
    Adquisición page's card says so (``countries``), and the terminal follows the page."""
    acquisition = load_dashboard(SPECS_DIR / "01_adquisicion.yml")
    return acquisition.card("tasa_validacion_rut").applies_to(country_code)


def headline(
    tenant_id: str, currency: str, warehouse: Warehouse, days: int = 30, country_code: str = ""
) -> list[str]:
    """One line per page with its headline KPIs over the tenant's last ``days`` days of data
    (the RUT rate only where the tenant's country has a RUT)."""
    end = latest_data_date(tenant_id, warehouse)
    if end is None:
        return [f"{tenant_id}: no orders yet"]
    start = end - dt.timedelta(days=days - 1)
    a = get_acquisition_kpis(tenant_id, start, end, warehouse=warehouse)
    e = get_engagement_kpis(tenant_id, start, end, warehouse=warehouse)
    o = get_operations_kpis(tenant_id, start, end, warehouse=warehouse)
    r = get_retention_kpis(tenant_id, start, end, warehouse=warehouse)
    s = get_rfm_segmentation(tenant_id, start, end, warehouse=warehouse)
    f = functools.partial(format_kpi, currency=currency)
    top = ", ".join(
        f"{x['segment']} {f('customers', x['customers'])}" for x in s["segment_distribution"][:3]
    )
    return [
        f"{tenant_id} ({start} → {end})",
        f"  Adquisición: {f('n', a['new_users'])} nuevos usuarios · onboarding "
        f"{f('onboarding_rate', a['onboarding_rate'])}"
        + (
            f" · RUT válido {f('rut_validation_rate', a['rut_validation_rate'])}"
            if _rut_applies(country_code)
            else ""
        ),
        f"  Engagement: abandono {f('cart_abandonment_rate', e['cart_abandonment_rate'])} · "
        f"ticket promedio {f('aov', e['aov'])} · frecuencia "
        f"{f('x', e['purchase_frequency'])}",
        f"  Operaciones: ciclo {f('x', o['avg_service_cycle_hours'])} h · cancelación "
        f"{f('cancellation_rate', o['cancellation_rate'])} · satisfacción "
        f"{f('x', o['avg_rating'])} ({f('n', o['ratings_count'])} notas)",
        f"  Retención: recompra {f('repurchase_rate', r['repurchase_rate'])} · LTV histórico "
        f"{f('historical_ltv', r['historical_ltv'])}",
        f"  Segmentos RFM: {top}",
    ]
