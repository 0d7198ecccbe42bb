"""Experiments registered from Metabase (decision 0072): a lift-test readout a tenant types
into the "Registrar experimento" form, checked with the rules of the experiments file
(``ml_assets.mmm.lift_tests.check_lift_test``: the channel one of the tenant's paid channels,
dates in order and not after today, a standard error above 0) and kept in
``ops.registered_experiments``, one row per test. The budget brain calibrates each tenant's
model on them together with its ``mmm: {experiments: ...}`` file (``tenant_lift_tests``).

A registered test is withdrawn by the number of the request that registered it (decision
0075): its row stays, stamped with the withdrawing request, and calibration leaves it out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from cerebro.formatting import format_currency, format_date, format_number
from cerebro.tenants import Tenant
from cerebro.warehouse import Warehouse
from ml_assets.mmm.lift_tests import (
    COLUMNS,
    LiftTestError,
    check_lift_test,
    merge_lift_tests,
    read_lift_tests,
)

SCHEMA, TABLE = "ops", "registered_experiments"
REGISTERED = f"{SCHEMA}.{TABLE}"
# One row per test: a request run again (its process died after writing) adds nothing, and
# the same test asked twice is refused before it is written.
_DDL = (
    f"create table if not exists {REGISTERED} (tenant_id text not null, target text not null, "
    "channel text not null, start_date date not null, end_date date not null, "
    "lift double precision not null, standard_error double precision not null, "
    "request_id bigint not null, requested_by text, registered_at timestamp not null, "
    "withdrawn_by bigint, withdrawn_at timestamp, "
    "primary key (tenant_id, target, channel, start_date, end_date))"
)
# A table made before withdrawals existed gets their columns (both warehouses take this).
_WITHDRAWAL_COLUMNS = tuple(
    f"alter table {REGISTERED} add column if not exists {column} {kind}"
    for column, kind in (("withdrawn_by", "bigint"), ("withdrawn_at", "timestamp"))
)
#: The paid channels the tenant's budget model fits (``ml_assets.mmm.tenant.tenant_table``
#: keeps the channel groups with spend).
_CHANNELS_SQL = """
    select channel_group from marts.mart_channel_spend_daily
    where tenant_id = %(tenant_id)s group by 1 having sum(spend_amount) > 0 order by 1"""
_TARGET_WORDS = {"revenue": "ingresos", "new_customers": "clientes nuevos"}


class ExperimentRefused(ValueError):
    """The experiment cannot be registered; the message is the Spanish line."""


_FIRST_DAY_SQL = """
    select min(spend_date) as first_day from marts.mart_channel_spend_daily
    where tenant_id = %(tenant_id)s"""


def mmm_channels(warehouse: Warehouse, tenant_id: str) -> list[str]:
    """The tenant's paid channels, as its budget model names them."""
    if not warehouse.table_exists("marts", "mart_channel_spend_daily"):
        return []
    rows = warehouse.query(_CHANNELS_SQL, {"tenant_id": tenant_id})
    return [str(value) for value in rows["channel_group"]]


def first_day(warehouse: Warehouse, tenant_id: str) -> dt.date | None:
    """The first day of the budget model's data (its first day with ad spend)."""
    if not warehouse.table_exists("marts", "mart_channel_spend_daily"):
        return None
    value = warehouse.query(_FIRST_DAY_SQL, {"tenant_id": tenant_id})["first_day"].iloc[0]
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def local_today(tenant: Tenant, now: dt.datetime) -> dt.date:
    """The tenant's calendar day at ``now`` (naive UTC)."""
    return now.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(tenant.timezone)).date()


def checked(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now: dt.datetime) -> dict:
    """The request's experiment under the experiments file's rules; refused in Spanish."""
    channels = mmm_channels(warehouse, tenant.tenant_id)
    today, since = local_today(tenant, now), first_day(warehouse, tenant.tenant_id)
    try:
        return check_lift_test(
            row["channel"], row["start_date"], row["end_date"], row["lift"],
            row["standard_error"], row["target"], channels=channels, today=today, since=since,
        )  # fmt: skip
    except LiftTestError as error:
        raise ExperimentRefused(_spanish(error.rule, row, channels, today, since)) from None


