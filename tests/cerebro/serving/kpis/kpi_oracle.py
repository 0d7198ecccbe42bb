"""An independent pure-pandas implementation of every KPI of KPIS.md, from the raw landed
Shopify tables, the reference seeds (CSV) and the tenant timezones.

It never reads staging, intermediate or mart models, and it was written from KPIS.md and the
decisions below, not from the dbt models or the KPI functions' SQL:

- Valid order: paid (``paid_at`` = earliest ``processed_at`` of a SUCCESS SALE/CAPTURE
  transaction), ``cancelled_at`` null, not ``is_test``. Test orders (and the checkouts that
  became test orders) are excluded from everything. ``net_amount`` = total - refunds.
- A period is an inclusive range of local dates of the tenant timezone (zoneinfo).
- Each ``*_kpis`` function returns the same dict shape as its ``cerebro.serving.kpis`` counterpart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from tests.cerebro.serving.kpis.kpi_oracle_identity import resolve_identities
from tests.cerebro.serving.kpis.kpi_oracle_reference import (
    DIRECT,
    Reference,
    channel_group,
    customer_region,
    has_touchpoint,
    is_valid_rut,
    order_comuna,
    payment_method,
    to_local,
)

RAW_TABLES = ("customers", "orders", "order_lines", "transactions", "refunds", "fulfillments",
              "checkouts")  # fmt: skip
AMOUNT_COLUMNS = ("total_amount", "amount", "original_total_amount", "discount_amount")
TIMESTAMP_COLUMNS = ("created_at", "updated_at", "processed_at", "cancelled_at",
                     "completed_at", "delivered_at")  # fmt: skip
ABANDONMENT_WINDOW = dt.timedelta(hours=24)
COHORT_MONTHS = 12
PAID_KINDS = {"SALE", "CAPTURE"}


# Loading ------------------------------------------------------------------------------------


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop Singer metadata; amounts as floats; timestamps as naive UTC (whatever the
    warehouse returns: naive on DuckDB, maybe aware on PostgreSQL)."""
    frame = frame[[c for c in frame.columns if not c.startswith("_sdc_")]].copy()
    for column in frame.columns:
        if column in AMOUNT_COLUMNS:
            frame[column] = [None if pd.isna(v) else float(v) for v in frame[column]]
            frame[column] = frame[column].astype(float)
        elif column in TIMESTAMP_COLUMNS:
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
    return frame


def load_raw_tables(warehouse) -> dict[str, pd.DataFrame]:
    """Every raw Shopify table of a `cerebro.warehouse.Warehouse`, read once."""
    return {
        table: _clean(warehouse.query(f"select * from raw_shopify.{table}")) for table in RAW_TABLES
    }


@dataclass(frozen=True)
class Shop:
    """One tenant's data, with the derived columns every KPI needs."""

    tenant_id: str
    timezone: str
    # + created_date, is_onboarded, has_valid_rut, channel, region
    customers: pd.DataFrame = field(repr=False)
    # non-test orders; + paid_at, is_valid, net_amount, local dates and hour, comuna, ...
    orders: pd.DataFrame = field(repr=False)
    lines: pd.DataFrame = field(repr=False)  # lines of non-test orders
    checkouts: pd.DataFrame = field(repr=False)  # + created_date; test orders' ones removed
    cutoff: pd.Timestamp  # the data's cut-off: latest update of an order or a checkout
    # Identity resolution (decision 0037): customers, orders and checkouts above are keyed by
    # the person (orders keep source_customer_id); `records` are every raw customer record
    # (+ created_date) and `identity` maps each to its person (kpi_oracle_identity).
    records: pd.DataFrame = field(repr=False, default=None)
    identity: pd.DataFrame = field(repr=False, default=None)


def _local_dates(series: pd.Series, timezone: str) -> list:
    return [None if (local := to_local(ts, timezone)) is None else local.date() for ts in series]


