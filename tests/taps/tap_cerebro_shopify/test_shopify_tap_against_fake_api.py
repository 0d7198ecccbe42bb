"""The tap, run in-process, against the local fake Admin API (``shopify_fake_admin_api``).

Oracles: the demo rows the store is made from (every record of every page arrives once,
column for column), Shopify's documented behaviour as the fake plays it (pagination,
THROTTLED figures, MAX_COST_EXCEEDED, 5xx, 401, ACCESS_DENIED, 60-day window), and the
contract schemas.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import socket

import jsonschema
import pytest
from cerebro_raw_contract import raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_shopify.errors import ShopifyAuthError

from tests.taps.tap_cerebro_shopify.shopify_fake_admin_api import ALL_SCOPES, HttpFailure, Throttle
from tests.taps.tap_cerebro_shopify.shopify_fake_shop import NOW, STREAMS, TOKEN, expected_records


def key_of(stream: str, record: dict) -> str:
    return record[list(record)[1]] if stream != "orders" else record["order_id"]


def bookmark_state(stream: str, value: str) -> dict:
    return {
        "bookmarks": {stream: {"replication_key": "updated_at", "replication_key_value": value}}
    }


def operations(api, name: str) -> list[dict]:
    return [r for r in api.requests if f"query {name}" in r["query"]]


def test_every_record_of_every_page_arrives_once_as_the_demo_landed_it(
    demo_rows, demo_shop, make_api, tap_config, run_tap
):
    api = make_api(demo_shop)
    run = run_tap({**tap_config, "page_size": 25})
    assert run.error is None
    expected = expected_records(demo_rows)
    for stream in STREAMS:
        records = run.messages.records(stream)
        ids = [key_of(stream, r) for r in records]
        assert len(ids) == len(set(ids)), f"{stream}: a record arrived twice"
        by_id = {key_of(stream, r): r for r in records}
        want = {key_of(stream, r): {"tenant_id": r["tenant_id"], **r} for r in expected[stream]}
        assert by_id == want, stream
    # Children carry their order's keys: the demo rows have order_updated_at equal to the
    # order's updated_at. Several pages, and no request after the page that said
    # hasNextPage == false (that page still carried an endCursor).
    customer_pages = operations(api, "Customers")
    assert len(customer_pages) == -(-len(demo_rows["customers"]) // 25)
    assert customer_pages[-1]["variables"]["after"] is not None


def test_records_validate_against_the_contract_schemas(small_shop, make_api, tap_config, run_tap):
    make_api(small_shop)
    run = run_tap(tap_config)
    for stream in STREAMS:
        schema = raw_stream("shopify", stream).schema()
        assert run.messages.schema(stream)["schema"] == schema
        validator = jsonschema.Draft7Validator(
            schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )
        for record in run.messages.records(stream):
            as_json = json.loads(json.dumps(record, default=float))
            validator.validate(as_json)
            assert record["tenant_id"] == "tienda_shopify"


def test_throttled_answer_waits_the_computed_time_then_succeeds(
    small_shop, make_api, tap_config, run_tap
):
    api = make_api(small_shop)
    api.fail_next(Throttle(requested=290, available=40, restore_rate=50))
    run = run_tap(tap_config)
    assert run.error is None
    assert run.sleeps == [pytest.approx(5.0)]  # (290 - 40) / 50
    assert len(run.messages.records("customers")) == len(small_shop.customers)


def test_transient_5xx_is_retried_with_backoff_then_succeeds(
    small_shop, make_api, tap_config, run_tap
):
    api = make_api(small_shop)
    api.fail_next(HttpFailure(502), HttpFailure(503))
    run = run_tap(tap_config)
    assert run.error is None
    assert run.sleeps == [1.0, 2.0]
    assert len(run.messages.records("customers")) == len(small_shop.customers)


def test_5xx_that_never_ends_stops_after_the_last_attempt(
    small_shop, make_api, tap_config, run_tap
):
    api = make_api(small_shop)
    api.fail_next(*[HttpFailure(500)] * 5)
    run = run_tap(tap_config)
    assert isinstance(run.error, FatalAPIError)
    assert "failed 5 times in a row" in str(run.error)
    assert run.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_a_shop_whose_host_does_not_exist_stops_at_once(tap_config, run_tap, monkeypatch):
    """A misspelt shop name is a host DNS does not know: a wrong setting no retry mends
    (issue 57: `cerebro check` retried it five times and printed urllib3's words)."""
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "tienda-mal-escrita.myshopify.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    run = run_tap({**tap_config, "base_url": "http://tienda-mal-escrita.myshopify.example/"})
    assert isinstance(run.error, FatalAPIError)
    assert "the host tienda-mal-escrita.myshopify.example does not exist (DNS)" in str(run.error)
    assert run.sleeps == []


def test_too_costly_query_is_retried_with_a_page_that_fits(
    small_shop, make_api, tap_config, run_tap
):
    api = make_api(small_shop)
    run = run_tap(tap_config)  # page_size defaults to Shopify's maximum, 250
    assert run.error is None
    firsts = [r["variables"]["first"] for r in operations(api, "Orders")]
    assert firsts[0] == 250
    assert 1 <= firsts[1] < 250
    assert set(firsts[1:]) == {firsts[1]}  # the page that fits is kept for the whole sync
    assert len(run.messages.records("orders")) == len(small_shop.orders)


def test_a_record_too_costly_even_alone_stops_with_a_clear_error(
    small_shop, make_api, tap_config, run_tap
):
    make_api(small_shop, node_cost_extra=5000)
    run = run_tap(tap_config)
    assert isinstance(run.error, FatalAPIError)
    assert "a single record costs" in str(run.error)


def test_refused_token_is_fatal_says_so_and_leaves_state_untouched(
    small_shop, make_api, tap_config, run_tap
):
    make_api(small_shop)
    state = bookmark_state("customers", "2026-06-01T00:00:00+00:00")
    wrong = "shpat_revoked0000000000000000000000"
    run = run_tap({**tap_config, "access_token": wrong}, state=copy.deepcopy(state))
    assert isinstance(run.error, ShopifyAuthError)
    assert "HTTP 401" in str(run.error) and "access_token" in str(run.error)
    assert wrong not in str(run.error)
    assert run.messages.last_state == state
    assert not run.messages.records("customers")


def test_missing_scope_is_fatal_access_denied_after_earlier_streams_progressed(
    small_shop, make_api, tap_config, run_tap
):
    make_api(small_shop, scopes=ALL_SCOPES - {"read_customers"})
    run = run_tap(tap_config)
    assert isinstance(run.error, ShopifyAuthError)
    assert "ACCESS_DENIED" in str(run.error) and "read_customers" in str(run.error)
    # Streams run in name order: checkouts landed and keep their progress.
    assert run.messages.records("checkouts")
    assert not run.messages.records("customers")
    bookmarks = run.messages.last_state["bookmarks"]
    assert "replication_key_value" in bookmarks["checkouts"]
    assert "replication_key_value" not in bookmarks.get("customers", {})


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda api, config: config.update(access_token="shpat_revoked000000000000000000000"),
            r"Shopify refused the access token for tienda-prueba\.myshopify\.com \(HTTP 401 "
            r"Unauthorized\)\. Check the access_token setting",
        ),
        (
            lambda api, config: api.fail_next(HttpFailure(403, "<html>Forbidden</html>")),
            r"Shopify forbids this access token on tienda-prueba\.myshopify\.com \(HTTP 403 "
            r"Forbidden\): the app needs the scopes",
        ),
        (
            lambda api, config: api.fail_next(HttpFailure(404, "<html>Not Found</html>")),
            r"Shopify answered HTTP 404 for tienda-prueba\.myshopify\.com: check the shop and "
            r"api_version",
        ),
        (
            lambda api, config: api.fail_next(HttpFailure(400, "<html>Bad Request</html>")),
            r"Shopify answered HTTP 400 for tienda-prueba\.myshopify\.com: "
            r"<html>Bad Request</html>",
        ),
    ],
    ids=["401-bad-token", "403-forbidden", "404-unknown-shop", "400-bad-request"],
)
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    setup, message, small_shop, make_api, tap_config, run_command
):
    api = make_api(small_shop)
    setup(api, tap_config)
    command = run_command("tap-cerebro-shopify", tap_config)
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    assert tap_config["access_token"] not in command.stderr


