"""What each channel's new customers spend in their first days: evidence for the revenue model.

Daily revenue is mostly repeat orders of customers acquired long ago, so on its own it says
little about a channel's short-term effect (on the demo the revenue intervals are three to
seven times as wide as the new-customer ones). Two better-measured facts give that effect:

- the new-customers model measures how many customers each channel's spend brought, and
- the shop's orders say how much a customer acquired by that channel (first touch) spends in
  its first days from the signup, the carry-over window of the model's adstock (dbt var
  ``mmm_first_days``; the mart ``mart_mmm_first_days_revenue`` sums them per channel).

Their product is what the channel's spend added to revenue over those days. It reaches the
revenue model as one soft observation per channel of its contribution over the training
window, the same way a lift test does (``posterior.py``), with a standard error from both
parts: the new-customer model's posterior spread, and ``ATTRIBUTION_ERROR`` for what first-touch
attribution gets wrong (customers credited to the wrong channel, first-days spend that differs
between the customers a channel brought incrementally and those it merely touched). It is data,
not an experiment: the channel is not shown as calibrated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Relative standard error allowed for first-touch attribution of customers to channels.
ATTRIBUTION_ERROR = 0.25
#: Fewer attributed customers than this and the revenue per customer is too noisy to use.
MIN_CUSTOMERS = 30
#: The observation's ``kind`` (lift tests from experiments have none: "experiment").
KIND = "new_customer_revenue"


def revenue_per_new_customer(rows: pd.DataFrame) -> dict[str, float]:
    """Channel -> mean first-days revenue of its attributed new customers (``rows``: channel,
    new_customers, first_days_revenue), for channels with at least ``MIN_CUSTOMERS``."""
    counts = pd.to_numeric(rows["new_customers"]).astype(float)
    revenue = pd.to_numeric(rows["first_days_revenue"]).astype(float)
    usable = counts >= MIN_CUSTOMERS
    return dict(
        zip(rows.loc[usable, "channel"], (revenue[usable] / counts[usable]).tolist(), strict=True)
    )


def new_customer_revenue_observations(
    new_customers_model, per_customer: dict[str, float], dates: pd.DatetimeIndex
) -> list[dict]:
    """One observation per channel with a revenue per customer: its new customers over
    ``dates`` (the revenue model's training days) times that revenue, as a lift test."""
    observations = []
    if len(dates) == 0:
        return observations
    contribution = new_customers_model.draws_["contribution"]  # (draws, channels), its window
    fitted = pd.date_range(new_customers_model.start_date_, new_customers_model.end_date_)
    for c, channel in enumerate(new_customers_model.channels_):
        value = per_customer.get(channel)
        if value is None or not value > 0:
            continue
        # The model's total covers its own window; the observation covers ``dates``.
        share = len(fitted.intersection(dates)) / len(fitted)
        customers = contribution[:, c] * share
        lift = float(customers.mean() * value)
        error = np.hypot(customers.std() * value, ATTRIBUTION_ERROR * lift)
        if lift > 0:
            observations.append(
                {"channel": channel, "start": dates[0].date().isoformat(),
                 "end": dates[-1].date().isoformat(), "lift": lift,
                 "standard_error": float(error), "kind": KIND}
            )  # fmt: skip
    return observations
