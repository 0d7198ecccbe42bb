"""What every KPI function does first: check the period, the warehouse and the tenant."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse, WarehouseNotBuiltError


class UnknownTenantError(LookupError):
    """The tenant is not in the warehouse."""


class InvalidPeriodError(ValueError):
    """The period is not a valid inclusive range of dates."""


@dataclass(frozen=True)
class KpiRequest:
    """A validated request: tenant, inclusive local-date period, and where to read."""

    tenant_id: str
    date_from: dt.date | None
    date_to: dt.date | None
    warehouse: Warehouse

    @property
    def params(self) -> dict:
        return {"tenant_id": self.tenant_id, "date_from": self.date_from, "date_to": self.date_to}

    def query(self, sql: str, **extra) -> pd.DataFrame:
        return self.warehouse.query(sql, {**self.params, **extra})


def _as_date(value, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidPeriodError(f"{name} must be a date (YYYY-MM-DD), got {value!r}") from error


@contextlib.contextmanager
def kpi_request(
    tenant_id: str, date_from, date_to, warehouse: Warehouse | None
) -> Iterator[KpiRequest]:
    """Validate the arguments every KPI function shares, with errors that say what to do,
    and keep one warehouse connection open for the page's queries."""
    warehouse = warehouse or Warehouse(load_settings())
    with warehouse.reading():  # a DuckDB file that does not exist raises WarehouseNotBuiltError
        yield _validated(tenant_id, date_from, date_to, warehouse)


@contextlib.contextmanager
def tenant_request(tenant_id: str, warehouse: Warehouse | None) -> Iterator[KpiRequest]:
    """``kpi_request`` for a read that has no period (one customer's whole history)."""
    warehouse = warehouse or Warehouse(load_settings())
    with warehouse.reading():
        _check_tenant(tenant_id, warehouse)
        yield KpiRequest(tenant_id, None, None, warehouse)


def _validated(tenant_id: str, date_from, date_to, warehouse: Warehouse) -> KpiRequest:
    start, end = _as_date(date_from, "date_from"), _as_date(date_to, "date_to")
    if start > end:
        raise InvalidPeriodError(f"date_from {start} is after date_to {end}; swap them")
    _check_tenant(tenant_id, warehouse)
    return KpiRequest(tenant_id, start, end, warehouse)


def _check_tenant(tenant_id: str, warehouse: Warehouse) -> None:
    if not warehouse.table_exists("marts", "dim_tenants"):
        raise WarehouseNotBuiltError(
            f"the KPI marts are not built in {warehouse.location}: "
            "run `make demo` (or `cerebro run`) first"
        )
    known = warehouse.query("select tenant_id from marts.dim_tenants order by 1")["tenant_id"]
    if tenant_id not in set(known):
        raise UnknownTenantError(
            f"unknown tenant {tenant_id!r}; the warehouse has: {', '.join(known)}"
        )


def number(value) -> float | None:
    """A SQL number as a float; NULL (a rate with a zero denominator) as None."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return float(value)


def count(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def ratio(numerator, denominator) -> float | None:
    """numerator / denominator, None when the denominator is 0 (doc block kpi_conventions)."""
    denominator = number(denominator) or 0.0
    return None if denominator == 0 else (number(numerator) or 0.0) / denominator


def month_label(value) -> str:
    """A month (a date, a timestamp or their ISO text) as 'YYYY-MM'."""
    return str(value)[:7]


def month_labels(date_from: dt.date, date_to: dt.date) -> list[str]:
    """'YYYY-MM' of every calendar month the period touches, in order."""
    labels, month = [], date_from.replace(day=1)
    while month <= date_to:
        labels.append(month_label(month))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return labels


def distribution(frame: pd.DataFrame, label: str, value: str, *, share: bool = True) -> list[dict]:
    """Rows as dicts sorted by value (desc) then label, with each row's share of the total."""
    frame = frame.sort_values([value, label], ascending=[False, True])
    total = frame[value].sum()
    rows = []
    for record in frame.to_dict("records"):
        row = {label: record[label], value: count(record[value])}
        if share:
            row["share"] = ratio(record[value], total)
        rows.append(row)
    return rows