def _paid(transactions: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Per order: paid_at and the payment method of the first successful SALE/CAPTURE."""
    success = transactions[
        transactions["kind"].str.upper().isin(PAID_KINDS)
        & (transactions["status"].str.upper() == "SUCCESS")
        & transactions["processed_at"].notna()
    ].sort_values(["order_id", "processed_at", "transaction_id"])
    first = success.drop_duplicates("order_id")
    return pd.DataFrame(
        {
            "order_id": first["order_id"],
            "paid_at": first["processed_at"],
            "payment_method": [payment_method(reference, g) for g in first["gateway"]],
        }
    )


def _completed(fulfillments: pd.DataFrame) -> pd.DataFrame:
    """Per order: completed_at = earliest coalesce(delivered_at, created_at) of a SUCCESS."""
    success = fulfillments[fulfillments["status"].str.upper() == "SUCCESS"]
    done = success["delivered_at"].fillna(success["created_at"])
    return (
        pd.DataFrame({"order_id": success["order_id"], "completed_at": done})
        .groupby("order_id", as_index=False)["completed_at"]
        .min()
    )


def _acquisition_channels(customers, orders, reference: Reference) -> list[str]:
    """First touch: the signup touchpoint if it has any value, else the landing touchpoint of
    the first order (any status), else Directo."""
    first_orders = (
        orders.sort_values(["customer_id", "created_at", "order_id"])
        .drop_duplicates("customer_id")
        .set_index("customer_id")
    )
    channels = []
    for row in customers.to_dict("records"):
        signup = (row["signup_utm_source"], row["signup_utm_medium"],
                  row["signup_referring_site"])  # fmt: skip
        if has_touchpoint(*signup):
            channels.append(channel_group(reference, *signup))
        elif row["customer_id"] in first_orders.index:
            first = first_orders.loc[row["customer_id"]]
            channels.append(
                channel_group(reference, first["landing_utm_source"],
                              first["landing_utm_medium"], first["referring_site"])
            )  # fmt: skip
        else:
            channels.append(DIRECT)
    return channels


def prepare_shop(raw: dict[str, pd.DataFrame], reference: Reference, tenant_id: str,
                 timezone: str) -> Shop:  # fmt: skip
    """Select one tenant's rows and derive paid_at, validity, local dates, labels."""
    mine = {name: frame[frame["tenant_id"] == tenant_id] for name, frame in raw.items()}
    every_order = mine["orders"]
    test_ids = set(every_order.loc[every_order["is_test"].fillna(False).astype(bool), "order_id"])
    orders = every_order[~every_order["order_id"].isin(test_ids)]
    refunds = mine["refunds"].groupby("order_id", as_index=False)["amount"].sum()
    orders = (
        orders.merge(_paid(mine["transactions"], reference), on="order_id", how="left")
        .merge(_completed(mine["fulfillments"]), on="order_id", how="left")
        .merge(refunds.rename(columns={"amount": "refunded"}), on="order_id", how="left")
    )
    orders["refunded"] = orders["refunded"].fillna(0.0)
    orders["net_amount"] = orders["total_amount"] - orders["refunded"]
    orders["is_cancelled"] = orders["cancelled_at"].notna()
    orders["is_valid"] = orders["paid_at"].notna() & ~orders["is_cancelled"]
    orders["created_date"] = _local_dates(orders["created_at"], timezone)
    orders["created_hour"] = [to_local(ts, timezone).hour for ts in orders["created_at"]]
    orders["completed_date"] = _local_dates(orders["completed_at"], timezone)
    orders["comuna"] = [
        order_comuna(reference, country, city)
        for country, city in zip(orders["shipping_country_code"], orders["shipping_city"],
                                 strict=True)
    ]  # fmt: skip
    records = mine["customers"].copy()
    records["created_date"] = _local_dates(records["created_at"], timezone)
    identity = resolve_identities(records)
    person_of = dict(zip(identity["customer_id"], identity["person_id"], strict=True))
    orders["source_customer_id"] = orders["customer_id"]
    orders["customer_id"] = [person_of.get(cid, cid) for cid in orders["customer_id"]]
    # A person is described by its earliest record (its own person_id).
    customers = records[records["customer_id"].isin(set(person_of.values()))].copy()
    customers["is_onboarded"] = (customers["state"] == "ENABLED") & (
        customers["verified_email"].fillna(False).astype(bool)
    )
    # A store that keeps no e-mail verification (WooCommerce) cannot tell who is onboarded.
    customers["onboarding_observed"] = customers["verified_email"].notna()
    customers["has_valid_rut"] = [is_valid_rut(rut) for rut in customers["rut"]]
    customers["channel"] = _acquisition_channels(customers, orders, reference)
    customers["region"] = [
        customer_region(reference, row["default_address_country_code"],
                        row["default_address_city"], row["default_address_province_code"])
        for row in customers.to_dict("records")
    ]  # fmt: skip
    checkouts = mine["checkouts"][~mine["checkouts"]["order_id"].isin(test_ids)].copy()
    checkouts["created_date"] = _local_dates(checkouts["created_at"], timezone)
    checkouts["customer_id"] = [person_of.get(cid, cid) for cid in checkouts["customer_id"]]
    cutoff = max(
        orders["updated_at"].fillna(orders["created_at"]).max(),
        checkouts["updated_at"].fillna(checkouts["created_at"]).max(),
    )
    lines = mine["order_lines"][mine["order_lines"]["order_id"].isin(orders["order_id"])]
    return Shop(tenant_id, timezone, customers, orders, lines, checkouts, cutoff, records, identity)


@dataclass(frozen=True)
class OracleDemo:
    """One warehouse, and the oracle's view of its raw tables: one `Shop` per tenant."""

    kind: str
    warehouse: object  # a cerebro.warehouse.Warehouse
    reference: Reference = field(repr=False)
    shops: dict[str, Shop] = field(repr=False)


def load_oracle_demo(warehouse, reference: Reference, timezones: dict[str, str]) -> OracleDemo:
    """Read the warehouse's raw tables once and prepare every tenant of ``timezones``."""
    raw = load_raw_tables(warehouse)
    shops = {
        tenant: prepare_shop(raw, reference, tenant, timezone)
        for tenant, timezone in timezones.items()
    }
    return OracleDemo(warehouse.kind, warehouse, reference, shops)


# Shared helpers ---------------------------------------------------------------------------


def _in_period(dates: pd.Series, date_from: dt.date, date_to: dt.date) -> pd.Series:
    return dates.map(lambda day: day is not None and date_from <= day <= date_to).astype(bool)


def _ratio(numerator, denominator) -> float | None:
    """KPIS.md: a rate whose denominator is 0 is None."""
    return None if denominator == 0 else float(numerator) / float(denominator)


def _distribution(labels: pd.Series, label: str, value: str, *, share: bool = True) -> list:
    """Counts per label, sorted by count desc then label, with each label's share."""
    counts = labels.value_counts()
    total = int(counts.sum())
    rows = sorted(((-int(n), name) for name, n in counts.items()))
    result = []
    for negative, name in rows:
        row = {label: name, value: -negative}
        if share:
            row["share"] = _ratio(-negative, total)
        result.append(row)
    return result


def valid_orders_created(shop: Shop, date_from: dt.date, date_to: dt.date) -> pd.DataFrame:
    """Valid orders whose local created date is in the period."""
    orders = shop.orders
    return orders[orders["is_valid"] & _in_period(orders["created_date"], date_from, date_to)]


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# Adquisición --------------------------------------------------------------------------------


def new_customers(shop: Shop, date_from: dt.date, date_to: dt.date) -> pd.DataFrame:
    """Customers whose signup (local date of created_at) falls in the period."""
    return shop.customers[_in_period(shop.customers["created_date"], date_from, date_to)]


def acquisition_kpis(shop: Shop, date_from: dt.date, date_to: dt.date) -> dict:
    """new_users, onboarding and RUT validation rates, new users by channel and region."""
    new = new_customers(shop, date_from, date_to)
    return {
        "new_users": len(new),
        "onboarding_rate": _ratio(
            int(new["is_onboarded"].sum()), int(new["onboarding_observed"].sum())
        ),
        "rut_validation_rate": _ratio(int(new["has_valid_rut"].sum()), len(new)),
        "channel_distribution": _distribution(new["channel"], "channel", "new_users"),
        "region_distribution": _distribution(new["region"], "region", "new_users"),
    }


# Engagement y Conversión --------------------------------------------------------------------


def cart_abandonment_rate(shop: Shop, date_from: dt.date, date_to: dt.date) -> float | None:
    """Checkouts created in the period and at least 24 h before the cut-off that never
    completed, over all of those checkouts."""
    checkouts = shop.checkouts
    eligible = checkouts[
        _in_period(checkouts["created_date"], date_from, date_to)
        & (checkouts["created_at"] <= shop.cutoff - ABANDONMENT_WINDOW)
    ]
    return _ratio(int(eligible["completed_at"].isna().sum()), len(eligible))


def conversion_by_service(shop: Shop, valid: pd.DataFrame) -> list[dict]:
    """Per product title: distinct orders containing it, units, revenue; orders desc."""
    lines = shop.lines[shop.lines["order_id"].isin(valid["order_id"])].copy()
    lines["revenue"] = lines["original_total_amount"] - lines["discount_amount"]
    services = lines.groupby("product_title").agg(
        orders=("order_id", "nunique"), units=("quantity", "sum"), revenue=("revenue", "sum")
    )
    rows = [
        {"service": name, "orders": int(row["orders"]), "units": int(row["units"]),
         "revenue": float(row["revenue"])}
        for name, row in services.iterrows()
    ]  # fmt: skip
    return sorted(rows, key=lambda row: (-row["orders"], row["service"]))


def engagement_kpis(shop: Shop, date_from: dt.date, date_to: dt.date) -> dict:
    """Cart abandonment, AOV, purchase frequency, conversion by service, payment methods."""
    valid = valid_orders_created(shop, date_from, date_to)
    buyers = valid["customer_id"].dropna().nunique()
    return {
        "cart_abandonment_rate": cart_abandonment_rate(shop, date_from, date_to),
        "aov": _ratio(valid["total_amount"].sum(), len(valid)),
        "purchase_frequency": _ratio(len(valid), buyers),
        "conversion_by_service": conversion_by_service(shop, valid),
        "payment_methods": _distribution(valid["payment_method"], "payment_method", "orders"),
    }


# Operaciones y Calidad ----------------------------------------------------------------------


def completed_orders(shop: Shop, date_from: dt.date, date_to: dt.date) -> pd.DataFrame:
    """Valid orders whose local completion date is in the period."""
    orders = shop.orders
    return orders[orders["is_valid"] & _in_period(orders["completed_date"], date_from, date_to)]


def operations_kpis(shop: Shop, date_from: dt.date, date_to: dt.date) -> dict:
    """Service cycle, cancellation rate, valid orders by comuna and hour, ratings."""
    completed = completed_orders(shop, date_from, date_to)
    cycle_hours = (completed["completed_at"] - completed["paid_at"]).dt.total_seconds() / 3600
    rated = completed[completed["rating"].notna()]
    ratings = rated["rating"].astype(int)
    ratings = ratings[(ratings >= 1) & (ratings <= 5)]
    created = shop.orders[_in_period(shop.orders["created_date"], date_from, date_to)]
    valid = valid_orders_created(shop, date_from, date_to)
    per_hour = valid["created_hour"].value_counts()
    return {
        "avg_service_cycle_hours": _ratio(cycle_hours.sum(), len(completed)),
        "cancellation_rate": _ratio(int(created["is_cancelled"].sum()), len(created)),
        "orders_by_comuna": _distribution(valid["comuna"], "comuna", "orders", share=False),
        "orders_by_hour": [{"hour": h, "orders": int(per_hour.get(h, 0))} for h in range(24)],
        "avg_rating": _ratio(int(ratings.sum()), len(ratings)),
        "ratings_count": len(ratings),
    }


# Retención y Lealtad ------------------------------------------------------------------------


def valid_history(shop: Shop, date_to: dt.date) -> pd.DataFrame:
    """Valid orders of identified customers created on or before date_to (local date)."""
    orders = shop.orders
    return orders[
        orders["is_valid"]
        & orders["customer_id"].notna()
        & orders["created_date"].map(lambda day: day <= date_to).astype(bool)
    ]


def monthly_active(shop: Shop, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Per calendar month intersecting the period: distinct customers with a valid order or a
    checkout on a local date inside both the month and the period."""
    valid = shop.orders[shop.orders["is_valid"]]
    activity = pd.concat(
        [valid[["customer_id", "created_date"]], shop.checkouts[["customer_id", "created_date"]]]
    ).dropna(subset=["customer_id"])
    activity = activity[_in_period(activity["created_date"], date_from, date_to)]
    months = activity["created_date"].map(_month)
    per_month = activity.assign(month=months).groupby("month")["customer_id"].nunique()
    return [
        {"month": _month_label(m), "active_customers": int(per_month.get(m, 0))}
        for m in range(_month(date_from), _month(date_to) + 1)
    ]


def cohort_retention(shop: Shop, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Cohorts (month of first valid order) starting in the period's months; for offsets
    0..11 reached by date_to, the share of the cohort with a valid order in month cohort+k."""
    history = valid_history(shop, date_to)
    months = history.assign(month=history["created_date"].map(_month))
    first = months.groupby("customer_id")["month"].min().rename("cohort")
    active = months[["customer_id", "month"]].drop_duplicates().join(first, on="customer_id")
    first_month, last_month = _month(date_from), _month(date_to)
    rows = []
    for cohort in sorted(set(first[(first >= first_month) & (first <= last_month)])):
        members = active[active["cohort"] == cohort]
        size = int(members["customer_id"].nunique())
        for offset in range(min(COHORT_MONTHS, last_month - cohort + 1)):
            kept = int((members["month"] == cohort + offset).sum())
            rows.append(
                {"cohort_month": _month_label(cohort), "month_offset": offset,
                 "cohort_customers": size, "retained_customers": kept,
                 "retention_rate": _ratio(kept, size)}
            )  # fmt: skip
    return rows


def retention_kpis(shop: Shop, date_from: dt.date, date_to: dt.date) -> dict:
    """Repurchase rate and historical LTV up to date_to, MAU, cohort retention."""
    history = valid_history(shop, date_to)
    per_customer = history.groupby("customer_id").agg(
        orders=("order_id", "count"), net_amount=("net_amount", "sum")
    )
    buyers = len(per_customer)
    return {
        "repurchase_rate": _ratio(int((per_customer["orders"] >= 2).sum()), buyers),
        "historical_ltv": _ratio(per_customer["net_amount"].sum(), buyers),
        "mau": monthly_active(shop, date_from, date_to),
        "cohort_retention": cohort_retention(shop, date_from, date_to),
    }


# Segmentación y Marketing -------------------------------------------------------------------


def ntile(ranks: int, buckets: int = 5) -> list[int]:
    """SQL ntile(buckets) for rows already in order: the first ``ranks % buckets`` buckets
    hold one row more than the others."""
    size, extra = divmod(ranks, buckets)
    scores = []
    for bucket in range(1, buckets + 1):
        scores += [bucket] * (size + (1 if bucket <= extra else 0))
    return scores


def _scores(frame: pd.DataFrame, column: str, *, descending: bool) -> pd.Series:
    ordered = frame.sort_values([column, "customer_id"], ascending=[not descending, True])
    return pd.Series(ntile(len(ordered)), index=ordered.index)


def rfm_customers(shop: Shop, reference: Reference, date_to: dt.date) -> pd.DataFrame:
    """One row per customer with a valid order by date_to: values, quintile scores, segment."""
    history = valid_history(shop, date_to)
    rfm = history.groupby("customer_id", as_index=False).agg(
        last_date=("created_date", "max"),
        frequency=("order_id", "count"),
        monetary=("net_amount", "sum"),
    )
    rfm["recency_days"] = [(date_to - day).days for day in rfm["last_date"]]
    rfm["r_score"] = _scores(rfm, "recency_days", descending=True)
    rfm["f_score"] = _scores(rfm, "frequency", descending=False)
    rfm["m_score"] = _scores(rfm, "monetary", descending=False)
    rfm["segment"] = [
        reference.rfm_segments[(r, f)] for r, f in zip(rfm["r_score"], rfm["f_score"], strict=True)
    ]
    contacts = shop.customers[["customer_id", "email", "phone"]]
    rfm = rfm.merge(contacts, on="customer_id", how="left")
    columns = ["customer_id", "email", "phone", "recency_days", "frequency", "monetary",
               "r_score", "f_score", "m_score", "segment"]  # fmt: skip
    return rfm[columns].sort_values("customer_id").reset_index(drop=True)


def rfm_segmentation(shop: Shop, reference: Reference, date_to: dt.date) -> dict:
    """Per-customer RFM table and the distribution of segments (customers, share, revenue)."""
    customers = rfm_customers(shop, reference, date_to)
    segments = customers.groupby("segment").agg(
        customers=("customer_id", "count"), revenue=("monetary", "sum")
    )
    distribution = [
        {"segment": name, "customers": int(row["customers"]),
         "share": _ratio(int(row["customers"]), len(customers)),
         "revenue": float(row["revenue"])}
        for name, row in segments.iterrows()
    ]  # fmt: skip
    distribution.sort(key=lambda row: (-row["customers"], row["segment"]))
    return {"segment_distribution": distribution, "customers": customers}
