"""Contribution margin, net profit and CAC payback (doc blocks kpi_contribution_margin,
cost_validity, kpi_cac_payback), computed in pandas from the raw landed tables: the oracle's
Shop (kpi_oracle.py) for orders and lines, the raw transactions for the payments, the raw cost
inputs and the ad platforms' raw reports. Written from the doc blocks, not from the marts.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.cerebro.serving.kpis.kpi_oracle import PAID_KINDS, Shop, _clean, _in_period, _ratio
from tests.cerebro.serving.kpis.kpi_oracle_channels import _order_channels
from tests.cerebro.serving.kpis.kpi_oracle_reference import Reference

COST_TABLES = ("product_costs", "payment_fees", "order_costs", "tax_rates")
#: Raw spend tables: (schema.table, day column, spend expression, currency column or None when
#: the account bills in the store's currency, channel group).
SPEND_TABLES = (
    ("raw_meta_ads.ads_insights", "date_start", "spend", "account_currency", "Meta Ads"),
    ("raw_google_ads.campaign_performance", "date", "cost_micros / 1000000.0", None, "Google Ads"),
    ("raw_tiktok_ads.campaign_reports", "stat_date", "spend", None, "TikTok Ads"),
    ("raw_amazon_ads.sp_campaigns", "date", "cost", None, "Amazon Ads"),
)
#: How long a rate stays in force after its day (weekends, holidays), as decision 0061 says.
RATE_CARRIED_DAYS = 7
AMOUNTS = ("net_revenue", "cogs", "payment_fees", "order_costs", "contribution_margin",
           "ad_spend", "net_profit")  # fmt: skip


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.date


def load_margin_inputs(warehouse) -> dict[str, pd.DataFrame]:
    """The raw cost inputs, the raw transactions and the ad spend per tenant, day and channel."""
    inputs = {}
    for table in COST_TABLES:
        frame = _clean(warehouse.query(f"select * from raw_costs.{table}"))
        frame["valid_from"] = _dates(frame["valid_from"])
        for column in ("unit_cost", "fee_rate", "fixed_fee", "amount", "rate"):
            if column in frame:
                frame[column] = frame[column].astype(float)
        inputs[table] = frame
    inputs["transactions"] = _clean(warehouse.query("select * from raw_shopify.transactions"))
    spend = []
    for table, day, expression, currency, channel in SPEND_TABLES:
        schema, name = table.split(".")
        if warehouse.table_exists(schema, name):
            billed = f"{currency}" if currency else "null"
            rows = warehouse.query(
                f"select tenant_id, {day} as day, {expression} as spend, {billed} as currency "
                f"from {table}"
            )
            rows = rows.assign(day=_dates(rows["day"]), channel=channel)
            spend.append(_in_store_currency(warehouse, rows.astype({"spend": float})))
    inputs["spend"] = pd.concat(spend, ignore_index=True).astype({"spend": float})
    return inputs


def _in_store_currency(warehouse, rows: pd.DataFrame) -> pd.DataFrame:
    """Spend billed in another currency, times the latest raw rate (billed -> store currency)
    dated on or at most RATE_CARRIED_DAYS before its day."""
    stores = warehouse.query("select tenant_id, currency as store from cerebro_config.tenants")
    rows = rows.merge(stores, on="tenant_id", how="left")
    foreign = rows["currency"].notna() & (rows["currency"] != rows["store"])
    if not foreign.any():
        return rows.drop(columns=["currency", "store"])
    rates = warehouse.query(
        "select tenant_id, base_currency, quote_currency, rate_date, rate "
        "from raw_exchange_rates.daily_rates"
    ).assign(rate_date=lambda f: _dates(f["rate_date"]))
    for index, row in rows[foreign].iterrows():
        known = rates[
            (rates["tenant_id"] == row["tenant_id"]) & (rates["base_currency"] == row["currency"])
            & (rates["quote_currency"] == row["store"]) & (rates["rate_date"] <= row["day"])
            & (rates["rate_date"] >= row["day"] - dt.timedelta(days=RATE_CARRIED_DAYS))
        ]  # fmt: skip
        latest = known.sort_values("rate_date").iloc[-1]
        rows.loc[index, "spend"] = row["spend"] * float(latest["rate"])
    return rows.drop(columns=["currency", "store"])


def _valid_row(rows: pd.DataFrame, day: dt.date) -> dict | None:
    """The row valid on ``day``: the latest whose valid_from is not after it."""
    valid = rows[rows["valid_from"] <= day]
    return None if valid.empty else valid.sort_values("valid_from").iloc[-1].to_dict()


def order_margins(shop: Shop, inputs: dict, reference: Reference) -> pd.DataFrame:
    """One row per valid order: its margin's terms and whether every cost was found."""
    mine = {name: frame[frame["tenant_id"] == shop.tenant_id] for name, frame in inputs.items()}
    products = dict(tuple(mine["product_costs"].groupby("sku")))
    gateways = dict(tuple(mine["payment_fees"].groupby("gateway")))
    order_costs = dict(tuple(mine["order_costs"].groupby("cost_name")))
    payments = mine["transactions"][
        mine["transactions"]["kind"].str.upper().isin(PAID_KINDS)
        & (mine["transactions"]["status"].str.upper() == "SUCCESS")
    ]
    payments_of = dict(tuple(payments.groupby("order_id")))
    lines_of = dict(tuple(shop.lines.groupby("order_id")))
    orders = shop.orders.assign(channel=_order_channels(shop, reference))
    rows = []
    for order in orders[orders["is_valid"]].to_dict("records"):
        day, complete = order["created_date"], True
        tax = order["total_tax_amount"]
        tax = None if tax is None or pd.isna(tax) else float(tax)
        if tax is None or pd.isna(tax):
            rate = _valid_row(mine["tax_rates"], day)
            share = None if rate is None else rate["rate"] / (1 + rate["rate"])
            tax = None if share is None else order["total_amount"] * share
        complete &= tax is not None
        total, net = order["total_amount"], order["net_amount"]
        net_tax = (tax or 0.0) * net / total if total else 0.0
        cogs = 0.0
        for line in lines_of.get(order["order_id"], pd.DataFrame()).to_dict("records"):
            cost = products.get(line["sku"])
            cost = None if cost is None else _valid_row(cost, day)
            complete &= cost is not None
            cogs += 0.0 if cost is None else line["quantity"] * cost["unit_cost"]
        fees = 0.0
        for payment in payments_of.get(order["order_id"], pd.DataFrame()).to_dict("records"):
            fee = gateways.get(str(payment["gateway"]).strip().lower())
            fee = None if fee is None else _valid_row(fee, day)
            complete &= fee is not None
            if fee is not None:
                fees += fee["fee_rate"] * payment["amount"] + (fee["fixed_fee"] or 0.0)
        per_order = sum(
            row["amount"] for costs in order_costs.values()
            if (row := _valid_row(costs, day)) is not None
        )  # fmt: skip
        net_revenue = net - net_tax
        rows.append({
            "order_id": order["order_id"], "customer_id": order["customer_id"],
            "created_date": day, "channel": order["channel"], "is_fully_costed": complete,
            "net_revenue": net_revenue, "cogs": cogs, "payment_fees": fees,
            "order_costs": per_order,
            "contribution_margin": net_revenue - cogs - fees - per_order,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _figures(orders: pd.DataFrame, ad_spend: float) -> dict:
    sums = {name: float(orders[name].sum()) for name in AMOUNTS[:5]}
    sums["ad_spend"] = ad_spend
    sums["net_profit"] = sums["contribution_margin"] - ad_spend
    return {
        "valid_orders": len(orders),
        "uncosted_orders": int((~orders["is_fully_costed"].astype(bool)).sum()),
        **sums,
        "contribution_margin_rate": _ratio(sums["contribution_margin"], sums["net_revenue"]),
        "margin_per_order": _ratio(sums["contribution_margin"], len(orders)),
    }


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def cac_payback(shop: Shop, margins: pd.DataFrame, spend: pd.DataFrame, date_from: dt.date,
                date_to: dt.date) -> list[dict]:  # fmt: skip
    """The paid channels' cohorts of the months the period touches (kpi_cac_payback)."""
    cutoff = _month(shop.orders["created_date"].dropna().max())
    cutoff_day = pd.Timestamp(shop.cutoff).tz_localize("UTC").tz_convert(shop.timezone).date()
    customers = shop.customers.assign(cohort=[_month(d) for d in shop.customers["created_date"]])
    monthly = spend.assign(cohort=[_month(d) for d in spend["day"]])
    monthly = monthly.groupby(["channel", "cohort"], as_index=False)["spend"].sum()
    first_month = _month(date_from)
    rows = []
    for record in monthly.to_dict("records"):
        channel, cohort, paid = record["channel"], record["cohort"], record["spend"]
        if paid <= 0 or not first_month <= cohort <= date_to or cohort > cutoff_day:
            continue
        members = customers[(customers["channel"] == channel) & (customers["cohort"] == cohort)]
        theirs = margins[margins["customer_id"].isin(set(members["customer_id"]))]
        offsets = [_months_between(cohort, day) for day in theirs["created_date"]]
        by_offset = theirs.assign(offset=offsets).groupby("offset")["contribution_margin"].sum()
        reached = by_offset.sort_index().cumsum()
        reached = reached[reached >= paid]
        rows.append({
            "channel": channel, "cohort_month": cohort.isoformat()[:7],
            "new_customers": len(members), "acquisition_spend": paid,
            "cac": _ratio(paid, len(members)),
            "cohort_margin": float(theirs["contribution_margin"].sum()),
            "months_observed": _months_between(cohort, cutoff_day) + 1,
            "payback_months": None if reached.empty else int(reached.index[0]) + 1,
        })  # fmt: skip
    del cutoff
    return sorted(rows, key=lambda row: (row["channel"], row["cohort_month"]))


def margin_kpis(shop: Shop, inputs: dict, reference: Reference, date_from: dt.date,
                date_to: dt.date) -> dict:  # fmt: skip
    margins = order_margins(shop, inputs, reference)
    spend = inputs["spend"][inputs["spend"]["tenant_id"] == shop.tenant_id]
    in_period = margins[_in_period(margins["created_date"], date_from, date_to)]
    spent = spend[_in_period(spend["day"], date_from, date_to)]
    channels = set(in_period["channel"]) | set(spent["channel"])
    by_channel = [
        {"channel": channel,
         **_figures(in_period[in_period["channel"] == channel],
                    float(spent.loc[spent["channel"] == channel, "spend"].sum()))}
        for channel in channels
    ]  # fmt: skip
    by_channel.sort(key=lambda row: (-row["contribution_margin"], row["channel"]))
    return {
        **_figures(in_period, float(spent["spend"].sum())),
        "margin_by_channel": by_channel,
        "cac_payback": cac_payback(shop, margins, spend, date_from, date_to),
    }
