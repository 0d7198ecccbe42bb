"""A crafted activation experiment with a known effect, written as the tables the uplift mart
reads: the activation log (ops.activation_log), valid and invalid orders (marts.fct_orders),
customer values (marts.mart_customer_value) and the data's cut-off per tenant
(intermediate.int_tenant_data_cutoffs).

The truth, for every experiment below: a customer buys within 90 days of the activation day
with probability 0.30 when treated and 0.20 when held out. A buyer places 1 + Poisson(0.3)
orders, each on a day drawn uniformly from 1..90 after the activation day, of a Gamma(2,
10 000) net amount. Hence, with q = 1 - h / 90, the true effects over a horizon of h days are

    purchase rate:        0.10 * (1 - q * exp(0.3 * (q - 1)))
    revenue per customer: 0.10 * 1.3 * (h / 90) * 20 000
    predicted value:      0 (drawn before the activation, the same law on both sides).

Around it, what the mart must leave out: history before the activation, orders on the
activation day itself, invalid orders, orders after the data's cut-off, customers who were
refused, failed or had no consent, hold-outs logged again by a later run, another tenant's
customer with the same id, and a customer value cut after the activation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

P_TREATED, P_CONTROL = 0.30, 0.20
EXTRA_ORDERS = 0.3  # Poisson mean of orders beyond the first
MEAN_AMOUNT = 20_000.0  # Gamma(shape 2, scale 10 000)
WINDOW_DAYS = 90  # orders fall on days 1..90 after the activation day
HORIZONS = (30, 60, 90)
SEED = 24

TENANTS = {  # tenant -> timezone, currency, the data's cut-off (local day)
    "t_cl": ("America/Santiago", "CLP", dt.date(2027, 1, 15)),
    "t_pe": ("America/Lima", "PEN", dt.date(2026, 11, 30)),
}


def true_purchase_rate_diff(horizon: int) -> float:
    q = 1 - horizon / WINDOW_DAYS
    return (P_TREATED - P_CONTROL) * (1 - q * math.exp(EXTRA_ORDERS * (q - 1)))


def true_revenue_diff(horizon: int) -> float:
    return (P_TREATED - P_CONTROL) * (1 + EXTRA_ORDERS) * horizon / WINDOW_DAYS * MEAN_AMOUNT


@dataclass(frozen=True)
class Run:
    tenant_id: str
    destination: str
    segment: str
    run_id: str
    started_at: dt.datetime  # naive UTC
    customers: tuple[str, ...]  # new entrants: split into treated and control
    control_share: float = 0.10


#: The main experiment: 2 000 customers of t_cl synced to Klaviyo at 02:30 UTC on 3 October,
#: which is still 2 October in Santiago (UTC-3): the activation day is the 2nd.
MAIN = Run("t_cl", "klaviyo", "Frecuentes alejados", "r1", dt.datetime(2026, 10, 3, 2, 30),
           tuple(f"c{n:04d}" for n in range(2000)))  # fmt: skip
#: A week later the same list: 400 newcomers, the ten whose add failed in r1 (treated here),
#: and r1's hold-outs logged again (they stay r1's).
FOLLOW_UP = Run("t_cl", "klaviyo", "Frecuentes alejados", "r2", dt.datetime(2026, 10, 10, 15, 0),
                tuple(f"c{n:04d}" for n in range(3000, 3400)))  # fmt: skip
#: Another destination and segment, including 50 of r1's customers (a separate experiment);
#: its 60- and 90-day horizons end after t_cl's cut-off.
WHATSAPP = Run("t_cl", "whatsapp", "Campeones", "r3", dt.datetime(2026, 11, 20, 12, 0),
               tuple(f"c{n:04d}" for n in [*range(4000, 4250), *range(50)]))  # fmt: skip
#: t_pe sends to everyone (no control group): no interval. 23:00 in Lima on 4 October.
NO_CONTROL = Run("t_pe", "meta_audiences", "Frecuentes alejados", "p1",
                 dt.datetime(2026, 10, 5, 4, 0), tuple(f"c{n:04d}" for n in range(200)),
                 control_share=0.0)  # fmt: skip
RUNS = (MAIN, FOLLOW_UP, WHATSAPP, NO_CONTROL)
FAILED_IN_R1 = tuple(f"c{n:04d}" for n in range(2050, 2060))
REFUSED_IN_R1 = tuple(f"c{n:04d}" for n in range(2060, 2065))
NO_CONSENT_IN_R1 = tuple(f"c{n:04d}" for n in range(2000, 2050))


@dataclass
class Experiment:
    log: pd.DataFrame
    orders: pd.DataFrame
    customer_values: pd.DataFrame
    cutoffs: pd.DataFrame
    tenants: pd.DataFrame


def _local_day(moment: dt.datetime, timezone: str) -> dt.date:
    return pd.Timestamp(moment).tz_localize("UTC").tz_convert(timezone).date()


class _Writer:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.log: list[dict] = []
        self.orders: list[dict] = []

    def outcome(self, run: Run, customer: str, action: str, status: str, minute: int) -> None:
        self.log.append({
            "run_id": run.run_id, "tenant_id": run.tenant_id, "destination": run.destination,
            "segment": run.segment, "customer_id": customer,
            "identifier_sha256": hashlib.sha256(f"{customer}@example.cl".encode()).hexdigest(),
            "action": action, "status": status,
            "detail": None if status in ("sent", "held_out") else f"{status} by the vendor",
            # Klaviyo answers one import job per batch of 100; WhatsApp one message id each.
            "vendor_ref": (
                f"wamid.{run.run_id}.{minute}"
                if run.destination == "whatsapp"
                else f"{run.run_id}-{minute // 100}"
            ),
            "logged_at": run.started_at + dt.timedelta(seconds=minute),
            "run_started_at": run.started_at,
        })  # fmt: skip

    def order(self, tenant: str, customer: str | None, day: dt.date, amount: float, *,
              valid: bool = True) -> None:  # fmt: skip
        self.orders.append({
            "tenant_id": tenant, "order_id": f"o{len(self.orders):06d}", "customer_id": customer,
            "created_date": day, "net_amount": round(amount, 2), "is_valid": valid,
        })  # fmt: skip

    def behaviour(self, run: Run, customer: str, treated: bool) -> None:
        """The customer's orders after the activation (the truth above) and around it."""
        timezone, _, cutoff = TENANTS[run.tenant_id]
        day = _local_day(run.started_at, timezone)
        rng = self.rng
        if rng.random() < (P_TREATED if treated else P_CONTROL):
            for _ in range(1 + rng.poisson(EXTRA_ORDERS)):
                when = day + dt.timedelta(days=int(rng.integers(1, WINDOW_DAYS + 1)))
                if when <= cutoff:  # the data ends on the cut-off day
                    self.order(run.tenant_id, customer, when, rng.gamma(2.0, 10_000.0))
        if rng.random() < 0.05:  # on the activation day itself: not counted
            self.order(run.tenant_id, customer, day, rng.gamma(2.0, 10_000.0))
        if rng.random() < 0.05:  # cancelled or unpaid within the horizon: not counted
            self.order(run.tenant_id, customer, day + dt.timedelta(days=10), 5_000.0, valid=False)
        if rng.random() < 0.30:  # history: not counted
            self.order(run.tenant_id, customer, day - dt.timedelta(days=40), 15_000.0)


