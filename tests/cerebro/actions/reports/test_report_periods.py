"""Report periods and the due rule, against hand-worked calendars (2026-11-15 is a Sunday,
2026-11-01 a Sunday, 2028 is a leap year)."""

from __future__ import annotations

import datetime as dt

import pytest

from cerebro.actions.reports.periods import InvalidCadenceError, due_cadences, report_period
from cerebro.actions.reports.render import period_label

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("cadence", "report_date", "expected"),
    [
        # (start, end, previous start, previous end), worked out on a calendar.
        ("daily", "2026-11-15", ("2026-11-15", "2026-11-15", "2026-11-14", "2026-11-14")),
        ("daily", "2026-11-01", ("2026-11-01", "2026-11-01", "2026-10-31", "2026-10-31")),
        ("daily", "2027-01-01", ("2027-01-01", "2027-01-01", "2026-12-31", "2026-12-31")),
        # A Sunday closes its own ISO week; Monday to Saturday report the week before.
        ("weekly", "2026-11-15", ("2026-11-09", "2026-11-15", "2026-11-02", "2026-11-08")),
        ("weekly", "2026-11-16", ("2026-11-09", "2026-11-15", "2026-11-02", "2026-11-08")),
        ("weekly", "2026-11-14", ("2026-11-02", "2026-11-08", "2026-10-26", "2026-11-01")),
        ("weekly", "2027-01-03", ("2026-12-28", "2027-01-03", "2026-12-21", "2026-12-27")),
        # A month's last day closes it; any other day reports the month before.
        ("monthly", "2026-11-30", ("2026-11-01", "2026-11-30", "2026-10-01", "2026-10-31")),
        ("monthly", "2026-11-29", ("2026-10-01", "2026-10-31", "2026-09-01", "2026-09-30")),
        ("monthly", "2026-11-01", ("2026-10-01", "2026-10-31", "2026-09-01", "2026-09-30")),
        ("monthly", "2027-01-01", ("2026-12-01", "2026-12-31", "2026-11-01", "2026-11-30")),
        ("monthly", "2026-03-31", ("2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28")),
        ("monthly", "2028-03-01", ("2028-02-01", "2028-02-29", "2028-01-01", "2028-01-31")),
    ],
)
def test_report_period_matches_the_calendar(cadence, report_date, expected):
    period = report_period(cadence, D(report_date))
    actual = (period.start, period.end, period.previous_start, period.previous_end)
    assert actual == tuple(D(day) for day in expected)


@pytest.mark.parametrize(
    ("partition_date", "expected"),
    [
        ("2026-11-18", ["daily"]),  # a Wednesday mid-month
        ("2026-11-15", ["daily", "weekly"]),  # Sunday: Monday opens a week
        ("2026-11-30", ["daily", "monthly"]),  # Monday the 30th: the 1st opens a month
        ("2026-05-31", ["daily", "weekly", "monthly"]),  # Sunday the 31st
        ("2028-02-28", ["daily"]),  # leap year: the 29th comes first
        ("2028-02-29", ["daily", "monthly"]),
    ],
)
def test_due_cadences_follow_the_day_after_the_partition(partition_date, expected):
    assert due_cadences(D(partition_date)) == expected


def test_a_due_report_always_ends_on_its_partition_date():
    day = D("2026-01-01")
    while day < D("2027-01-01"):
        for cadence in due_cadences(day):
            assert report_period(cadence, day).end == day, (cadence, day)
        day += dt.timedelta(days=1)


def test_unknown_cadence_is_refused_with_the_choices():
    with pytest.raises(InvalidCadenceError, match="daily, weekly, monthly"):
        report_period("quarterly", D("2026-11-15"))


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2026-11-15", "2026-11-15", "15 nov 2026"),
        ("2026-11-09", "2026-11-15", "9\u201315 nov 2026"),
        ("2026-10-26", "2026-11-01", "26 oct \u2013 1 nov 2026"),
        ("2026-12-28", "2027-01-03", "28 dic 2026 \u2013 3 ene 2027"),
        ("2026-11-01", "2026-11-30", "noviembre de 2026"),
        ("2028-02-01", "2028-02-29", "febrero de 2028"),
    ],
)
def test_period_label_is_spanish_with_en_dashes(start, end, label):
    assert period_label(D(start), D(end)) == label
