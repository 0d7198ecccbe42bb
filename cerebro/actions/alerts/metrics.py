"""The metrics an alert rule can watch, each read from the marts as KPIS.md defines it.

A metric is a :class:`MetricSpec`: its unit (how thresholds are validated and values shown),
its optional lookback window, its extra rule settings, the marts it reads (the Dagster asset's
dependencies) and an evaluator that returns a :class:`Measurement` for one tenant and one
evaluation date (a local date of the tenant: the daily partition's day). A value of ``None``
means "no data" (a rate whose denominator is 0, no history yet) and never fires.

Where a KPI function of ``cerebro.serving.kpis`` computes the figure, the evaluator calls it, so an
alert and the dashboard always show the same number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from cerebro.actions.alerts.campaign_gap import (
    CAMPAIGN_COHORTS,
    DEFAULT_MIN_CUSTOMERS,
    min_customers_setting,
    worst_campaign,
)
from cerebro.formatting import (
    format_currency,
    format_date,
    format_days,
    format_integer,
    format_percent,
    format_period,
    format_timestamp,
    locale_for,
)
from cerebro.labels import SOURCE_NAMES
from cerebro.serving.kpis import get_cart_abandonment_rate, get_operations_kpis
from cerebro.serving.kpis.period import number
from cerebro.tenants import SOURCES, Tenant
from cerebro.warehouse import Warehouse

#: KPIS.md's channel groups.
CHANNEL_GROUPS = (
    "Meta Ads", "Google Ads", "TikTok Ads", "Amazon Ads", "SEO / Orgánico", "Email", "Directo",
    "Referido", "Otro",
)  # fmt: skip
#: Placeholders every message template may use (the metric adds its own).
COMMON_PLACEHOLDERS = ("tenant", "value", "threshold", "comparison", "alert_date")


@dataclass(frozen=True)
class MetricContext:
    """What an evaluator gets: where to read, for whom, as of when, and the rule's settings."""

    warehouse: Warehouse
    tenant: Tenant
    alert_date: dt.date
    lookback_days: int | None
    params: Mapping[str, object]
    now: dt.datetime  # naive UTC, like the warehouse's timestamps
    #: This metric's earlier values for the tenant (ops.alert_metric_history), by date.
    history: Mapping[dt.date, float] = field(default_factory=dict)

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        """The inclusive local-date window of ``lookback_days`` days ending on the alert date."""
        days = self.lookback_days or 1
        return self.alert_date - dt.timedelta(days=days - 1), self.alert_date


