"""The tap's one stream: the raw contract's ``exchange_rates.daily_rates``."""

from __future__ import annotations

from tap_cerebro_exchange_rates.client import BcchSeriesStream


class DailyRatesStream(BcchSeriesStream):
    """One rate per configured series and banking day, on the day it is in force."""

    name = "daily_rates"


STREAM_TYPES = (DailyRatesStream,)
