"""tap-cerebro-csv: store exports from CSV files, validated, with a quarantine for bad rows.

Two uses, one tap:

- ``csv: {tap: csv, settings: {files: {ad_spend: [...]}}}``: ad spend exported
  by platforms without a tap (TikTok, LinkedIn, ...) lands in ``raw_csv.ad_spend``.
- ``shopify: {tap: csv, settings: {files: {customers: [...], orders: [...], ...}}}``:
  a store without Shopify API access lands its exports in ``raw_shopify``, in
  the Shopify streams' shapes, so every model downstream works unchanged.
"""

from __future__ import annotations

import functools
from pathlib import Path

from cerebro_tap_kit.clock import Clock, SystemClock
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_csv.quarantine import Quarantine
from tap_cerebro_csv.reader import FileConfigError
from tap_cerebro_csv.streams import STREAM_KINDS, CsvExportStream

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


class TapCerebroCsv(Tap):
    """CSV exports for one tenant and source."""

    name = "tap-cerebro-csv"
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        th.Property(
            "tenant_id", th.StringType, required=True,
            description="Tenant stamped on every record and part of every primary key.",
        ),
        th.Property(
            "files",
            th.ObjectType(*(th.Property(kind, th.ArrayType(FILE)) for kind in STREAM_KINDS)),
            required=True,
            description="Files per stream: ad_spend for the csv source; customers, orders, "
            "order_lines, transactions, refunds, fulfillments, checkouts for shopify.",
        ),
        th.Property(
            "quarantine_path", th.StringType, required=True,
            description="CSV file that receives every rejected row with its file, line and "
            "reason; rewritten on every run.",
        ),
        th.Property(
            "timezone", th.StringType, default="America/Santiago",
            description="Timezone of date-times written without an offset in the files.",
        ),
    ).to_dict()  # fmt: skip

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
