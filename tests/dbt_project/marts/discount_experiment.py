"""A crafted rescue that randomised its coupon over the discount ladder (decision 0064), known
response per discount, written as the tables the activation models read.

The truth: 10 000 consented customers of t_cl, 30 % held out, the others drawn uniformly over
0, 5, 10, 15 and 20 % (0 %: no coupon, logged held out as the sync logs it). Without a coupon a
customer buys with probability 0.20 on a day drawn uniformly from 1..90 after the activation
day. Every customer draws a responsiveness u ~ U(0, 1) and responds to a coupon of d when
u < RESPONSE[d]; a responder with a coupon who would not have bought within its 14 days buys on
a day in 1..14. So over h days the coupon of d raises the purchase rate by
RESPONSE[d] (1 - 0.2 h / 90), and that over the baseline's non-buyers, the response the mart
reports, is RESPONSE[d] itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd

from tests.dbt_project.marts.uplift_experiment import TENANTS, Experiment, _log_frame, _orders_frame

#: Far from the rule's assumed Hill curve (0.06, 0.15, 0.21, 0.24) at 5 %: monotone, concave.
RESPONSE = {0.05: 0.14, 0.10: 0.20, 0.15: 0.22, 0.20: 0.23}
LADDER = (0.0, *RESPONSE)
P_BASE, WINDOW_DAYS, EXPIRY_DAYS = 0.20, 90, 14
CUSTOMERS, CONTROL_SHARE, SEED = 10_000, 0.30, 64
TENANT, DESTINATION, SEGMENT, RUN = "t_cl", "shopify_coupons", "Frecuentes alejados", "d1"
STARTED = dt.datetime(2026, 10, 3, 13, 0)  # 10:00 in Santiago: the activation day is the 3rd
DAY = dt.date(2026, 10, 3)


def true_uplift(discount: float, horizon: int) -> float:
    return RESPONSE[discount] * (1 - P_BASE * horizon / WINDOW_DAYS)


def craft(seed: int = SEED) -> tuple[Experiment, pd.DataFrame]:
    """The experiment's tables and its members (customer_id, discount: None when held out,
    first_day: the first purchase's day after the activation, NaN without one)."""
    rng = np.random.default_rng(seed)
    ids = [f"k{n:05d}" for n in range(CUSTOMERS)]
    held = rng.random(CUSTOMERS) < CONTROL_SHARE
    arm = np.asarray(LADDER)[rng.integers(0, len(LADDER), CUSTOMERS)]
    natural = np.where(rng.random(CUSTOMERS) < P_BASE,
                       rng.integers(1, WINDOW_DAYS + 1, CUSTOMERS), 0)  # fmt: skip
    u = rng.random(CUSTOMERS)
    coupon_day = rng.integers(1, EXPIRY_DAYS + 1, CUSTOMERS)
    log, orders, members = [], [], []
    last_day = DAY + dt.timedelta(days=EXPIRY_DAYS)
    for n, customer in enumerate(ids):
        discount = None if held[n] else float(arm[n])
        if discount:
            action, status, detail = "send", "sent", f"{round(discount * 100)}% hasta {last_day}"
        elif discount == 0.0:
            action, status, detail = "hold_out", "held_out", "discount arm 0%, no coupon"
        else:
            action, status, detail = "hold_out", "held_out", "control group, 30% held out"
        log.append({
            "run_id": RUN, "tenant_id": TENANT, "destination": DESTINATION, "segment": SEGMENT,
            "customer_id": customer,
            "identifier_sha256": hashlib.sha256(customer.encode()).hexdigest(),
            "action": action, "status": status, "detail": detail,
            "vendor_ref": f"VUELVE-{n:05d}" if discount else None,
            "logged_at": STARTED + dt.timedelta(seconds=n), "run_started_at": STARTED,
        })  # fmt: skip
        days = [int(natural[n])] if natural[n] else []
        rescued = discount and u[n] < RESPONSE[discount] and not (0 < natural[n] <= EXPIRY_DAYS)
        if rescued:
            days.append(int(coupon_day[n]))
        for day in days:
            orders.append({
                "tenant_id": TENANT, "order_id": f"o{len(orders):06d}", "customer_id": customer,
                "created_date": DAY + dt.timedelta(days=day), "net_amount": 20_000.0,
                "is_valid": True,
            })  # fmt: skip
        members.append({"customer_id": customer, "discount": discount,
                        "first_day": min(days) if days else np.nan})  # fmt: skip
    timezone, currency, cutoff = TENANTS[TENANT]
    experiment = Experiment(
        log=_log_frame(log),
        orders=_orders_frame(orders),
        customer_values=pd.DataFrame(
            {
                "tenant_id": [TENANT],
                "customer_id": [ids[0]],
                "cutoff_date": pd.to_datetime(["2026-09-30"]).astype("datetime64[us]"),
                "predicted_clv_12m": [50_000.0],
            }
        ),
        cutoffs=pd.DataFrame(
            [
                {
                    "tenant_id": TENANT,
                    "data_cutoff_at": pd.Timestamp(cutoff) + pd.Timedelta(hours=20),
                    "data_cutoff_date": pd.Timestamp(cutoff),
                }
            ]
        ),
        tenants=pd.DataFrame(
            [
                {
                    "tenant_id": TENANT,
                    "tenant_name": TENANT,
                    "timezone": timezone,
                    "currency": currency,
                    "country_code": "CL",
                }
            ]
        ),
    )
    return experiment, pd.DataFrame(members)
