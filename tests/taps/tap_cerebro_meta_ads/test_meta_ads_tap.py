"""tap-cerebro-meta-ads against a local server that behaves like the Marketing API.

Oracles: the fake API's truth per campaign and day (every row of every page
lands exactly once, with Meta's strings as exact numbers and purchases counted
once), the Marketing API's documented behaviour (``paging.next``, throttling
codes and usage headers, code 190), the ad accounts' timezones (a day ends at
the account's midnight, DST included) and the Singer state (resumable,
untouched by a fatal error).
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from decimal import Decimal

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_meta_ads.tap import TapCerebroMetaAds

from cerebro.landing.pipeline import LandingError
from tests.taps.tap_cerebro_meta_ads.fake_meta_api import (
    Account,
    FakeMetaApi,
    bad_parameter,
    expired_token,
    server_error,
    throttled,
)

TOKEN = "EAAB-meta-secret-token-1234567890"
SANTIAGO, TOKYO = "1029384756", "5550001"
ACCOUNTS = {
    SANTIAGO: Account("America/Santiago", "CLP", ("120001", "120002", "120003")),
    TOKYO: Account("Asia/Tokyo", "USD", ("230001", "230002")),
}
# 03:30 UTC on 7 April 2024: still 6 April in Santiago (DST ended at local midnight,
# clocks went back to 23:00), already 7 April in Tokyo.
NOW = "2024-04-07T03:30:00+00:00"


@pytest.fixture
def api(httpserver) -> FakeMetaApi:
    fake = FakeMetaApi(TOKEN, ACCOUNTS)
    fake.register(httpserver)
    return fake


@pytest.fixture
def config(api) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "access_token": TOKEN,
        "account_ids": [f"act_{SANTIAGO}", TOKYO],
        "start_date": "2024-03-01",
        "base_url": api.base_url,
        "page_size": 7,
    }


def expected_keys(first: str, last_by_account: dict[str, str]) -> set[tuple[str, str, str]]:
    keys = set()
    for account_id, last in last_by_account.items():
        day = dt.date.fromisoformat(first)
        while day <= dt.date.fromisoformat(last):
            keys |= {(account_id, c, day.isoformat()) for c in ACCOUNTS[account_id].campaigns}
            day += dt.timedelta(days=1)
    return keys


def test_every_row_of_every_page_lands_once_with_exact_numbers(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroMetaAds, config, clock=fake_clock_at(NOW))
    assert run.error is None
    rows = run.records("ads_insights")
    keys = [(r["account_id"], r["campaign_id"], r["date_start"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_keys("2024-03-01", {SANTIAGO: "2024-04-06", TOKYO: "2024-04-07"})
    pages = [r for r in api.requests if r["path"].endswith("/insights")]
    assert len(pages) > 3 * len(api.insights_windows()), "the test must exercise paging.next"
    for row in rows:
        truth = api.truth(row["campaign_id"], dt.date.fromisoformat(row["date_start"]))
        assert row["spend"] == Decimal(truth["spend"])
        assert isinstance(row["impressions"], int)
        assert row["impressions"] == int(truth["impressions"])
        assert row["clicks"] == int(truth["clicks"]) and row["reach"] == int(truth["reach"])
        assert row["purchases"] == truth["purchases"], "purchase and pixel purchase counted twice"
        assert row["purchase_value"] == Decimal(truth["purchase_value"])
        assert row["tenant_id"] == "tienda_cl"
        assert row["account_timezone"] == ACCOUNTS[row["account_id"]].timezone
        assert row["account_currency"] == ACCOUNTS[row["account_id"]].currency


def test_days_end_at_the_ad_accounts_midnight_and_windows_are_emitted_sorted(
    api, config, run_in_process, fake_clock_at
):
    run = run_in_process(TapCerebroMetaAds, config, clock=fake_clock_at(NOW))
    windows = api.insights_windows()
    assert max(until for account, _, until in windows if account == SANTIAGO) == "2024-04-06"
    assert max(until for account, _, until in windows if account == TOKYO) == "2024-04-07"
    for account_id in ACCOUNTS:
        rows = run.records("ads_insights")
        days = [r["date_start"] for r in rows if r["account_id"] == account_id]
        assert days == sorted(days)
    bookmarks = {
        p["context"]["account_id"]: p["replication_key_value"]
        for p in run.final_state["bookmarks"]["ads_insights"]["partitions"]
    }
    assert bookmarks == {SANTIAGO: "2024-04-06", TOKYO: "2024-04-07"}


@pytest.mark.parametrize("code", [4, 17, 613, 80000, 80004, 80014])
def test_throttling_waits_what_the_usage_header_says_then_succeeds(
    code, api, config, run_in_process, fake_clock_at
):
    api.faults = [throttled(code, regain_minutes=3), throttled(code, reset_seconds=45)]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroMetaAds, config, clock=clock)
    assert run.error is None
    assert clock.sleeps == [180.0, 45.0]
    assert len(run.records("ads_insights")) == 37 * 3 + 38 * 2


def test_usage_near_the_limit_pauses_before_meta_throttles(
    api, config, run_in_process, fake_clock_at
):
    usage = {
        "type": "ads_insights",
        "call_count": 96,
        "total_cputime": 20,
        "total_time": 30,
        "estimated_time_to_regain_access": 2,
    }
    api.usage_headers_once = {"x-business-use-case-usage": json.dumps({"1": [usage]})}
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroMetaAds, config, clock=clock)
    assert run.error is None and clock.sleeps == [120.0]
    api.usage_headers_once = {"x-business-use-case-usage": json.dumps({"1": [usage]})}
    calm = fake_clock_at(NOW)
    run_in_process(TapCerebroMetaAds, {**config, "usage_pause_threshold": 99}, clock=calm)
    assert calm.sleeps == []


def test_transient_server_errors_are_retried_with_backoff(
    api, config, run_in_process, fake_clock_at
):
    api.faults = [server_error(), server_error()]
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroMetaAds, config, clock=clock)
    assert run.error is None
    assert clock.sleeps == [2.0, 4.0]
    assert len(run.records("ads_insights")) == 37 * 3 + 38 * 2


def test_persistent_server_errors_give_up_after_eight_attempts(
    api, config, run_in_process, fake_clock_at
):
    api.faults = [server_error()] * 8
    clock = fake_clock_at(NOW)
    run = run_in_process(TapCerebroMetaAds, config, clock=clock)
    assert isinstance(run.error, FatalAPIError)
    assert "gave up after 8 attempts" in str(run.error) and "transient error" in str(run.error)
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]


def test_a_host_that_does_not_exist_stops_at_once(
    config, run_in_process, fake_clock_at, monkeypatch
):
    """DNS says the name does not exist: a wrong setting, which no retry mends (issue 57: a
    misspelt host cost four minutes of backoff and two Dagster retries)."""
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "graph.tienda-que-no-existe.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    clock = fake_clock_at(NOW)
    broken = {**config, "base_url": "http://graph.tienda-que-no-existe.example"}
    run = run_in_process(TapCerebroMetaAds, broken, clock=clock)
    assert isinstance(run.error, FatalAPIError)
    assert "the host graph.tienda-que-no-existe.example does not exist (DNS)" in str(run.error)
    assert clock.sleeps == []


def test_a_vendor_that_never_answers_is_given_up_within_thirty_seconds_of_waits(
    config, run_in_process, fake_clock_at
):
    """Nothing listens (a firewall, no network): retried, but a run learns it in a minute,
    not after eight attempts and four minutes; a vendor's own 5xx keeps its eight (above)."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    clock = fake_clock_at(NOW)
    run = run_in_process(
        TapCerebroMetaAds, {**config, "base_url": f"http://127.0.0.1:{closed_port}"}, clock=clock
    )
    assert isinstance(run.error, FatalAPIError)
    assert "no answer from the vendor after 5 attempts over 30 s" in str(run.error)
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0]


