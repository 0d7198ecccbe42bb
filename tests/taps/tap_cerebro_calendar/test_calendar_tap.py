"""tap-cerebro-calendar: holidays from the holidays package, commercial events from rules.

Oracles: published dates (Chile's 18 September and 25 December, Peru's 28
July, Arica's 7 June; CyberDay 2025 ran 2-4 June, Black Friday 2025 was 28
November, the third Sunday of June 2025 was the 15th), explicit dates given in
the configuration, and the raw contract (the demo's schema, keys unique).
"""

from __future__ import annotations

import datetime as dt

import pytest
from cerebro_raw_contract import raw_stream
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_calendar.events import CalendarConfigError
from tap_cerebro_calendar.tap import TapCerebroCalendar

NOW = "2025-11-21T12:00:00+00:00"
CONFIG = {"tenant_id": "tienda_cl", "start_date": "2025-01-01"}


def events(run) -> dict[tuple[str, str], str]:
    return {(r["event_date"], r["event_name"]): r["event_type"] for r in run.records("events")}


def names_on(run, day: str) -> dict[str, str]:
    return {name: kind for (d, name), kind in events(run).items() if d == day}


@pytest.fixture
def chile(run_in_process, fake_clock_at):
    run = run_in_process(TapCerebroCalendar, CONFIG, clock=fake_clock_at(NOW))
    assert run.error is None
    return run


def test_chile_defaults_land_holidays_and_the_usual_commercial_events(chile):
    assert "public_holiday" in names_on(chile, "2025-09-18").values()
    assert names_on(chile, "2025-12-25") == {"Navidad": "public_holiday"}
    assert names_on(chile, "2025-12-24")["Navidad"] == "commercial_event"
    for day in ("2025-06-02", "2025-06-03", "2025-06-04"):
        assert names_on(chile, day)["CyberDay"] == "commercial_event"
    assert [d for (d, n) in events(chile) if n == "Black Friday" and d < "2026"] == [
        "2025-11-28",
        "2025-11-29",
        "2025-11-30",
    ]
    assert names_on(chile, "2025-06-15")["Día del Padre"] == "commercial_event"
    records = chile.records("events")
    assert {r["country_code"] for r in records} == {"CL"}
    assert {r["tenant_id"] for r in records} == {"tienda_cl"}
    keys = [(r["event_date"], r["event_name"]) for r in records]
    assert len(keys) == len(set(keys)) and keys == sorted(keys)


def test_range_runs_from_start_date_to_the_end_of_next_year(chile):
    days = sorted(d for d, _ in events(chile))
    assert days[0] >= "2025-01-01" and days[-1] <= "2026-12-31"
    assert "2026-06-01" in {d for (d, n) in events(chile) if n == "CyberDay"}


def test_configured_dates_override_the_rule_in_their_year_only(run_in_process, fake_clock_at):
    config = {
        **CONFIG,
        "commercial_events": [
            {"name": "CyberDay", "dates": ["2026-06-08", "2026-06-09", "2026-06-10"]},
            {"name": "Aniversario", "rule": {"month": 8, "day": 15, "days": 2}},
            {"name": "Hot Sale", "rule": {"month": 5, "weekday": "monday", "nth": 2}},
        ],
    }
    run = run_in_process(TapCerebroCalendar, config, clock=fake_clock_at(NOW))
    cyberday = sorted(d for (d, n) in events(run) if n == "CyberDay")
    assert cyberday == [
        "2025-06-02",
        "2025-06-03",
        "2025-06-04",
        "2026-06-08",
        "2026-06-09",
        "2026-06-10",
    ]
    assert {d for (d, n) in events(run) if n == "Aniversario"} == {
        "2025-08-15",
        "2025-08-16",
        "2026-08-15",
        "2026-08-16",
    }
    assert {d for (d, n) in events(run) if n == "Hot Sale"} == {"2025-05-12", "2026-05-11"}


def test_any_country_and_region_without_chiles_commercial_events(run_in_process, fake_clock_at):
    peru = run_in_process(
        TapCerebroCalendar, {**CONFIG, "country_code": "pe"}, clock=fake_clock_at(NOW)
    )
    assert names_on(peru, "2025-07-28") and set(names_on(peru, "2025-07-28").values()) == {
        "public_holiday"
    }
    assert not any(n == "CyberDay" for _, n in events(peru))
    assert any(n == "CyberWow" for _, n in events(peru))
    arica = run_in_process(
        TapCerebroCalendar, {**CONFIG, "subdivision": "AP"}, clock=fake_clock_at(NOW)
    )
    assert names_on(arica, "2025-06-07") and not names_on(
        run_in_process(TapCerebroCalendar, CONFIG, clock=fake_clock_at(NOW)), "2025-06-07"
    )
    mexico = run_in_process(
        TapCerebroCalendar,
        {**CONFIG, "country_code": "MX", "include_default_events": False},
        clock=fake_clock_at(NOW),
    )
    assert set(events(mexico).values()) == {"public_holiday"}


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ({"name": "Liquidación"}, "give it a 'rule' or 'dates'"),
        ({"name": "X", "rule": {"month": 6, "weekday": "lunes"}}, "weekday must be one of"),
        ({"name": "X", "rule": {"month": 2, "day": 30}}, "day is out of range"),
        ({"name": "X", "dates": ["01-06-2025"]}, "dates must be YYYY-MM-DD"),
    ],
)
def test_a_wrong_commercial_event_stops_discovery_naming_it(entry, complaint):
    with pytest.raises(CalendarConfigError, match=complaint):
        TapCerebroCalendar(config={**CONFIG, "commercial_events": [entry]}, parse_env_config=False)


def test_lands_through_the_target_in_the_demo_contract(landing):
    result = landing.run("tap-cerebro-calendar", "calendar", CONFIG)
    landed = landing.query(
        "select strftime(event_date, '%Y-%m-%d'), event_name, event_type, country_code "
        "from raw_calendar.events"
    )
    assert len(landed) == result.records_by_stream["events"] > 40
    assert len({row[:2] for row in landed}) == len(landed)
    assert ("2025-09-18", "Día de la Independencia", "public_holiday", "CL") in landed
    contract = raw_stream("calendar", "events").schema()
    columns = {row[0] for row in landing.query("describe raw_calendar.events")}
    assert set(contract["properties"]) <= columns


TestTapCerebroCalendarStandard = get_tap_test_class(
    TapCerebroCalendar, config={**CONFIG, "commercial_events": [{"name": "CyberDay"}]}
)


def test_clock_decides_this_year(run_in_process, fake_clock_at):
    run = run_in_process(
        TapCerebroCalendar, {"tenant_id": "t", "years_ahead": 0}, clock=fake_clock_at(NOW)
    )
    days = sorted(d for d, _ in events(run))
    assert days[0].startswith("2023-01") and days[-1] <= "2025-12-31"
    assert dt.date.fromisoformat(days[-1]).year == 2025
