"""tap-cerebro-ga4 against a local server that behaves like the Data API's runReport.

Oracles: the fake API's truth per property, day and traffic key (every row of
every page lands once, counts as integers, key events exact), GA4's documented
behaviour (``offset`` paging up to ``rowCount``, ``YYYYMMDD`` dates, string
values matched by ``metricHeaders``, 429 ``RESOURCE_EXHAUSTED`` retried, 403
``PERMISSION_DENIED`` and 400 ``INVALID_ARGUMENT`` fatal) and the Singer state
(the last days re-read every run; an interrupted sync resumed with nothing lost;
a fatal error leaves the state alone).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

import duckdb
import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_ga4.streams import TrafficDailyStream
from tap_cerebro_ga4.tap import TapCerebroGa4

from cerebro.landing.pipeline import LandingError, run_pipeline
from cerebro.settings import console_script
from tests.taps.conftest import Command
from tests.taps.tap_cerebro_ga4.fake_ga4_api import (
    MAX_LIMIT,
    FakeGa4Api,
    backend_error,
    invalid_argument,
    permission_denied,
    quota_exhausted,
)

PROPERTIES = ("123456789", "987654321")
# 02:30 UTC on 10 March 2024 is 23:30 on the 9th in Santiago (-03): the 9th is today there.
NOW = "2024-03-10T02:30:00+00:00"
KEY = ("property_id", "date", "session_source", "session_medium", "session_campaign_name")


@pytest.fixture
def api(httpserver, google_tokens) -> FakeGa4Api:
    fake = FakeGa4Api(google_tokens, PROPERTIES, fresh_from="2024-03-07")
    fake.register(httpserver)
    return fake


@pytest.fixture
def config(api, google_tokens) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "property_ids": list(PROPERTIES),
        "client_id": google_tokens.client_id,
        "client_secret": google_tokens.client_secret,
        "refresh_token": google_tokens.refresh_token,
        "start_date": "2024-02-20",
        "row_limit": 25,
        "base_url": api.base_url,
        "token_url": google_tokens.url,
    }


def days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]


def expected_keys(api: FakeGa4Api, first: str, last: str, properties=PROPERTIES) -> set:
    return {
        (prop, day.isoformat(), *key)
        for prop in properties
        for day in days(first, last)
        for key in api.keys_on(day)
    }


def key_of(record: dict) -> tuple:
    return tuple(record[column] for column in KEY)


def assert_values_are_the_truth(api: FakeGa4Api, record: dict) -> None:
    prop, day, *key = key_of(record)
    truth = api.truth(prop, dt.date.fromisoformat(day), tuple(key))
    assert isinstance(record["sessions"], int) and record["sessions"] == truth["sessions"]
    assert record["total_users"] == truth["totalUsers"]
    assert record["engaged_sessions"] == truth["engagedSessions"]
    assert record["key_events"] == Decimal(str(truth["keyEvents"]))


def test_every_row_of_every_page_lands_once_with_exact_values(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert run.error is None
    records = run.records("traffic_daily")
    keys = [key_of(r) for r in records]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_keys(api, "2024-02-20", "2024-03-09")
    for record in records:
        assert record["tenant_id"] == "tienda_cl"
        assert record["property_time_zone"] == "America/Santiago"
        assert_values_are_the_truth(api, record)
    for prop in PROPERTIES:
        dates = [r["date"] for r in records if r["property_id"] == prop]
        assert dates == sorted(dates)
    # Paging: 19 days of 7 or 8 sources are 142 or 143 rows: pages of 25 until rowCount.
    offsets = [int(r["offset"]) for r in api.requests if r["property"] == PROPERTIES[0]]
    assert offsets == [0, 25, 50, 75, 100, 125]
    assert all(r["limit"] == "25" for r in api.requests)


def test_the_last_day_is_today_in_the_properties_time_zone(
    api, config, run_in_process, fake_clock_at
):
    run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert {end for _, _, end in api.windows()} == {"2024-03-09"}
    api.requests = []
    config = {**config, "timezone": "UTC"}
    run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert {end for _, _, end in api.windows()} == {"2024-03-10"}


def test_the_row_limit_is_capped_at_the_apis_maximum(api, config, run_in_process, fake_clock_at):
    config = {**config, "row_limit": 1_000_000}
    run = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert run.error is None
    assert {r["limit"] for r in api.requests} == {str(MAX_LIMIT)}
    assert len(run.records("traffic_daily")) == len(expected_keys(api, "2024-02-20", "2024-03-09"))


def test_the_last_three_days_are_read_again_and_restated_numbers_replace_fresh_ones(
    api, config, run_in_process, fake_clock_at
):
    first = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    partitions = first.final_state["bookmarks"]["traffic_daily"]["partitions"]
    assert {p["replication_key_value"] for p in partitions} == {"2024-03-09"}

    api.fresh_from, api.requests = dt.date(2024, 3, 11), []
    later = fake_clock_at("2024-03-11T20:00:00+00:00")
    second = run_in_process(TapCerebroGa4, config, clock=later, state=first.final_state)
    assert {start for _, start, _ in api.windows()} == {"2024-03-06"}, "bookmark minus 3 days"
    records = second.records("traffic_daily")
    assert {r["date"] for r in records} == {d.isoformat() for d in days("2024-03-06", "2024-03-11")}
    for record in records:
        assert_values_are_the_truth(api, record)  # final numbers now, not the fresh ones


@pytest.mark.parametrize(
    ("fault", "wait"),
    [(quota_exhausted("7"), 7.0), (quota_exhausted(), 60.0)],
    ids=["429-retry-after", "429"],
)
def test_an_exhausted_quota_is_retried_later_then_succeeds(
    fault, wait, api, config, run_in_process, fake_clock_at
):
    api.faults = [fault]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroGa4, config, clock=clock)
    assert run.error is None and clock.sleeps == [wait]
    assert len(run.records("traffic_daily")) == len(expected_keys(api, "2024-02-20", "2024-03-09"))


def test_backend_errors_are_retried_with_backoff(api, config, run_in_process, fake_clock_at):
    api.faults = [backend_error(), backend_error()]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroGa4, config, clock=clock)
    assert run.error is None and clock.sleeps == [2.0, 4.0]


def test_a_quota_that_never_returns_gives_up_after_eight_attempts(
    api, config, run_in_process, fake_clock_at
):
    api.faults = [quota_exhausted("0")] * 8
    run = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    assert "gave up after 8 attempts; last error: GA4 quota exhausted" in str(run.error)


def test_a_rejected_token_is_refreshed_once_and_a_second_rejection_is_fatal(
    api, config, google_tokens, run_in_process, fake_clock_at
):
    api.revoke_tokens_at_request = 3
    run = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert run.error is None and google_tokens.issued == ["ya29.access-1", "ya29.access-2"]
    assert len(run.records("traffic_daily")) == len(expected_keys(api, "2024-02-20", "2024-03-09"))

    google_tokens.dead_on_arrival = True
    run = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    assert "freshly refreshed access token" in str(run.error)
    assert len(google_tokens.issued) == 4, "one refresh after the first 401, not a loop"


def test_a_property_without_access_is_fatal_with_a_clear_message_and_state_untouched(
    api, config, google_tokens, run_in_process, fake_clock_at
):
    state = {
        "bookmarks": {
            "traffic_daily": {
                "partitions": [
                    {
                        "context": {"property_id": "555"},
                        "replication_key": "date",
                        "replication_key_value": "2024-03-01",
                    }
                ]
            }
        }
    }
    config = {**config, "property_ids": ["555"]}
    run = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW), state=state)
    assert isinstance(run.error, FatalAPIError)
    message = str(run.error)
    assert "GA4 refused access to property 555 (PERMISSION_DENIED" in message
    assert "Viewer role" in message
    assert google_tokens.client_secret not in message and google_tokens.refresh_token not in message
    assert run.states == [state]
    assert run.records("traffic_daily") == []


def test_an_unknown_metric_is_refused_by_the_api_and_fatal(
    api, config, run_in_process, fake_clock_at, monkeypatch
):
    """The retired name ``conversions`` is not in the fake's schema: GA4's 400 stops the run."""
    retired = ("sessions", "totalUsers", "engagedSessions", "conversions")
    monkeypatch.setattr(TrafficDailyStream, "metrics", retired)
    run = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    assert "INVALID_ARGUMENT: Field conversions is not a valid metric" in str(run.error)
    assert "(HTTP 400)" in str(run.error)


def test_interrupted_sync_resumes_from_its_state_without_losing_or_repeating_rows(
    api, config, run_in_process, fake_clock_at
):
    config = {**config, "property_ids": [PROPERTIES[0]], "start_date": "2023-10-01"}
    # 161 days, about 1,200 rows in pages of 25: the failure comes after 750 rows, once a
    # STATE message (every 500 records) has moved the bookmark.
    api.fail_after_requests = (30, permission_denied())
    first = run_in_process(TapCerebroGa4, config, clock=fake_clock_at(NOW))
    assert isinstance(first.error, FatalAPIError)
    reached = first.final_state["bookmarks"]["traffic_daily"]["partitions"][0]
    assert "2023-11-15" <= reached["replication_key_value"] < "2024-03-09"

    api.fail_after_requests, api.requests = None, []
    second = run_in_process(
        TapCerebroGa4, config, clock=fake_clock_at(NOW), state=first.final_state
    )
    assert second.error is None
    resumed_from = api.windows()[0][1]
    bookmark = dt.date.fromisoformat(reached["replication_key_value"])
    assert resumed_from == (bookmark - dt.timedelta(days=3)).isoformat()
    # The warehouse upserts on the primary key: the last record of a key is what stays.
    landed = {
        key_of(r): r for r in first.records("traffic_daily") + second.records("traffic_daily")
    }
    assert set(landed) == expected_keys(api, "2023-10-01", "2024-03-09", (PROPERTIES[0],))
    for record in landed.values():
        assert_values_are_the_truth(api, record)
    # Sent twice: the lookback days and what came after the last STATE message, nothing older.
    repeated = {key_of(r) for r in first.records("traffic_daily")} & {
        key_of(r) for r in second.records("traffic_daily")
    }
    assert repeated and min(day for _, day, *_ in repeated) == resumed_from


# The tap as its console script runs it (``tap-cerebro-ga4`` is installed by ``uv sync``; the
# module's ``__main__`` calls the same ``cli``).
TAP_COMMAND = [sys.executable, "-m", "tap_cerebro_ga4.tap"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda api, tokens, config: setattr(tokens, "dead_on_arrival", True),
            r"rejected a freshly refreshed access token .* Check that client_id",
        ),
        (
            lambda api, tokens, config: config.update(property_ids=["555"]),
            r"refused access to property 555 .*Viewer role",
        ),
        (
            lambda api, tokens, config: api.faults.append(invalid_argument("Invalid date range.")),
            r"GA4 Data API error \(INVALID_ARGUMENT: Invalid date range.\) \(HTTP 400\)",
        ),
    ],
    ids=["401-bad-token", "403-unknown-property", "400-bad-request"],
)
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    setup, message, api, config, google_tokens, tmp_path
):
    setup(api, google_tokens, config)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps({**config, "end_date": "2024-03-09"}))
    done = subprocess.run(
        [*TAP_COMMAND, "--config", str(config_file)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    command = Command(done.returncode, done.stderr)
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    assert google_tokens.refresh_token not in command.stderr


def test_a_landing_cut_short_and_run_again_holds_every_row_once(
    api, config, google_tokens, tmp_path
):
    """tap | target into DuckDB through Cerebro's landing, state kept between the runs."""
    config = {**config, "property_ids": [PROPERTIES[0]], "start_date": "2023-10-01",
              "end_date": "2024-03-09"}  # fmt: skip
    warehouse, state_path = tmp_path / "w.duckdb", tmp_path / "state" / "ga4.json"

    def land():
        return run_pipeline(
            tenant_id="tienda_cl", source="ga4", tap_command=TAP_COMMAND, tap_config=config,
            target_command=[console_script("target-cerebro-duckdb")],
            target_config={"path": str(warehouse), "default_target_schema": "raw_ga4"},
            state_path=state_path, log_dir=tmp_path / "logs",
        )  # fmt: skip

    api.fail_after_requests = (30, permission_denied())
    with pytest.raises(LandingError, match="GA4 refused access to property") as failure:
        land()
    assert str(failure.value).count("GA4 refused access") == 1
    saved = json.loads(state_path.read_text())["bookmarks"]["traffic_daily"]["partitions"]
    assert "2023-11-15" <= saved[0]["replication_key_value"] < "2024-03-09"

    api.fail_after_requests = None
    land()
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select property_id, strftime(date, '%Y-%m-%d'), session_source, session_medium, "
            "session_campaign_name, sessions, total_users, engaged_sessions, key_events "
            "from raw_ga4.traffic_daily"
        ).fetchall()
    keys = [row[:5] for row in rows]
    expected = expected_keys(api, "2023-10-01", "2024-03-09", (PROPERTIES[0],))
    assert len(keys) == len(set(keys)) == len(expected) and set(keys) == expected
    for prop, day, *key, sessions, users, engaged, key_events in rows:
        truth = api.truth(prop, dt.date.fromisoformat(day), tuple(key))
        assert (sessions, users, engaged) == (
            truth["sessions"], truth["totalUsers"], truth["engagedSessions"]
        )  # fmt: skip
        assert float(key_events) == truth["keyEvents"]
    log = (tmp_path / "logs" / "ga4.tap.log").read_text()
    assert google_tokens.refresh_token not in log and google_tokens.client_secret not in log


def test_streams_are_the_raw_contract_streams_with_their_schemas_and_keys(config):
    tap = TapCerebroGa4(config=config, parse_env_config=False)
    assert set(tap.streams) == set(STREAMS_BY_SOURCE["ga4"])
    for name, stream in tap.streams.items():
        contract = raw_stream("ga4", name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
        assert stream.replication_key == contract.replication_key, name
