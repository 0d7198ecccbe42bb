"""tap-cerebro-csv: store exports from CSV files, validated, with a quarantine for bad rows.

Two uses, one tap:

- ``csv: {tap: csv, settings: {files: {ad_spend: [...]}}}``: ad spend exported
  by platforms without a tap (TikTok, LinkedIn, ...) lands in ``raw_csv.ad_spend``.
- ``shopify: {tap: csv, settings: {files: {customers: [...], orders: [...], ...}}}``:
  a store without Shopify API access lands its exports in ``raw_shopify``, in
  the Shopify streams' shapes, so every model downstream works unchanged.
- ``costs: {tap: csv, settings: {files: {product_costs: [...], ...}}}``: the cost
  inputs of the contribution margin land in ``raw_costs`` (decision 0036).

Bad rows go to the quarantine file and the run goes on; a setting or a file
that makes every row untrustworthy stops the run with one clear log line and
exit code 2 (docs/decisions/0010-bad-input-catalogue.md lists every case).
"""

from __future__ import annotations

import datetime as dt
import functools
import typing as t
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.csv_errors import FileConfigError, TapConfigError
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_csv.quarantine import Quarantine
from tap_cerebro_csv.streams import STREAM_KINDS, CsvExportStream
from tap_cerebro_csv.validation import DateWindow

DEFAULT_EARLIEST_DATE = "2000-01-01"

FILE = th.ObjectType(
    th.Property("path", th.StringType, required=True, description="The CSV file."),
    th.Property(
        "columns", th.ObjectType(additional_properties=th.StringType),
        description="Contract column -> header in this file, e.g. {date: Fecha, spend: Costo}. "
        "Unmapped columns are looked up by their own name (any case).",
    ),
    th.Property(
        "values", th.ObjectType(additional_properties=th.StringType),
        description="Values for columns the file lacks or leaves empty, e.g. {platform: tiktok}.",
    ),
    th.Property("delimiter", th.StringType, description="',', ';', tab or 'auto' (default)."),
    th.Property(
        "decimal_separator", th.StringType,
        description="',' or '.'; 'auto' (default) is ',' for ';' files and '.' otherwise.",
    ),
    th.Property(
        "date_format", th.StringType,
        description="strptime format of dates, e.g. %d-%m-%Y; default ISO or day-first.",
    ),
    th.Property("encoding", th.StringType, description="Default utf-8-sig (drops a BOM)."),
)  # fmt: skip


class TapCerebroCsv(ClearErrors, Tap):
    """CSV exports for one tenant and source."""

    name = "tap-cerebro-csv"
    clock: Clock = SystemClock()
    # A setting or a file that cannot be used is one error line on the command line, exit 2.
    clear_errors = (TapConfigError,)

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "files",
            th.ObjectType(*(th.Property(kind, th.ArrayType(FILE)) for kind in STREAM_KINDS)),
            required=True,
            description="Files per stream: ad_spend for the csv source; customers, orders, "
            "order_lines, transactions, refunds, fulfillments, checkouts for shopify; "
            "product_costs, payment_fees, order_costs, tax_rates for costs.",
        ),
        th.Property(
            "quarantine_path", th.StringType, required=True,
            description="CSV file that receives every rejected row with its file, line and "
            "reason; rewritten on every run.",
        ),
        th.Property(
            "timezone", th.StringType, default="America/Santiago",
            description="The tenant's IANA timezone: date-times written without an offset "
            "in the files are read as its local time.",
        ),
        th.Property(
            "earliest_date", th.StringType, default=DEFAULT_EARLIEST_DATE,
            description="YYYY-MM-DD. Rows with an earlier date or date-time are quarantined "
            "(1970-01-01 and 1900-01-01 are placeholders, not history).",
        ),
    ).to_dict()  # fmt: skip

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        tenant_id = self.config.get("tenant_id") or ""
        if not tenant_id.strip() or tenant_id != tenant_id.strip():
            raise TapConfigError(
                f"tap-cerebro-csv config: tenant_id {tenant_id!r} is empty or has spaces around "
                "it; every record is stamped with it, so it must be the tenant's id"
            )
        _ = self.timezone, self.earliest_date  # settings errors surface now, not mid-run

    @functools.cached_property
    def timezone(self) -> ZoneInfo:
        """The tenant's timezone, for date-times without an offset."""
        name = self.config.get("timezone") or "America/Santiago"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise TapConfigError(
                f"tap-cerebro-csv config: timezone {name!r} is not an IANA timezone "
                "(e.g. America/Santiago)"
            ) from None

    @functools.cached_property
    def earliest_date(self) -> dt.date:
        """The earliest date a row may carry."""
        text = self.config.get("earliest_date") or DEFAULT_EARLIEST_DATE
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise TapConfigError(
                f"tap-cerebro-csv config: earliest_date {text!r} is not a YYYY-MM-DD date"
            ) from None

    @property
    def date_window(self) -> DateWindow:
        """Dates a row may carry: from earliest_date to a day after now (read per file)."""
        return DateWindow.around(self.clock.now(), self.earliest_date)

    @functools.cached_property
    def quarantine(self) -> Quarantine:
        """The run's quarantine file, created (emptied) when the first stream starts."""
        return Quarantine(Path(self.config["quarantine_path"]))

    def discover_streams(self) -> list[CsvExportStream]:
        """One stream per kind that has files configured."""
        files = self.config.get("files") or {}
        unknown = set(files) - set(STREAM_KINDS)
        if unknown:
            raise FileConfigError(
                f"tap-cerebro-csv config: unknown stream kinds {sorted(unknown)} in files; "
                f"use {sorted(STREAM_KINDS)}"
            )
        return [CsvExportStream(self, kind) for kind in STREAM_KINDS if files.get(kind)]


if __name__ == "__main__":
    TapCerebroCsv.cli()
