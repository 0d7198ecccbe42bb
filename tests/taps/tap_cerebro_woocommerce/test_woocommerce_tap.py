"""tap-cerebro-woocommerce against a local server that behaves like a store's wc/v3 REST API.

Oracles: the fake store's own objects (every order and customer lands exactly once, its
amounts with IVA as the store shows them, guests as records of their own), WooCommerce's
documented behaviour (GMT dates only with ``dates_are_gmt``, exclusive bounds, at most 100 per
page, the 401 codes and their messages) and the Singer state (resumable, untouched by a fatal
error, nothing lost or repeated across an interrupted sync).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from decimal import Decimal

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_woocommerce.tap import TapCerebroWooCommerce

from cerebro.landing.pipeline import ForeseenLandingError
from cerebro.settings import console_script
from tests.taps.tap_cerebro_woocommerce.conftest import KEY, NOW, SECRET, TENANT, store
from tests.taps.tap_cerebro_woocommerce.fake_woocommerce_api import (
    Fault,
    server_error,
    throttled,
)

SCRIPT = "tap-cerebro-woocommerce"
CHILDREN = ("order_lines", "transactions", "refunds", "fulfillments")
#: The fake's product names as the store shows them (its API sends HTML entities).
TITLES = {
    101: "Limpieza profunda \u2013 Departamento",
    102: "Gasfitería a domicilio",
    103: "Polera orgánica",
    104: "Kit de aseo",
    105: "Electricista & revisión",
}


def config_for(api, **settings) -> dict:
    return {"tenant_id": TENANT, "store_url": api.base_url, "consumer_key": KEY,
            "consumer_secret": SECRET, "page_size": 7, **settings}  # fmt: skip


def sync(run_in_process, fake_clock_at, config, state=None, at=NOW):
    clock = fake_clock_at(at.isoformat())
    return run_in_process(TapCerebroWooCommerce, config, clock=clock, state=state), clock


def gross(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def test_every_order_and_customer_lands_once_with_the_stores_amounts(
    api, shop, config, run_in_process, fake_clock_at
):
    run, _ = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    orders = {r["order_id"]: r for r in run.records("orders")}
    assert len(orders) == len(run.records("orders")) == len(shop.orders)
    assert len(api.orders_requests()) > len(shop.orders) // 7, "the test must exercise paging"
    for order in shop.orders:
        landed = orders[str(order.id)]
        assert landed["tenant_id"] == TENANT
        # Chile's prices include IVA: the contract's amounts are the store's, tax included.
        assert landed["total_amount"] == gross(order.gross_total)
        assert landed["subtotal_amount"] == gross(order.gross_total - order.shipping_gross)
        assert landed["total_shipping_amount"] == gross(order.shipping_gross)
        assert landed["total_refunded_amount"] == order.refunded
        assert landed["created_at"] == order.created.isoformat()
        assert landed["updated_at"] == order.modified.isoformat()
        assert landed["customer_id"] == (
            str(order.customer_id) if order.customer_id else f"guest-{order.id}"
        )
    customers = {r["customer_id"]: r for r in run.records("customers")}
    guests = [o for o in shop.orders if not o.customer_id]
    assert len(customers) == len(run.records("customers")) == len(shop.customers) + len(guests)
    for guest in guests:
        record = customers[f"guest-{guest.id}"]
        assert (record["email"], record["state"]) == (guest.billing["email"], "DISABLED")
        assert record["created_at"] == guest.created.isoformat()
        assert record["rut"] == guest.meta.get("_billing_rut")
    for customer in shop.customers:
        record = customers[str(customer.id)]
        assert record["email"] == customer.email and record["state"] == "ENABLED"
        assert record["rut"] == customer.meta.get("billing_rut")
        assert record["updated_at"] == (customer.modified or customer.created).isoformat()


def test_children_follow_their_orders_lines_payments_refunds_and_completions(
    api, shop, config, run_in_process, fake_clock_at
):
    run, _ = sync(run_in_process, fake_clock_at, config)
    by_order = {name: {} for name in CHILDREN}
    for name in CHILDREN:
        for record in run.records(name):
            by_order[name].setdefault(record["order_id"], []).append(record)
    for order in shop.orders:
        key = str(order.id)
        lines = by_order["order_lines"].get(key, [])
        assert sorted(int(line["order_line_id"]) for line in lines) == [x.id for x in order.lines]
        for line, sold in zip(sorted(lines, key=lambda x: int(x["order_line_id"])), order.lines,
                              strict=True):  # fmt: skip
            assert line["quantity"] == sold.quantity
            assert line["original_total_amount"] == gross(sold.unit_gross * sold.quantity)
            assert line["discount_amount"] == gross(sold.discount_gross)
            assert line["product_title"] == TITLES[sold.product_id], "HTML entities decoded"
        payments = by_order["transactions"].get(key, [])
        if order.paid:
            (payment,) = payments
            assert (payment["kind"], payment["status"]) == ("SALE", "SUCCESS")
            assert payment["processed_at"] == order.paid.isoformat()
            assert payment["gateway"] == order.payment_method
        elif order.status == "failed":
            assert [p["status"] for p in payments] == ["FAILURE"]
        else:
            assert payments == []
        refunds = by_order["refunds"].get(key, [])
        assert sorted((r["refund_id"], r["amount"], r["created_at"]) for r in refunds) == sorted(
            (str(r.id), r.amount, r.created.isoformat()) for r in order.refunds
        )
        completions = by_order["fulfillments"].get(key, [])
        if order.status == "completed":
            assert [(c["status"], c["created_at"]) for c in completions] == [
                ("SUCCESS", order.completed.isoformat())
            ]
        else:
            assert completions == []
        for records in (lines, payments, refunds, completions):
            assert all(r["order_updated_at"] == order.modified.isoformat() for r in records)


def test_requests_ask_gmt_dates_ordered_by_modification_at_most_100_a_page(
    api, config, run_in_process, fake_clock_at
):
    run, _ = sync(run_in_process, fake_clock_at, {**config, "page_size": 100})
    assert run.error is None
    for args in api.orders_requests():
        assert args["dates_are_gmt"] == "true"
        assert (args["orderby"], args["order"]) == ("modified", "asc")
        assert args["modified_before"] == "2026-11-20T15:00:00"
        assert int(args["per_page"]) <= 100
    assert all(r["authorization"].startswith("Basic ") for r in api.requests)
    assert all("consumer_secret" not in dict(r["args"]) for r in api.requests)


def test_the_fake_refuses_what_woocommerce_refuses(api, httpserver):
    """The imitation's own limits (read from WooCommerce's collection parameters)."""
    import requests

    url = f"{api.base_url}/wp-json/wc/v3/orders"
    refused = requests.get(url, params={"per_page": 101}, auth=(KEY, SECRET), timeout=10)
    assert refused.status_code == 400 and refused.json()["code"] == "rest_invalid_param"
    bad_order = requests.get(url, params={"orderby": "updated"}, auth=(KEY, SECRET), timeout=10)
    assert bad_order.status_code == 400
    no_keys = requests.get(url, timeout=10)
    assert no_keys.status_code == 401 and no_keys.json()["code"] == "woocommerce_rest_cannot_view"


def test_local_dates_would_shift_the_window_so_the_tap_compares_gmt(api, shop):
    """The fake compares site-local dates without dates_are_gmt, as WordPress does: the same
    bound then selects other orders (Santiago is 3 or 4 hours behind GMT)."""
    import requests

    url = f"{api.base_url}/wp-json/wc/v3/orders"
    instant = shop.orders[60].modified - dt.timedelta(hours=1)
    bound = instant.strftime("%Y-%m-%dT%H:%M:%S")
    counts = [
        int(requests.get(url, params={"modified_after": bound, "dates_are_gmt": gmt},
                         auth=(KEY, SECRET), timeout=10).headers["X-WP-Total"])
        for gmt in ("true", "false")
    ]  # fmt: skip
    assert counts[0] == sum(1 for o in shop.orders if o.modified > instant)
    assert counts[1] < counts[0]


def test_orders_saved_in_one_second_beyond_a_page_are_all_read(
    make_api, run_in_process, fake_clock_at
):
    served = store(orders=40)
    same_second = served.orders[24].modified
    for order in served.orders[5:25]:  # 20 orders in one second, pages of 7
        order.modified = same_second
    api = make_api(served)
    run, _ = sync(run_in_process, fake_clock_at, config_for(api))
    assert run.error is None
    assert sorted(int(r["order_id"]) for r in run.records("orders")) == [
        o.id for o in served.orders
    ]


def test_an_order_edited_while_the_sync_pages_moves_no_other_order_out_of_reach(
    api, shop, config, run_in_process, fake_clock_at
):
    """Page numbers would skip an order here: the edited order leaves the window (the next sync
    reads it), every later one moves up a place. Keyset pages read from the last date seen."""

    def edit_an_order_already_read(served: int) -> None:
        if served == 4:
            shop.orders[2].modified = NOW + dt.timedelta(minutes=1)

    api.on_orders_request = edit_an_order_already_read
    run, _ = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    landed = sorted(int(r["order_id"]) for r in run.records("orders"))
    assert landed == [o.id for o in shop.orders if o is not shop.orders[2]]


def test_a_hosts_throttling_waits_what_it_says_then_a_minute(
    api, shop, config, run_in_process, fake_clock_at
):
    api.faults = [throttled("7"), throttled(None)]
    run, clock = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    assert clock.sleeps == [7.0, 60.0]
    assert len(run.records("orders")) == len(shop.orders)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_transient_server_errors_are_retried_with_backoff(
    status, api, shop, config, run_in_process, fake_clock_at
):
    api.faults = [server_error(status), server_error(status)]
    run, clock = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    assert clock.sleeps == [2.0, 4.0]
    assert len(run.records("orders")) == len(shop.orders)
    assert len(run.records("customers")) == len(shop.customers) + sum(
        1 for o in shop.orders if not o.customer_id
    )


def test_a_store_that_keeps_failing_gives_up_after_eight_attempts(
    api, config, run_in_process, fake_clock_at
):
    api.faults = [server_error(500)] * 8
    run, clock = sync(run_in_process, fake_clock_at, config)
    assert isinstance(run.error, FatalAPIError)
    assert "gave up after 8 attempts" in str(run.error)
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]


def test_a_refused_key_stops_at_once_without_retrying_or_writing_state(
    api, config, run_in_process, fake_clock_at
):
    bookmark = {
        "replication_key": "updated_at",
        "replication_key_value": "2026-06-01T00:00:00+00:00",
    }
    state = {"bookmarks": {"orders": bookmark}}
    run, clock = sync(run_in_process, fake_clock_at, {**config, "consumer_secret": "cs_wrong"},
                      state=state)  # fmt: skip
    assert isinstance(run.error, FatalAPIError)
    assert "Consumer secret is invalid" in str(run.error)
    assert "cs_wrong" not in str(run.error)
    assert clock.sleeps == [] and len(api.requests) == 1
    assert run.states == [state]


def test_the_next_sync_starts_at_the_bookmark_minus_the_lookback(
    api, shop, config, run_in_process, fake_clock_at
):
    first, _ = sync(run_in_process, fake_clock_at, config)
    bookmark = dt.datetime.fromisoformat(
        first.final_state["bookmarks"]["orders"]["replication_key_value"]
    )
    edited = shop.orders[-3]
    edited.status, edited.completed = "completed", NOW + dt.timedelta(minutes=5)
    edited.paid = edited.paid or edited.completed
    edited.modified = NOW + dt.timedelta(minutes=6)
    api.requests.clear()
    later, _ = sync(run_in_process, fake_clock_at, config, state=first.final_state,
                    at=NOW + dt.timedelta(hours=1))  # fmt: skip
    first_request = api.orders_requests()[0]
    assert first_request["modified_after"] == (
        bookmark - dt.timedelta(minutes=10, seconds=1)
    ).strftime("%Y-%m-%dT%H:%M:%S")
    landed = {r["order_id"] for r in later.records("orders")}
    assert str(edited.id) in landed
    assert len(landed) < len(shop.orders) // 4, "only the window is read again"
    (completion,) = [f for f in later.records("fulfillments") if f["order_id"] == str(edited.id)]
    assert completion["created_at"] == edited.completed.isoformat()


def test_an_interrupted_sync_resumes_from_its_state_with_nothing_lost_or_repeated(
    make_api, landing
):
    served = store(orders=400, customers=60)
    api = make_api(served)
    config = config_for(api, tenant_id=landing.tenant_id, page_size=25, end_date=NOW.isoformat())
    api.fail_after = (9, Fault(401, {"code": "woocommerce_rest_authentication_error",
                                     "message": "Consumer secret is invalid.",
                                     "data": {"status": 401}}))  # fmt: skip
    with pytest.raises(ForeseenLandingError, match="Consumer secret is invalid"):
        landing.run(SCRIPT, "shopify", config)
    saved = json.loads(landing.state_path("shopify").read_text())
    bookmark = saved["bookmarks"]["orders"]["replication_key_value"]
    partly = landing.query("select count(*) from raw_shopify.orders")[0][0]
    assert 0 < partly < len(served.orders)
    assert (
        served.orders[0].modified.isoformat() <= bookmark < served.orders[-1].modified.isoformat()
    )

    api.fail_after = None
    landing.run(SCRIPT, "shopify", config)
    expected = {
        "orders": len(served.orders),
        "order_lines": sum(len(o.lines) for o in served.orders),
        "refunds": sum(len(o.refunds) for o in served.orders),
        "transactions": sum(1 for o in served.orders if o.paid or o.status == "failed"),
        "fulfillments": sum(1 for o in served.orders if o.status == "completed"),
        "customers": len(served.customers) + sum(1 for o in served.orders if not o.customer_id),
    }
    key = {"orders": "order_id", "order_lines": "order_line_id", "refunds": "refund_id",
           "transactions": "transaction_id", "fulfillments": "fulfillment_id",
           "customers": "customer_id"}  # fmt: skip
    for table, count in expected.items():
        landed = landing.query(
            f"select count(*), count(distinct {key[table]}) from raw_shopify.{table}"
        )[0]
        assert landed == (count, count), table
    totals = dict(landing.query("select order_id, total_amount from raw_shopify.orders"))
    assert all(totals[str(o.id)] == gross(o.gross_total) for o in served.orders)
    assert SECRET not in landing.tap_log("shopify")
    assert SECRET not in landing.state_path("shopify").read_text()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda api, config: config.update(consumer_secret="cs_not_the_secret"),
         r"refused the API key \(HTTP 401 woocommerce_rest_authentication_error: Consumer secret "
         r"is invalid.\): check consumer_key and consumer_secret"),
        (lambda api, config: config.update(consumer_key="ck_unknown"),
         r"HTTP 401 woocommerce_rest_cannot_view: Sorry, you cannot list resources.\).*"
         r"set query_string_auth: true"),
        (lambda api, config: setattr(api, "permissions", "write"),
         r"The API key provided does not have read permissions.*Read access"),
        (lambda api, config: api.faults.append(
            Fault(404, {"code": "rest_no_route", "message": "No route was found matching the URL "
                        "and request method.", "data": {"status": 404}})),
         r"has no WooCommerce REST API at /wp-json/wc/v3 .*permalinks"),
        (lambda api, config: config.update(store_url="http://tienda.cl"),
         r"store_url 'http://tienda.cl' is plain HTTP.*use the store's https:// address"),
    ],
    ids=["wrong-secret", "unknown-key", "write-only-key", "no-woocommerce", "plain-http"],
)  # fmt: skip
def test_a_fatal_error_on_the_command_line_is_one_line_and_exit_2(
    setup, message, api, config, run_command
):
    setup(api, config)
    command = run_command(SCRIPT, config)
    line = command.assert_one_clear_error(message)
    assert command.stderr.count(line.split("| ")[-1]) == 1, "the message is not repeated"
    assert SECRET not in command.stderr and "cs_not_the_secret" not in command.stderr


def test_query_string_auth_sends_the_key_as_parameters_and_never_logs_them(
    api, shop, config, run_command
):
    command = run_command(SCRIPT, {**config, "query_string_auth": True})
    assert command.returncode == 0, command.stderr
    assert all(dict(r["args"]).get("consumer_secret") == SECRET for r in api.requests)
    assert all(r["authorization"] is None for r in api.requests)
    assert SECRET not in command.stderr


def test_the_connection_test_cerebro_check_runs_reads_one_record_of_each_stream(
    api, config, tmp_path
):
    config_file = tmp_path / "tap.json"
    config_file.write_text(json.dumps(config))
    done = subprocess.run([console_script(SCRIPT), "--config", str(config_file), "--test"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(api.orders_requests()) <= 2, "a connection test reads a page, not the store"
    api.faults = [Fault(401, {"code": "woocommerce_rest_cannot_view",
                              "message": "Sorry, you cannot list resources.",
                              "data": {"status": 401}})] * 3  # fmt: skip
    refused = subprocess.run([console_script(SCRIPT), "--config", str(config_file), "--test"],
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert refused.returncode == 2
    assert "refused the API key" in refused.stderr.strip().splitlines()[-1]


def test_streams_are_the_contracts_store_streams_but_checkouts(config):
    tap = TapCerebroWooCommerce(config=config, parse_env_config=False)
    assert set(tap.streams) == set(STREAMS_BY_SOURCE["shopify"]) - {"checkouts"}
    for name, stream in tap.streams.items():
        contract = raw_stream("shopify", name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
        assert stream.replication_key == contract.replication_key, name
    assert {s.name for s in tap.streams["orders"].child_streams} == set(CHILDREN)


def test_keys_are_secrets_and_every_setting_is_described():
    properties = TapCerebroWooCommerce.config_jsonschema["properties"]
    assert properties["consumer_key"].get("secret") and properties["consumer_secret"].get("secret")
    assert properties["page_size"]["maximum"] == 100
    assert all(p.get("description") for p in properties.values())


def test_a_wordpress_error_is_read_for_its_code(api, config, run_in_process, fake_clock_at):
    api.faults = [Fault(403, {"code": "rest_forbidden", "message": "Acceso denegado por el "
                              "firewall.", "data": {"status": 403}})]  # fmt: skip
    run, _ = sync(run_in_process, fake_clock_at, config)
    assert isinstance(run.error, FatalAPIError)
    assert "HTTP 403 rest_forbidden: Acceso denegado por el firewall." in str(run.error)
