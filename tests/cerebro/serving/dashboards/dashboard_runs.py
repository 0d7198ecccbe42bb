"""Running dashboard specs against a warehouse the way a renderer does, and comparing a card
with the KPI function it declares. Shared by the demo tests of this folder."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from cerebro.serving import kpis
from cerebro.serving.dashboards.spec import Card, Dashboard, filter_values
from cerebro.warehouse import Warehouse

#: Relative tolerance between a card and its KPI function (the same warehouse and marts).
KPI_RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CardRun:
    """One card run with some filter values: what came back, or the error."""

    dashboard: Dashboard
    card: Card
    values: dict
    frame: pd.DataFrame | None
    error: str | None = None

    @property
    def where(self) -> str:
        chosen = {k: v for k, v in self.values.items() if v is not None and k != "tenant"}
        return f"{self.dashboard.key}.{self.card.key} ({self.values.get('tenant')}, {chosen})"

    def problem(self, *, needs_rows: bool = True) -> str | None:
        """Why the run does not meet the contract (declared columns, in order; rows), or None."""
        if self.error is not None:
            return f"{self.where}: {self.error}"
        if list(self.frame.columns) != list(self.card.columns):
            return f"{self.where}: columns {list(self.frame.columns)} != {list(self.card.columns)}"
        if needs_rows and self.frame.empty:
            return f"{self.where}: no rows"
        return None


def run_card(warehouse: Warehouse, dashboard: Dashboard, card: Card, values: dict) -> CardRun:
    """The card's rows for these filter values. A failing query is reported, not raised: on
    PostgreSQL it also ends the transaction, so the warehouse's reader is rolled back."""
    try:
        return CardRun(dashboard, card, values, card.run(warehouse, values))
    except Exception as error:  # any failure is a finding about this card, reported with it
        reader = getattr(warehouse, "_reader", None)
        if reader is not None and hasattr(reader, "rollback"):
            reader.rollback()
        return CardRun(dashboard, card, values, None, f"{type(error).__name__}: {error}")


def default_runs(warehouse: Warehouse, dashboard: Dashboard, tenant: str) -> Iterator[CardRun]:
    """Every card of the dashboard with the filters' defaults for the tenant."""
    values = filter_values(dashboard, warehouse, tenant)
    for card in dashboard.cards:
        yield run_card(warehouse, dashboard, card, values)


def filter_choices(warehouse: Warehouse, dashboard: Dashboard, tenant: str) -> dict[str, list]:
    """Each filter's choices (first column of its values_sql, bound like a card's SQL)."""
    choices = {}
    for item in dashboard.filters:
        if item.values_sql is None:
            continue
        probe = Card(
            key=f"values_of_{item.key}", title=item.label, display="table",
            sql=item.values_sql, columns={"value": "text"}, layout={},
        )  # fmt: skip
        frame = probe.run(warehouse, {"tenant": tenant})
        choices[item.key] = [v for v in frame.iloc[:, 0].tolist() if v is not None]
    return choices


def optional_filter_runs(
    warehouse: Warehouse, dashboard: Dashboard, tenant: str
) -> Iterator[tuple[str, Card, list[CardRun]]]:
    """For every card and every optional filter it uses: the runs with that filter set to each
    of its choices in turn, stopping at the first that returns rows."""
    defaults = filter_values(dashboard, warehouse, tenant)
    choices = filter_choices(warehouse, dashboard, tenant)
    optional = [f.key for f in dashboard.filters if not f.required and f.type != "tenant"]
    for card in dashboard.cards:
        for key in optional:
            if key not in card.parameters:
                continue
            runs = []
            for choice in choices.get(key, []):
                run = run_card(warehouse, dashboard, card, {**defaults, key: choice})
                runs.append(run)
                if run.frame is not None and not run.frame.empty:
                    break
            yield key, card, runs


# Card against KPI function ---------------------------------------------------------------------


def _comparable(value, fmt: str):
    """A cell as something to compare: months as 'YYYY-MM', dates as ISO, numbers as floats,
    NULL / NaN as None."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if fmt == "month":
        return str(value)[:7]
    if isinstance(value, dt.date | pd.Timestamp):
        return str(value)[:10]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    return value


def _close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=KPI_RELATIVE_TOLERANCE, abs_tol=1e-12)
    return a == b


def _sort_key(row: tuple) -> tuple:
    # Floats rounded for sorting only, so rows equal within the tolerance line up.
    return tuple((v is None, f"{v:.6g}" if isinstance(v, float) else str(v)) for v in row)


def rows_match(card_rows: list[tuple], function_rows: list[tuple]) -> bool:
    """The two lists hold the same rows (as multisets), numbers within the tolerance."""
    if len(card_rows) != len(function_rows):
        return False
    return all(
        all(_close(a, b) for a, b in zip(left, right, strict=True))
        for left, right in zip(
            sorted(card_rows, key=_sort_key), sorted(function_rows, key=_sort_key), strict=True
        )
    )


def kpi_value(card: Card, tenant: str, date_from, date_to, warehouse: Warehouse):
    """What the card's KPI function returns for its key, for that tenant and period."""
    function = getattr(kpis, card.kpi["function"])
    return function(tenant, date_from, date_to, warehouse=warehouse)[card.kpi["key"]]


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    days = (date_to - date_from).days + 1
    return date_from - dt.timedelta(days=days), date_from - dt.timedelta(days=1)


def kpi_mismatch(warehouse: Warehouse, run: CardRun) -> str | None:
    """Why the card's rows differ from its KPI function's value, or None when they agree.

    Scalars: the value (and with comparison: previous_period, each period's value). Lists:
    the same rows as multisets, on the columns the card and the function share (the first
    ``top`` rows of the function when the card shows a top N)."""
    card, values = run.card, run.values
    tenant, date_to = values["tenant"], values["date_to"]
    date_from = values.get("date_from") or date_to
    frame = run.frame
    if card.display == "scalar":
        periods = [(date_from, date_to)]
        if card.comparison == "previous_period":
            periods.insert(0, previous_period(date_from, date_to))
            starts = [_comparable(v, "date") for v in frame["period_start"]]
            if starts != [str(start) for start, _ in periods]:
                return f"{run.where}: periods start on {starts}, expected {periods}"
        column = card.y[0]
        for (start, end), value in zip(periods, frame[column], strict=True):
            expected = _comparable(kpi_value(card, tenant, start, end, warehouse), "number")
            if not _close(_comparable(value, card.columns[column]), expected):
                return f"{run.where}: {start}..{end} card {value!r} != function {expected!r}"
        return None
    expected = kpi_value(card, tenant, date_from, date_to, warehouse)
    records = expected.to_dict("records") if isinstance(expected, pd.DataFrame) else expected
    records = records[: card.kpi["top"]] if "top" in card.kpi else records
    shared = [c for c in card.columns if records and c in records[0]]
    if records and (not shared or (card.x and card.x not in shared)):
        return f"{run.where}: shares no label column with {card.kpi}"
    card_rows = [
        tuple(_comparable(row[c], card.columns[c]) for c in shared)
        for row in frame.to_dict("records")
    ]
    function_rows = [tuple(_comparable(r[c], card.columns[c]) for c in shared) for r in records]
    if not rows_match(card_rows, function_rows):
        return (
            f"{run.where}: rows differ on {shared}\n card: {sorted(card_rows, key=_sort_key)[:5]}"
            f"\n function: {sorted(function_rows, key=_sort_key)[:5]}"
        )
    return None