def test_line_items_beyond_the_first_page_are_read_with_their_order(
    small_shop, make_api, tap_config, run_tap
):
    order = small_shop.orders[0]
    template = order["lineItems"][0]
    order["lineItems"] = [
        {**template, "id": f"gid://shopify/LineItem/9{index:05d}"} for index in range(23)
    ]
    api = make_api(small_shop)
    run = run_tap(tap_config)
    assert run.error is None
    order_id = order["id"].rsplit("/", 1)[-1]
    lines = [r for r in run.messages.records("order_lines") if r["order_id"] == order_id]
    assert sorted(r["order_line_id"] for r in lines) == sorted(
        line["id"].rsplit("/", 1)[-1] for line in order["lineItems"]
    )
    # Lines 6-23 in one more page, once 250 lines per page was refused as too costly.
    more = operations(api, "OrderLineItems")
    assert more[0]["variables"]["first"] == 250
    assert len(more) == 2


def test_incremental_run_reads_from_bookmark_minus_lookback_to_a_fixed_utc_end(
    small_shop, make_api, tap_config, run_tap
):
    api = make_api(small_shop)
    bookmark = "2026-06-20T12:00:00+00:00"
    state = bookmark_state("orders", bookmark)
    run = run_tap({**tap_config, "lookback_minutes": 30}, state=state)
    assert run.error is None
    search = operations(api, "Orders")[-1]["variables"]["query"]
    assert search == "updated_at:>='2026-06-20T11:30:00Z' AND updated_at:<'2026-07-02T00:00:00Z'"
    since = dt.datetime(2026, 6, 20, 11, 30, tzinfo=dt.UTC)
    want = {
        order["id"].rsplit("/", 1)[-1]
        for order in small_shop.orders
        if dt.datetime.fromisoformat(order["updatedAt"]) >= since
    }
    assert {r["order_id"] for r in run.messages.records("orders")} == want
    assert want and len(want) < len(small_shop.orders)


