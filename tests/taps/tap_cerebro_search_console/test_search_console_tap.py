"""tap-cerebro-search-console against a local server that behaves like searchAnalytics.query.

Oracles: the fake API's truth per key and day (every row of every page lands
once, counts as integers, ctr and position exact), Search Console's documented
behaviour (``startRow`` paging until a short page or no ``rows``, Pacific-time
days, ``firstIncompleteDate`` or ``first_incomplete_date`` with ``dataState:
all``, 429 and 403 quotaExceeded retried, 403 forbidden fatal) and the Singer
state (incomplete days read again until final; resumable; untouched by a fatal
error). On the command line, a fatal error is one line and exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_search_console.tap import TapCerebroSearchConsole

from cerebro.landing.pipeline import LandingError
from tests.taps.tap_cerebro_search_console.fake_search_console_api import (
    FakeSearchConsoleApi,
    backend_error,
    bad_request,
    forbidden,
    quota_exceeded,
    rate_limited,
)

DOMAIN, PREFIX = "sc-domain:tienda.cl", "https://www.tienda.cl/"
STREAMS = ("performance_by_date", "performance_by_page", "performance_by_query")
DIMENSION = {
    "performance_by_date": None,
    "performance_by_page": "page",
    "performance_by_query": "query",
}
# 07:30 UTC on 10 March 2024 is 23:30 on the 9th in Pacific time (PST, -08), the
# timezone Search Console days are in; 8 and 9 March are still being processed.
NOW = "2024-03-10T07:30:00+00:00"


@pytest.fixture
def api(httpserver, google_tokens) -> FakeSearchConsoleApi:
    fake = FakeSearchConsoleApi(google_tokens, (DOMAIN, PREFIX), fresh_from="2024-03-08")
    fake.register(httpserver)
    return fake


@pytest.fixture
def config(api, google_tokens) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "site_urls": [DOMAIN, PREFIX],
        "client_id": google_tokens.client_id,
        "client_secret": google_tokens.client_secret,
        "refresh_token": google_tokens.refresh_token,
        "start_date": "2024-02-20",
        "row_limit": 4,
        "base_url": api.base_url,
        "token_url": google_tokens.url,
    }


def days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]


def expected_keys(api, stream: str, first: str, last: str, sites=(DOMAIN, PREFIX)) -> set:
    dimension = DIMENSION[stream]
    keys = api.keys(dimension) if dimension else ("",)
    return {
        (site, "web", day.isoformat(), key)
        for site in sites
        for day in days(first, last)
        for key in keys
    }


def key_of(stream: str, record: dict) -> tuple:
    dimension = DIMENSION[stream]
    return (
        record["site_url"],
        record["search_type"],
        record["date"],
        record[dimension] if dimension else "",
    )


def test_every_row_of_every_page_lands_once_with_exact_values(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroSearchConsole, config, clock=fake_clock_at(NOW))
    assert run.error is None
    for stream in STREAMS:
        records = run.records(stream)
        keys = [key_of(stream, r) for r in records]
        assert len(keys) == len(set(keys)), stream
        assert set(keys) == expected_keys(api, stream, "2024-02-20", "2024-03-09"), stream
        for record, (site, search_type, day, key) in zip(records, keys, strict=True):
            truth = api.truth(site, search_type, dt.date.fromisoformat(day), key)
            assert isinstance(record["clicks"], int) and record["clicks"] == truth["clicks"]
            assert record["impressions"] == truth["impressions"]
            assert record["ctr"] == Decimal(str(truth["ctr"]))
            assert record["position"] == Decimal(str(truth["position"]))
        for site in (DOMAIN, PREFIX):
            dates = [r["date"] for r in records if r["site_url"] == site]
            assert dates == sorted(dates), stream
    # Paging: full pages are followed; a short page or a page without rows ends it.
    page_windows = [r for r in api.requests if r["dimensions"] == ["date", "page"]]
    assert {r["startRow"] for r in page_windows} == {0, 4}, "4 pages per day: 4 rows, then none"
    by_date = [r["startRow"] for r in api.requests if r["dimensions"] == ["date"]]
    assert by_date == [0, 4, 8, 12, 16] * 2, "19 days: four full pages and a short one"
    assert any("sc-domain%3Atienda.cl" in r["raw_uri"] for r in api.requests)


def test_days_are_pacific_time_days(api, config, run_in_process, fake_clock_at):
    run_in_process(TapCerebroSearchConsole, config, clock=fake_clock_at(NOW))
    assert {end for *_, end in api.windows(["date"])} == {"2024-03-09"}


@pytest.mark.parametrize("metadata_field", ["firstIncompleteDate", "first_incomplete_date"])
def test_incomplete_days_land_flagged_and_are_read_again_until_final(
    metadata_field, api, config, run_in_process, fake_clock_at
):
    """Whichever spelling of the metadata field the API answers with (the discovery
    document's or the query reference's), fresh days land flagged and are read again."""
    api.metadata_field = metadata_field
    first = run_in_process(TapCerebroSearchConsole, config, clock=fake_clock_at(NOW))
    for stream in STREAMS:
        states = {
            r["date"]: (r["data_state"], r["first_incomplete_date"]) for r in first.records(stream)
        }
        # The flag is the response's: by_date read 7 March in the same request as the 8th.
        seen_with = "2024-03-08" if stream == "performance_by_date" else None
        assert states["2024-03-07"] == ("final", seen_with)
        assert states["2024-03-08"] == states["2024-03-09"] == ("incomplete", "2024-03-08")
        partitions = first.final_state["bookmarks"][stream]["partitions"]
        assert {p["first_incomplete_date"] for p in partitions} == {"2024-03-08"}
        assert {p["replication_key_value"] for p in partitions} == {"2024-03-09"}

    api.fresh_from, api.requests = dt.date(2024, 3, 11), []
    later = fake_clock_at("2024-03-11T20:00:00+00:00")
    second = run_in_process(TapCerebroSearchConsole, config, clock=later, state=first.final_state)
    assert {start for _, _, start, _ in api.windows(["date"])} == {"2024-03-08"}
    for stream in STREAMS:
        records = second.records(stream)
        assert {r["date"] for r in records} == {
            "2024-03-08",
            "2024-03-09",
            "2024-03-10",
            "2024-03-11",
        }
        for record in records:
            site, search_type, day, key = key_of(stream, record)
            truth = api.truth(site, search_type, dt.date.fromisoformat(day), key)
            assert record["clicks"] == truth["clicks"], "final numbers replace incomplete ones"
            expected = "incomplete" if day == "2024-03-11" else "final"
            assert record["data_state"] == expected
        partitions = second.final_state["bookmarks"][stream]["partitions"]
        assert {p["first_incomplete_date"] for p in partitions} == {"2024-03-11"}


@pytest.mark.parametrize(
    ("fault", "wait"),
    [(rate_limited("7"), 7.0), (rate_limited(), 60.0), (quota_exceeded(), 60.0)],
    ids=["429-retry-after", "429", "403-quotaExceeded"],
)
def test_quota_answers_are_retried_later_then_succeed(
    fault, wait, api, config, run_in_process, fake_clock_at
):
    api.faults = [fault]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroSearchConsole, config, clock=clock)
    assert run.error is None and clock.sleeps == [wait]
    assert len(run.records("performance_by_date")) == 2 * 19


def test_backend_errors_are_retried_with_backoff(api, config, run_in_process, fake_clock_at):
    api.faults = [backend_error(), backend_error()]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroSearchConsole, config, clock=clock)
    assert run.error is None and clock.sleeps == [2.0, 4.0]


def test_a_rejected_token_is_refreshed_once_and_a_second_rejection_is_fatal(
    api, config, google_tokens, run_in_process, fake_clock_at
):
    api.revoke_tokens_at_request = 3
    run = run_in_process(TapCerebroSearchConsole, config, clock=fake_clock_at(NOW))
    assert run.error is None and google_tokens.issued == ["ya29.access-1", "ya29.access-2"]
    assert len(run.records("performance_by_query")) == 2 * 19 * 5

    google_tokens.dead_on_arrival = True
    run = run_in_process(TapCerebroSearchConsole, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    assert "freshly refreshed access token" in str(run.error)
    assert len(google_tokens.issued) == 4, "one refresh after the first 401, not a loop"


def test_forbidden_property_is_fatal_with_a_clear_message_and_state_untouched(
    api, config, google_tokens, run_in_process, fake_clock_at
):
    state = {
        "bookmarks": {
            "performance_by_date": {
                "partitions": [
                    {
                        "context": {"site_url": DOMAIN, "search_type": "web"},
                        "replication_key": "date",
                        "replication_key_value": "2024-03-01",
                        "first_incomplete_date": "2024-03-01",
                    }
                ]
            }
        }
    }
    api.faults = [forbidden()]
    run = run_in_process(TapCerebroSearchConsole, config, clock=fake_clock_at(NOW), state=state)
    assert isinstance(run.error, FatalAPIError)
    message = str(run.error)
    assert DOMAIN in message and "Add the authorized Google account" in message
    assert google_tokens.client_secret not in message and google_tokens.refresh_token not in message
    assert run.states == [state]


def test_interrupted_sync_resumes_from_its_state_without_losing_or_repeating_rows(
    api, config, google_tokens, landing
):
    config = {**config, "site_urls": [DOMAIN], "start_date": "2024-01-01", "end_date": "2024-03-09"}
    # by_date takes 18 requests and by_page 138: the failure comes in by_query.
    api.fail_after_requests = (200, forbidden())
    with pytest.raises(LandingError, match="Search Console refused access") as failure:
        landing.run("tap-cerebro-search-console", "search_console", config)
    # The landing error shows the tap's one line, once, without a traceback.
    assert str(failure.value).count("Search Console refused access") == 1
    assert "the tap failed (exit 2)" in str(failure.value)
    saved = json.loads(landing.state_path("search_console").read_text())["bookmarks"]
    for stream in ("performance_by_date", "performance_by_page"):
        (partition,) = saved[stream]["partitions"]
        assert partition["replication_key_value"] == "2024-03-09"
        assert partition["first_incomplete_date"] == "2024-03-08"

    api.fail_after_requests, api.requests = None, []
    landing.run("tap-cerebro-search-console", "search_console", config)
    assert api.windows(["date"])[0][2] == "2024-03-08", "only incomplete days are read again"
    assert api.windows(["date", "query"])[0][2] == "2024-01-01", "by_query never finished"
    for stream in STREAMS:
        dimension = DIMENSION[stream]
        key = f", {dimension}" if dimension else ", ''"
        landed = landing.query(
            f"select site_url, search_type, strftime(date, '%Y-%m-%d'){key}, clicks, data_state "
            f"from raw_search_console.{stream}"
        )
        keys = [row[:4] for row in landed]
        expected = expected_keys(api, stream, "2024-01-01", "2024-03-09", sites=(DOMAIN,))
        assert len(keys) == len(set(keys)) == len(expected) and set(keys) == expected, stream
        for site, search_type, day, value, clicks, data_state in landed:
            truth = api.truth(site, search_type, dt.date.fromisoformat(day), value)
            assert clicks == truth["clicks"]
            assert data_state == ("incomplete" if day >= "2024-03-08" else "final")
    log = landing.tap_log("search_console")
    assert google_tokens.refresh_token not in log and google_tokens.client_secret not in log


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda api, tokens, config: setattr(tokens, "dead_on_arrival", True),
            r"rejected a freshly refreshed access token .* Check that client_id",
        ),
        (
            lambda api, tokens, config: config.update(site_urls=["sc-domain:otra-tienda.cl"]),
            r"refused access to sc-domain:otra-tienda.cl .*Add the authorized Google account",
        ),
        (
            lambda api, tokens, config: api.faults.append(bad_request("Invalid date range.")),
            r"Search Console API error \(INVALID_ARGUMENT: Invalid date range.\) \(HTTP 400\)",
        ),
        (
            lambda api, tokens, config: api.faults.extend([rate_limited("0")] * 8),
            r"gave up after 8 attempts; last error: Search Console quota exceeded",
        ),
    ],
    ids=["401-bad-token", "403-unknown-property", "400-bad-request", "429-after-retries"],
)
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    setup, message, api, config, google_tokens, run_command
):
    setup(api, google_tokens, config)
    config["end_date"] = "2024-03-09"
    command = run_command("tap-cerebro-search-console", config)
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    assert google_tokens.refresh_token not in command.stderr


def test_the_traceback_of_a_fatal_error_is_kept_at_debug_level(
    api, config, google_tokens, run_command
):
    google_tokens.dead_on_arrival = True
    command = run_command(
        "tap-cerebro-search-console", config, env={"TAP_CEREBRO_SEARCH_CONSOLE_LOGLEVEL": "DEBUG"}
    )
    assert command.returncode == 2
    assert "Traceback" in command.stderr and "FatalAPIError" in command.stderr


def test_streams_are_the_raw_contract_streams_with_their_schemas_and_keys(config):
    tap = TapCerebroSearchConsole(config=config, parse_env_config=False)
    assert set(tap.streams) == set(STREAMS_BY_SOURCE["search_console"])
    for name, stream in tap.streams.items():
        contract = raw_stream("search_console", name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
        assert stream.replication_key == contract.replication_key, name