def _spanish(
    rule: str, row: pd.Series, channels: list[str], today: dt.date, since: dt.date | None
) -> str:
    channel = str(row["channel"] or "").strip()
    if rule == "unknown_channel" and not channels:
        return (
            "Este cliente aún no tiene canales pagados con gasto: no hay un modelo de "
            "presupuesto que el experimento pueda calibrar."
        )
    lines = {
        "unknown_channel": f"El canal «{channel}» no es uno de los canales pagados del modelo "
        f"de este cliente: {', '.join(channels)}.",
        "dates": "Las fechas del experimento no sirven: el fin debe ser una fecha igual o "
        "posterior al inicio.",
        "future": f"El experimento termina después de hoy ({format_date(today)}): registre su "
        "resultado cuando haya terminado.",
        "before_data": f"El experimento termina antes del primer día con gasto en publicidad "
        f"de este cliente ({format_date(since)}): el modelo no tiene días que calibrar con él.",
        "numbers": "El efecto medido debe ser un número y el error estándar mayor que 0.",
        "target": "El objetivo debe ser «revenue» (ingresos) o «new_customers» (clientes nuevos).",
        "channel": "Falta el canal del experimento.",
    }
    return lines[rule]


def registered_by(warehouse: Warehouse, tenant_id: str, test: dict) -> int | None:
    """The request that registered the same test (channel, days, target), if any."""
    if not warehouse.table_exists(SCHEMA, TABLE):
        return None
    rows = warehouse.query(
        f"select request_id from {REGISTERED} where tenant_id = %(tenant_id)s "
        "and target = %(target)s and channel = %(channel)s and start_date = %(start)s "
        "and end_date = %(end)s and withdrawn_by is null",
        {"tenant_id": tenant_id, "target": test["target"], "channel": test["channel"],
         "start": dt.date.fromisoformat(test["start"]),
         "end": dt.date.fromisoformat(test["end"])},
    )  # fmt: skip
    return None if rows.empty else int(rows["request_id"].iloc[0])


def record_writes(request_id: int, tenant_id: str, test: dict, requested_by: str,
                  now: dt.datetime) -> list[tuple[str, dict | None]]:  # fmt: skip
    """The statements that keep the test, for the request's finishing transaction."""
    # A withdrawn test registered again comes back as this request's; a live one (this
    # request run again after a lost process) is left as it is.
    return [
        (_DDL, None),
        *((statement, None) for statement in _WITHDRAWAL_COLUMNS),
        (f"insert into {REGISTERED} (tenant_id, target, channel, start_date, end_date, lift, "
         "standard_error, request_id, requested_by, registered_at) values (%(tenant_id)s, "
         "%(target)s, %(channel)s, %(start)s, %(end)s, %(lift)s, %(standard_error)s, "
         "%(request_id)s, %(requested_by)s, %(now)s) on conflict (tenant_id, target, channel, "
         "start_date, end_date) do update set lift = excluded.lift, standard_error = "
         "excluded.standard_error, request_id = excluded.request_id, requested_by = "
         "excluded.requested_by, registered_at = excluded.registered_at, withdrawn_by = null, "
         f"withdrawn_at = null where {TABLE}.withdrawn_by is not null",
         {"tenant_id": tenant_id, "target": test["target"], "channel": test["channel"],
          "start": dt.date.fromisoformat(test["start"]),
          "end": dt.date.fromisoformat(test["end"]), "lift": test["lift"],
          "standard_error": test["standard_error"], "request_id": request_id,
          "requested_by": requested_by, "now": now}),
    ]  # fmt: skip


def register(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now) -> tuple[str, list]:
    """Check the asked experiment and keep it, once: a test already registered by another
    request is refused; the same request run again writes nothing new."""
    test = checked(warehouse, tenant, row, now())
    request_id = int(row["request_id"])
    earlier = registered_by(warehouse, tenant.tenant_id, test)
    where = (f"{test['channel']} del {format_date(dt.date.fromisoformat(test['start']))} al "
             f"{format_date(dt.date.fromisoformat(test['end']))}")  # fmt: skip
    if earlier is not None and earlier != request_id:
        raise ExperimentRefused(
            f"El experimento de {where} sobre {_TARGET_WORDS[test['target']]} ya está "
            f"registrado (solicitud {earlier})."
        )
    writes = record_writes(request_id, tenant.tenant_id, test, row["requested_by"], now())
    if test["target"] == "revenue":
        amount = lambda value: format_currency(value, tenant.currency)  # noqa: E731
    else:
        amount = lambda value: format_number(value, decimals=1)  # noqa: E731
    return (
        f"Experimento de {where} registrado: efecto {amount(test['lift'])} ± "
        f"{amount(test['standard_error'])} en {_TARGET_WORDS[test['target']]}; calibra el "
        "modelo de presupuesto desde su próximo ajuste.",
        writes,
    )


