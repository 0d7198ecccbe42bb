"""The demo's channels: mean predicted CLV per acquisition channel ranks the channels as the
generator's truth does.

Oracle: the demo generator's per-channel truth (`PROFILES[...].channels`, what it writes to
`data/demo/<tenant>/truth.json`) and its purchase simulator. Customers of every channel are
simulated together and the model is fitted once on all of them, as the platform does per
tenant. The truth's value per channel is computed analytically from the *true* channel
parameters on the same customers' histories (BG/NBD eq. 10 and P(alive), Gamma-Gamma eq. 5,
the same 12-month discounting), so it is the ranking the model should find.

3 000 signups per channel (about 14 000 buyers). Channels whose true values are within
NEAR_TIE (5 %) of each other may come out in either order: the pooled model shrinks every
channel toward the tenant's mean, so a 2 % gap is below what it resolves. Measured with the
profile's current rates (most customers book once or twice a year): the exact ranking for
seeds 0, 2, 4, 5 and the seed below; seeds 1 and 3 swap Email and SEO / Orgánico (4 % and 1 %
apart in truth). Decision note 0005 records the swaps seen with the earlier profile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.purchases import simulate_purchases

from ml_assets.clv import bgnbd_math, gamma_gamma_math
from ml_assets.clv.predict import CLV_MONTHS, predict_customer_value
from ml_assets.clv.settings import DAYS_PER_MONTH, ClvSettings
from ml_assets.clv.value import discounted_purchases_if_alive
from tests.ml_assets.clv.clv_simulation import START

SIGNUPS_PER_CHANNEL = 3_000
DAYS = 730
NEAR_TIE = 0.05


def _true_value(channel, histories: pd.DataFrame) -> np.ndarray:
    """Expected discounted 12-month value of each customer under the channel's true params."""
    # eq. 10 divides by a - 1: Meta's a = 1 is a removable singularity, approached closely.
    a = channel.a if channel.a != 1 else 1 + 1e-7
    x, t_x, T, m = (
        histories[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")
    )
    alive = bgnbd_math.probability_alive(channel.r, channel.alpha, a, channel.b, x, t_x, T)

    def if_alive(t):
        return bgnbd_math.expected_purchases_if_alive(
            t, channel.r, channel.alpha, a, channel.b, x, T
        )

    purchases = discounted_purchases_if_alive(
        if_alive,
        months=CLV_MONTHS, monthly_discount_rate=ClvSettings().monthly_discount_rate,
        days_per_month=DAYS_PER_MONTH,
    )  # fmt: skip
    spend = gamma_gamma_math.conditional_expected_spend(channel.p, channel.q, channel.v, x, m)
    return alive * purchases * spend


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
    _, purchases = simulate_purchases(rng, signups, channels, float(DAYS))
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

    model_mean, truth_mean = {}, {}
    for index, channel in enumerate(channels):
        mine = predictions[channel_of == index]
        model_mean[channel.group] = mine["predicted_clv_12m"].mean()
        truth_mean[channel.group] = _true_value(channel, mine).mean()
    table = pd.DataFrame({"model": model_mean, "truth": truth_mean}).sort_values("truth")
    misordered = [
        (lower, higher)
        for lower in table.index
        for higher in table.index
        if table.loc[lower, "truth"] < (1 - NEAR_TIE) * table.loc[higher, "truth"]
        and table.loc[lower, "model"] >= table.loc[higher, "model"]
    ]
    assert not misordered, table
    assert table.index[0] == "TikTok Ads" and table.index[-1] == "Referido"
    assert list(table.sort_values("model").index) == list(table.index)  # exact for this seed
