"""CSV streams: one per stream kind configured, in the shape of the source they stand in for.

``ad_spend`` is the ``csv`` source's own stream; ``customers``, ``orders``,
``order_lines``, ``transactions``, ``refunds``, ``fulfillments`` and
``checkouts`` have the Shopify streams' names, keys and schemas, so a tenant
without Shopify API access lands its exports into ``raw_shopify`` unchanged.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path
from zoneinfo import ZoneInfo

from singer_sdk import Stream

from tap_cerebro_csv.reader import ExportReader, FileSpec
from tap_cerebro_csv.validation import RowConverter, RowRejected

SCHEMAS_DIR = Path(__file__).parent / "schemas"
# Stream kind -> (source whose contract it follows, primary key).
STREAM_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ad_spend": ("csv", ("tenant_id", "date", "platform", "account_id", "campaign_name")),
    "customers": ("shopify", ("tenant_id", "customer_id")),
    "orders": ("shopify", ("tenant_id", "order_id")),
    "order_lines": ("shopify", ("tenant_id", "order_line_id")),
    "transactions": ("shopify", ("tenant_id", "transaction_id")),
    "refunds": ("shopify", ("tenant_id", "refund_id")),
    "fulfillments": ("shopify", ("tenant_id", "fulfillment_id")),
    "checkouts": ("shopify", ("tenant_id", "checkout_id")),
}
# Beyond the schema's own required columns: what a row is useless without.
EXTRA_REQUIRED: dict[str, frozenset[str]] = {
    "ad_spend": frozenset({"currency", "spend"}),
    "customers": frozenset({"created_at"}),
    "orders": frozenset({"created_at", "currency", "total_amount"}),
    "order_lines": frozenset({"order_id", "quantity"}),
    "transactions": frozenset({"order_id", "kind", "status", "amount"}),
    "refunds": frozenset({"order_id", "amount"}),
    "fulfillments": frozenset({"order_id"}),
    "checkouts": frozenset({"created_at"}),
}


def contract_schema(kind: str) -> dict:
    """The JSON schema of a stream kind (a copy of the demo tap's contract)."""
    source, _ = STREAM_KINDS[kind]
    return json.loads((SCHEMAS_DIR / source / f"{kind}.json").read_text())


class CsvExportStream(Stream):
    """Every file configured for one stream kind, row by row, validated.

    Full table: the files are read whole on every run and the target upserts
    on the primary key. A row that breaks the contract, or repeats a key seen
    earlier in the run, goes to the quarantine file with its line and reason.
    """

    def __init__(self, tap, kind: str) -> None:
        super().__init__(tap, name=kind, schema=contract_schema(kind))
        self.primary_keys = STREAM_KINDS[kind][1]

    @property
    def required(self) -> frozenset[str]:
        """Columns a row must have: the contract's and the stream's own rule."""
        return (frozenset(self.schema.get("required", [])) | EXTRA_REQUIRED[self.name]) - {
            "tenant_id"
        }

    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        """Accepted rows of every configured file, in file order."""
        quarantine = self._tap.quarantine
        seen: dict[tuple, str] = {}
        for entry in self.config["files"][self.name]:
            spec = FileSpec.from_config(entry)
            with ExportReader(spec) as export:
                converter = RowConverter(
                    stream=self.name,
                    schema=self.schema,
                    required=self.required,
                    spec=spec,
                    dialect=export.dialect,
                    timezone=ZoneInfo(self.config.get("timezone", "America/Santiago")),
                )
                accepted = 0
                for line_number, cells in export.rows():
                    if not any(cell.strip() for cell in cells):
                        continue  # a blank line (Excel pads exports with them) holds no row
                    try:
                        record = self._record(converter, cells, spec, line_number, seen)
                    except RowRejected as error:
                        quarantine.add(stream=self.name, source_file=spec.path,
                                       line_number=line_number, reason=str(error),
                                       header=export.dialect.header, cells=cells)  # fmt: skip
                        continue
                    accepted += 1
                    yield record
            self.logger.info(
                "%s: %d rows accepted, %d rejected into %s",
                spec.path, accepted, quarantine.rejected[str(spec.path)], quarantine.path,
            )  # fmt: skip

    def _record(self, converter, cells, spec, line_number, seen) -> dict:
        record = {"tenant_id": self.config["tenant_id"], **converter.convert(cells)}
        if "source_file" in self.schema["properties"]:
            record["source_file"] = spec.path.name
        key = tuple(record[k] for k in self.primary_keys)
        if key in seen:
            raise RowRejected(f"same key {dict(zip(self.primary_keys, key, strict=True))} as "
                              f"{seen[key]}")  # fmt: skip
        seen[key] = f"{spec.path.name} line {line_number}"
        return record
