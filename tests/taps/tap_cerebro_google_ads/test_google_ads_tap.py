"""tap-cerebro-google-ads against a local server that behaves like the Google Ads REST API.

Oracles: the fake API's truth per campaign and day (every row of every
searchStream batch lands once; micros stay exact integers, even past 2**53,
and micros / 1e6 is the exact cost), Google's documented behaviour (429
RESOURCE_EXHAUSTED with a retryDelay, 401 and 403, developer-token and
login-customer-id headers, OAuth tokens that expire), the accounts' timezones
and the Singer state (resumable, untouched by a fatal error).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_google_ads.tap import TapCerebroGoogleAds

from cerebro.landing.pipeline import LandingError
from tests.taps.tap_cerebro_google_ads.fake_google_ads_api import (
    Customer,
    FakeGoogleAdsApi,
    permission_denied,
    query_error,
    quota_exhausted,
    unavailable,
)

DEVELOPER_TOKEN = "dev-token-SECRET-987"
SANTIAGO, LIMA = "5551234567", "7778889999"
CUSTOMERS = {
    SANTIAGO: Customer("CLP", "America/Santiago", ("9001", "9002", "9009")),
    LIMA: Customer("PEN", "America/Lima", ("8001",)),
}
# 03:30 UTC on 15 January 2025: 00:30 on the 15th in Santiago (summer time, -03; the
# standard -04 would say the 14th) and 22:30 on the 14th in Lima (-05).
NOW = "2025-01-15T03:30:00+00:00"


@pytest.fixture
def api(httpserver, google_tokens) -> FakeGoogleAdsApi:
    fake = FakeGoogleAdsApi(google_tokens, DEVELOPER_TOKEN, CUSTOMERS)
    fake.register(httpserver)
    return fake


@pytest.fixture
def config(api, google_tokens) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "customer_ids": ["555-123-4567", LIMA],
        "developer_token": DEVELOPER_TOKEN,
        "client_id": google_tokens.client_id,
        "client_secret": google_tokens.client_secret,
        "refresh_token": google_tokens.refresh_token,
        "start_date": "2024-12-01",
        "base_url": api.base_url,
        "token_url": google_tokens.url,
    }


def days(first: str, last: str) -> list[str]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=k)).isoformat() for k in range((end - start).days + 1)]


def test_every_row_of_every_batch_lands_once_with_exact_micros_and_conversions(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroGoogleAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    rows = run.records("campaign_performance")
    keys = [(r["account_id"], r["campaign_id"], r["date"]) for r in rows]
    expected = {
        (SANTIAGO, c, d)
        for c in CUSTOMERS[SANTIAGO].campaigns
        for d in days("2024-12-01", "2025-01-15")
    }
    expected |= {(LIMA, "8001", d) for d in days("2024-12-01", "2025-01-14")}
    assert len(keys) == len(set(keys)) and set(keys) == expected
    for row in rows:
        truth = api.truth(row["campaign_id"], dt.date.fromisoformat(row["date"]))
        assert isinstance(row["cost_micros"], int) and row["cost_micros"] == truth["cost_micros"]
        assert row["impressions"] == truth["impressions"] and row["clicks"] == truth["clicks"]
        assert row["conversions"] == Decimal(truth["conversions"])
        assert row["conversions_value"] == Decimal(truth["conversions_value"])
        assert row["time_zone"] == CUSTOMERS[row["account_id"]].timezone
        assert row["currency_code"] == CUSTOMERS[row["account_id"]].currency
    huge = next(r for r in rows if r["campaign_id"] == "9009")
    assert huge["cost_micros"] > 2**53
    micros = str(huge["cost_micros"])
    assert Decimal(huge["cost_micros"]) / 10**6 == Decimal(f"{micros[:-6]}.{micros[-6:]}")
    for customer_id in CUSTOMERS:
        dates = [r["date"] for r in rows if r["account_id"] == customer_id]
        assert dates == sorted(dates)


def test_requests_carry_the_developer_token_and_the_manager_account(
    api, config, run_in_process, fake_clock_at
):
    api.login_customer_id = "1112223333"
    run = run_in_process(
        TapCerebroGoogleAds,
        {**config, "login_customer_id": "111-222-3333"},
        clock=fake_clock_at(NOW),
    )
    assert run.error is None and run.records("campaign_performance")
    assert {r["developer_token"] for r in api.requests} == {DEVELOPER_TOKEN}
    assert {r["login_customer_id"] for r in api.requests} == {"1112223333"}


@pytest.mark.parametrize("code", ["RESOURCE_EXHAUSTED", "RESOURCE_TEMPORARILY_EXHAUSTED"])
def test_quota_errors_wait_the_suggested_retry_delay_then_succeed(
    code, api, config, run_in_process, fake_clock_at
):
    api.faults = [quota_exhausted("17s", code), quota_exhausted("2.5s", code)]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroGoogleAds, config, clock=clock)
    assert run.error is None
    assert clock.sleeps == [17.0, 2.5]
    assert len(run.records("campaign_performance")) == 46 * 3 + 45


def test_unavailable_is_retried_with_backoff(api, config, run_in_process, fake_clock_at):
    api.faults = [unavailable(), unavailable(), unavailable()]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroGoogleAds, config, clock=clock)
    assert run.error is None and clock.sleeps == [2.0, 4.0, 8.0]


def test_access_token_is_refreshed_when_it_expires_and_when_it_is_rejected(
    api, config, google_tokens, run_in_process, fake_clock_at
):
    # A one-hour quota pause outlives the token: it is refreshed before the next call.
    api.faults = [quota_exhausted("3600s")]
    # Later the token is revoked server-side: one 401, one refresh, then success.
    api.revoke_tokens_at_request = 5
    run = run_in_process(TapCerebroGoogleAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    assert google_tokens.issued == ["ya29.access-1", "ya29.access-2", "ya29.access-3"]
    authorizations = [r["authorization"] for r in api.requests]
    assert authorizations[:2] == ["Bearer ya29.access-1", "Bearer ya29.access-2"]
    assert authorizations[4:6] == ["Bearer ya29.access-2", "Bearer ya29.access-3"]
    assert len(run.records("campaign_performance")) == 46 * 3 + 45


def test_revoked_refresh_token_stops_with_a_clear_message_without_secrets(
    api, config, google_tokens, run_in_process, fake_clock_at
):
    google_tokens.revoked = True
    run = run_in_process(TapCerebroGoogleAds, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    message = str(run.error)
    assert "invalid_grant" in message and "refresh_token" in message
    for secret in (google_tokens.refresh_token, google_tokens.client_secret, DEVELOPER_TOKEN):
        assert secret not in message


def test_permission_denied_is_fatal_and_leaves_the_state_as_it_was(
    api, config, run_in_process, fake_clock_at
):
    state = {
        "bookmarks": {
            "campaign_performance": {
                "partitions": [
                    {
                        "context": {"account_id": SANTIAGO},
                        "replication_key": "date",
                        "replication_key_value": "2024-12-20",
                    }
                ]
            }
        }
    }
    api.fail_after_report_requests = (0, permission_denied())
    run = run_in_process(TapCerebroGoogleAds, config, clock=fake_clock_at(NOW), state=state)
    assert isinstance(run.error, FatalAPIError)
    assert "login_customer_id" in str(run.error) and "USER_PERMISSION_DENIED" not in DEVELOPER_TOKEN
    assert DEVELOPER_TOKEN not in str(run.error)
    assert run.states == [state] and run.records("campaign_performance") == []


def test_lookback_rereads_30_days_so_restated_conversions_are_sent_again(
    api, config, run_in_process, fake_clock_at
):
    first = run_in_process(TapCerebroGoogleAds, config, clock=fake_clock_at(NOW))
    api.restated[("9001", "2024-12-20")] = {"conversions": "12.0", "conversions_value": "500000"}
    api.requests.clear()
    second = run_in_process(
        TapCerebroGoogleAds,
        config,
        clock=fake_clock_at("2025-01-17T15:00:00+00:00"),
        state=first.final_state,
    )
    windows = api.report_windows()
    assert min(s for c, s, _ in windows if c == SANTIAGO) == "2024-12-16"  # 01-15 - 30 days
    assert min(s for c, s, _ in windows if c == LIMA) == "2024-12-15"  # 01-14 - 30 days
    (restated,) = [
        r
        for r in second.records("campaign_performance")
        if r["campaign_id"] == "9001" and r["date"] == "2024-12-20"
    ]
    assert restated["conversions"] == Decimal(12) and restated["conversions_value"] == 500000


def test_interrupted_sync_resumes_from_its_state_without_losing_or_repeating_rows(
    api, config, google_tokens, landing
):
    config = {**config, "start_date": "2024-01-01", "end_date": "2024-09-07"}
    api.fail_after_report_requests = (7, permission_denied())
    with pytest.raises(LandingError, match="Google Ads refused access"):
        landing.run("tap-cerebro-google-ads", "google_ads", config)
    saved = json.loads(landing.state_path("google_ads").read_text())
    (partition,) = saved["bookmarks"]["campaign_performance"]["partitions"]
    bookmark = dt.date.fromisoformat(partition["replication_key_value"])
    assert dt.date(2024, 1, 1) < bookmark < dt.date(2024, 9, 7)

    api.fail_after_report_requests, api.requests = None, []
    landing.run("tap-cerebro-google-ads", "google_ads", config)
    resumed_from = min(s for c, s, _ in api.report_windows() if c == SANTIAGO)
    assert resumed_from == (bookmark - dt.timedelta(days=30)).isoformat()
    landed = landing.query(
        "select account_id, campaign_id, strftime(date, '%Y-%m-%d'), cost_micros, conversions, "
        "time_zone from raw_google_ads.campaign_performance"
    )
    keys = [row[:3] for row in landed]
    expected = {
        (c_id, c, d)
        for c_id, customer in CUSTOMERS.items()
        for c in customer.campaigns
        for d in days("2024-01-01", "2024-09-07")
    }
    assert len(keys) == len(set(keys)) == len(expected) and set(keys) == expected
    for customer_id, campaign_id, day, cost_micros, conversions, timezone in landed:
        truth = api.truth(campaign_id, dt.date.fromisoformat(day))
        assert cost_micros == truth["cost_micros"], "micros must land as exact integers"
        assert conversions == Decimal(truth["conversions"])
        assert timezone == CUSTOMERS[customer_id].timezone
    log = landing.tap_log("google_ads")
    for secret in (google_tokens.refresh_token, google_tokens.client_secret, DEVELOPER_TOKEN):
        assert secret not in log


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda api, tokens, config: setattr(tokens, "dead_on_arrival", True),
            r"Google Ads rejected a freshly refreshed access token .* Check that client_id",
        ),
        (
            lambda api, tokens, config: setattr(tokens, "revoked", True),
            r"Google refused to refresh the access token \(HTTP 400, invalid_grant.*Authorize",
        ),
        (
            lambda api, tokens, config: config.update(customer_ids=["404-404-4040"]),
            r"Google Ads refused access \(PERMISSION_DENIED: .*\)\. Check that the developer",
        ),
        (
            lambda api, tokens, config: api.faults.append(
                query_error("UNRECOGNIZED_FIELD", "Unrecognized field in the query: 'x'.")
            ),
            r"Google Ads API error \(INVALID_ARGUMENT: Unrecognized field in the query: 'x'\.\) "
            r"\(HTTP 400\)",
        ),
    ],
    ids=["401-bad-token", "revoked-refresh-token", "unknown-account", "400-bad-request"],
)
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    setup, message, api, config, google_tokens, run_command
):
    setup(api, google_tokens, config)
    command = run_command("tap-cerebro-google-ads", config)
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    for secret in (google_tokens.refresh_token, google_tokens.client_secret, DEVELOPER_TOKEN):
        assert secret not in command.stderr


def test_streams_are_the_raw_contract_streams_with_their_schemas_and_keys(config):
    tap = TapCerebroGoogleAds(config=config, parse_env_config=False)
    assert set(tap.streams) == set(STREAMS_BY_SOURCE["google_ads"])
    for name, stream in tap.streams.items():
        contract = raw_stream("google_ads", name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
        # The accounts stream is re-emitted whole on every run: no bookmark.
        expected = None if stream.full_table else contract.replication_key
        assert stream.replication_key == expected, name


def test_accounts_land_with_the_span_of_days_read(api, config, run_in_process, fake_clock_at):
    run = run_in_process(TapCerebroGoogleAds, config, clock=fake_clock_at(NOW))
    accounts = {r["account_id"]: r for r in run.records("accounts")}
    assert accounts == {
        SANTIAGO: {
            "tenant_id": "tienda_cl", "account_id": SANTIAGO, "currency_code": "CLP",
            "time_zone": "America/Santiago",
            "report_start_date": "2024-12-01", "report_end_date": "2025-01-15",
        },
        LIMA: {
            "tenant_id": "tienda_cl", "account_id": LIMA, "currency_code": "PEN",
            "time_zone": "America/Lima",
            "report_start_date": "2024-12-01", "report_end_date": "2025-01-14",
        },
    }  # fmt: skip
