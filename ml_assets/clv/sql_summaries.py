"""The customer-value summaries (``summaries.py``) computed in the warehouse's SQL.

The platform's transactions are ``marts.mart_customer_orders_daily`` (one row per customer and
local day), which for a large tenant are tens of millions of rows. Summarised where they live,
only what the fits read reaches Python: the distinct (frequency, recency, T) histories with
the number of customers sharing each (whole days, so far fewer than customers), and the repeat
buyers' (repeat days, mean value) for Gamma-Gamma. The warehouse's engine (DuckDB,
PostgreSQL, or DuckDB over Spark's Parquet marts) does the scan, and scores every customer by
joining the scored histories back (``sql_scoring.py``).

The definitions are those of ``transactions.py`` (a test holds the two equal): frequency =
repeat days, recency = days from the first to the last purchase, T = days from the first
purchase to the cut-off, monetary_value = mean of the repeat days' amounts; Gamma-Gamma's
sample leaves out each customer's first day, the days above mean + k standard deviations
(sample standard deviation of every day up to the cut-off) and the customers whose mean is
not positive. Sums are exact (amounts as decimal(38, 9), the scale they land with), so the
result does not depend on the order a parallel scan meets the rows. The SQL is the same on
DuckDB and PostgreSQL; ``query(sql, params)`` runs it (``Warehouse.query``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from ml_assets.clv.summaries import CustomerSummaries, HoldoutSummary
from ml_assets.clv.transactions import CUSTOMER, OutlierRule, SpendSample, to_timestamp

Query = Callable[[str, dict], pd.DataFrame]
TRANSACTIONS = "marts.mart_customer_orders_daily"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

#: The tenant's days up to the end of the holdout (the cut-off when there is none).
_DAYS = """
with days as (
    select customer_id, created_date as day, cast({amount} as decimal(38, 9)) as amount
    from {transactions}
    where tenant_id = %(tenant_id)s and created_date <= %(until)s
),

customers as (
    select
        customer_id,
        min(day) as first_day,
        max(case when day <= %(cutoff)s then day end) as last_day,
        count(case when day <= %(cutoff)s then 1 end) as purchase_days,
        count(case when day > %(cutoff)s then 1 end) as holdout_purchase_days
    from days
    group by customer_id
    having min(day) <= %(cutoff)s
)
"""

#: Each customer's history (the models' frequency, recency and T) and repeat days' total.
_HISTORIES = """,

histories as (
    select
        customers.customer_id,
        customers.purchase_days - 1 as frequency,
        customers.last_day - customers.first_day as recency,
        cast(%(cutoff)s as date) - customers.first_day as customer_age,
        cast(sum(case when days.day > customers.first_day and days.day <= %(cutoff)s
                      then days.amount end) as double precision) as repeat_total
    from customers
    inner join days
        on days.customer_id = customers.customer_id
    group by
        customers.customer_id, customers.purchase_days, customers.first_day,
        customers.last_day
)
"""

#: The distinct histories with how many customers share each (and, for the backtest, each
#: number of purchase days after the cut-off): what the fits read, far fewer rows than
#: customers (frequency, recency and T are whole days).
_DISTINCT_HISTORIES = """
select
    purchase_days - 1 as frequency,
    last_day - first_day as recency,
    cast(%(cutoff)s as date) - first_day as customer_age,
    holdout_purchase_days,
    count(*) as customers,
    max(last_day) as last_day
from customers
group by 1, 2, 3, 4
order by 1, 2, 3, 4
"""

#: The tenant's mean day value and outlier threshold, then each repeat buyer's kept days.
_SPEND = """,

seen as (
    select days.*, customers.first_day
    from days
    inner join customers
        on days.customer_id = customers.customer_id
    where days.day <= %(cutoff)s
),

spread as (
    select
        cast(sum(amount) as double precision) / count(*) as mean_amount,
        count(*) as n
    from seen
),

deviation as (
    select
        sum(cast(power(cast(seen.amount as double precision) - spread.mean_amount, 2)
                 as decimal(38, 9))) as squares
    from seen
    cross join spread
),

limits as (
    select
        spread.mean_amount,
        case when spread.n >= 2 and %(std_multiple)s >= 0
            then spread.mean_amount + %(std_multiple)s
                * sqrt(cast(deviation.squares as double precision) / (spread.n - 1))
        end as threshold
    from spread
    cross join deviation
)

select
    seen.customer_id,
    count(case when seen.day > seen.first_day
               and (limits.threshold is null or seen.amount <= limits.threshold)
          then 1 end) as kept_days,
    cast(sum(case when seen.day > seen.first_day
                  and (limits.threshold is null or seen.amount <= limits.threshold)
             then seen.amount end) as double precision) as kept_total,
    count(case when seen.day > seen.first_day and seen.amount > limits.threshold
          then 1 end) as outlier_days,
    max(limits.threshold) as threshold
