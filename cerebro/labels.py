"""Spanish names for the codes the data carries (source and table names, Dagster run states and
job names, Shopify consent states, churn-risk segments), in one table for every page.

The marts keep the codes (they are what filters, joins and the KPI functions compare); a reader
sees the names. A column gets its names by its name, wherever a card puts it
(``source_name`` is always a source, ``run_status`` always a Dagster run state): the static
pages translate a card's rows with :func:`translate_frame`, and the Metabase cards run their SQL
inside :func:`labelled_sql`, which writes the same table as a ``case`` expression. A code
missing from the table shows as it is (a new source still shows up, under its code).

The specs are written in Chile's words (Chile first: "por cada peso", RUT, comuna). A page, a
Metabase dashboard and a report of another tenant say its own (:func:`in_tenant_words`): the
currency's unit as CLDR names it ("sol"), and the country's national id and local area
(:data:`COUNTRY_WORDS`: DNI/RUC and distrito in Peru); names of codes follow them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from cerebro.formatting import currency_unit_words

#: The Singer sources a tenant lands (cerebro/landing/taps.py).
SOURCE_NAMES = {
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "stripe": "Stripe",
    "mercadolibre": "Mercado Libre",
    "mercadolibre_ads": "Mercado Ads",
    "meta_ads": "Meta Ads",
    "google_ads": "Google Ads",
    "tiktok_ads": "TikTok Ads",
    "amazon_ads": "Amazon Ads",
    "search_console": "Search Console",
    "ga4": "Google Analytics 4",
    "calendar": "Calendario comercial",
    "exchange_rates": "Tipos de cambio",
    "klaviyo": "Klaviyo",
    "whatsapp": "WhatsApp",
    "csv": "Archivo CSV",
    "costs": "Costos",
    "demo": "Datos de demostración",
}
#: The streams (tables) those sources land (taps/*/streams.py).
STREAM_NAMES = {
    "orders": "Órdenes",
    "order_lines": "Líneas de orden",
    "customers": "Clientes",
    "checkouts": "Checkouts",
    "fulfillments": "Despachos",
    "refunds": "Reembolsos",
    "transactions": "Transacciones",
    "ads_insights": "Resultados de anuncios",
    "campaign_performance": "Resultados de campañas",
    "campaign_reports": "Reportes de campañas",
    "sp_campaigns": "Campañas de Sponsored Products",
    "ad_accounts": "Cuentas publicitarias",
    "accounts": "Cuentas",
    "advertisers": "Cuentas de anunciante",
    "profiles": "Perfiles de anunciante",
    "ad_spend": "Inversión publicitaria",
    "performance_by_date": "Resultados por día",
    "performance_by_page": "Resultados por página",
    "performance_by_query": "Resultados por búsqueda",
    "traffic_daily": "Sesiones por día y origen",
    "events": "Eventos comerciales",
    "daily_rates": "Tipos de cambio diarios",
    "product_costs": "Costos por producto",
    "payment_fees": "Comisiones de pago",
    "order_costs": "Costos por orden",
    "tax_rates": "Impuestos",
    "subscriptions": "Suscripciones",
    "email_events": "Eventos de e-mail",
    "message_statuses": "Estados de mensajes de WhatsApp",
}
#: What a stream's latency is measured from (marts.mart_landing_latency_daily).
EVENT_TIME_COLUMNS = {
    "updated_at": "Última modificación",
    "created_at": "Creación",
    "spend_date": "Fin del día de la inversión",
    "search_date": "Fin del día de las búsquedas",
}
#: Dagster's run states (dagster.DagsterRunStatus).
RUN_STATUSES = {
    "SUCCESS": "Exitosa",
    "FAILURE": "Fallida",
    "CANCELED": "Cancelada",
    "CANCELING": "Cancelándose",
    "STARTED": "En curso",
    "STARTING": "Iniciándose",
    "QUEUED": "En cola",
    "NOT_STARTED": "Sin iniciar",
    "MANAGED": "Externa",
}
#: The Dagster jobs (orchestration/jobs.py); ``__ASSET_JOB`` runs what the UI materializes.
JOB_NAMES = {
    "cerebro_platform": "Plataforma completa",
    "daily_tenant": "Carga diaria del cliente",
    "daily_publish": "Publicación diaria",
    "reference_data": "Datos de referencia",
    "activation_sync": "Sincronización de activaciones",
    "hourly_operations": "Operación de la hora",
    "__ASSET_JOB": "Materialización manual",
}
#: Shopify's marketing consent states (email_marketing_consent.state, sms likewise).
CONSENT_STATES = {
    "SUBSCRIBED": "Suscrito",
    "NOT_SUBSCRIBED": "Sin suscripción",
    "UNSUBSCRIBED": "Se dio de baja",
    "PENDING": "Pendiente de confirmar",
    "REDACTED": "Datos eliminados",
    "INVALID": "Inválido",
}
#: The churn-risk segments of the customer-value model (KPIS.md).
CHURN_RISK_SEGMENTS = {
    "ALTO RIESGO - VIP": "Alto riesgo (VIP)",
    "CLIENTE PERDIDO": "Cliente perdido",
    "CLIENTE LEAL": "Cliente leal",
    "POTENCIAL BALLENA": "Potencial ballena",
    "ESTÁNDAR": "Estándar",
}

#: Countries of tenants (ISO 3166 codes, dim_tenants.country_code), for sentences on pages.
COUNTRY_NAMES = {
    "CL": "Chile",
    "PE": "Perú",
    "AR": "Argentina",
    "BO": "Bolivia",
    "BR": "Brasil",
    "CO": "Colombia",
    "EC": "Ecuador",
    "ES": "España",
    "MX": "México",
    "UY": "Uruguay",
}

#: The rules identity resolution merged customer records by (dim_customer_identity.match_rule).
MATCH_RULES = {
    "rut": "Mismo RUT",
    "email": "Mismo e-mail",
    "phone": "Mismo teléfono",
    "self": "Primer registro",
}
#: The comuna an order has when its address matched none (fct_orders.comuna).
PLACES = {"Sin comuna": "Sin comuna"}

#: A country's own words for the notions the specs write in Chile's words (Chile first): the
#: national id and the local area an address is in. A country missing here keeps Chile's words.
COUNTRY_WORDS: Mapping[str, Mapping[str, str]] = {
    "PE": {"RUT": "DNI/RUC", "comuna": "distrito", "comunas": "distritos"},
}
#: The currency's unit as the specs write it (Chile's peso), singular and plural; a tenant's
#: page says its own currency's (formatting.currency_unit_words).
SPEC_CURRENCY_WORDS = ("peso", "pesos")

#: Which names a column shows, by the column's name in a card's query.
BY_COLUMN: Mapping[str, Mapping[str, str]] = {
    "source_name": SOURCE_NAMES,
    "stream_name": STREAM_NAMES,
    "event_time_column": EVENT_TIME_COLUMNS,
    "run_status": RUN_STATUSES,
    "job_name": JOB_NAMES,
    "email_marketing_state": CONSENT_STATES,
    "sms_marketing_state": CONSENT_STATES,
    "churn_risk_segment": CHURN_RISK_SEGMENTS,
    "match_rule": MATCH_RULES,
    "comuna": PLACES,
}


def label(column: str, value: object, country_code: str = "", currency: str = "") -> object:
    """What a reader sees for ``value`` in ``column``: its name in the words of a tenant of that
    country and currency (:func:`in_tenant_words`), or the value itself."""
    names = BY_COLUMN.get(column)
    if names is None or not isinstance(value, str) or value not in names:
        return value
    return in_tenant_words(names[value], country_code, currency)


def country_name(code: str) -> str:
    """A country's Spanish name ("Perú"), or its code when the table lacks it."""
    return COUNTRY_NAMES.get(code, code)


