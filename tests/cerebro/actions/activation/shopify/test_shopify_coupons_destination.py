"""The rescue-coupon destination against the fake discount API (``fake_shopify_discounts``).

Oracles: the store's state after the sync (one discount per member, limited to that customer's
GID, 14 days, one use, once per customer, the rule's percentage), Shopify's documented cost
throttling (bucket figures in ``extensions.cost``, THROTTLED waited for
(requested - available) / restoreRate seconds on an injected clock), per-member ``userErrors``
and the one-line stops (401, missing scope)."""

from __future__ import annotations

import datetime as dt

import pytest

from cerebro.actions.activation.destination import FAILED, REFUSED, SEND, SENT, DestinationError
from cerebro.actions.activation.destinations import shopify_coupons
from tests.cerebro.actions.activation.shopify.fake_shopify_discounts import HttpFailure, Throttled
from tests.cerebro.actions.activation.shopify.shopify_coupon_members import (
    AUDIENCE,
    FIVE_PERCENT,
    LOYAL,
    START,
    TEN_PERCENT,
    TOKEN,
    member,
)


def test_destination_declares_name_consent_and_one_shot():
    assert shopify_coupons.ShopifyCoupons.name == "shopify_coupons"
    assert shopify_coupons.ShopifyCoupons.consent == "email"
    assert shopify_coupons.ShopifyCoupons.one_shot is True


def test_one_code_per_member_limited_to_that_customer_with_expiry_and_one_use(
    make_store, make_destination
):
    store = make_store()
    members = [member("101", TEN_PERCENT), member("102", FIVE_PERCENT), member("103", LOYAL)]
    outcomes = list(make_destination().sync(AUDIENCE, members, []))

    assert [(o.customer_id, o.action, o.status) for o in outcomes] == [
        ("101", SEND, SENT),
        ("102", SEND, SENT),
        ("103", SEND, REFUSED),
    ]
    assert outcomes[2].detail == "sin descuento rentable"
    assert outcomes[2].vendor_ref is None
    assert outcomes[0].detail == "10% hasta 2026-11-16"
    # No call for the customer without a discount worth giving.
    assert store.request_count == 2
    for outcome, percentage in zip(outcomes[:2], (0.10, 0.05), strict=True):
        [discount] = store.discounts_of(outcome.customer_id)
        assert discount.code == outcome.vendor_ref
        assert discount.code.startswith("VUELVE-") and len(discount.code) == 17
        assert discount.customer_ids == [f"gid://shopify/Customer/{outcome.customer_id}"]
        assert discount.percentage == percentage
        assert discount.items_all is True
        assert discount.usage_limit == 1
        assert discount.applies_once_per_customer is True
        assert discount.starts_at == START.replace(second=0)
        assert discount.ends_at - discount.starts_at == dt.timedelta(days=14)
    assert outcomes[0].vendor_ref != outcomes[1].vendor_ref
    assert store.discounts_of("103") == []
    assert all(r["headers"]["X-Shopify-Access-Token"] == TOKEN for r in store.requests)


