"""tap-cerebro-exchange-rates against a local server that behaves like Banco Central de Chile's
statistics API (BDE).

Oracles: the fake API's value of each series on each day (every published observation lands
once, exactly, on its own day; the days without one, weekends and bank holidays, do not land),
the API's documented answers (errors as HTTP 200 with a negative ``Codigo``: -5 for the
credentials is fatal in one line, -50 is retried and then named; 5xx, 429 and a page that is
not JSON are retried) and the Singer state (one bookmark per series, resumable, untouched by a
fatal error). The tap runs as ``python -m tap_cerebro_exchange_rates.tap`` where a subprocess is
needed: the same program as its console script, found from this checkout.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from cerebro_raw_contract import raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_exchange_rates.tap import TapCerebroExchangeRates

from cerebro.landing.pipeline import LandingError, run_pipeline
from cerebro.settings import console_script
from tests.taps.conftest import Command
from tests.taps.tap_cerebro_exchange_rates.fake_bcch_api import (
    DOLAR,
    EURO,
    PASSWORD,
    UF,
    USER,
    FakeBcchApi,
    bad_credentials,
    internal_error,
    maintenance_page,
    server_error,
    throttled,
)

TAP = [sys.executable, "-m", "tap_cerebro_exchange_rates.tap"]
# 03:00 UTC on 16 March 2024 is 00:00 on the 16th in Santiago (-03): today is the 16th, whose
# rates are not published yet in the fake (its last day is the 15th).
NOW = "2024-03-16T03:00:00+00:00"
SERIES = [
    {"series_id": DOLAR, "base_currency": "USD", "quote_currency": "CLP"},
    {"series_id": UF, "base_currency": "CLF", "quote_currency": "CLP"},
    {"series_id": EURO, "base_currency": "EUR", "quote_currency": "CLP"},
]
PAIRS = {s["series_id"]: (s["base_currency"], s["quote_currency"]) for s in SERIES}


@pytest.fixture
def api(httpserver) -> FakeBcchApi:
    fake = FakeBcchApi(last_published="2024-03-15")
    fake.register(httpserver)
    return fake


@pytest.fixture
def config(api) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "user": USER,
        "password": PASSWORD,
        "series": SERIES,
        "start_date": "2022-11-01",
        "base_url": api.base_url,
    }


def days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]


def expected(api: FakeBcchApi, first: str, last: str) -> dict[tuple, Decimal]:
    """Every published observation of every series between two days, by landed key."""
    return {
        (*PAIRS[series_id], day.isoformat()): api.truth(series_id, day)
        for series_id in PAIRS
        for day in days(first, last)
        if api.truth(series_id, day) is not None
    }


def landed(records: list[dict]) -> dict[tuple, Decimal]:
    keys = [(r["base_currency"], r["quote_currency"], r["rate_date"]) for r in records]
    assert len(keys) == len(set(keys)), "a rate landed twice"
    return {key: record["rate"] for key, record in zip(keys, records, strict=True)}


def test_every_published_rate_lands_once_on_its_day_and_days_without_one_do_not(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroExchangeRates, config, clock=fake_clock_at(NOW))
    assert run.error is None
    records = run.records("daily_rates")
    assert landed(records) == expected(api, "2022-11-01", "2024-03-15")
    assert {r["tenant_id"] for r in records} == {"tienda_cl"}
    assert {r["series_id"] for r in records} == set(PAIRS)
    # Weekends and bank holidays have no dólar observado; the UF has every day.
    dollar_days = {r["rate_date"] for r in records if r["series_id"] == DOLAR}
    assert "2024-03-09" not in dollar_days and "2024-03-29" not in dollar_days
    assert "2024-03-08" in dollar_days
    uf_days = [r for r in records if r["series_id"] == UF]
    assert len(uf_days) == len(days("2022-11-01", "2024-03-15"))
    # One call per series and window of at most a year, oldest first; until today in Santiago.
    windows = [(r["timeseries"], r["firstdate"], r["lastdate"]) for r in api.requests]
    assert windows == [
        (series_id, first, last)
        for series_id in PAIRS
        for first, last in (("2022-11-01", "2023-11-01"), ("2023-11-02", "2024-03-16"))
    ]
    assert {r["function"] for r in api.requests} == {"GetSeries"}
    bookmarks = run.final_state["bookmarks"]["daily_rates"]["partitions"]
    assert {p["context"]["series_id"]: p["replication_key_value"] for p in bookmarks} == {
        DOLAR: "2024-03-15",
        UF: "2024-03-15",
        EURO: "2024-03-15",
    }


def test_the_default_series_are_the_dolar_observado_and_the_uf(
    api, config, run_in_process, fake_clock_at
):
    config.pop("series")
    config["start_date"] = "2024-03-01"
    run = run_in_process(TapCerebroExchangeRates, config, clock=fake_clock_at(NOW))
    assert run.error is None
    pairs = {(r["series_id"], r["base_currency"], r["quote_currency"])
             for r in run.records("daily_rates")}  # fmt: skip
    assert pairs == {(DOLAR, "USD", "CLP"), (UF, "CLF", "CLP")}


def test_a_second_run_reads_from_each_series_bookmark(api, config, run_in_process, fake_clock_at):
    first = run_in_process(TapCerebroExchangeRates, config, clock=fake_clock_at(NOW))
    api.last_published, api.requests = dt.date(2024, 3, 20), []
    later = fake_clock_at("2024-03-21T03:00:00+00:00")
    second = run_in_process(TapCerebroExchangeRates, config, clock=later, state=first.final_state)
    assert second.error is None
    assert {(r["firstdate"], r["lastdate"]) for r in api.requests} == {("2024-03-15", "2024-03-21")}
    assert landed(second.records("daily_rates")) == expected(api, "2024-03-15", "2024-03-20")


@pytest.mark.parametrize(
    ("faults", "waits"),
    [
        ([server_error(), server_error()], [2.0, 4.0]),
        ([internal_error()], [2.0]),
        ([maintenance_page()], [2.0]),
        ([throttled("5")], [5.0]),
        ([throttled()], [2.0]),
    ],
    ids=["http-503", "codigo-50", "not-json", "429-retry-after", "429"],
)
def test_transient_answers_are_retried_and_nothing_is_lost(
    faults, waits, api, config, run_in_process, fake_clock_at
):
    api.faults = list(faults)
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroExchangeRates, config, clock=clock)
    assert run.error is None and clock.sleeps == waits
    assert landed(run.records("daily_rates")) == expected(api, "2022-11-01", "2024-03-15")


def test_an_internal_error_that_persists_names_the_series(
    api, config, run_in_process, fake_clock_at
):
    config["series"] = [{"series_id": "F073.XYZ.PRE.Z.D", "base_currency": "USD",
                         "quote_currency": "CLP"}]  # fmt: skip
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroExchangeRates, config, clock=clock)
    assert isinstance(run.error, FatalAPIError)
    assert "gave up after 5 attempts" in str(run.error)
    assert "series F073.XYZ.PRE.Z.D" in str(run.error) and "BDE catalogue" in str(run.error)
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0]


def test_rejected_credentials_are_fatal_at_once_and_leave_the_state_as_it_was(
    api, config, run_in_process, fake_clock_at
):
    state = {"bookmarks": {"daily_rates": {"partitions": [
        {"context": {"series_id": DOLAR}, "replication_key": "rate_date",
         "replication_key_value": "2024-03-01"}]}}}  # fmt: skip
    config["password"] = "otra-clave"
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroExchangeRates, config, clock=clock, state=state)
    assert isinstance(run.error, FatalAPIError) and clock.sleeps == []
    assert "rejected the user or the password (Codigo -5: Invalid username or password)" in str(
        run.error
    )
    assert "otra-clave" not in str(run.error) and USER not in str(run.error)
    assert run.records("daily_rates") == [] and run.states == [state]


def run_tap(tmp_path, config: dict, env: dict | None = None) -> Command:
    config_file = tmp_path / "bcch.config.json"
    config_file.write_text(json.dumps(config))
    done = subprocess.run(
        [*TAP, "--config", str(config_file)], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    return Command(done.returncode, done.stderr)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "otra-clave"}, r"rejected the user or the password \(Codigo -5"),
        (
            {"series": [SERIES[0], {**SERIES[2], "base_currency": "USD"}]},
            rf"series {DOLAR} and {EURO} both quote USD in CLP: keep one",
        ),
        (
            {"series": [{**SERIES[0], "base_currency": "usd"}]},
            r"'usd' is not an ISO 4217 currency code",
        ),
    ],
    ids=["bad-credentials", "two-series-one-pair", "not-a-currency-code"],
)
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    change, message, api, config, tmp_path
):
    command = run_tap(tmp_path, {**config, "end_date": "2024-03-15", **change})
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    assert PASSWORD not in command.stderr and "otra-clave" not in command.stderr


def test_a_value_that_is_not_a_rate_stops_the_window_without_landing_it(
    api, config, run_in_process, fake_clock_at, monkeypatch
):
    original = api.truth
    monkeypatch.setattr(
        api, "truth",
        lambda series_id, day: Decimal("0") if day == dt.date(2024, 3, 12) else original(
            series_id, day),
    )  # fmt: skip
    config["start_date"] = "2024-03-01"
    run = run_in_process(TapCerebroExchangeRates, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    assert f"series {DOLAR}'s value on 2024-03-12" in str(run.error)
    assert run.records("daily_rates") == []


def test_interrupted_sync_resumes_from_its_state_without_losing_or_repeating_rates(
    api, config, tmp_path
):
    def land():
        return run_pipeline(
            tenant_id="tienda_cl", source="exchange_rates", tap_command=TAP,
            tap_config={**config, "end_date": "2024-03-15"},
            target_command=[console_script("target-cerebro-duckdb")],
            target_config={"path": str(tmp_path / "w.duckdb"),
                           "default_target_schema": "raw_exchange_rates"},
            state_path=tmp_path / "state.json", log_dir=tmp_path / "logs",
        )  # fmt: skip

    # Three calls go through (the dólar's two windows, the UF's first); then the password is
    # changed on the API's side.
    api.fail_after_requests = (3, bad_credentials())
    with pytest.raises(LandingError, match="rejected the user or the password") as failure:
        land()
    assert str(failure.value).count("rejected the user or the password") == 1
    assert "the tap failed (exit 2)" in str(failure.value)
    saved = json.loads((tmp_path / "state.json").read_text())["bookmarks"]["daily_rates"]
    reached = {p["context"]["series_id"]: p["replication_key_value"] for p in saved["partitions"]}
    # The dólar finished; the UF stopped inside its first window, at its last state message.
    assert reached[DOLAR] == "2024-03-15" and EURO not in reached
    assert "2022-11-01" < reached[UF] <= "2023-11-01"

    api.fail_after_requests, api.requests = None, []
    land()
    assert [(r["timeseries"], r["firstdate"]) for r in api.requests] == [
        (DOLAR, "2024-03-15"),
        (UF, reached[UF]),
        (EURO, "2022-11-01"),
        (EURO, "2023-11-02"),
    ]
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "select base_currency, quote_currency, strftime(rate_date, '%Y-%m-%d'), rate"
            " from raw_exchange_rates.daily_rates"
        ).fetchall()
    keys = [row[:3] for row in rows]
    assert len(keys) == len(set(keys)), "a rate landed twice"
    assert {row[:3]: row[3] for row in rows} == expected(api, "2022-11-01", "2024-03-15")
    log = (tmp_path / "logs" / "exchange_rates.tap.log").read_text()
    assert PASSWORD not in log


def test_the_stream_is_the_raw_contract_stream_with_its_schema_and_keys(config):
    tap = TapCerebroExchangeRates(config=config, parse_env_config=False)
    contract = raw_stream("exchange_rates", "daily_rates")
    (stream,) = tap.streams.values()
    assert stream.name == contract.name
    assert stream.schema == contract.schema()
    assert tuple(stream.primary_keys) == contract.primary_keys
    assert stream.replication_key == contract.replication_key
