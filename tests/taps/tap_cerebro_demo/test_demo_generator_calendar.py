"""The calendar stream lands each country's holidays and commercial events.

Oracles: fixed national holidays (Chile's 18 September, Independencia Nacional
or Fiestas Patrias; Peru's 28 July, Día de la Independencia) and CyberDay's rule
as the generator documents it, three days from the first Monday of June, which
in 2024 were 3-5 June (the dates that edition actually ran).
"""

from __future__ import annotations

import datetime as dt


def events_on(dataset, day: dt.date) -> dict[str, str]:
    events = dataset.streams["events"]
    rows = events[events["event_date"] == day]
    return dict(zip(rows["event_name"], rows["event_type"], strict=True))


def event_dates(dataset, name: str) -> list[dt.date]:
    events = dataset.streams["events"]
    return sorted(events.loc[events["event_name"] == name, "event_date"])


def test_chile_lands_18_september_as_a_public_holiday(small_datasets):
    on_18 = events_on(small_datasets["cl_services"], dt.date(2024, 9, 18))
    assert on_18, "no event on 18 September 2024"
    assert set(on_18.values()) == {"public_holiday"}
    assert any("Independencia" in name or "Fiestas Patrias" in name for name in on_18)


def test_chile_lands_cyberday_on_three_days_from_the_first_monday_of_june(small_datasets):
    first_monday = dt.date(2024, 6, 3)
    assert first_monday.weekday() == 0 and first_monday.day <= 7
    cl = small_datasets["cl_services"]
    expected = [first_monday + dt.timedelta(days=k) for k in range(3)]
    assert event_dates(cl, "CyberDay") == expected
    assert all(events_on(cl, day)["CyberDay"] == "commercial_event" for day in expected)


def test_peru_lands_28_july_and_not_chiles_events(small_datasets):
    pe, cl = small_datasets["pe_services"], small_datasets["cl_services"]
    on_28_july = events_on(pe, dt.date(2024, 7, 28))
    assert any("Independencia" in name for name in on_28_july), on_28_july
    assert on_28_july and set(on_28_july.values()) == {"public_holiday"}
    assert not events_on(cl, dt.date(2024, 7, 28)), "28 July is not a holiday in Chile"
    assert event_dates(pe, "CyberDay") == []
    assert event_dates(cl, "CyberWow") == []
    assert set(pe.streams["events"]["country_code"]) == {"PE"}
    assert set(cl.streams["events"]["country_code"]) == {"CL"}
