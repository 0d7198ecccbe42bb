"""The exchange rates a demo store lands, and its ad spend billed in another currency.

A store whose ad account bills in US dollars lands a daily series of pesos per dollar, as
tap-cerebro-exchange-rates lands Banco Central de Chile's dólar observado: one rate per banking
day (no weekends, no public holidays), dated the day it is in force, two decimals. The series
is a geometric random walk around ``level``, drawn from its own random stream so that nothing
else of the simulation changes. The spend the simulation decides in the store's currency is
billed as that amount divided by the rate in force that day, rounded to cents; staging
converts it back at the same rate (decision 0061), so the store's figures, the truth and what
the models recover stay in its currency, off by less than a cent's worth a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .clock import Clock

#: Rates start this many days before the history, so that its first days (a weekend, a
#: holiday) have a rate in force too.
DAYS_BEFORE_HISTORY = 10
#: Decimals the series is published with (the dólar observado has two).
RATE_DECIMALS = 2
#: Decimals of the billed currency's amounts (cents).
BILLED_DECIMALS = 2


@dataclass(frozen=True)
class RateSeries:
    """A daily series of the store's currency per unit of ``base_currency``."""

    series_id: str
    base_currency: str
    level: float
    daily_volatility: float


@dataclass
class ExchangeRates:
    """The landed rates and, per history day, the rate in force."""

    rates: pd.DataFrame  # the raw contract's exchange_rates.daily_rates
    in_force: np.ndarray  # per day of the clock, the rate in force (quote per base)
    base_currency: str


def simulate_exchange_rates(
    rng: np.random.Generator,
    tenant_id: str,
    series: RateSeries,
    quote_currency: str,
    clock: Clock,
    holiday_days: set,
) -> ExchangeRates:
    """One rate per banking day from before the history to its end, and the rate in force on
    every day of the history (the last one dated on or before it)."""
    first = clock.start - dt.timedelta(days=DAYS_BEFORE_HISTORY)
    days = pd.date_range(first, clock.end, freq="D")
    banking = np.array([d.weekday() < 5 and d.date() not in holiday_days for d in days])
    steps = rng.normal(0.0, series.daily_volatility, int(banking.sum()))
    levels = np.round(series.level * np.exp(np.cumsum(steps)), RATE_DECIMALS)
    dated = days[banking]
    rates = pd.DataFrame(
        {
            "tenant_id": tenant_id,
            "base_currency": series.base_currency,
            "quote_currency": quote_currency,
            "rate_date": dated.date,
            "rate": levels,
            "series_id": series.series_id,
        }
    )
    in_force = pd.Series(levels, index=dated).reindex(days).ffill()
    return ExchangeRates(rates, in_force.loc[clock.dates].to_numpy(), series.base_currency)


def billed(amounts: np.ndarray, days: np.ndarray, rates: ExchangeRates) -> np.ndarray:
    """Amounts of the store's currency on the given clock days, as the other currency bills
    them: divided by the rate in force that day, in cents."""
    return np.round(np.asarray(amounts, dtype=float) / rates.in_force[days], BILLED_DECIMALS)