def test_expired_token_stops_with_a_clear_message_that_never_shows_the_token(
    api, config, run_in_process, fake_clock_at
):
    api.faults = [expired_token()]
    run = run_in_process(TapCerebroMetaAds, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FatalAPIError)
    message = str(run.error)
    assert "access token" in message and "code 190" in message and "access_token" in message
    assert TOKEN not in message
    assert run.records("ads_insights") == []
    assert all(r["authorization"] == f"Bearer {TOKEN}" for r in api.requests)
    assert all(TOKEN not in json.dumps(r["args"]) for r in api.requests), "token in a URL"


def test_fatal_error_emits_no_state_so_the_saved_bookmarks_stay(
    api, config, run_in_process, fake_clock_at
):
    state = {
        "bookmarks": {
            "ads_insights": {
                "partitions": [
                    {
                        "context": {"account_id": SANTIAGO},
                        "replication_key": "date_start",
                        "replication_key_value": "2024-03-20",
                    }
                ]
            }
        }
    }
    # The first window (1-30 March, 13 pages) is read; the token expires in the second.
    api.fail_after_insights_requests = (14, expired_token())
    run = run_in_process(TapCerebroMetaAds, config, clock=fake_clock_at(NOW), state=state)
    assert isinstance(run.error, FatalAPIError)
    assert len(run.records("ads_insights")) == 30 * 3
    # sync_all echoes the input state first; nothing after it may move a bookmark.
    assert run.states == [state]