def withdraw(warehouse: Warehouse, tenant: Tenant, row: pd.Series, now) -> tuple[str, list]:
    """Take the test registered by request ``experiment_request_id`` out of calibration. The
    same request run again finds its own stamp and says the same; another request finds the
    test already withdrawn and is refused naming who withdrew it."""
    asked, request_id = int(row["experiment_request_id"]), int(row["request_id"])
    found = None
    if warehouse.table_exists(SCHEMA, TABLE):
        columns = warehouse.query(
            "select column_name from information_schema.columns "
            "where table_schema = %(schema)s and table_name = %(table)s",
            {"schema": SCHEMA, "table": TABLE},
        )["column_name"]
        withdrawn = "withdrawn_by" if "withdrawn_by" in set(columns) else "null as withdrawn_by"
        rows = warehouse.query(
            f"select channel, start_date, end_date, target, {withdrawn} from {REGISTERED} "
            "where tenant_id = %(tenant_id)s and request_id = %(asked)s",
            {"tenant_id": tenant.tenant_id, "asked": asked},
        )
        found = None if rows.empty else rows.iloc[0]
    if found is None:
        raise ExperimentRefused(
            f"La solicitud {asked} no registró ningún experimento de este cliente: escriba el "
            "número que aparece en Solicitudes junto al experimento registrado."
        )
    where = (f"{found['channel']} del {format_date(pd.Timestamp(found['start_date']).date())} "
             f"al {format_date(pd.Timestamp(found['end_date']).date())}")  # fmt: skip
    by = found["withdrawn_by"]
    if by is not None and not pd.isna(by) and int(by) != request_id:
        raise ExperimentRefused(f"El experimento de {where} ya fue retirado (solicitud {int(by)}).")
    writes = [
        *((statement, None) for statement in _WITHDRAWAL_COLUMNS),
        (f"update {REGISTERED} set withdrawn_by = %(request_id)s, withdrawn_at = %(now)s "
         "where tenant_id = %(tenant_id)s and request_id = %(asked)s and withdrawn_by is null",
         {"request_id": request_id, "now": now(), "tenant_id": tenant.tenant_id,
          "asked": asked}),
    ]  # fmt: skip
    return (
        f"Experimento de {where} sobre {_TARGET_WORDS[found['target']]} retirado: el modelo "
        "de presupuesto deja de calibrarse con él desde su próximo ajuste.",
        writes,
    )


def registered_experiments(warehouse: Warehouse, tenant_id: str) -> pd.DataFrame:
    """The tenant's registered tests as the experiments file reads (``lift_tests.COLUMNS``),
    oldest first."""
    if not warehouse.table_exists(SCHEMA, TABLE):
        return pd.DataFrame(columns=list(COLUMNS))
    rows = warehouse.query(
        f"select channel, start_date, end_date, lift, standard_error, target from {REGISTERED} "
        "where tenant_id = %(tenant_id)s and withdrawn_by is null order by request_id",
        {"tenant_id": tenant_id},
    )
    return pd.DataFrame({
        "channel": rows["channel"].astype(str),
        "start": [pd.Timestamp(v).date().isoformat() for v in rows["start_date"]],
        "end": [pd.Timestamp(v).date().isoformat() for v in rows["end_date"]],
        "lift": rows["lift"].astype(float),
        "standard_error": rows["standard_error"].astype(float),
        "target": rows["target"].astype(str),
    }, columns=list(COLUMNS))  # fmt: skip


def tenant_lift_tests(
    warehouse: Warehouse, tenant_id: str, experiments_file: Path | None
) -> pd.DataFrame | None:
    """What calibrates a tenant's budget model: its experiments file (``mmm: {experiments:
    ...}``, read with its rules) and the experiments registered from Metabase, each test once
    (the file's row where both hold the same test). None when there is none."""
    from_file = None if experiments_file is None else read_lift_tests(experiments_file)
    return merge_lift_tests(from_file, registered_experiments(warehouse, tenant_id))
