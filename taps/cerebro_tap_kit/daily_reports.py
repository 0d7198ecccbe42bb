"""Daily reports (ad insights, search analytics) read in date windows, oldest first.

A report row is a day and a key (campaign, page, ...). Vendors return a window's
rows in their own order (by spend, by clicks), so each window is sorted before
it is emitted: the bookmark, the last day emitted, then only moves forward
within a run, and an interrupted run resumes from the day it reached. Vendors
restate recent days (late-attributed conversions, data still being
processed), so a run starts ``lookback_days`` before the bookmark; those days
are sent again and the target's upsert on the primary key replaces them.

Vendors return no row for a day without delivery, so the rows alone cannot tell a
day without spend from a day never read. Each partition therefore keeps, in its
state, the first day ever read (``first_day_read``), and a run remembers the last
day it read (``read_spans``): every day between the two was read, so a day there
without rows had no delivery. ``ReportAccountsStream`` lands that span per account.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from zoneinfo import ZoneInfo

from cerebro_tap_kit.http import ResilientStream

#: The first day a partition's reports were ever read, kept in its state.
FIRST_DAY_READ = "first_day_read"


def date_windows(first: dt.date, last: dt.date, days: int) -> list[tuple[dt.date, dt.date]]:
    """Consecutive inclusive ``(since, until)`` ranges of at most ``days`` days."""
    windows, since = [], first
    while since <= last:
        until = min(since + dt.timedelta(days=days - 1), last)
        windows.append((since, until))
        since = until + dt.timedelta(days=1)
    return windows


def as_date(value: t.Any) -> dt.date:
    """A date from a date, an ISO date or an ISO date-time (its date part)."""
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class DailyReportStream(ResilientStream):
    """A report with one row per day and key; subclasses say how to ask and how to shape.

    Subclasses implement ``report_timezone`` (whose midnight ends the day),
    ``get_url_params`` / ``prepare_request_payload`` reading the window from the
    context (``since`` and ``until``, ISO dates) and ``shape`` (a vendor row to
    a contract record without ``tenant_id``).
    """

    window_days: t.ClassVar[int] = 30
    # Resumable progress: a STATE message every few hundred records, not every 10,000.
    STATE_MSG_FREQUENCY = 500

    @property
    def is_sorted(self) -> bool:
        """Each window is emitted sorted, windows in date order."""
        return True

    @property
    def check_sorted(self) -> bool:
        """The lookback days re-read at the start precede the bookmark on purpose."""
        return False

    def report_timezone(self, context: dict | None) -> str:
        """IANA timezone in which the vendor cuts days (the account's, Pacific time, ...)."""
        raise NotImplementedError

    def shape(self, row: dict, context: dict | None) -> dict:
        """A vendor row as a contract record (``tenant_id`` is added by the base)."""
        raise NotImplementedError

    def lookback_days(self) -> int:
        """Days before the bookmark that every run reads again."""
        return int(self.config.get("lookback_days", 0))

    def first_day(self, context: dict | None) -> dt.date:
        """``start_date`` on the first run; the bookmark minus the lookback afterwards."""
        start = as_date(self.config["start_date"])
        # The bookmark, or start_date when it is later (or when there is no bookmark).
        resume_from = as_date(self.get_starting_replication_key_value(context) or start)
        return max(start, resume_from - dt.timedelta(days=self.lookback_days()))

    def last_day(self, context: dict | None) -> dt.date:
        """``end_date`` when set, else today in the report's timezone (today is partial)."""
        if self.config.get("end_date"):
            return as_date(self.config["end_date"])
        return self.clock.now().astimezone(ZoneInfo(self.report_timezone(context))).date()

    def sort_key(self, record: dict) -> tuple:
        """Replication key first, then the rest of the primary key."""
        keys = [k for k in self.primary_keys if k != self.replication_key]
        return (record[self.replication_key], *(str(record[k]) for k in keys))

    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        """Every window from ``first_day`` to ``last_day``, each sorted; then the span read."""
        first, last = self.first_day(context), self.last_day(context)
        # Before any record moves the bookmark in the state.
        read_from = self.first_day_read(context, first)
        self.logger.info("%s: reading %s to %s (context %s)", self.name, first, last, context)
        for since, until in date_windows(first, last, self.window_days):
            window = {**(context or {}), "since": since.isoformat(), "until": until.isoformat()}
            records = [
                {"tenant_id": self.config["tenant_id"], **self.shape(row, context)}
                for row in self.request_records(window)
            ]
            records.sort(key=self.sort_key)
            yield from records
        # Reached only when every window was read: an interrupted run records nothing.
        self.get_context_state(context)[FIRST_DAY_READ] = read_from.isoformat()
        if read_from <= last:
            self.read_spans[span_key(context)] = (read_from, last)

    def first_day_read(self, context: dict | None, first: dt.date) -> dt.date:
        """The first day this partition's reports were ever read, this run's ``first`` day
        included: from the state, else ``start_date`` when a bookmark shows earlier runs."""
        state = self.get_context_state(context)
        recorded = state.get(FIRST_DAY_READ)
        if recorded:
            return min(first, as_date(recorded))
        if state.get("replication_key_value") is not None:
            # A bookmark from before first_day_read was kept: the runs that set it read
            # every day from start_date on (bookmarks only move forward, window by window).
            return min(first, as_date(self.config["start_date"]))
        return first

    @property
    def read_spans(self) -> dict[tuple, tuple[dt.date, dt.date]]:
        """Partition -> (first day ever read, last day read by this run), for the partitions
        this run read to the end."""
        if not hasattr(self, "_read_spans"):
            self._read_spans: dict[tuple, tuple[dt.date, dt.date]] = {}
        return self._read_spans


def span_key(context: dict | None) -> tuple:
    """A partition as a dictionary key."""
    return tuple(sorted((context or {}).items()))