def test_backfill_past_60_days_without_read_all_orders_says_which_scope_is_missing(
    small_shop, make_api, tap_config, run_tap, caplog
):
    make_api(small_shop, scopes=ALL_SCOPES - {"read_all_orders"})
    with caplog.at_level(logging.WARNING):
        run = run_tap({**tap_config, "start_date": "2026-01-01T00:00:00Z"})
    assert run.error is None
    horizon = NOW - dt.timedelta(days=60)
    created = [dt.datetime.fromisoformat(r["created_at"]) for r in run.messages.records("orders")]
    assert created and min(created) >= horizon
    assert "read_all_orders" in caplog.text


def test_backfill_with_read_all_orders_does_not_warn(
    small_shop, make_api, tap_config, run_tap, caplog
):
    make_api(small_shop)
    with caplog.at_level(logging.WARNING):
        run = run_tap({**tap_config, "start_date": "2026-01-01T00:00:00Z"})
    assert run.error is None
    assert "read_all_orders" not in caplog.text


def test_token_travels_only_in_the_auth_header(small_shop, make_api, tap_config, run_tap):
    api = make_api(small_shop)
    run = run_tap(tap_config)
    assert {r["headers"].get("X-Shopify-Access-Token") for r in api.requests} == {TOKEN}
    assert all(TOKEN not in json.dumps(r["variables"]) for r in api.requests)
    assert TOKEN not in json.dumps(run.messages.lines, default=str)


def test_window_end_defaults_to_when_the_sync_starts(small_shop, make_api, tap_config, run_tap):
    api = make_api(small_shop)
    config = {key: value for key, value in tap_config.items() if key != "end_date"}
    run = run_tap(config)  # on a clock that says NOW
    assert run.error is None
    search = operations(api, "Customers")[0]["variables"]["query"]
    assert search == f"updated_at:<'{NOW:%Y-%m-%dT%H:%M:%SZ}'"
