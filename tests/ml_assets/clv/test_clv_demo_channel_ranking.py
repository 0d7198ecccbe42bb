"""The demo's channels: mean predicted CLV per acquisition channel ranks the channels as the
generator's truth does.

Oracle: the demo generator's per-channel truth (`PROFILES[...].channels`, what it writes to
`data/demo/<tenant>/truth.json`) and its purchase simulator. Customers of every channel are
simulated together and the model is fitted once on all of them, as the platform does per
tenant. The truth's value per customer is what the simulation knows and the model cannot: 0
for a customer already gone at the cut-off, else the discounted purchases of the next 12
months at their own rate lambda while they stay (leaving at rate mu = lambda p:
lambda / mu (1 - exp(-mu t)) by t) times their own mean spend p / nu. Its channel mean is
the channel's expected value, the ranking the model should find.

3 000 signups per channel (about 14 000 buyers). The truth's channel means are themselves
sample means (about 6 % standard error each, from who happens to be alive and how fast each
buys); a pair of channels must come out in the truth's order when their true means are more
than SEPARABLE (3) standard errors of their difference apart. Measured on seeds 0-5 and the
seed below with the leave-any-time generator (issue 53): pairs swapped only within 2.5
standard errors (Directo/Email/SEO, whose true means are 3-17 % apart); the pooled model also
compresses the spread (TikTok Ads about 2x too high, Referido a third too low), for the
per-channel value of a new customer to fix (issue 52), not this ranking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.purchases import simulate_purchases

from ml_assets.clv.predict import CLV_MONTHS, predict_customer_value
from ml_assets.clv.settings import DAYS_PER_MONTH, ClvSettings
from ml_assets.clv.value import discounted_purchases_if_alive
from tests.ml_assets.clv.clv_simulation import START

SIGNUPS_PER_CHANNEL = 3_000
DAYS = 730
SEPARABLE = 3.0  # standard errors of the difference of two channels' true means


def _true_value(channel, traits: pd.DataFrame) -> np.ndarray:
    """Discounted 12-month value of each customer given their true traits and whether alive."""
    rate, leaving = traits["rate"].to_numpy(), (traits["rate"] * traits["dropout"]).to_numpy()

    def if_alive(t):
        return rate / leaving * -np.expm1(-leaving * t)

    purchases = discounted_purchases_if_alive(
        if_alive,
        months=CLV_MONTHS, monthly_discount_rate=ClvSettings().monthly_discount_rate,
        days_per_month=DAYS_PER_MONTH,
    )  # fmt: skip
    alive = traits["leaves_t"].to_numpy() >= DAYS
    return alive * purchases * channel.p / traits["spend_rate"].to_numpy()


@pytest.mark.parametrize(
    # The Peruvian profile is the same behaviour priced in PEN: slow run only.
    "profile",
    ["cl_services", pytest.param("pe_services", marks=pytest.mark.slow)],
)
def test_channel_mean_clv_ranks_channels_like_the_generator_truth(profile):
    channels = PROFILES[profile].channels
    rng = np.random.default_rng(2024)
    signups = pd.DataFrame(
        {
            "channel": np.repeat(np.arange(len(channels)), SIGNUPS_PER_CHANNEL),
            "signup_t": rng.uniform(0, DAYS, SIGNUPS_PER_CHANNEL * len(channels)),
        }
    )
    traits, purchases = simulate_purchases(rng, signups, channels, float(DAYS))
    transactions = pd.DataFrame(
        {
            "customer_id": purchases["customer"].astype(str),
            "transaction_date": START + pd.to_timedelta(np.floor(purchases["t"]), unit="D"),
            "amount": purchases["value"],
        }
    )
    result = predict_customer_value(
        transactions, cutoff=(START + pd.Timedelta(days=DAYS - 1)).date()
    )
    predictions = result.predictions
    channel_of = signups["channel"].to_numpy()[predictions["customer_id"].astype(int)]

    model_mean, truth_mean, truth_se = {}, {}, {}
    for index, channel in enumerate(channels):
        mine = predictions[channel_of == index]
        model_mean[channel.group] = mine["predicted_clv_12m"].mean()
        customers = mine["customer_id"].astype(int).to_numpy()
        value = _true_value(channel, traits.iloc[customers])
        truth_mean[channel.group] = value.mean()
        truth_se[channel.group] = value.std(ddof=1) / np.sqrt(len(value))
    table = pd.DataFrame({"model": model_mean, "truth": truth_mean, "se": truth_se})
    table = table.sort_values("truth")
    misordered = [
        (lower, higher)
        for lower in table.index
        for higher in table.index
        if table.loc[higher, "truth"] - table.loc[lower, "truth"]
        > SEPARABLE * np.hypot(table.loc[lower, "se"], table.loc[higher, "se"])
        and table.loc[lower, "model"] >= table.loc[higher, "model"]
    ]
    assert not misordered, table
    assert table.index[0] == "TikTok Ads" and table.index[-1] == "Referido"
