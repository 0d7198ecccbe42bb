"""Channel-dependent truth shows up in the orders: better channels bring better buyers.

Oracle: the profile's true parameters. The channel with the highest expected
purchase rate while alive, E[lambda] * (1 - E[p]) = r / alpha * b / (a + b),
must show more repeat valid orders per buyer than the channel with the lowest,
in the raw streams alone (channel read from the customer's recorded signup UTM
source). Repeat orders, not all orders: most customers book once or twice a
year, so the first order, which every buyer has, would dilute the difference.

Margin: for the CL profile that is Referido (0.0059 / day) against TikTok Ads
(0.0010 / day), a ratio of 6.1. With 6000 customers over 730 days, seeds 1-8
give ratios of 3.3 to 5.7 in repeat orders per buyer (4.5 for seed 1, the one
used); the test asks for 2. Without channel differences the ratio would be
about 1.
"""

from __future__ import annotations

import datetime as dt

import pytest
from tap_cerebro_demo.generator.dataset import generate
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.storage import DemoSettings

MARGIN = 2.0


def alive_purchase_rate(channel) -> float:
    return channel.r / channel.alpha * channel.b / (channel.a + channel.b)


@pytest.fixture(scope="module")
def moderate_tenant():
    settings = DemoSettings(
        tenant_id="channels",
        profile="cl_services",
        timezone="America/Santiago",
        customers=6000,
        seed=1,
        end_date=dt.date(2024, 12, 31),
        days=730,
    )
    return generate(settings)


def repeat_orders_per_buyer(streams, utm_sources) -> tuple[float, int]:
    customers = streams["customers"]
    orders = streams["orders"]
    valid = orders[
        ~orders["is_test"]
        & orders["cancelled_at"].isna()
        & (orders["financial_status"] != "PENDING")
    ]
    members = customers.loc[customers["signup_utm_source"].isin(utm_sources), "customer_id"]
    counts = valid[valid["customer_id"].isin(members)].groupby("customer_id").size()
    return counts.mean() - 1, len(counts)


def test_best_true_channel_has_more_repeat_orders_per_buyer_than_the_worst(moderate_tenant):
    channels = sorted(PROFILES["cl_services"].channels, key=alive_purchase_rate)
    worst, best = channels[0], channels[-1]
    assert (best.group, worst.group) == ("Referido", "TikTok Ads")
    sources = [set(c.touchpoint.utm_sources) for c in channels if c.touchpoint.utm_sources]
    assert all(a.isdisjoint(b) for i, a in enumerate(sources) for b in sources[i + 1 :])

    best_rate, best_buyers = repeat_orders_per_buyer(
        moderate_tenant.streams, best.touchpoint.utm_sources
    )
    worst_rate, worst_buyers = repeat_orders_per_buyer(
        moderate_tenant.streams, worst.touchpoint.utm_sources
    )
    assert min(best_buyers, worst_buyers) >= 50, "too few buyers to compare channels"
    assert best_rate > MARGIN * worst_rate, (best_rate, worst_rate)