def tenant_words(country_code: str, currency: str) -> dict[str, str]:
    """The spec's word -> the tenant's, for the words that differ: "peso" -> "sol" for a tenant
    in PEN, "comuna" -> "distrito" in Peru; empty for a Chilean tenant in CLP."""
    words = dict(COUNTRY_WORDS.get(country_code, {}))
    words.update(zip(SPEC_CURRENCY_WORDS, currency_unit_words(currency), strict=True))
    return {spec: own for spec, own in words.items() if spec != own}


def in_tenant_words(text: str, country_code: str, currency: str) -> str:
    """``text`` (a title, a description, a label) in the words of a tenant of that country and
    currency: whole words only, a capital kept ("Comuna" -> "Distrito")."""
    words = tenant_words(country_code, currency)
    if not text or not words:
        return text
    variants = {**words, **{k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in words.items()}}
    # Longest first, so that "comunas" is not read as "comuna" and an "s".
    spoken = "|".join(re.escape(word) for word in sorted(variants, key=len, reverse=True))
    return re.sub(rf"\b({spoken})\b", lambda match: variants[match.group(1)], text)


def labelled_columns(columns: Iterable[str]) -> list[str]:
    """The columns among ``columns`` whose codes have names."""
    return [column for column in columns if column in BY_COLUMN]


def translate_frame(
    frame: pd.DataFrame, country_code: str = "", currency: str = ""
) -> pd.DataFrame:
    """A copy of ``frame`` with every code in a named column replaced by its name, in the words
    of a tenant of that country and currency (the frame itself when no column has names)."""
    columns = labelled_columns(frame.columns)
    if not columns:
        return frame
    translated = frame.copy()
    for column in columns:
        values = [label(column, value, country_code, currency) for value in translated[column]]
        translated[column] = pd.Series(values, index=translated.index, dtype=object)
    return translated


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def case_expression(
    column: str, qualifier: str = "", country_code: str = "", currency: str = ""
) -> str:
    """``case <column> when '<code>' then '<name>' … else <column> end`` for a named column,
    the names in the words of a tenant of that country and currency."""
    reference = f"{qualifier}.{column}" if qualifier else column
    branches = " ".join(
        f"when {_literal(code)} then {_literal(label(column, code, country_code, currency))}"
        for code in BY_COLUMN[column]
    )
    return f"case {reference} {branches} else {reference} end"


def labelled_sql(
    sql: str, columns: Iterable[str], country_code: str = "", currency: str = ""
) -> str:
    """``sql`` with its named columns translated in SQL (for Metabase, which shows what the
    query returns): the query becomes a subquery and the outer select lists ``columns`` (every
    column the query returns, in order), named ones through :func:`case_expression`. A query
    without named columns is returned as it is. A plain projection keeps the subquery's order
    on PostgreSQL and DuckDB."""
    columns = list(columns)
    if not labelled_columns(columns):
        return sql
    selected = ",\n    ".join(
        f"{case_expression(column, 'coded', country_code, currency)} as {column}"
        if column in BY_COLUMN
        else f"coded.{column}"
        for column in columns
    )
    # The newline before ")" keeps a trailing "-- comment" in the spec from swallowing it.
    return f"select\n    {selected}\nfrom (\n{sql.rstrip()}\n) as coded"
