"""tap-cerebro-exchange-rates: daily exchange rates from Banco Central de Chile, for one tenant.

Each configured series (by default the dólar observado, CLP per USD, and the Unidad de Fomento,
CLP per CLF) lands in ``raw_exchange_rates.daily_rates`` as a rate of its currency pair on each
banking day, the day the rate is in force (decision 0061). Staging converts every amount that
is not in the tenant's currency with them.
"""

from __future__ import annotations

from cerebro_raw_contract.currencies import ISO_4217_CODES
from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import FatalAPIError

from tap_cerebro_exchange_rates.streams import STREAM_TYPES

#: Series read when the tenant names none: BDE codes and the pair each quotes.
DEFAULT_SERIES = (
    # Dólar observado: pesos per US dollar, computed from the previous banking day's trades and
    # in force on the day it is dated.
    {"series_id": "F073.TCO.PRE.Z.D", "base_currency": "USD", "quote_currency": "CLP"},
    # Unidad de Fomento: pesos per UF, every calendar day.
    {"series_id": "F073.UFF.PRE.Z.D", "base_currency": "CLF", "quote_currency": "CLP"},
)


class SeriesSettingError(FatalAPIError):
    """The ``series`` setting cannot be landed as the contract asks."""


class TapCerebroExchangeRates(ClearErrors, Tap):
    """Banco Central de Chile exchange-rate series for one tenant."""

    name = "tap-cerebro-exchange-rates"
    # Tests replace it with a fake clock: no real waiting, a fixed "today".
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "user", th.StringType, required=True, secret=True,
            description="User of Banco Central de Chile's statistics API (BDE), as registered "
            "at si3.bcentral.cl.",
        ),
        th.Property(
            "password", th.StringType, required=True, secret=True,
            description="Password of that user.",
        ),
        th.Property(
            "series",
            th.ArrayType(
                th.ObjectType(
                    th.Property("series_id", th.StringType, required=True,
                                description="BDE series code, e.g. F073.TCO.PRE.Z.D."),
                    th.Property("base_currency", th.StringType, required=True,
                                description="ISO 4217 code of the currency quoted, e.g. USD."),
                    th.Property("quote_currency", th.StringType, required=True,
                                description="ISO 4217 code the rate is expressed in, e.g. CLP."),
                )
            ),
            default=list(DEFAULT_SERIES),
            description="Daily series to read, each one rate of a currency pair (units of "
            "quote_currency per unit of base_currency); by default the dólar observado "
            "(F073.TCO.PRE.Z.D, USD in CLP) and the UF (F073.UFF.PRE.Z.D, CLF in CLP).",
        ),
        th.Property(
            "start_date", th.DateType, required=True,
            description="First day to read when there is no bookmark: the day of the oldest "
            "amount to convert, or earlier.",
        ),
        th.Property(
            "end_date", th.DateType,
            description="Last day to read; default today in Santiago.",
        ),
        th.Property(
            "lookback_days", th.IntegerType, default=0,
            description="Days before the bookmark read again every run (rates are not "
            "revised; the last day read is always read again).",
        ),
        th.Property(
            "base_url", th.StringType, default="https://si3.bcentral.cl",
            description="API host; change it for a proxy or a test server.",
        ),
    ).to_dict()  # fmt: skip

    def discover_streams(self) -> list:
        """The daily rates, once the series setting is known to fit the contract."""
        check_series(self.config["series"])
        return [stream(tap=self) for stream in STREAM_TYPES]


def check_series(series: list[dict]) -> None:
    """One series per code and per currency pair (the contract keeps one rate per pair and
    day), each pair two different ISO 4217 codes."""
    seen_codes: set[str] = set()
    seen_pairs: dict[tuple[str, str], str] = {}
    for item in series:
        code, base, quote = item["series_id"], item["base_currency"], item["quote_currency"]
        for currency in (base, quote):
            if currency not in ISO_4217_CODES:
                raise SeriesSettingError(
                    f"series {code}: {currency!r} is not an ISO 4217 currency code "
                    "(upper case, e.g. USD, CLP, CLF)"
                )
        if base == quote:
            raise SeriesSettingError(f"series {code}: a rate of {base} in {base} converts nothing")
        if code in seen_codes:
            raise SeriesSettingError(f"series {code} is listed twice")
        pair = (base, quote)
        if pair in seen_pairs:
            raise SeriesSettingError(
                f"series {seen_pairs[pair]} and {code} both quote {base} in {quote}: keep one "
                "(a currency pair has one rate a day)"
            )
        seen_codes.add(code)
        seen_pairs[pair] = code


if __name__ == "__main__":
    TapCerebroExchangeRates.cli()
