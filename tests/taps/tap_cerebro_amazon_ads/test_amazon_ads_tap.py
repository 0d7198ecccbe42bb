"""tap-cerebro-amazon-ads against a local server that behaves like the Amazon Ads API.

Oracles: the fake API's truth per campaign and day (every row of every report file lands
once, Amazon's JSON numbers as exact decimals, days without impressions absent), Amazon's
documented report flow (request, status until COMPLETED or FAILED, gzipped JSON at a
pre-signed address that takes no credentials and expires; at most 31 days per report, 95
days of history; 425 for a duplicate; 429 with Retry-After), Login with Amazon tokens
(refreshed when rejected, a revoked refresh token stops the run), the profiles' time zones
and the Singer state (resumable, untouched by a fatal error, the profile's span of days read
landed only after a complete read).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_amazon_ads.tap import TapCerebroAmazonAds

from cerebro.landing.pipeline import LandingError
from tests.taps.tap_cerebro_amazon_ads.amazon_ads_profiles import LOS_ANGELES, MEXICO, NOW, PROFILES
from tests.taps.tap_cerebro_amazon_ads.fake_amazon_ads_api import (
    bad_request,
    server_error,
    throttled,
)


def days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]


def expected_keys(api, first: str, last_by_profile: dict[str, str]) -> set[tuple]:
    return {
        (profile_id, str(campaign), day.isoformat())
        for profile_id, last in last_by_profile.items()
        for day in days(first, last)
        for campaign in api.profiles[profile_id].campaigns
        if api.truth(campaign, day) is not None
    }


ALL = {LOS_ANGELES: "2025-01-14", MEXICO: "2025-01-15"}


def test_every_row_of_every_report_lands_once_with_exact_numbers(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    rows = run.records("sp_campaigns")
    keys = [(r["profile_id"], r["campaign_id"], r["date"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_keys(api, "2024-12-01", ALL)
    assert len(api.reports) == 4, "two reports of at most 31 days per profile"
    for row in rows:
        truth = api.truth(int(row["campaign_id"]), dt.date.fromisoformat(row["date"]))
        assert row["cost"] == Decimal(truth["cost"])
        assert row["sales_7d"] == Decimal(truth["sales7d"])
        assert row["sales_14d"] == Decimal(truth["sales14d"])
        assert (row["impressions"], row["clicks"], row["purchases_7d"], row["purchases_14d"]) == (
            truth["impressions"], truth["clicks"], truth["purchases7d"], truth["purchases14d"]
        )  # fmt: skip
        profile = PROFILES[row["profile_id"]]
        assert (row["currency_code"], row["timezone"], row["country_code"]) == (
            profile.currency_code, profile.timezone, profile.country_code
        )  # fmt: skip
        assert row["tenant_id"] == "tienda_us"
    downloads = [r for r in api.requests if r["path"].startswith("/download/")]
    assert downloads and all(r["authorization"] is None for r in downloads)


def test_days_end_at_the_profiles_midnight_and_reports_span_at_most_31_days(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    windows = api.report_windows()
    assert max(end for p, _, end in windows if p == LOS_ANGELES) == "2025-01-14"
    assert max(end for p, _, end in windows if p == MEXICO) == "2025-01-15"
    assert all((dt.date.fromisoformat(e) - dt.date.fromisoformat(s)).days < 31
               for _, s, e in windows)  # fmt: skip
    for profile_id in PROFILES:
        dates = [r["date"] for r in run.records("sp_campaigns") if r["profile_id"] == profile_id]
        assert dates == sorted(dates)


def test_history_starts_within_the_95_days_amazon_keeps(api, config, run_in_process, fake_clock_at):
    run = run_in_process(
        TapCerebroAmazonAds, {**config, "start_date": "2024-01-01"}, clock=fake_clock_at(NOW)
    )
    assert run.error is None
    firsts = {p: min(s for p2, s, _ in api.report_windows() if p2 == p) for p in PROFILES}
    assert firsts == {LOS_ANGELES: "2024-10-12", MEXICO: "2024-10-13"}  # 95 days to "today"
    spans = {r["profile_id"]: r["report_start_date"] for r in run.records("profiles")}
    assert spans == firsts


def test_profiles_land_with_the_span_of_days_read(api, config, run_in_process, fake_clock_at):
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    profiles = {r["profile_id"]: r for r in run.records("profiles")}
    assert profiles[LOS_ANGELES] == {
        "tenant_id": "tienda_us", "profile_id": LOS_ANGELES, "country_code": "US",
        "currency_code": "USD", "timezone": "America/Los_Angeles",
        "marketplace_id": "ATVPDKIKX0DER", "account_name": "Casa US", "account_type": "seller",
        "report_start_date": "2024-12-01", "report_end_date": "2025-01-14",
    }  # fmt: skip
    assert (profiles[MEXICO]["report_start_date"], profiles[MEXICO]["report_end_date"]) == (
        "2024-12-01", "2025-01-15"
    )  # fmt: skip


def test_reports_are_polled_with_growing_pauses_until_completed(
    api, config, run_in_process, fake_clock_at
):
    api.polls_until_ready = 4
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroAmazonAds, {**config, "profile_ids": [MEXICO]}, clock=clock)
    assert run.error is None
    assert clock.sleeps == [30.0, 60.0, 120.0] * 2
    statuses = [r for r in api.requests if r["path"].startswith("/reporting/reports/")]
    assert len(statuses) == 4 * 2


def test_a_failed_report_is_requested_again(api, config, run_in_process, fake_clock_at):
    api.fail_next_reports = 2
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    assert len(api.reports) == 4 + 2
    assert {(r["profile_id"], r["campaign_id"], r["date"]) for r in run.records("sp_campaigns")} \
        == expected_keys(api, "2024-12-01", ALL)  # fmt: skip


def test_a_report_that_keeps_failing_stops_the_run_without_moving_the_bookmark(
    api, config, run_in_process, fake_clock_at
):
    api.fail_next_reports = 3
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    assert "failed to generate the spCampaigns report of profile 1111111111" in str(run.error)
    assert run.records("sp_campaigns") == [] and run.records("profiles") == []


def test_throttling_waits_what_retry_after_says(api, config, run_in_process, fake_clock_at):
    api.faults = [throttled(7), throttled(None)]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroAmazonAds, config, clock=clock)
    assert run.error is None
    assert clock.sleeps[:2] == [7.0, 60.0]
    assert len(run.records("sp_campaigns")) == len(expected_keys(api, "2024-12-01", ALL))


def test_a_duplicate_request_waits_for_the_report_being_generated(
    api, config, run_in_process, fake_clock_at
):
    api.refuse_as_duplicate = 2
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroAmazonAds, config, clock=clock)
    assert run.error is None
    assert clock.sleeps[:2] == [120.0, 120.0]
    assert len(api.reports) == 4


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_with_backoff(status, api, config, run_in_process, fake_clock_at):
    api.faults = [server_error(status), server_error(status)]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroAmazonAds, config, clock=clock)
    assert run.error is None
    assert clock.sleeps[:2] == [2.0, 4.0]
    assert len(run.records("sp_campaigns")) == len(expected_keys(api, "2024-12-01", ALL))


def test_a_rejected_access_token_is_refreshed_once_and_the_run_goes_on(
    api, lwa, config, run_in_process, fake_clock_at
):
    api.revoke_tokens_after_reports = 2
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    assert len(lwa.issued) == 2
    assert len(run.records("sp_campaigns")) == len(expected_keys(api, "2024-12-01", ALL))


def test_the_token_is_refreshed_before_it_expires_on_long_waits(
    api, lwa, config, run_in_process, fake_clock_at
):
    api.polls_until_ready = 8  # 30+60+120+300*4 s of pauses per report: past an hour in all
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    assert len(lwa.issued) >= 2
    assert not [r for r in api.requests if r["path"] != "/download" and r["authorization"]
                and r["authorization"].removeprefix("Bearer ") in lwa.rejected]  # fmt: skip


def test_an_expired_download_address_is_replaced(api, config, run_in_process, fake_clock_at):
    api.expire_next_downloads = 1
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    assert len(run.records("sp_campaigns")) == len(expected_keys(api, "2024-12-01", ALL))


def test_a_revoked_refresh_token_stops_with_a_clear_message_without_secrets(
    api, lwa, config, run_in_process, fake_clock_at
):
    lwa.revoked = True
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    message = str(run.error)
    assert "Login with Amazon refused to refresh the access token" in message
    assert "invalid_grant" in message and "refresh_token" in message
    assert lwa.refresh_token not in message and lwa.client_secret not in message
    assert run.records("sp_campaigns") == []


def test_fatal_error_emits_no_state_so_the_saved_bookmarks_stay(
    api, config, run_in_process, fake_clock_at
):
    state = {
        "bookmarks": {
            "sp_campaigns": {
                "partitions": [
                    {
                        "context": {"profile_id": LOS_ANGELES},
                        "replication_key": "date",
                        "replication_key_value": "2024-12-20",
                        "first_day_read": "2024-12-01",
                    }
                ]
            }
        }
    }
    api.fail_after_reports = (1, bad_request("configuration: columns: unknown column"))
    run = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW), state=state)
    assert isinstance(run.error, FatalAPIError)
    assert {r["date"][:7] for r in run.records("sp_campaigns")} == {"2024-12"}
    assert run.records("profiles") == []
    assert run.states == [state]


def test_lookback_rereads_42_days_so_restated_sales_are_sent_again(
    api, config, run_in_process, fake_clock_at
):
    first = run_in_process(TapCerebroAmazonAds, config, clock=fake_clock_at(NOW))
    campaign = PROFILES[MEXICO].campaigns[0]
    day = next(d for d in days("2024-12-20", "2025-01-05") if api.truth(campaign, d))
    api.restated[(campaign, day.isoformat())] = {"purchases14d": 9, "sales14d": "216.99"}
    api.reports.clear()
    later = run_in_process(
        TapCerebroAmazonAds, config, clock=fake_clock_at("2025-01-17T07:30:00+00:00"),
        state=first.final_state,
    )  # fmt: skip
    bookmark = {
        p["context"]["profile_id"]: p["replication_key_value"]
        for p in first.final_state["bookmarks"]["sp_campaigns"]["partitions"]
    }[MEXICO]
    resumed_from = min(s for p, s, _ in api.report_windows() if p == MEXICO)
    assert resumed_from == (dt.date.fromisoformat(bookmark) - dt.timedelta(days=42)).isoformat()
    (restated,) = [
        r for r in later.records("sp_campaigns")
        if r["campaign_id"] == str(campaign) and r["date"] == day.isoformat()
    ]  # fmt: skip
    assert (restated["purchases_14d"], restated["sales_14d"]) == (9, Decimal("216.99"))
    spans = {r["profile_id"]: r["report_start_date"] for r in later.records("profiles")}
    assert spans == {LOS_ANGELES: "2024-12-01", MEXICO: "2024-12-01"}


def test_interrupted_sync_resumes_from_its_state_without_losing_or_repeating_rows(
    api, config, landing
):
    config = {**config, "start_date": "2024-10-20", "end_date": "2025-01-14",
              "poll_interval_seconds": 0.01}  # fmt: skip
    api.polls_until_ready = 1
    # Eight campaigns: Los Angeles' three reports hold enough rows for a STATE (every 500).
    api.profiles[LOS_ANGELES] = dataclasses.replace(
        PROFILES[LOS_ANGELES], campaigns=tuple(158410630682980 + k for k in range(8))
    )
    # Los Angeles is read whole; the first report of Mexico City is refused.
    api.fail_after_reports = (3, bad_request("Invalid Advertiser or Marketplace ID."))
    with pytest.raises(LandingError):
        landing.run("tap-cerebro-amazon-ads", "amazon_ads", config)
    saved = json.loads(landing.state_path("amazon_ads").read_text())
    bookmarks = {
        p["context"]["profile_id"]: dt.date.fromisoformat(p["replication_key_value"])
        for p in saved["bookmarks"]["sp_campaigns"]["partitions"]
    }
    assert set(bookmarks) == {LOS_ANGELES}
    assert dt.date(2024, 10, 20) < bookmarks[LOS_ANGELES] <= dt.date(2025, 1, 14)
    assert landing.query("select count(*) from raw_amazon_ads.sp_campaigns")[0][0] >= 500
    assert not landing.query(
        "select * from information_schema.tables where table_name = 'profiles'"
    )

    api.fail_after_reports, api.reports = None, {}
    landing.run("tap-cerebro-amazon-ads", "amazon_ads", config)
    resumed_from = min(s for p, s, _ in api.report_windows() if p == LOS_ANGELES)
    assert (
        resumed_from
        == max(dt.date(2024, 10, 20), bookmarks[LOS_ANGELES] - dt.timedelta(days=42)).isoformat()
    )
    assert min(s for p, s, _ in api.report_windows() if p == MEXICO) == "2024-10-20"
    expected = expected_keys(api, "2024-10-20", {LOS_ANGELES: "2025-01-14", MEXICO: "2025-01-14"})
    landed = landing.query(
        "select profile_id, campaign_id, strftime(date, '%Y-%m-%d'), cost, sales_7d "
        "from raw_amazon_ads.sp_campaigns"
    )
    keys = [row[:3] for row in landed]
    assert len(keys) == len(set(keys)) == len(expected)
    assert set(keys) == expected
    for _, campaign_id, day, cost, sales in landed:
        truth = api.truth(int(campaign_id), dt.date.fromisoformat(day))
        assert (cost, sales) == (Decimal(truth["cost"]), Decimal(truth["sales7d"]))
    spans = landing.query(
        "select profile_id, strftime(report_start_date, '%Y-%m-%d'), "
        "strftime(report_end_date, '%Y-%m-%d') from raw_amazon_ads.profiles order by 1"
    )
    assert spans == [
        (LOS_ANGELES, "2024-10-20", "2025-01-14"),
        (MEXICO, "2024-10-20", "2025-01-14"),
    ]
    log = landing.tap_log("amazon_ads")
    assert config["refresh_token"] not in log and config["client_secret"] not in log


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda api, lwa, config: setattr(lwa, "revoked", True),
            r"Login with Amazon refused to refresh the access token \(HTTP 400, invalid_grant",
        ),
        (
            lambda api, lwa, config: config.update(profile_ids=["9999999999"]),
            r"Amazon Ads lists no profile 9999999999 for these credentials \(it lists "
            r"\['1111111111', '2222222222'\]\)\. Check profile_ids",
        ),
        (
            lambda api, lwa, config: api.faults.append(bad_request("Invalid date range")),
            r"Amazon Ads API error \(400: Invalid date range\) \(HTTP 400, request -\) for "
            r"/reporting/reports",
        ),
    ],
    ids=["revoked-refresh-token", "unknown-profile", "400-bad-request"],
)
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    setup, message, api, lwa, config, run_command
):
    setup(api, lwa, config)
    command = run_command("tap-cerebro-amazon-ads", config)
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    assert lwa.refresh_token not in command.stderr and lwa.client_secret not in command.stderr


def test_streams_are_the_raw_contract_streams_with_their_schemas_and_keys(config):
    tap = TapCerebroAmazonAds(config=config, parse_env_config=False)
    assert list(tap.streams) == list(STREAMS_BY_SOURCE["amazon_ads"])
    for name, stream in tap.streams.items():
        contract = raw_stream("amazon_ads", name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
    assert tap.streams["sp_campaigns"].replication_key == "date"
    assert tap.streams["profiles"].replication_key is None, "re-emitted whole every run"


def test_the_connection_test_reads_the_profiles_and_asks_for_no_report(api, config, fake_clock_at):
    """`cerebro check` runs the tap's --test: a report takes Amazon minutes to make, so the
    test reads the token and the profiles list only, and names a profile it does not list."""
    tap = TapCerebroAmazonAds(config=config)
    tap.clock = fake_clock_at(NOW)
    assert tap.run_connection_test()
    assert [r["path"] for r in api.requests if r["method"] == "POST"] == []
    wrong = TapCerebroAmazonAds(config={**config, "profile_ids": ["999"]})
    with pytest.raises(FatalAPIError, match="Amazon Ads lists no profile 999"):
        wrong.run_connection_test()
