"""tap-cerebro-demo: a simulated services marketplace, emitted as the real sources' streams.

One invocation emits one source (``shopify``, ``meta_ads``, ...) for one
tenant, exactly as the real taps run, so the demo lands through the same
Singer path, into the same raw tables, with the same state handling.
"""

from __future__ import annotations

import functools
from pathlib import Path

from cerebro_raw_contract import SOURCES, STORE_SOURCE
from cerebro_raw_contract.demo_profiles import DEMO_STORE_PLATFORMS
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.storage import DemoSettings, generated_streams, load_or_generate
from tap_cerebro_demo.streams import DemoStream
from tap_cerebro_demo.woocommerce_store import WOOCOMMERCE_STREAMS, woocommerce_records


class TapCerebroDemo(Tap):
    name = "tap-cerebro-demo"

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "source",
            th.StringType,
            required=True,
            allowed_values=sorted(SOURCES),
            description="Which real source this run imitates; its streams are emitted.",
        ),
        th.Property(
            "profile",
            th.StringType,
            required=True,
            allowed_values=sorted(PROFILES),
            description="Demo business profile (country, currency, channels, truth).",
        ),
        th.Property(
            "timezone",
            th.StringType,
            required=True,
            description="The tenant's IANA timezone; customers live by its local clock.",
        ),
        th.Property(
            "customers",
            th.IntegerType,
            default=9500,
            description="Approximate number of customers acquired over the history.",
        ),
        th.Property(
            "seed",
            th.IntegerType,
            default=42,
            description="Random seed; the same settings always give the same data.",
        ),
        th.Property(
            "end_date",
            th.DateType,
            description="Last day of history (local). Defaults to yesterday, local time.",
        ),
        th.Property(
            "history_days",
            th.IntegerType,
            default=730,
            description="Days of history ending on end_date.",
        ),
        th.Property(
            "billed_in",
            th.ObjectType(additional_properties=th.StringType),
            default={},
            description="Ad sources whose account bills in another currency (e.g. "
            '{"meta_ads": "USD"}), at the rates the exchange_rates source emits.',
        ),
        th.Property(
            "store_platform",
            th.StringType,
            default="shopify",
            allowed_values=list(DEMO_STORE_PLATFORMS),
            description="The platform the demo store runs on: its store streams are what "
            "that platform's tap lands (woocommerce: no checkouts, one attribution per order, "
            "guests; tap_cerebro_demo/woocommerce_store.py).",
        ),
        th.Property(
            "cache_dir",
            th.StringType,
            required=True,
            description="Directory where generated datasets are kept between runs.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="Emit nothing older than this when there is no bookmark.",
        ),
    ).to_dict()

    def discover_streams(self) -> list[DemoStream]:
        source = self.config["source"]
        streams = [s for s in generated_streams() if s.source == source]
        if self.on_woocommerce and source == STORE_SOURCE:
            streams = [s for s in streams if s.name in WOOCOMMERCE_STREAMS]
        return [DemoStream(self, s) for s in streams]

    @property
    def on_woocommerce(self) -> bool:
        return self.config.get("store_platform", "shopify") == "woocommerce"

    @functools.cached_property
    def woocommerce_records(self) -> dict[str, list[dict]]:
        """The store's streams as the WooCommerce tap would land them (computed once per run:
        every store stream reads the same orders)."""
        return woocommerce_records(self.dataset_dir)

    @functools.cached_property
    def settings(self) -> DemoSettings:
        return DemoSettings.from_tap_config(dict(self.config))

    @functools.cached_property
    def dataset_dir(self) -> Path:
        return load_or_generate(self.settings, Path(self.config["cache_dir"]))


if __name__ == "__main__":
    TapCerebroDemo.cli()
