"""The store's cost inputs, as the ``costs`` source's streams (decision 0036).

A home-services marketplace pays its technicians per job and buys the supplies of each service:
that is the cost of goods sold of an order line, per SKU. Payment gateways keep a share of each
payment plus a fixed fee; every order costs a technician's trip and the coordination behind it;
the tax (IVA in Chile, IGV in Peru) is included in prices. Amounts are in Chilean pesos and scaled
by the profile's ``price_unit`` like every other price of the simulation.

Costs change once mid-history, so the validity dates are exercised: technicians' pay rises 8 %
and Mercado Pago lowers its rate but adds a fixed fee, on the first day of the month after the
history's middle day.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .clock import Clock
from .profiles import TenantProfile

#: Cost per unit of each service, before tax, in CLP: the technician's pay plus supplies. A
#: service's variants cost from 85 % (the smallest job) to 115 % (the largest) of it.
SERVICE_UNIT_COSTS = {
    "LIM-HOG": 13_000, "LIM-PRO": 17_000, "GAS": 12_000, "ELE": 13_500, "JAR": 15_000,
    "MUD": 16_000, "PIN": 14_000, "ARM": 12_500, "ALF": 11_000, "PLA": 14_500, "CER": 10_500,
}  # fmt: skip
PAY_RISE = 0.08
#: Gateway -> (share of each payment, fixed fee per payment in CLP), as Chilean and Peruvian
#: acquirers price them; a bank transfer costs the store nothing.
GATEWAY_FEES = {
    "webpay_plus": (0.0295, 90), "mercado_pago": (0.0349, 0), "khipu": (0.0099, 170),
    "flow": (0.0329, 100), "bank_transfer": (0.0, 0), "niubiz": (0.0345, 100),
    "yape": (0.0295, 0), "pagoefectivo": (0.0350, 250),
}  # fmt: skip
#: Mercado Pago's new price from the change day.
MERCADO_PAGO_CHANGE = (0.0319, 150)
#: Costs of every valid order, in CLP.
ORDER_COSTS = {"Traslado del técnico": 2_500, "Coordinación y soporte": 900}
TAX_NAMES = {"CL": "IVA", "PE": "IGV"}


def change_day(clock: Clock) -> dt.date:
    """The first day of the month after the history's middle day."""
    middle = clock.start + dt.timedelta(days=clock.days // 2)
    return (middle.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def cost_streams(tenant_id: str, profile: TenantProfile, clock: Clock) -> dict[str, pd.DataFrame]:
    """``product_costs``, ``payment_fees``, ``order_costs`` and ``tax_rates``."""
    start, change = clock.start, change_day(clock)
    decimals = profile.currency_decimals

    def money(clp: float) -> float:
        return round(clp * profile.price_unit, decimals)

    def row(valid_from: dt.date, **values) -> dict:
        return {"tenant_id": tenant_id, "valid_from": valid_from, **values}

    unit_costs: dict[str, tuple[str, float]] = {}
    for service in profile.services:
        base = SERVICE_UNIT_COSTS[service.sku_prefix]
        steps = max(len(service.variants) - 1, 1)
        for k, variant in enumerate(service.variants):
            # Two variants may share a SKU (Depto 1D and Depto 2D): the first one's cost.
            unit_costs.setdefault(
                service.sku(variant),
                (f"{service.title} - {variant}", base * (0.85 + 0.30 * k / steps)),
            )
    products = [
        row(valid_from, sku=sku, product_title=title, unit_cost=money(cost * factor),
            currency=profile.currency, source_file=None)
        for sku, (title, cost) in unit_costs.items()
        for valid_from, factor in ((start, 1.0), (change, 1 + PAY_RISE))
    ]  # fmt: skip
    fees = []
    for gateway in profile.gateways:
        prices = [(start, GATEWAY_FEES[gateway])]
        if gateway == "mercado_pago":
            prices.append((change, MERCADO_PAGO_CHANGE))
        for valid_from, (rate, fixed) in prices:
            fees.append(
                row(valid_from, gateway=gateway, fee_rate=rate, fixed_fee=money(fixed),
                    currency=profile.currency, source_file=None)
            )  # fmt: skip
    order_costs = [
        row(start, cost_name=name, amount=money(amount), currency=profile.currency,
            source_file=None)
        for name, amount in ORDER_COSTS.items()
    ]  # fmt: skip
    taxes = [
        row(start, tax_name=TAX_NAMES.get(profile.country_code, "IVA"), rate=profile.tax_rate,
            source_file=None)
    ]  # fmt: skip
    return {
        "product_costs": pd.DataFrame(products),
        "payment_fees": pd.DataFrame(fees),
        "order_costs": pd.DataFrame(order_costs),
        "tax_rates": pd.DataFrame(taxes),
    }
