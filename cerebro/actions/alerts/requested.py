"""Alerts a tenant set from Metabase (``ops.requested_alerts``, decision 0069), evaluated with
the alerts file's rules.

A request names a metric — one of the alerts file's metrics (``cac``), or any KPI mart scalar
as ``<mart>.<column>`` (a numeric column of a marts table with one row for the tenant) — a
comparison, a threshold and a channel kind. The kind is the alerts file's first channel of
that type (``email``: an e-mail channel; ``slack``: a webhook channel); WhatsApp has no alert
channel yet, so such a request is refused saying so. Each alert applies to its tenant only.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from cerebro.actions.alerts.config import COMPARISONS, AlertsConfig, Rule
from cerebro.actions.alerts.metrics import METRICS
from cerebro.warehouse import Warehouse

REQUESTED = "ops.requested_alerts"
_DDL = (
    f"create table if not exists {REQUESTED} (request_id bigint, tenant_id text not null, "
    "rule_id text not null, title text, metric text, mart text, column_name text, "
    "comparison text, threshold double precision, channel_kind text, channel text, "
    "created_at timestamp, primary key (tenant_id, rule_id))"
)
#: Alert channel kinds and the alerts file's channel type each goes through.
CHANNEL_TYPES = {"email": "email", "slack": "webhook"}
_NUMERIC = ("int", "decimal", "numeric", "double", "real", "float", "bigint", "smallint")


class AlertRequestError(ValueError):
    """The alert cannot be set as asked; the message is one Spanish line."""


def rule_id(name: str) -> str:
    """A rule id from the alert's name: ``metabase_`` and its words in lowercase ASCII."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return ("metabase_" + re.sub(r"[^a-z0-9]+", "_", plain).strip("_"))[:63]


def channel_for(config: AlertsConfig, kind: str) -> str:
    """The alerts file's channel an alert of ``kind`` goes through."""
    wanted = CHANNEL_TYPES.get(kind)
    if wanted is None:
        raise AlertRequestError(
            f"Las alertas aún no se envían por {'WhatsApp' if kind == 'whatsapp' else kind}; "
            "elija correo (email) o Slack."
        )
    for name, channel in config.channels.items():
        if channel.type == wanted:
            return name
    raise AlertRequestError(
        f"No hay un canal de {kind} en el archivo de alertas; pida al equipo de datos que lo "
        "agregue."
    )


def metric_target(warehouse: Warehouse, tenant_id: str, metric: str) -> tuple[str, str, str]:
    """(metric, mart, column) of what the alert watches; one Spanish line when it cannot be
    watched: an unknown metric, a missing mart or column, a text column, no single value."""
    if metric in METRICS and metric != "kpi_scalar":
        return metric, "", ""
    mart, _, column = metric.partition(".")
    if not (mart.startswith("mart_") and column) or not warehouse.table_exists("marts", mart):
        named = ", ".join(sorted(set(METRICS) - {"kpi_scalar"}))
        raise AlertRequestError(
            f"No existe la métrica «{metric}»: use una de {named} o una columna de un mart de "
            "KPIs como mart_nombre.columna."
        )
    types = warehouse.query(
        "select column_name, data_type from information_schema.columns where "
        "table_schema = 'marts' and table_name = %(mart)s",
        {"mart": mart},
    )
    found = dict(zip(types["column_name"], types["data_type"].str.lower(), strict=True))
    if column not in found:
        raise AlertRequestError(f"El mart {mart} no tiene la columna «{column}».")
    if not any(word in found[column] for word in _NUMERIC):
        textual = any(word in found[column] for word in ("char", "text", "string"))
        raise AlertRequestError(
            f"«{metric}» es una columna de {'texto' if textual else found[column]}, no un "
            "número: un umbral solo se aplica a columnas numéricas."
        )
    count = warehouse.query(
        f"select count(*) as n from marts.{mart} where tenant_id = %(tenant_id)s",
        {"tenant_id": tenant_id},
    )["n"].iloc[0]
    if int(count) != 1:
        raise AlertRequestError(
            f"«{metric}» tiene {int(count)} filas para este cliente, no un valor único: elija "
            "un mart con una fila por cliente."
        )
    return "kpi_scalar", mart, column


def exists(warehouse: Warehouse, tenant_id: str, rule: str) -> bool:
    if not warehouse.table_exists("ops", "requested_alerts"):
        return False
    rows = warehouse.query(
        f"select count(*) as n from {REQUESTED} where tenant_id = %(t)s and rule_id = %(r)s",
        {"t": tenant_id, "r": rule},
    )
    return bool(rows["n"].iloc[0])


def record_writes(request_id: int, tenant_id: str, rule: str, title: str, target: tuple,
                  comparison: str, threshold: float, kind: str, channel: str,
                  now: dt.datetime) -> list[tuple[str, dict | None]]:  # fmt: skip
    metric, mart, column = target
    return [
        (_DDL, None),
        (f"insert into {REQUESTED} values (%(request_id)s, %(tenant_id)s, %(rule)s, %(title)s, "
         "%(metric)s, %(mart)s, %(column)s, %(comparison)s, %(threshold)s, %(kind)s, "
         "%(channel)s, %(now)s) on conflict do nothing",
         {"request_id": request_id, "tenant_id": tenant_id, "rule": rule, "title": title,
          "metric": metric, "mart": mart or None, "column": column or None,
          "comparison": comparison, "threshold": threshold, "kind": kind, "channel": channel,
          "now": now}),
    ]  # fmt: skip


def requested_rules(warehouse: Warehouse) -> list[tuple[str, Rule]]:
    """(tenant id, rule) for every alert set from Metabase."""
    if not warehouse.table_exists("ops", "requested_alerts"):
        return []
    rows = warehouse.query(f"select * from {REQUESTED} order by tenant_id, rule_id")
    rules = []
    for row in rows.to_dict("records"):
        spec = METRICS[row["metric"]]
        params = {"mart": row["mart"], "column": row["column_name"]} if row["mart"] else {}
        rules.append((row["tenant_id"], Rule(
            id=row["rule_id"], title=row["title"], severity="warning", metric=row["metric"],
            comparison=COMPARISONS[row["comparison"]], threshold=float(row["threshold"]),
            lookback_days=spec.default_lookback_days, channels=(row["channel"],),
            message=spec.default_message, params=spec.parse_params(params),
        )))  # fmt: skip
    return rules