from seen
cross join limits
group by seen.customer_id
having count(case when seen.day > seen.first_day then 1 end) > 0
"""

#: The spend fallback: the tenant's mean day value up to the cut-off.
_MEAN_AMOUNT = """
select cast(sum(days.amount) as double precision) / count(*) as mean_amount
from days
inner join customers
    on days.customer_id = customers.customer_id
where days.day <= %(cutoff)s
"""


def summarize_in_warehouse(
    query: Query, tenant_id: str, *, amount_column: str, cutoff: dt.date, rule: OutlierRule
) -> CustomerSummaries:
    """The tenant's summaries up to ``cutoff``: its distinct histories (with the number of
    ``customers`` sharing each), the repeat buyers' spend sample and the mean day value."""
    params = _params(tenant_id, cutoff, cutoff)
    histories = _distinct(query(_sql(_DISTINCT_HISTORIES, amount_column), params))
    params["std_multiple"] = -1.0 if rule.std_multiple is None else float(rule.std_multiple)
    spend = query(_sql(_SPEND, amount_column), params).sort_values(CUSTOMER, kind="stable")
    mean = query(_sql(_MEAN_AMOUNT, amount_column), params)["mean_amount"].iloc[0]
    return CustomerSummaries(
        cutoff=to_timestamp(cutoff),
        histories=histories.drop(columns="holdout_purchases"),
        spend=_spend_sample(spend),
        mean_transaction_value=np.nan if mean is None or pd.isna(mean) else float(mean),
    )


def summarize_holdout_in_warehouse(
    query: Query, tenant_id: str, *, amount_column: str, cutoff: dt.date, holdout_days: int
) -> HoldoutSummary:
    """The backtest's summaries: the distinct histories up to ``cutoff - holdout_days`` and
    purchase days after it, up to ``cutoff``, each with the number of customers sharing it."""
    calibration_end = to_timestamp(cutoff) - pd.Timedelta(days=holdout_days)
    params = _params(tenant_id, calibration_end.date(), cutoff)
    histories = _distinct(query(_sql(_DISTINCT_HISTORIES, amount_column), params))
    purchases = histories.pop("holdout_purchases").to_numpy()
    return HoldoutSummary(calibration_end, holdout_days, histories, purchases)


def customer_histories_sql(amount_column: str) -> str:
    """A query whose CTE ``histories`` holds each customer's frequency, recency, T
    (``customer_age``) and repeat days' total up to ``%(cutoff)s``, for a statement to
    continue (``sql_scoring.py``); parameters ``tenant_id``, ``cutoff`` and ``until``."""
    return _sql(_HISTORIES, amount_column)


def last_transaction_day(query: Query, tenant_id: str) -> dt.date | None:
    """The tenant's last day with a transaction, or ``None`` without any."""
    sql = (
        f"select max(created_date) as last_day from {TRANSACTIONS} where tenant_id = %(tenant_id)s"
    )
    value = query(sql, {"tenant_id": tenant_id})["last_day"].iloc[0]
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _params(tenant_id: str, cutoff: dt.date, until: dt.date) -> dict:
    return {"tenant_id": tenant_id, "cutoff": _date(cutoff), "until": _date(until)}


def _date(value) -> dt.date:
    return pd.Timestamp(value).date()


def _sql(select: str, amount_column: str) -> str:
    if not _IDENTIFIER.match(amount_column):
        raise ValueError(f"amount column {amount_column!r} is not a plain column name")
    return (_DAYS + select).format(amount=amount_column, transactions=TRANSACTIONS)


def _distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """The distinct histories as the fits read them (``customers`` weighs each)."""
    return pd.DataFrame(
        {
            "frequency": frame["frequency"].to_numpy(dtype=int),
            "recency": frame["recency"].to_numpy(dtype=float),
            "T": frame["customer_age"].to_numpy(dtype=float),
            "customers": frame["customers"].to_numpy(dtype=int),
            "last_purchase_date": pd.to_datetime(frame["last_day"]).to_numpy("datetime64[ns]"),
            "holdout_purchases": frame["holdout_purchase_days"].to_numpy(dtype=int),
        }
    )


def _spend_sample(frame: pd.DataFrame) -> SpendSample:
    """Gamma-Gamma's sample from the per-customer kept days, as ``spend_sample`` builds it."""
    count = frame["kept_days"].to_numpy(dtype=float)
    total = frame["kept_total"].fillna(0.0).to_numpy(dtype=float)
    buyers = count > 0
    mean = np.divide(total, count, out=np.zeros(len(frame)), where=buyers)
    positive = buyers & (mean > 0)
    threshold = frame["threshold"].iloc[0] if len(frame) else None
    return SpendSample(
        frequency=count[positive],
        monetary_value=mean[positive],
        outlier_threshold=None if threshold is None or pd.isna(threshold) else float(threshold),
        outlier_transactions=int(frame["outlier_days"].sum()),
        non_positive_customers=int((buyers & ~positive).sum()),
    )
