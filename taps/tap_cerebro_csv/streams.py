"""CSV streams: one per stream kind configured, in the shape of the source they stand in for.

``ad_spend`` is the ``csv`` source's own stream; ``customers``, ``orders``,
``order_lines``, ``transactions``, ``refunds``, ``fulfillments`` and
``checkouts`` have the Shopify streams' names, keys and schemas, so a tenant
without Shopify API access lands its exports into ``raw_shopify`` unchanged;
``product_costs``, ``payment_fees``, ``order_costs`` and ``tax_rates`` are the
``costs`` source's, the inputs of the contribution margin (decision 0036).
"""

from __future__ import annotations

import typing as t
from collections import Counter

from cerebro_raw_contract import STREAMS_BY_SOURCE
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.csv_errors import RowRejected
from cerebro_tap_kit.csv_reader import ExportReader, FileSpec
from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_cerebro_csv.ledger import KeyLedger
from tap_cerebro_csv.validation import RowConverter

# Stream kind -> the source whose contract stream of that name it lands.
STREAM_KINDS: dict[str, str] = {
    "ad_spend": "csv",
    **dict.fromkeys(STREAMS_BY_SOURCE["shopify"], "shopify"),
    **dict.fromkeys(STREAMS_BY_SOURCE["costs"], "costs"),
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
    "product_costs": frozenset({"unit_cost", "currency"}),
    "payment_fees": frozenset({"fee_rate", "currency"}),
    "order_costs": frozenset({"amount", "currency"}),
    "tax_rates": frozenset({"rate"}),
}


class CsvExportStream(ContractStream, Stream):
    """Every file configured for one stream kind, row by row, validated.

    Full table: the files are read whole on every run and the target upserts
    on the primary key. A row that breaks the contract, or repeats a key
    accepted earlier in the run, goes to the quarantine file with its line and
    reason: the first row of a key wins (it was already emitted when the
    repeat is read, and the file is never held in memory), and the repeat's
    reason says whether it is an exact copy or a different version.
    """

    full_table = True
    # Records are built from the contract schema's own types (str, int, Decimal, bool,
    # None), so the SDK's per-record type conformance would only cost time.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap, kind: str) -> None:
        self.source = STREAM_KINDS[kind]
        super().__init__(tap, name=kind)

    @property
    def required(self) -> frozenset[str]:
        """Columns a row must have: the contract's and the stream's own rule."""
        return (frozenset(self.schema.get("required", [])) | EXTRA_REQUIRED[self.name]) - {
            "tenant_id"
        }

    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        """Accepted rows of every configured file, in file order."""
        quarantine, ledger = self._tap.quarantine, KeyLedger()
        for entry in self.config["files"][self.name]:
            spec = FileSpec.from_config(entry)
            with ExportReader(spec) as export:
                converter = self._converter(spec, export)
                counts: Counter[str] = Counter()
                first_reason = ""
                for line_number, last_line, cells in export.rows():
                    if not any(cell.strip() for cell in cells):
                        counts["blank"] += 1  # Excel pads exports with blank lines: no row
                        continue
                    try:
                        record = self._record(export, converter, cells, line_number, last_line,
                                              ledger)  # fmt: skip
                    except RowRejected as error:
                        quarantine.add(stream=self.name, source_file=spec.path,
                                       line_number=line_number, reason=str(error),
                                       header=export.dialect.header, cells=cells)  # fmt: skip
                        counts["rejected"] += 1
                        first_reason = first_reason or f"line {line_number}: {error}"
                        continue
                    counts["accepted"] += 1
                    yield record
            self.logger.info(
                "%s: %d rows read, %d accepted, %d rejected into %s (%d blank lines skipped)",
                spec.path, counts["accepted"] + counts["rejected"], counts["accepted"],
                counts["rejected"], quarantine.path, counts["blank"],
            )  # fmt: skip
            if counts["rejected"] and not counts["accepted"]:
                # Usually a setting, not the data: date_format, decimal_separator, a mapping.
                self.logger.warning("%s: every row was rejected; the first one for %s",
                                    spec.path, first_reason)  # fmt: skip

    def _converter(self, spec: FileSpec, export: ExportReader) -> RowConverter:
        return RowConverter(
            stream=self.name,
            schema=self.schema,
            required=self.required,
            spec=spec,
            dialect=export.dialect,
            timezone=self._tap.timezone,
            window=self._tap.date_window,
            tenant_id=self.config["tenant_id"],
        )

    def _record(self, export, converter, cells, line_number, last_line, ledger) -> dict:
        unclosed = export.unclosed_quote(line_number, last_line, cells)
        if unclosed:
            raise RowRejected(unclosed)
        values = converter.convert(cells)
        record = {"tenant_id": self.config["tenant_id"], **values}
        if "source_file" in self.schema["properties"]:
            record["source_file"] = export.spec.path.name
        key = tuple(record[k] for k in self.primary_keys)
        first = ledger.claim(key, tuple(values.values()), export.spec.path.name, line_number)
        if first is not None:
            where = f"{first.source_file} line {first.line_number}"
            described = dict(zip(self.primary_keys, key, strict=True))
            if first.same_values:
                raise RowRejected(f"same key {described} as {where}, same values: an exact "
                                  "copy, nothing is lost")  # fmt: skip
            raise RowRejected(f"same key {described} as {where}, with different values: the "
                              "first row wins; remove the stale one from the export to land "
                              "this one")  # fmt: skip
        return record