def test_lookback_rereads_28_days_so_restated_conversions_are_sent_again(
    api, config, run_in_process, fake_clock_at
):
    first = run_in_process(TapCerebroMetaAds, config, clock=fake_clock_at(NOW))
    api.restated[("120001", "2024-03-20")] = {"purchases": 9, "purchase_value": "224910"}
    api.requests.clear()
    two_days_later = fake_clock_at("2024-04-09T03:30:00+00:00")
    second = run_in_process(
        TapCerebroMetaAds, config, clock=two_days_later, state=first.final_state
    )
    windows = api.insights_windows()
    assert min(since for a, since, _ in windows if a == SANTIAGO) == "2024-03-09"  # 04-06 - 28
    assert min(since for a, since, _ in windows if a == TOKYO) == "2024-03-10"  # 04-07 - 28
    (restated,) = [
        r
        for r in second.records("ads_insights")
        if r["campaign_id"] == "120001" and r["date_start"] == "2024-03-20"
    ]
    assert (restated["purchases"], restated["purchase_value"]) == (9, Decimal(224910))
    assert all(r["date_start"] >= "2024-03-09" for r in second.records("ads_insights"))


def test_interrupted_sync_resumes_from_its_state_without_losing_or_repeating_rows(
    api, config, landing
):
    config = {**config, "start_date": "2023-06-01", "end_date": "2024-04-06", "page_size": 100}
    api.fail_after_insights_requests = (8, expired_token())
    with pytest.raises(LandingError):
        landing.run("tap-cerebro-meta-ads", "meta_ads", config)
    saved = json.loads(landing.state_path("meta_ads").read_text())
    (partition,) = saved["bookmarks"]["ads_insights"]["partitions"]
    bookmark = dt.date.fromisoformat(partition["replication_key_value"])
    assert dt.date(2023, 6, 1) < bookmark < dt.date(2024, 4, 6)
    landed_before = landing.query("select count(*) from raw_meta_ads.ads_insights")[0][0]
    assert landed_before >= 500

    api.fail_after_insights_requests, api.requests = None, []
    landing.run("tap-cerebro-meta-ads", "meta_ads", config)
    resumed_from = min(s for a, s, _ in api.insights_windows() if a == SANTIAGO)
    assert resumed_from == (bookmark - dt.timedelta(days=28)).isoformat()
    expected = expected_keys("2023-06-01", {SANTIAGO: "2024-04-06", TOKYO: "2024-04-06"})
    landed = landing.query(
        "select account_id, campaign_id, strftime(date_start, '%Y-%m-%d'), spend, purchases, "
        "account_timezone from raw_meta_ads.ads_insights"
    )
    keys = [row[:3] for row in landed]
    assert len(keys) == len(set(keys)) == len(expected)
    assert set(keys) == expected
    for account_id, campaign_id, day, spend, purchases, timezone in landed:
        truth = api.truth(campaign_id, dt.date.fromisoformat(day))
        assert spend == Decimal(truth["spend"]), "Meta's decimal string must land exactly"
        assert purchases == truth["purchases"]
        assert timezone == ACCOUNTS[account_id].timezone
    assert TOKEN not in landing.tap_log("meta_ads")
    assert TOKEN not in landing.state_path("meta_ads").read_text()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda api, config: config.update(access_token="EAAB-revoked"),
            r"Meta rejected the access token \(code 190.* put it in the environment variable",
        ),
        (
            lambda api, config: config.update(account_ids=["act_404404"]),
            r"Meta cannot read ad account 404404 \(code 100, subcode 33: .*\) "
            r"\(HTTP 400.* Check account_ids",
        ),
        (
            lambda api, config: api.faults.append(bad_parameter("Invalid parameter")),
            r"Meta Marketing API error \(code 100, type OAuthException: \(#100\) Invalid "
            r"parameter\) \(HTTP 400, fbtrace_id Par\) for /v25.0/act_1029384756/insights",
        ),
    ],
    ids=["bad-token-code-190", "unknown-account", "400-bad-request"],
)
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    setup, message, api, config, run_command
):
    setup(api, config)
    command = run_command("tap-cerebro-meta-ads", config)
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    assert TOKEN not in command.stderr