def test_bucket_reported_by_shopify_is_waited_for_before_the_next_mutation(
    make_store, make_destination, clock
):
    """A 25-point bucket refilled at 5 points/s pays two 10-point mutations; the client reads
    5 points left and waits for 10 and a point of margin, (11 - 5) / 5 = 1.2 s, then with 1
    point left (11 - 1) / 5 = 2 s, so Shopify never has to answer THROTTLED."""
    store = make_store(maximum_available=25, restore_rate=5)
    members = [member(str(i), TEN_PERCENT) for i in (101, 102, 103, 104)]
    outcomes = list(make_destination().sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [SENT] * 4
    assert clock.sleeps == pytest.approx([1.2, 2.0])
    assert store.throttled_count == 0
    assert store.request_count == 4


def test_throttled_answer_is_waited_out_with_shopify_figures_then_sent(
    make_store, make_destination, clock
):
    """THROTTLED with 4 points available at 100 points/s for a 10-point mutation: wait
    (10 + 1 - 4) / 100 = 0.07 s (a point of margin for the rounded figure), then the same
    mutation runs."""
    store = make_store()
    store.fail_next(Throttled(available=4))
    [outcome] = make_destination().sync(AUDIENCE, [member("101", TEN_PERCENT)], [])
    assert outcome.status == SENT
    assert clock.sleeps == pytest.approx([0.07])
    assert store.request_count == 2
    assert len(store.discounts) == 1


def test_member_still_throttled_after_every_wait_is_failed_for_the_next_sync(
    make_store, make_destination
):
    store = make_store()
    destination = make_destination()
    destination.max_throttled_waits = 2
    store.fail_next(*[Throttled(available=0)] * 3)
    outcomes = list(destination.sync(AUDIENCE, [member("101", TEN_PERCENT)], []))
    assert [o.status for o in outcomes] == [FAILED]
    assert "siguió limitando" in outcomes[0].detail
    assert store.discounts == {}


def test_user_errors_refuse_that_member_while_the_others_are_sent(make_store, make_destination):
    store = make_store(customer_ids=("101", "103"))
    members = [
        member("101", TEN_PERCENT),
        member("102", TEN_PERCENT),  # not a customer of this store
        member("rut-12345678-5", TEN_PERCENT),  # not a Shopify id at all: no call
        member("gid://shopify/Customer/103", FIVE_PERCENT),
    ]
    outcomes = list(make_destination().sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [SENT, REFUSED, REFUSED, SENT]
    assert outcomes[1].detail == ("Customer does not exist: gid://shopify/Customer/102 (INVALID)")
    assert outcomes[2].detail == "customer_id no es un id de cliente de Shopify"
    assert store.request_count == 3
    assert sorted(d.customer_ids[0] for d in store.discounts.values()) == [
        "gid://shopify/Customer/101",
        "gid://shopify/Customer/103",
    ]


def test_sync_interrupted_and_run_again_the_same_day_reuses_its_code(make_store, make_destination):
    """The first run created the code but its outcome never reached the activation log."""
    store = make_store()
    [first] = make_destination().sync(AUDIENCE, [member("101", TEN_PERCENT)], [])
    [again] = make_destination().sync(AUDIENCE, [member("101", TEN_PERCENT)], [])
    assert again.status == SENT
    assert again.vendor_ref == first.vendor_ref
    assert again.detail.endswith("(código ya creado)")
    assert len(store.discounts) == 1


def test_refused_token_stops_the_sync_in_one_line_without_the_secret(make_store, make_destination):
    store = make_store()
    members = [member("101", TEN_PERCENT), member("102", TEN_PERCENT)]
    outcomes = []
    with pytest.raises(DestinationError) as raised:
        outcomes.extend(make_destination(token="shpat_wrong_token").sync(AUDIENCE, members, []))
    message = str(raised.value)
    assert "HTTP 401" in message and "casafacil.myshopify.com" in message
    assert "\n" not in message and "shpat_wrong_token" not in message
    assert outcomes == []
    assert store.request_count == 1  # nothing after the 401


def test_token_revoked_mid_sync_keeps_the_codes_already_created(make_store, make_destination):
    store = make_store()
    store.revoke_token_after(mutations=2)
    members = [member(str(i), TEN_PERCENT) for i in (101, 102, 103, 104)]
    outcomes = []
    with pytest.raises(DestinationError, match="HTTP 401"):
        outcomes.extend(make_destination().sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [SENT, SENT]
    assert store.request_count == 3


def test_missing_write_discounts_scope_stops_the_sync(make_store, make_destination):
    store = make_store(scopes=frozenset({"read_discounts"}))
    with pytest.raises(DestinationError, match="write_discounts") as raised:
        list(make_destination().sync(AUDIENCE, [member("101", TEN_PERCENT)], []))
    assert "ACCESS_DENIED" in str(raised.value)
    assert store.discounts == {}


def test_server_error_is_retried_then_sent(make_store, make_destination, clock):
    store = make_store()
    store.fail_next(HttpFailure(502))
    [outcome] = make_destination().sync(AUDIENCE, [member("101", TEN_PERCENT)], [])
    assert outcome.status == SENT
    assert clock.sleeps == [1.0]  # VendorHttp's first backoff


def test_shopify_down_fails_three_members_then_stops(make_store, make_destination):
    store = make_store()
    store.fail_next(*[HttpFailure(503)] * 20)
    members = [member(str(i), TEN_PERCENT) for i in (101, 102, 103, 104)]
    outcomes = []
    with pytest.raises(DestinationError, match="3 customers in a row"):
        outcomes.extend(make_destination().sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [FAILED] * 3
    assert "HTTP 503" in outcomes[0].detail
    assert store.request_count == 15  # five attempts each, the fourth member untouched


@pytest.mark.parametrize(
    ("settings", "secrets", "message"),
    [
        ({"api_version": "2026-10"}, {"access_token": "x"}, "settings.shop is required"),
        ({"shop": "casafacil"}, {"access_token": "x"}, "api_version: missing"),
        ({"shop": "c", "api_version": "october"}, {"access_token": "x"}, "api_version: october"),
        ({"shop": "c", "api_version": "2026-10"}, {}, "secrets.access_token is missing"),
        (
            {"shop": "c", "api_version": "2026-10", "expiry": 3},
            {"access_token": "x"},
            "unknown key(s) ['expiry']",
        ),
        (
            {"shop": "c", "api_version": "2026-10", "expiry_days": 0},
            {"access_token": "x"},
            "expiry_days: 0",
        ),
        (
            {"shop": "c", "api_version": "2026-10", "rescue": {"ladder": [0.2, 0.1]}},
            {"access_token": "x"},
            "settings.rescue: ladder",
        ),
        (
            {"shop": "c", "api_version": "2026-10", "code_prefix": "¡VUELVE!"},
            {"access_token": "x"},
            "code_prefix",
        ),
    ],
)
def test_bad_settings_are_one_line_errors(settings, secrets, message):
    with pytest.raises(DestinationError) as raised:
        shopify_coupons.from_config(settings, secrets)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_rescue_assumptions_come_from_settings(make_store, make_destination):
    """A 20 % margin halves the gains: 10 % now nets 1 800 - 3 450 < 0 for the 10 % member,
    and no step pays."""
    make_store()
    destination = make_destination(rescue={"gross_margin": 0.2})
    [outcome] = destination.sync(AUDIENCE, [member("101", TEN_PERCENT)], [])
    assert (outcome.status, outcome.detail) == (REFUSED, "sin descuento rentable")
