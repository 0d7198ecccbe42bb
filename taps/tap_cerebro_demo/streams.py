"""Demo streams: the raw contract's streams (cerebro_raw_contract), as the real taps emit them.

Each stream reads its table from the tenant's generated dataset and emits the
rows at or after its bookmark, sorted by the replication key, so that an
interrupted sync resumes and a second sync lands only what is new.
"""

from __future__ import annotations

import datetime as dt
import math
import typing as t

import pyarrow as pa
import pyarrow.compute as pc
from cerebro_raw_contract import STORE_SOURCE, RawStream
from cerebro_tap_kit.contract_stream import ContractStream
from singer_sdk import Stream

from tap_cerebro_demo.generator.storage import read_stream


class DemoStream(ContractStream, Stream):
    """A stream of the contract, read from the tenant's demo dataset."""

    def __init__(self, tap, contract: RawStream) -> None:
        self.source = contract.source
        super().__init__(tap, name=contract.name)

    @property
    def is_sorted(self) -> bool:
        return True

    def get_records(self, context) -> t.Iterable[dict]:
        if self._tap.on_woocommerce and self.source == STORE_SOURCE:
            yield from self._woocommerce_records(context)
            return
        table = read_stream(self._tap.dataset_dir, self.name)
        key = _as_utc_timestamps(table[self.replication_key])
        start = self.get_starting_replication_key_value(context) or self.config.get("start_date")
        if start:
            # Inclusive, as Singer bookmarks are: the boundary row is re-sent
            # and the target's upsert makes that harmless.
            keep = pc.greater_equal(key, pa.scalar(_parse_utc(str(start)), type=key.type))
            table, key = table.filter(keep), key.filter(keep)
        order = [("__rk", "ascending"), *((k, "ascending") for k in self.primary_keys)]
        table = table.append_column("__rk", key).sort_by(order).drop_columns(["__rk"])
        yield from _to_singer_records(table)

    def _woocommerce_records(self, context) -> t.Iterator[dict]:
        """The stream as the WooCommerce tap maps the store (woocommerce_store), from the
        bookmark on, in the replication key's order."""
        tenant = self.config["tenant_id"]
        found = [{"tenant_id": tenant, **r} for r in self._tap.woocommerce_records[self.name]]
        start = self.get_starting_replication_key_value(context) or self.config.get("start_date")
        if start:
            since = _parse_utc(str(start))
            found = [r for r in found if _parse_utc(r[self.replication_key]) >= since]
        keys = self.primary_keys
        yield from sorted(
            found,
            key=lambda r: (_parse_utc(r[self.replication_key]), *(str(r[k]) for k in keys)),
        )


def _parse_utc(value: str) -> dt.datetime:
    """A bookmark or start date as a naive UTC datetime (a date is its midnight UTC)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _as_utc_timestamps(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Replication key values as naive UTC timestamps, so dates and times compare alike."""
    return pc.cast(column, pa.timestamp("us"))


def _to_singer_records(table: pa.Table) -> t.Iterator[dict]:
    """Rows as JSON-ready dicts: UTC ISO timestamps, ISO dates, None for missing."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(column.type):
            # Whole seconds: Arrow's %S would print the microseconds too.
            seconds = pc.cast(column, pa.timestamp("s"), safe=False)
            column = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%S+00:00")
        elif pa.types.is_date(column.type):
            column = pc.strftime(column, format="%Y-%m-%d")
        columns[name] = column.to_pylist()
    names = list(columns)
    for values in zip(*columns.values(), strict=True):
        record = dict(zip(names, values, strict=True))
        for name, value in record.items():
            if isinstance(value, float) and math.isnan(value):
                record[name] = None
        yield record