def _entrants(writer: _Writer, run: Run) -> dict[str, bool]:
    """Split the run's new entrants (a seeded draw of the control share) and log them."""
    treated = {c: bool(writer.rng.random() >= run.control_share) for c in run.customers}
    for minute, (customer, is_treated) in enumerate(treated.items()):
        if is_treated:
            action = "send" if run.destination == "whatsapp" else "add"
            writer.outcome(run, customer, action, "sent", minute)
        else:
            writer.outcome(run, customer, "hold_out", "held_out", minute)
    return treated


def craft(seed: int = SEED) -> Experiment:
    rng = np.random.default_rng(seed)
    writer = _Writer(rng)
    groups = {run.run_id: _entrants(writer, run) for run in RUNS}
    for minute, customer in enumerate(NO_CONSENT_IN_R1):
        writer.outcome(MAIN, customer, "skip", "no_consent", 5000 + minute)
    for minute, customer in enumerate(FAILED_IN_R1):
        writer.outcome(MAIN, customer, "add", "failed", 6000 + minute)
    for minute, customer in enumerate(REFUSED_IN_R1):
        writer.outcome(MAIN, customer, "add", "refused", 7000 + minute)
    # r2: the ten failed adds go through; r1's hold-outs are held out again; a few removals.
    for minute, customer in enumerate(FAILED_IN_R1):
        writer.outcome(FOLLOW_UP, customer, "add", "sent", 5000 + minute)
    groups["r2"].update(dict.fromkeys(FAILED_IN_R1, True))
    held_out_in_r1 = [c for c, treated in groups["r1"].items() if not treated]
    for minute, customer in enumerate(held_out_in_r1):
        writer.outcome(FOLLOW_UP, customer, "hold_out", "held_out", 6000 + minute)
    for minute, customer in enumerate(MAIN.customers[100:110]):
        writer.outcome(FOLLOW_UP, customer, "remove", "sent", 7000 + minute)
    runs, behaving = {run.run_id: run for run in RUNS}, set()
    for run_id, members in groups.items():
        for customer, treated in members.items():
            # r1's customers in r3 keep the behaviour r1 drew for them (r3's truth is untold).
            if (runs[run_id].tenant_id, customer) not in behaving:
                writer.behaviour(runs[run_id], customer, treated)
                behaving.add((runs[run_id].tenant_id, customer))
    # Customers outside every experiment, and an order without a customer.
    for customer in (*NO_CONSENT_IN_R1, *REFUSED_IN_R1):
        writer.order("t_cl", customer, dt.date(2026, 10, 20), 30_000.0)
    writer.order("t_cl", None, dt.date(2026, 10, 20), 30_000.0)
    return Experiment(
        log=_log_frame(writer.log),
        orders=_orders_frame(writer.orders),
        customer_values=_customer_values(rng),
        cutoffs=pd.DataFrame(
            [
                {
                    "tenant_id": t,
                    "data_cutoff_at": pd.Timestamp(cutoff) + pd.Timedelta(hours=20),
                    "data_cutoff_date": pd.Timestamp(cutoff),
                }
                for t, (_, _, cutoff) in TENANTS.items()
            ]
        ),
        tenants=pd.DataFrame(
            [
                {
                    "tenant_id": t,
                    "tenant_name": t,
                    "timezone": tz,
                    "currency": cur,
                    "country_code": t[-2:].upper(),
                }
                for t, (tz, cur, _) in TENANTS.items()
            ]
        ),
    )


def _customer_values(rng: np.random.Generator) -> pd.DataFrame:
    """t_cl: a value cut on 30 September for 90 % of the customers (before every activation);
    t_pe: cut on 31 October, after its activation, so none is used."""
    rows = []
    for n in range(4400):
        if rng.random() < 0.90:
            rows.append(("t_cl", f"c{n:04d}", dt.date(2026, 9, 30), rng.gamma(2.0, 40_000.0)))
    rows += [("t_pe", f"c{n:04d}", dt.date(2026, 10, 31), 900.0) for n in range(200)]
    frame = pd.DataFrame(rows, columns=["tenant_id", "customer_id", "cutoff_date",
                                        "predicted_clv_12m"])  # fmt: skip
    frame["cutoff_date"] = pd.to_datetime(frame["cutoff_date"]).astype("datetime64[us]")
    return frame


def _log_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("logged_at", "run_started_at"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame


def _orders_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["created_date"] = pd.to_datetime(frame["created_date"]).astype("datetime64[us]")
    return frame.astype({"customer_id": "string"})