def test_streams_are_the_raw_contract_streams_with_their_schemas_and_keys(config):
    tap = TapCerebroMetaAds(config=config, parse_env_config=False)
    assert set(tap.streams) == set(STREAMS_BY_SOURCE["meta_ads"])
    for name, stream in tap.streams.items():
        contract = raw_stream("meta_ads", name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
        # The accounts stream is re-emitted whole on every run: no bookmark.
        expected = None if stream.full_table else contract.replication_key
        assert stream.replication_key == expected, name


def test_ad_accounts_land_with_the_span_of_days_read_even_without_delivery(
    api, config, run_in_process, fake_clock_at
):
    # Meta sends no insights row for a day without delivery; the span says it was read.
    run = run_in_process(TapCerebroMetaAds, config, clock=fake_clock_at(NOW))
    accounts = {r["account_id"]: r for r in run.records("ad_accounts")}
    assert accounts == {
        SANTIAGO: {
            "tenant_id": "tienda_cl", "account_id": SANTIAGO, "account_currency": "CLP",
            "account_timezone": "America/Santiago",
            "report_start_date": "2024-03-01", "report_end_date": "2024-04-06",
        },
        TOKYO: {
            "tenant_id": "tienda_cl", "account_id": TOKYO, "account_currency": "USD",
            "account_timezone": "Asia/Tokyo",
            "report_start_date": "2024-03-01", "report_end_date": "2024-04-07",
        },
    }  # fmt: skip
    later = run_in_process(TapCerebroMetaAds, config,
                           clock=fake_clock_at("2024-04-20T03:30:00+00:00"),
                           state=run.final_state)  # fmt: skip
    spans = {r["account_id"]: (r["report_start_date"], r["report_end_date"])
             for r in later.records("ad_accounts")}  # fmt: skip
    assert spans == {SANTIAGO: ("2024-03-01", "2024-04-19"), TOKYO: ("2024-03-01", "2024-04-20")}
