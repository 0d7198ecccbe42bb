"""tap-cerebro-tiktok-ads against a local server that behaves like the TikTok API for Business.

Oracles: the fake API's truth per campaign and day (every row of every page lands exactly
once, TikTok's strings as exact numbers, days without delivery absent, deleted campaigns
present), TikTok's documented behaviour (the envelope's codes: 40100-series rate limits,
40105 token, 40001 permission, 5xxxx system errors; at most 30 days per query; page
numbers), the advertisers' time zones (a day ends at the region's midnight, daylight saving
included, not at the fixed offset's) and the Singer state (resumable, untouched by a fatal
error, the advertiser's span of days read landed only after a complete read).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_tiktok_ads.tap import TapCerebroTikTokAds

from cerebro.landing.pipeline import LandingError
from tests.taps.tap_cerebro_tiktok_ads.fake_tiktok_api import (
    Advertiser,
    FakeTikTokApi,
    bad_parameter,
    bad_token,
    system_error,
    throttled,
)

TOKEN = "tt-long-term-token-SECRET-0123456789"
SANTIAGO, LIMA = "7001234567890", "7009876543210"
ADVERTISERS = {
    SANTIAGO: Advertiser(
        "CasaFácil CL", "CLP", "Etc/GMT+4", "America/Santiago", ("1801", "1802", "1803"),
        deleted_campaigns=("1809",),
    ),
    LIMA: Advertiser("CasaFácil PE", "PEN", "Etc/GMT+5", "America/Lima", ("2801",)),
}  # fmt: skip
# 03:30 UTC on 15 January 2025: 00:30 on the 15th in Santiago (summer time, -03; the fixed
# Etc/GMT+4 that TikTok also reports would still say the 14th) and 22:30 on the 14th in Lima.
NOW = "2025-01-15T03:30:00+00:00"


@pytest.fixture
def api(httpserver) -> FakeTikTokApi:
    fake = FakeTikTokApi(TOKEN, ADVERTISERS)
    fake.register(httpserver)
    return fake


@pytest.fixture
def config(api) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "access_token": TOKEN,
        "advertiser_ids": [SANTIAGO, LIMA],
        "start_date": "2024-12-01",
        "base_url": api.base_url,
        "page_size": 7,
    }


def days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]


def expected_keys(api, first: str, last_by_advertiser: dict[str, str]) -> set[tuple]:
    keys = set()
    for advertiser_id, last in last_by_advertiser.items():
        advertiser = ADVERTISERS[advertiser_id]
        for day in days(first, last):
            for campaign in advertiser.campaigns + advertiser.deleted_campaigns:
                if api.truth(campaign, day) is not None:
                    keys.add((advertiser_id, campaign, day.isoformat()))
    return keys


def test_every_row_of_every_page_lands_once_with_exact_numbers(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroTikTokAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    rows = run.records("campaign_reports")
    keys = [(r["advertiser_id"], r["campaign_id"], r["stat_date"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_keys(
        api, "2024-12-01", {SANTIAGO: "2025-01-15", LIMA: "2025-01-14"}
    )
    assert any(campaign == "1809" for _, campaign, _ in keys), "deleted campaigns spent too"
    pages = [r for r in api.requests if r["path"].endswith("/report/integrated/get/")]
    assert len(pages) > 3 * len(api.report_windows()), "the test must exercise paging"
    for row in rows:
        truth = api.truth(row["campaign_id"], dt.date.fromisoformat(row["stat_date"]))
        assert row["spend"] == Decimal(truth["spend"])
        assert isinstance(row["impressions"], int) and row["impressions"] == int(
            truth["impressions"]
        )
        assert row["clicks"] == int(truth["clicks"])
        assert row["conversions"] == Decimal(truth["conversion"])
        assert row["purchases"] == Decimal(truth["complete_payment"])
        assert row["purchase_value"] == Decimal(truth["total_complete_payment_rate"])
        assert row["tenant_id"] == "tienda_cl"
        assert row["currency"] == ADVERTISERS[row["advertiser_id"]].currency
        assert row["timezone"] == ADVERTISERS[row["advertiser_id"]].display_timezone
        assert row["campaign_name"] == f"TikTok {row['campaign_id']}"


def test_days_end_at_the_advertisers_midnight_and_queries_span_at_most_30_days(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroTikTokAds, config, clock=fake_clock_at(NOW))
    windows = api.report_windows()
    assert max(end for a, _, end in windows if a == SANTIAGO) == "2025-01-15"
    assert max(end for a, _, end in windows if a == LIMA) == "2025-01-14"
    for _, start, end in windows:
        span = dt.date.fromisoformat(end) - dt.date.fromisoformat(start)
        assert span.days < 30
    for advertiser_id in ADVERTISERS:
        dates = [r["stat_date"] for r in run.records("campaign_reports")
                 if r["advertiser_id"] == advertiser_id]  # fmt: skip
        assert dates == sorted(dates)
    bookmarks = {
        p["context"]["advertiser_id"]: p["replication_key_value"]
        for p in run.final_state["bookmarks"]["campaign_reports"]["partitions"]
    }
    last_with_rows = {
        a: max(d for a2, _, d in expected_keys(api, "2024-12-01", {a: last}) if a2 == a)
        for a, last in {SANTIAGO: "2025-01-15", LIMA: "2025-01-14"}.items()
    }
    assert bookmarks == last_with_rows


def test_advertisers_land_with_the_span_of_days_read(api, config, run_in_process, fake_clock_at):
    run = run_in_process(TapCerebroTikTokAds, config, clock=fake_clock_at(NOW))
    advertisers = {r["advertiser_id"]: r for r in run.records("advertisers")}
    assert advertisers == {
        SANTIAGO: {
            "tenant_id": "tienda_cl", "advertiser_id": SANTIAGO, "advertiser_name": "CasaFácil CL",
            "currency": "CLP", "timezone": "America/Santiago",
            "report_start_date": "2024-12-01", "report_end_date": "2025-01-15",
        },
        LIMA: {
            "tenant_id": "tienda_cl", "advertiser_id": LIMA, "advertiser_name": "CasaFácil PE",
            "currency": "PEN", "timezone": "America/Lima",
            "report_start_date": "2024-12-01", "report_end_date": "2025-01-14",
        },
    }  # fmt: skip
    # The next run reads from the bookmark minus the lookback, yet every day since the first
    # one ever read is still covered: the first day read is kept in the state.
    later = run_in_process(
        TapCerebroTikTokAds, config, clock=fake_clock_at("2025-01-20T15:00:00+00:00"),
        state=run.final_state,
    )  # fmt: skip
    spans = {r["advertiser_id"]: (r["report_start_date"], r["report_end_date"])
             for r in later.records("advertisers")}  # fmt: skip
    assert spans == {SANTIAGO: ("2024-12-01", "2025-01-20"), LIMA: ("2024-12-01", "2025-01-20")}
    assert min(start for _, start, _ in api.report_windows()[-4:]) > "2024-12-01"


@pytest.mark.parametrize("code", [40100, 40133, 40016])
def test_rate_limits_wait_a_minute_then_succeed(code, api, config, run_in_process, fake_clock_at):
    api.faults = [throttled(code), throttled(code)]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroTikTokAds, config, clock=clock)
    assert run.error is None
    assert clock.sleeps == [60.0, 60.0]
    assert len(run.records("campaign_reports")) == len(
        expected_keys(api, "2024-12-01", {SANTIAGO: "2025-01-15", LIMA: "2025-01-14"})
    )


@pytest.mark.parametrize(
    "fault", [system_error(50000), system_error(50002), system_error(50000, status=503)],
    ids=["code-50000", "code-50002", "http-503"],
)  # fmt: skip
def test_transient_errors_are_retried_with_backoff(
    fault, api, config, run_in_process, fake_clock_at
):
    api.faults = [fault, fault]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroTikTokAds, config, clock=clock)
    assert run.error is None
    assert clock.sleeps == [2.0, 4.0]
    assert len(run.records("campaign_reports")) == len(
        expected_keys(api, "2024-12-01", {SANTIAGO: "2025-01-15", LIMA: "2025-01-14"})
    )


def test_persistent_system_errors_give_up_after_eight_attempts(
    api, config, run_in_process, fake_clock_at
):
    api.faults = [system_error()] * 8
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroTikTokAds, config, clock=clock)
    assert isinstance(run.error, FatalAPIError)
    assert "gave up after 8 attempts" in str(run.error) and "code 50000" in str(run.error)
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]
    assert run.records("advertisers") == []


def test_revoked_token_stops_with_a_clear_message_that_never_shows_the_token(
    api, config, run_in_process, fake_clock_at
):
    api.faults = [bad_token()]
    run = run_in_process(TapCerebroTikTokAds, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    message = str(run.error)
    assert "access token" in message and "code 40105" in message and "access_token" in message
    assert TOKEN not in message
    assert run.records("campaign_reports") == [] and run.records("advertisers") == []
    assert all(r["token"] == TOKEN for r in api.requests)
    assert all(TOKEN not in json.dumps(r["args"]) for r in api.requests), "token in a URL"


def test_fatal_error_emits_no_state_so_the_saved_bookmarks_stay(
    api, config, run_in_process, fake_clock_at
):
    state = {
        "bookmarks": {
            "campaign_reports": {
                "partitions": [
                    {
                        "context": {"advertiser_id": SANTIAGO},
                        "replication_key": "stat_date",
                        "replication_key_value": "2024-12-20",
                        "first_day_read": "2024-12-01",
                    }
                ]
            }
        }
    }
    # Santiago's first window (1-30 December: start_date is later than the bookmark minus the
    # lookback) is read in pages of 7; the token dies right after it.
    first_window = [
        (c, d) for d in days("2024-12-01", "2024-12-30") for c in ("1801", "1802", "1803", "1809")
        if api.truth(c, d) is not None
    ]  # fmt: skip
    api.fail_after_report_requests = (-(-len(first_window) // 7), bad_token())
    run = run_in_process(TapCerebroTikTokAds, config, clock=fake_clock_at(NOW), state=state)
    assert isinstance(run.error, FatalAPIError)
    read = {(r["campaign_id"], dt.date.fromisoformat(r["stat_date"]))
            for r in run.records("campaign_reports")}  # fmt: skip
    assert read == set(first_window)
    assert run.records("advertisers") == []
    # sync_all echoes the input state first; nothing after it may move a bookmark.
    assert run.states == [state]


def test_lookback_rereads_28_days_so_restated_conversions_are_sent_again(
    api, config, run_in_process, fake_clock_at
):
    first = run_in_process(TapCerebroTikTokAds, config, clock=fake_clock_at(NOW))
    day = next(d for d in days("2024-12-25", "2025-01-05") if api.truth("1801", d))
    api.restated[("1801", day.isoformat())] = {
        "complete_payment": "9", "total_complete_payment_rate": "179910.00"
    }  # fmt: skip
    api.requests.clear()
    later = run_in_process(
        TapCerebroTikTokAds, config, clock=fake_clock_at("2025-01-17T03:30:00+00:00"),
        state=first.final_state,
    )  # fmt: skip
    bookmark = {
        p["context"]["advertiser_id"]: p["replication_key_value"]
        for p in first.final_state["bookmarks"]["campaign_reports"]["partitions"]
    }[SANTIAGO]
    resumed_from = min(start for a, start, _ in api.report_windows() if a == SANTIAGO)
    assert resumed_from == (dt.date.fromisoformat(bookmark) - dt.timedelta(days=28)).isoformat()
    (restated,) = [
        r for r in later.records("campaign_reports")
        if r["campaign_id"] == "1801" and r["stat_date"] == day.isoformat()
    ]  # fmt: skip
    assert (restated["purchases"], restated["purchase_value"]) == (9, Decimal("179910.00"))


def test_interrupted_sync_resumes_from_its_state_without_losing_or_repeating_rows(
    api, config, landing
):
    config = {**config, "start_date": "2024-03-01", "end_date": "2025-01-14", "page_size": 50}
    api.fail_after_report_requests = (20, bad_token())
    with pytest.raises(LandingError):
        landing.run("tap-cerebro-tiktok-ads", "tiktok_ads", config)
    saved = json.loads(landing.state_path("tiktok_ads").read_text())
    (partition,) = saved["bookmarks"]["campaign_reports"]["partitions"]
    bookmark = dt.date.fromisoformat(partition["replication_key_value"])
    assert dt.date(2024, 3, 1) < bookmark < dt.date(2025, 1, 14)
    assert landing.query("select count(*) from raw_tiktok_ads.campaign_reports")[0][0] >= 500
    # The advertisers' spans land only after a complete read: not even the table yet.
    assert not landing.query(
        "select * from information_schema.tables where table_name = 'advertisers'"
    )

    api.fail_after_report_requests, api.requests = None, []
    landing.run("tap-cerebro-tiktok-ads", "tiktok_ads", config)
    resumed_from = min(s for a, s, _ in api.report_windows() if a == SANTIAGO)
    assert resumed_from == (bookmark - dt.timedelta(days=28)).isoformat()
    expected = expected_keys(api, "2024-03-01", {SANTIAGO: "2025-01-14", LIMA: "2025-01-14"})
    landed = landing.query(
        "select advertiser_id, campaign_id, strftime(stat_date, '%Y-%m-%d'), spend, purchases, "
        "timezone from raw_tiktok_ads.campaign_reports"
    )
    keys = [row[:3] for row in landed]
    assert len(keys) == len(set(keys)) == len(expected)
    assert set(keys) == expected
    for advertiser_id, campaign_id, day, spend, purchases, timezone in landed:
        truth = api.truth(campaign_id, dt.date.fromisoformat(day))
        assert spend == Decimal(truth["spend"]), "TikTok's decimal string must land exactly"
        assert purchases == Decimal(truth["complete_payment"])
        assert timezone == ADVERTISERS[advertiser_id].display_timezone
    spans = landing.query(
        "select advertiser_id, strftime(report_start_date, '%Y-%m-%d'), "
        "strftime(report_end_date, '%Y-%m-%d') from raw_tiktok_ads.advertisers order by 1"
    )
    assert spans == [(SANTIAGO, "2024-03-01", "2025-01-14"), (LIMA, "2024-03-01", "2025-01-14")]
    assert TOKEN not in landing.tap_log("tiktok_ads")
    assert TOKEN not in landing.state_path("tiktok_ads").read_text()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda api, config: config.update(access_token="tt-revoked"),
            r"TikTok rejected the access token \(code 40105.* put the new long-term token in "
            r"the environment variable",
        ),
        (
            lambda api, config: config.update(advertiser_ids=["7000000000404"]),
            r"TikTok refused access \(code 40001: No permission to operate advertiser "
            r"7000000000404.\) \(HTTP 200, request_id \w+\)\. Check advertiser_ids",
        ),
        (
            lambda api, config: api.faults.append(bad_parameter("metrics: unknown metric")),
            r"TikTok Marketing API error \(code 40002: metrics: unknown metric\) \(HTTP 200, "
            r"request_id \w+\) for /open_api/v1.3/report/integrated/get/",
        ),
    ],
    ids=["revoked-token-40105", "no-permission-40001", "bad-parameter-40002"],
)
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    setup, message, api, config, run_command
):
    setup(api, config)
    command = run_command("tap-cerebro-tiktok-ads", config)
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    assert TOKEN not in command.stderr


def test_streams_are_the_raw_contract_streams_with_their_schemas_and_keys(config):
    tap = TapCerebroTikTokAds(config=config, parse_env_config=False)
    assert list(tap.streams) == list(STREAMS_BY_SOURCE["tiktok_ads"])
    for name, stream in tap.streams.items():
        contract = raw_stream("tiktok_ads", name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
    assert tap.streams["campaign_reports"].replication_key == "stat_date"
    assert tap.streams["advertisers"].replication_key is None, "re-emitted whole every run"