@dataclass(frozen=True)
class Measurement:
    value: float | None
    #: Metric-specific message placeholders, already formatted in Spanish.
    details: Mapping[str, str] = field(default_factory=dict)
    #: Points to keep in ops.alert_metric_history (as-of date -> value).
    history_points: Mapping[dt.date, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str  # rate | change | currency | hours | days
    default_title: str
    default_message: str
    reads: tuple[str, ...]  # marts tables
    evaluate: Callable[[MetricContext], Measurement]
    default_lookback_days: int | None = None
    #: Extra rule settings: name -> parser (raises ValueError with a clear message).
    params: Mapping[str, Callable[[object], object]] = field(default_factory=dict)
    detail_placeholders: tuple[str, ...] = ()

    @property
    def placeholders(self) -> tuple[str, ...]:
        window = ("lookback_days",) if self.default_lookback_days else ()
        return COMMON_PLACEHOLDERS + window + self.detail_placeholders

    @property
    def threshold_hint(self) -> str:
        return {
            "rate": "a fraction between 0 and 1: 0.75 means 75 %",
            "change": "a relative change as a fraction: 0.2 means +20 %",
            "currency": "an amount in the tenant's currency (override it per tenant)",
            "hours": "a number of hours",
            "days": "a number of days (0: any day at all)",
            "number": "a number in the column's own unit",
        }[self.unit]

    def threshold_problem(self, value: float) -> str | None:
        """Why ``value`` cannot be this metric's threshold, or None."""
        bad = {
            "rate": not 0 <= value <= 1,
            "change": value <= -1,
            "currency": value < 0,
            "hours": value <= 0,
            "days": value < 0,
            "number": False,
        }[self.unit]
        return f"expected {self.threshold_hint}" if bad else None

    def parse_params(self, raw: Mapping[str, object]) -> dict[str, object]:
        return {name: self.params[name](value) for name, value in raw.items()}


# Cart abandonment and cancellation rate: the KPI functions' own figures -------------------


def _window_details(context: MetricContext) -> dict[str, str]:
    start, end = context.window
    return {"period": format_period(start, end)}


def _cart_abandonment(context: MetricContext) -> Measurement:
    start, end = context.window
    kpi = get_cart_abandonment_rate(
        context.tenant.tenant_id, start, end, warehouse=context.warehouse
    )
    return Measurement(kpi["cart_abandonment_rate"], _window_details(context))


def _cancellation_rate(context: MetricContext) -> Measurement:
    start, end = context.window
    kpis = get_operations_kpis(context.tenant.tenant_id, start, end, warehouse=context.warehouse)
    return Measurement(kpis["cancellation_rate"], _window_details(context))


# CAC: paid spend / new customers of the window (KPIS.md; mart_channel_value_daily's sums) ---

_SPEND = """
    select sum(spend_amount) as spend
    from marts.fct_ad_spend_daily
    where tenant_id = %(tenant_id)s and spend_date between %(date_from)s and %(date_to)s
"""
_NEW_CUSTOMERS = """
    select sum(new_users) as new_customers
    from marts.mart_acquisition_daily
    where tenant_id = %(tenant_id)s and signup_date between %(date_from)s and %(date_to)s
"""
_CHANNEL_SPEND = _SPEND + "    and channel_group = %(channel)s\n"
_CHANNEL_NEW_CUSTOMERS = _NEW_CUSTOMERS + "    and acquisition_channel = %(channel)s\n"


def _channel_group(value: object) -> str:
    if value not in CHANNEL_GROUPS:
        raise ValueError(f"channel {value!r} is not a channel group; use one of {CHANNEL_GROUPS}")
    return str(value)


def _cac(context: MetricContext) -> Measurement:
    """Per channel: the channel's spend over the customers whose first touch it was (the same
    sums as mart_channel_value_daily, over the rule's window). Without a
    channel: blended CAC, all paid spend over all new customers."""
    start, end = context.window
    channel = context.params.get("channel")
    params = {
        "tenant_id": context.tenant.tenant_id,
        "date_from": start,
        "date_to": end,
        "channel": channel,
    }
    query = context.warehouse.query
    spend_sql, customers_sql = (
        (_CHANNEL_SPEND, _CHANNEL_NEW_CUSTOMERS) if channel else (_SPEND, _NEW_CUSTOMERS)
    )
    spend = number(query(spend_sql, params)["spend"].iloc[0]) or 0.0
    new_customers = number(query(customers_sql, params)["new_customers"].iloc[0]) or 0.0
    currency = context.tenant.currency
    return Measurement(
        None if new_customers == 0 else spend / new_customers,
        {
            **_window_details(context),
            "channel": channel or "todos los canales (CAC combinado)",
            "spend": format_currency(spend, currency),
            "new_customers": format_integer(new_customers, locale_for(currency)),
        },
    )


# Capital en riesgo, week over week: the mart keeps only the latest cut-off, so every cut-off
# seen is kept in ops.alert_metric_history and compared with the one a lookback earlier. ------

_CAPITAL = """
    select cutoff_date, model_version, capital_at_risk_amount
    from marts.mart_churn_radar_capital
    where tenant_id = %(tenant_id)s
    order by cutoff_date, model_version
"""


def _as_date(value: object) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _capital_change(context: MetricContext) -> Measurement:
    rows = context.warehouse.query(_CAPITAL, {"tenant_id": context.tenant.tenant_id})
    # Sorted by model version, so a cut-off's newest version wins.
    mart_points = {
        _as_date(row["cutoff_date"]): float(row["capital_at_risk_amount"])
        for row in rows.to_dict("records")
        if number(row["capital_at_risk_amount"]) is not None
    }
    series = {**context.history, **mart_points}
    current_dates = [day for day in series if day <= context.alert_date]
    if not current_dates:
        return Measurement(None, history_points=mart_points)
    current = max(current_dates)
    earlier = [day for day in series if day <= current - dt.timedelta(days=context.lookback_days)]
    currency = context.tenant.currency
    details = {
        "current_amount": format_currency(series[current], currency),
        "current_date": format_date(current),
        "previous_amount": "—",
        "previous_date": "—",
    }
    if not earlier:
        return Measurement(None, details, mart_points)
    previous = max(earlier)
    details |= {
        "previous_amount": format_currency(series[previous], currency),
        "previous_date": format_date(previous),
    }
    if series[previous] == 0:
        return Measurement(None, details, mart_points)
    change = (series[current] - series[previous]) / series[previous]
    return Measurement(change, details, mart_points)


# Source staleness: hours since a source last landed rows (mart_source_lag) ------------------

# The source's last landing is the mart's; the hours are counted here, to the alert's own
# evaluation time rather than the view's clock.
_LAST_LANDED = """
    select source_name, _sdc_last_batched_at as last_batched_at
    from marts.mart_source_lag
    where tenant_id = %(tenant_id)s
"""


def _sources(value: object) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        raise ValueError("sources must be a list of source names")
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; sources are {list(SOURCES)}")
    return tuple(names)


def _hours_since_sync(context: MetricContext) -> Measurement:
    """The stalest of the watched sources (default: every source the tenant has landed):
    hours from its last landed batch to the evaluation time."""
    rows = context.warehouse.query(_LAST_LANDED, {"tenant_id": context.tenant.tenant_id})
    watched = context.params.get("sources")
    last = {
        row["source_name"]: row["last_batched_at"]
        for row in rows.to_dict("records")
        if pd.notna(row["last_batched_at"]) and (not watched or row["source_name"] in watched)
    }
    if not last:
        return Measurement(None)
    source = min(last, key=lambda name: (last[name], name))
    hours = (context.now - last[source]).total_seconds() / 3600
    return Measurement(hours, {"source": source, "last_sync": format_timestamp(last[source])})


# Missing spend days: days a paid spend source says nothing about (mart_ad_spend_gaps) -------

_SPEND_GAPS = """
    select platform, account_id, gap_start_date, gap_end_date
    from marts.mart_ad_spend_gaps
    where tenant_id = %(tenant_id)s and gap_start_date <= %(alert_date)s
    order by gap_start_date, platform, account_id
"""


def _spend_source_name(platform: str) -> str:
    """ "TikTok Ads" for a tap's platform, "tiktok (CSV)" for an export's free-text one."""
    return SOURCE_NAMES.get(platform) or f"{platform} (CSV)"


def _spend_missing_days(context: MetricContext) -> Measurement:
    """Days, up to the tenant's day, between each paid spend source's first day with spend
    and the data cut-off that the source says nothing about: no rows, outside the days its tap
    read. The budget brain leaves them out; the sum over sources is the value."""
    rows = context.warehouse.query(
        _SPEND_GAPS, {"tenant_id": context.tenant.tenant_id, "alert_date": context.alert_date}
    )
    by_source: dict[tuple[str, str], tuple[int, dt.date]] = {}
    for row in rows.to_dict("records"):
        start = _as_date(row["gap_start_date"])
        end = min(_as_date(row["gap_end_date"]), context.alert_date)
        key = (row["platform"], row["account_id"])
        days, first = by_source.get(key, (0, start))
        by_source[key] = (days + (end - start).days + 1, min(first, start))
    total = sum(days for days, _ in by_source.values())
    sources = "; ".join(
        f"{_spend_source_name(platform)}, cuenta {account}: {format_days(days)} desde el "
        f"{format_date(first)}"
        for (platform, account), (days, first) in sorted(
            by_source.items(), key=lambda item: (item[1][1], item[0])
        )
    )
    return Measurement(float(total), {"sources": sources or "ninguna"})


# Any KPI mart scalar: a numeric column of a marts table with one row for the tenant (an
# alert asked from Metabase names it as "<mart>.<column>"; decision 0069). ------------------

_MART_NAME = re.compile(r"^mart_[a-z0-9_]{1,60}$")
_COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _mart(value: object) -> str:
    if not isinstance(value, str) or not _MART_NAME.match(value):
        raise ValueError(f"mart {value!r} is not a KPI mart's name (mart_...)")
    return value


def _column(value: object) -> str:
    if not isinstance(value, str) or not _COLUMN_NAME.match(value):
        raise ValueError(f"column {value!r} is not a column name")
    return value


def _kpi_scalar(context: MetricContext) -> Measurement:
    """The column's value on the tenant's one row (names checked by the params' parsers);
    no row, several rows or an empty value is no data."""
    mart, column = context.params["mart"], context.params["column"]
    rows = context.warehouse.query(
        f"select {column} as value from marts.{mart} where tenant_id = %(tenant_id)s",
        {"tenant_id": context.tenant.tenant_id},
    )
    value = number(rows["value"].iloc[0]) if len(rows) == 1 else None
    return Measurement(value, {"metric_name": f"{mart}.{column}"})


# A campaign whose customers are worth far less than its channel's other customers
# (mart_campaign_performance, doc block kpi_campaign_performance) -----------------------------


def _campaign_customer_gap(context: MetricContext) -> Measurement:
    """The worst campaign of the window's cohorts (signup months from the window's first day's
    month to the alert date): its customers' 60-day repurchase rate and mean predicted
    12-month value, each over the rest of its channel's, the lower of the two. Only
    campaigns and channels with ``min_customers`` customers behind a figure count."""
    start, end = context.window
    rows = context.warehouse.query(
        CAMPAIGN_COHORTS,
        {"tenant_id": context.tenant.tenant_id, "month_from": start.replace(day=1),
         "date_to": end},
    )  # fmt: skip
    worst = worst_campaign(rows, int(context.params.get("min_customers", DEFAULT_MIN_CUSTOMERS)))
    if worst is None:
        return Measurement(None, _window_details(context))
    score, name, row, found = worst
    currency, locale = context.tenant.currency, locale_for(context.tenant.currency)
    repurchase = found.get("repurchase", (None, None))
    value = found.get("value", (None, None))
    return Measurement(
        score,
        {
            **_window_details(context),
            "campaign": name,
            "channel": row["channel_group"],
            "new_customers": format_integer(row["new_customers"], locale),
            "campaign_repurchase": format_percent(repurchase[0], locale=locale),
            "channel_repurchase": format_percent(repurchase[1], locale=locale),
            "campaign_value": format_currency(value[0], currency),
            "channel_value": format_currency(value[1], currency),
        },
    )


METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec(
            name="cart_abandonment_rate",
            unit="rate",
            default_title="Abandono de carrito alto",
            default_message=(
                "El abandono de carrito fue de {value} en los últimos {lookback_days} días "
                "({period}); se alerta con {comparison} {threshold}."
            ),
            reads=("dim_tenants", "mart_checkouts_daily"),
            evaluate=_cart_abandonment,
            default_lookback_days=7,
            detail_placeholders=("period",),
        ),
        MetricSpec(
            name="cancellation_rate",
            unit="rate",
            default_title="Tasa de cancelación alta",
            default_message=(
                "La tasa de cancelación fue de {value} en los últimos {lookback_days} días "
                "({period}); se alerta con {comparison} {threshold}."
            ),
            reads=("dim_tenants", "mart_orders_daily", "mart_order_completions_daily"),
            evaluate=_cancellation_rate,
            default_lookback_days=7,
            detail_placeholders=("period",),
        ),
        MetricSpec(
            name="cac",
            unit="currency",
            default_title="CAC alto",
            default_message=(
                "El CAC de {channel} fue de {value} en los últimos {lookback_days} días "
                "({period}): {spend} de inversión para {new_customers} clientes nuevos; "
                "se alerta con {comparison} {threshold}."
            ),
            reads=("fct_ad_spend_daily", "mart_acquisition_daily"),
            evaluate=_cac,
            default_lookback_days=30,
            params={"channel": _channel_group},
            detail_placeholders=("period", "channel", "spend", "new_customers"),
        ),
        MetricSpec(
            name="capital_at_risk_change",
            unit="change",
            default_title="Capital en riesgo al alza",
            default_message=(
                "El capital en riesgo cambió {value}: de {previous_amount} (corte del "
                "{previous_date}) a {current_amount} (corte del {current_date}); se alerta "
                "con {comparison} {threshold}."
            ),
            reads=("mart_churn_radar_capital",),
            evaluate=_capital_change,
            default_lookback_days=7,
            detail_placeholders=(
                "current_amount",
                "current_date",
                "previous_amount",
                "previous_date",
            ),
        ),
        MetricSpec(
            name="source_hours_since_sync",
            unit="hours",
            default_title="Fuente sin sincronizar",
            default_message=(
                "La fuente {source} lleva {value} sin cargar datos nuevos (última carga: "
                "{last_sync}); se alerta con {comparison} {threshold}."
            ),
            reads=("mart_source_lag",),
            evaluate=_hours_since_sync,
            params={"sources": _sources},
            detail_placeholders=("source", "last_sync"),
        ),
        MetricSpec(
            name="spend_missing_days",
            unit="days",
            default_title="Faltan días de inversión publicitaria",
            default_message=(
                "Faltan {value} de inversión publicitaria ({sources}): sin filas y fuera de "
                "los días que leyó la conexión; se alerta con {comparison} {threshold}. El "
                "cerebro de presupuesto deja fuera esos días en vez de leerlos como inversión "
                "cero. Carga los datos que faltan, o una fila con inversión 0 si de verdad no "
                "hubo gasto."
            ),
            reads=("mart_ad_spend_gaps",),
            evaluate=_spend_missing_days,
            detail_placeholders=("sources",),
        ),
        MetricSpec(
            name="kpi_scalar",
            unit="number",
            default_title="Métrica fuera de umbral",
            default_message=("{metric_name} vale {value}; se alerta con {comparison} {threshold}."),
            reads=(),
            evaluate=_kpi_scalar,
            params={"mart": _mart, "column": _column},
            detail_placeholders=("metric_name",),
        ),
        MetricSpec(
            name="campaign_customer_gap",
            unit="rate",
            default_title="Campaña con clientes de churn altísimo",
            default_message=(
                "Los clientes de la campaña '{campaign}' ({channel}) tienen un churn "
                "altísimo: recompra a 60 días {campaign_repurchase} contra {channel_repurchase} "
                "del resto del canal, valor predicho a 12 meses {campaign_value} contra "
                "{channel_value} ({new_customers} clientes nuevos, cohortes de {period}). "
                "Valen {value} de lo que vale el resto del canal; se alerta con {comparison} "
                "{threshold}. Corta esta campaña."
            ),
            reads=("mart_campaign_performance",),
            evaluate=_campaign_customer_gap,
            default_lookback_days=180,
            params={"min_customers": min_customers_setting},
            detail_placeholders=(
                "period",
                "campaign",
                "channel",
                "new_customers",
                "campaign_repurchase",
                "channel_repurchase",
                "campaign_value",
                "channel_value",
            ),
        ),
    )
}
