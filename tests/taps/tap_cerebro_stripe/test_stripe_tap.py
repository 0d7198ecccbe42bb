"""tap-cerebro-stripe against a local server that behaves like the Stripe API.

Oracles: the fake account's own objects (each invoice paid by a charge is one order, a charge
without an invoice another, a declined one none; every charge a transaction of its order;
amounts in CLP as they are, since CLP has no minor unit; every subscription, canceled ones
included), Stripe's documented behaviour (newest-first lists, ``starting_after``, ``limit`` at
most 100, ``Stripe-Should-Retry``, 401/403 bodies) and the Singer state (resumable, nothing
lost or repeated across an interrupted sync).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_stripe.client import API_VERSION, major_units
from tap_cerebro_stripe.tap import TapCerebroStripe

from cerebro.landing.pipeline import ForeseenLandingError
from tests.taps.tap_cerebro_stripe.conftest import KEY, NOW, TENANT, account
from tests.taps.tap_cerebro_stripe.fake_stripe_api import Account, Fault, api_error, rate_limited

SCRIPT = "tap-cerebro-stripe"


def sync(run_in_process, fake_clock_at, config, state=None):
    clock = fake_clock_at(NOW.isoformat())
    return run_in_process(TapCerebroStripe, config, clock=clock, state=state), clock


def read(served: Account) -> list[dict]:
    """The charges a sync ending NOW reads."""
    return [c for c in served.charges if c["created"] < NOW.timestamp()]


def expected_orders(served: Account) -> dict[str, dict]:
    """Order id -> the invoice or the charge that is the order."""
    orders = {}
    for charge in read(served):
        if charge["invoice"]:
            orders[charge["invoice"]] = served.invoices[charge["invoice"]]
        elif charge["status"] != "failed":
            orders[charge["id"]] = charge
    return orders


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [(19990, "clp", Decimal(19990)), (1999, "usd", Decimal("19.99")),
     (500, "JPY", Decimal(500)), (5120, "kwd", Decimal("5.120")), (100, "isk", Decimal("1.00"))],
)  # fmt: skip
def test_amounts_come_from_each_currencys_minor_unit(amount, currency, expected):
    """https://docs.stripe.com/currencies: CLP and JPY are zero-decimal, KWD three-decimal,
    ISK is sent with two decimals for backwards compatibility."""
    assert major_units(amount, currency) == expected


def test_every_order_lands_once_with_its_lines_and_payments(
    api, served, config, run_in_process, fake_clock_at
):
    run, _ = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    orders = expected_orders(served)
    # An invoice paid a day after a declined attempt comes with each of its charges' days; the
    # target keeps one row per order (the interrupted sync's test counts the landed rows).
    landed = {record["order_id"]: record for record in run.records("orders")}
    assert set(landed) == set(orders)
    for order_id, source in orders.items():
        record = landed[order_id]
        assert record["tenant_id"] == TENANT and record["currency"] == "CLP"
        # CLP is zero-decimal: Stripe's integer is the amount of pesos.
        assert record["total_amount"] == Decimal(source.get("total", source.get("amount")))
    multi_line = [i for i in served.invoices.values() if len(i["lines"]["data"]) > 10]
    assert multi_line, "the fake must have an invoice of more than a page of lines"
    lines = {}
    for record in run.records("order_lines"):
        lines.setdefault(record["order_id"], set()).add(record["order_line_id"])
    for order_id, source in orders.items():
        if order_id.startswith("in_"):
            assert lines[order_id] == {x["id"] for x in source["lines"]["data"]}
        else:
            assert lines[order_id] == {f"{order_id}-line"}
    payments = {r["transaction_id"]: r for r in run.records("transactions")}
    paying = [c for c in read(served) if c["invoice"] or c["status"] != "failed"]
    assert set(payments) == {c["id"] for c in paying}
    for charge in paying:
        payment = payments[charge["id"]]
        assert payment["order_id"] == (charge["invoice"] or charge["id"])
        assert payment["status"] == {"succeeded": "SUCCESS", "failed": "FAILURE"}[charge["status"]]
        assert payment["error_code"] == charge["failure_code"]
        assert (payment["gateway"], payment["kind"]) == ("stripe", "SALE")


def test_refunds_and_customers_with_guests(api, served, config, run_in_process, fake_clock_at):
    run, _ = sync(run_in_process, fake_clock_at, config)
    charges = {c["id"]: c for c in served.charges}
    refunds = {r["refund_id"]: r for r in run.records("refunds")}
    went_through = [r for r in served.refunds
                    if r["status"] == "succeeded" and r["created"] < NOW.timestamp()]  # fmt: skip
    assert set(refunds) == {r["id"] for r in went_through}
    for refund in went_through:
        charge = charges[refund["charge"]]
        assert refunds[refund["id"]]["order_id"] == (charge["invoice"] or charge["id"])
        assert refunds[refund["id"]]["amount"] == Decimal(refund["amount"])
    customers = {r["customer_id"]: r for r in run.records("customers")}
    guests = [c for c in read(served) if not c["customer"] and c["status"] != "failed"]
    assert guests, "the fake must have guest charges"
    assert set(customers) == {c["id"] for c in served.customers} | {
        f"guest-{c['id']}" for c in guests
    }
    for customer in served.customers:
        tax_ids = customer["tax_ids"]["data"]
        assert customers[customer["id"]]["rut"] == (tax_ids[0]["value"] if tax_ids else None)
        assert customers[customer["id"]]["first_name"] == "Ana"
    for guest in guests:
        assert customers[f"guest-{guest['id']}"]["email"] == guest["billing_details"]["email"]
        assert customers[f"guest-{guest['id']}"]["state"] == "DISABLED"


def test_requests_carry_the_key_the_pinned_version_and_at_most_100_a_page(
    api, config, run_in_process, fake_clock_at
):
    run, _ = sync(run_in_process, fake_clock_at, {**config, "page_size": 100})
    assert run.error is None
    assert all(r["authorization"] == f"Bearer {KEY}" for r in api.requests)
    assert all(r["version"] == API_VERSION for r in api.requests)
    assert all(int(dict(r["args"])["limit"]) <= 100 for r in api.requests)
    starts = [int(args["created[gte]"]) for args in api.orders_requests()
              if "starting_after" not in args]  # fmt: skip
    assert starts == sorted(starts), "slices oldest first"


def test_a_page_past_the_first_starts_after_the_last_id(api, config, run_in_process, fake_clock_at):
    sync(run_in_process, fake_clock_at, config)
    followers = [args for args in api.orders_requests() if "starting_after" in args]
    assert followers, "the test must exercise paging"


def test_the_fake_refuses_what_stripe_refuses(api):
    import requests

    url = f"{api.base_url}/v1/charges"
    headers = {"Authorization": f"Bearer {KEY}"}
    assert requests.get(url, params={"limit": 101}, headers=headers, timeout=10).status_code == 400
    bad_expand = requests.get(url, params={"expand[]": "data.balance_transaction.source"},
                              headers=headers, timeout=10)  # fmt: skip
    assert bad_expand.status_code == 400
    assert requests.get(url, timeout=10).status_code == 401


@pytest.mark.parametrize(
    "fault",
    [rate_limited(), api_error(500), api_error(503), Fault(409, {"type": "api_error"}),
     api_error(400, should_retry="true")],
    ids=["429", "500", "503", "409", "400-should-retry"],
)  # fmt: skip
def test_rate_limits_and_transient_errors_back_off_and_lose_nothing(
    fault, api, served, config, run_in_process, fake_clock_at
):
    api.faults = [fault, fault]
    run, clock = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    assert clock.sleeps == [2.0, 4.0]
    assert {r["order_id"] for r in run.records("orders")} == set(expected_orders(served))


def test_stripe_should_retry_false_stops_a_500_at_once(api, config, run_in_process, fake_clock_at):
    api.faults = [api_error(500, should_retry="false")]
    run, clock = sync(run_in_process, fake_clock_at, config)
    assert isinstance(run.error, FatalAPIError) and clock.sleeps == []


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda api, config: config.update(api_key="sk_live_revokedKEY0000"),
         r"Stripe refused the API key \(HTTP 401 invalid_request_error: Invalid API Key provided: "
         r"sk_live_\*\*\*\*0000\): check api_key"),
        (lambda api, config: setattr(api, "permissions", {"rak_customer_read"}),
         r"refused a permission to the restricted key .*'rak_charge_read' permission.*give it "
         r"read access"),
    ],
    ids=["invalid-key", "restricted-key-without-charges"],
)  # fmt: skip
def test_a_refused_key_is_one_line_and_exit_2_without_the_key(
    setup, message, api, config, run_command
):
    setup(api, config)
    command = run_command(SCRIPT, config)
    command.assert_one_clear_error(message)
    assert KEY not in command.stderr and "sk_live_revokedKEY0000" not in command.stderr


def test_an_interrupted_sync_resumes_from_its_state_with_nothing_lost_or_repeated(
    make_api, landing
):
    served = account(customers=40, seed=9)
    api = make_api(served)
    config = {"tenant_id": landing.tenant_id, "api_key": KEY, "base_url": api.base_url,
              "start_date": "2025-06-01T00:00:00+00:00", "end_date": NOW.isoformat(),
              "page_size": 10, "slice_days": 30}  # fmt: skip
    revoked = {"type": "invalid_request_error", "message": "Invalid API Key provided: rk_****TED"}
    api.fail_after = (8, Fault(401, revoked))
    with pytest.raises(ForeseenLandingError, match="Stripe refused the API key"):
        landing.run(SCRIPT, "shopify", config)
    saved = json.loads(landing.state_path("shopify").read_text())
    bookmark = saved["bookmarks"]["orders"]["replication_key_value"]
    partly = landing.query("select count(*) from raw_shopify.orders")[0][0]
    assert 0 < partly < len(expected_orders(served))
    assert "2025-06-01" < bookmark < NOW.isoformat()

    api.fail_after, first_run = None, len(api.orders_requests())
    landing.run(SCRIPT, "shopify", config)
    resumed = api.orders_requests()[first_run]
    lookback = dt.timedelta(days=7)
    assert int(resumed["created[gte]"]) == int(
        (dt.datetime.fromisoformat(bookmark) - lookback).timestamp()
    )
    orders = expected_orders(served)
    landed = landing.query("select order_id, total_amount from raw_shopify.orders")
    assert len(landed) == len({o for o, _ in landed}) == len(orders)
    assert {o: Decimal(str(t)) for o, t in landed} == {
        o: Decimal(src.get("total", src.get("amount"))) for o, src in orders.items()
    }
    payments = landing.query(
        "select count(*), count(distinct transaction_id) from raw_shopify.transactions"
    )
    paying = [c for c in read(served) if c["invoice"] or c["status"] != "failed"]
    assert payments == [(len(paying), len(paying))]
    assert KEY not in landing.tap_log("shopify")


def test_run_for_the_stripe_source_it_lands_every_subscription(
    api, served, config, run_in_process, fake_clock_at
):
    run, _ = sync(run_in_process, fake_clock_at, {**config, "source": "stripe"})
    assert run.error is None
    subscriptions = {r["subscription_id"]: r for r in run.records("subscriptions")}
    assert set(subscriptions) == {s["id"] for s in served.subscriptions}
    assert any(r["status"] == "canceled" for r in subscriptions.values()), "canceled ones too"
    assert all(dict(r["args"]).get("status") == "all" for r in api.requests)
    for subscription in served.subscriptions:
        (item,) = subscription["items"]["data"]
        record = subscriptions[subscription["id"]]
        assert record["recurring_amount"] == Decimal(
            item["price"]["unit_amount"] * item["quantity"]
        )
        assert record["billing_interval"] == item["price"]["recurring"]["interval"]
    assert run.records("orders") == []


def test_streams_are_the_contracts_for_each_source(config):
    store = TapCerebroStripe(config=config, parse_env_config=False)
    assert set(store.streams) == set(STREAMS_BY_SOURCE["shopify"]) - {"checkouts", "fulfillments"}
    subscriptions = TapCerebroStripe(config={**config, "source": "stripe"}, parse_env_config=False)
    assert set(subscriptions.streams) == set(STREAMS_BY_SOURCE["stripe"])
    for tap, source in ((store, "shopify"), (subscriptions, "stripe")):
        for name, stream in tap.streams.items():
            contract = raw_stream(source, name)
            assert stream.schema == contract.schema(), name
            assert tuple(stream.primary_keys) == contract.primary_keys, name
    assert subscriptions.streams["subscriptions"].replication_key is None, "read whole"
    properties = TapCerebroStripe.config_jsonschema["properties"]
    assert properties["api_key"].get("secret") is True
    assert all(p.get("description") for p in properties.values())
