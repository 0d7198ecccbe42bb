"""The accounts of a daily report, with the span of days the tap has read for each.

Ad platforms report a campaign's day only when it had delivery, so a day with no row is
either a day without spend or a day nobody read. The report stream knows which: it keeps
the first day ever read in its state and the last day this run read
(``DailyReportStream.read_spans``). This stream lands one row per account with its
settings (currency, time zone) and that span: every day from ``report_start_date`` to
``report_end_date`` was read, so a day there without rows spent nothing, while a day
outside it is unknown (the data-health marts call it missing).

It is synced after its report stream (streams sync in the order the tap lists them), from
what that stream already fetched: no request of its own. An account whose report was not
read to the end in this run (the run failed, or the report stream was not selected) gets
no row, so the landed span stays the one of the last complete run.
"""

from __future__ import annotations

import typing as t

from singer_sdk import Stream

from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream, span_key


class ReportAccountsStream(ContractStream, Stream):
    """Base of a tap's accounts stream: subclasses name the report stream and shape the
    account (``account``); the span columns are added here."""

    # Every run re-emits every account it read; the upsert by key keeps the newest span.
    full_table = True
    report_stream_name: t.ClassVar[str]

    def account(self, report: DailyReportStream, partition: dict) -> dict[str, t.Any]:
        """The account's columns (its id, currency, time zone, ...) without ``tenant_id``,
        from what ``report`` fetched for ``partition``."""
        raise NotImplementedError

    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        """One row per partition of the report stream read to the end in this run."""
        report = self._tap.streams[self.report_stream_name]
        for partition in report.partitions or [{}]:
            span = report.read_spans.get(span_key(partition))
            if span is None:
                continue
            first, last = span
            yield {
                "tenant_id": self.config["tenant_id"],
                **self.account(report, partition),
                "report_start_date": first.isoformat(),
                "report_end_date": last.isoformat(),
            }


class AccountsAfterReports:
    """Mixin for a singer-sdk ``Tap`` with a ``ReportAccountsStream``, listed before ``Tap``:
    its streams sync reports first, then accounts.

    singer-sdk syncs streams in the order ``load_streams`` returns, by name; an accounts
    stream lands what its report stream read in the same run, so it must come after it.
    """

    def load_streams(self) -> list:
        """The SDK's streams (by name), accounts streams moved after the others."""
        streams = super().load_streams()  # type: ignore[misc]
        return sorted(streams, key=lambda stream: isinstance(stream, ReportAccountsStream))
