"""tap-cerebro-demo: a simulated services marketplace, emitted as the real sources' streams.

One invocation emits one source (``shopify``, ``meta_ads``, ...) for one
tenant, exactly as the real taps run, so the demo lands through the same
Singer path, into the same raw tables, with the same state handling.
"""

from __future__ import annotations

import functools
from pathlib import Path

from cerebro_raw_contract import SOURCES
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.storage import DemoSettings, generated_streams, load_or_generate
from tap_cerebro_demo.streams import DemoStream


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
        return [DemoStream(self, s) for s in generated_streams() if s.source == source]

    @functools.cached_property
    def settings(self) -> DemoSettings:
        return DemoSettings.from_tap_config(dict(self.config))

    @functools.cached_property
    def dataset_dir(self) -> Path:
        return load_or_generate(self.settings, Path(self.config["cache_dir"]))


if __name__ == "__main__":
    TapCerebroDemo.cli()
