"""Removal after erasure and repair after drift, end to end: the sync engine and each list
destination's real client against its local vendor imitation, on a crafted warehouse.

Oracles: the vendor imitation's own membership (Klaviyo's e-mails, Meta's and Google's e-mail
hashes), which after each sync must be exactly the consented, treated members of the segment
(``expected_list``), hashed here by hand as the warehouse does (``email_sha256``); the log and
``ops.activation_identifiers`` read back from the warehouse."""

from __future__ import annotations

import pytest

from cerebro.actions.activation.destinations import google_customer_match, klaviyo
from cerebro.actions.activation.destinations import meta_audiences as meta
from cerebro.actions.activation.sync import activate, audience_name
from cerebro.tenants import DestinationConfig, Tenant
from tests.cerebro.actions.activation.google.fake_customer_match import VERSION as GOOGLE_VERSION
from tests.cerebro.actions.activation.google.fake_customer_match import FakeCustomerMatch
from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import FakeKlaviyo, serving
from tests.cerebro.actions.activation.meta.fake_meta_audiences import VERSION as META_VERSION
from tests.cerebro.actions.activation.meta.fake_meta_audiences import FakeMetaAudiences
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    email_sha256,
    expected_list,
    write_marts,
)
from tests.taps.fake_google_oauth import FakeGoogleTokenEndpoint

SEGMENT = "Frecuentes alejados"
NAME = audience_name(TENANT, SEGMENT)
KLAVIYO_KEY, META_TOKEN, ACCOUNT = "pk_test_cerebro", "EAAB-token", "1234567890"
GOOGLE_CUSTOMER, DEVELOPER_TOKEN = "1234567890", "google-developer-token-123"


class Vendor:
    """One vendor imitation and its client, with the membership read as e-mail hashes."""

    def __init__(self, name, client, hashes, lose_list):
        self.name, self.client, self.hashes, self.lose_list = name, client, hashes, lose_list


@pytest.fixture(params=["klaviyo", "meta_audiences", "google_customer_match"])
def vendor(request, httpserver):
    if request.param == "klaviyo":
        fake = FakeKlaviyo(api_key=KLAVIYO_KEY)
        with serving(fake) as base_url:
            client = klaviyo.from_config(
                {"base_url": base_url}, {"api_key": KLAVIYO_KEY}, sleep=lambda _: None
            )

            def hashes():
                (list_id,) = fake.list_named(NAME)
                return {email_sha256(email) for email in fake.member_emails(list_id)}

            def lose_list():
                fake.delete_list(fake.list_named(NAME)[0])

            yield Vendor("klaviyo", client, hashes, lose_list)
        return
    if request.param == "meta_audiences":
        fake = FakeMetaAudiences(META_TOKEN, ACCOUNT)
        fake.register(httpserver)
        settings = {"base_url": fake.base_url, "api_version": META_VERSION,
                    "ad_account_id": f"act_{ACCOUNT}"}  # fmt: skip
        client = meta.from_config(settings, {"access_token": META_TOKEN}, sleep=lambda _: None)
        yield Vendor(
            "meta_audiences", client, lambda: fake.member_hashes(NAME),
            lambda: fake.delete_audience(NAME),
        )  # fmt: skip
        return
    tokens = FakeGoogleTokenEndpoint()
    tokens.register(httpserver)
    fake = FakeCustomerMatch(tokens, DEVELOPER_TOKEN, GOOGLE_CUSTOMER)
    fake.register(httpserver)
    secrets = {
        "developer_token": DEVELOPER_TOKEN,
        "client_id": tokens.client_id,
        "client_secret": tokens.client_secret,
        "refresh_token": tokens.refresh_token,
    }
    settings = {"base_url": tokens.url.removesuffix("/token"), "api_version": GOOGLE_VERSION,
                "customer_id": GOOGLE_CUSTOMER, "token_url": tokens.url}  # fmt: skip
    client = google_customer_match.from_config(settings, secrets, sleep=lambda _: None)
    yield Vendor(
        "google_customer_match", client, lambda: fake.member_hashes(NAME),
        lambda: fake.remove_user_list(NAME),
    )  # fmt: skip


@pytest.fixture
def every_list_tenant() -> Tenant:
    names = ("klaviyo", "meta_audiences", "google_customer_match")
    return Tenant(
        TENANT, "Tienda", "America/Santiago", "CLP", "CL", sources={},
        destinations={name: DestinationConfig(name) for name in names},
    )  # fmt: skip


def expected_hashes(people) -> set[str]:
    by_id = {c.customer_id: c.email for c in people}
    return {email_sha256(by_id[c]) for c in expected_list(people)}


def sync(warehouse, tenant, vendor, **options):
    return activate(warehouse, tenant, SEGMENT, vendor.name, destination=vendor.client, **options)


def kept_identifiers(warehouse, destination):
    return set(
        warehouse.query(
            "select customer_id from ops.activation_identifiers where destination = %(d)s",
            {"d": destination},
        )["customer_id"]
    )


def test_customers_erased_from_the_marts_leave_every_list(warehouse, every_list_tenant, vendor):
    people = customers(150)
    write_marts(warehouse, people)
    first = sync(warehouse, every_list_tenant, vendor)
    assert vendor.hashes() == expected_hashes(people) and first.failed == 0
    assert kept_identifiers(warehouse, vendor.name) == expected_list(people)
    # Thirty customers are erased on request: gone from every mart, contacts included.
    erased, remaining = people[:30], people[30:]
    write_marts(warehouse, remaining)
    second = sync(warehouse, every_list_tenant, vendor)
    leaving = expected_list(people) - expected_list(remaining)
    assert len(leaving) > 15
    assert (second.removed, second.refused, second.failed) == (len(leaving), 0, 0)
    assert vendor.hashes() == expected_hashes(remaining)
    # Their hashes are forgotten once the vendor confirmed the removal.
    assert kept_identifiers(warehouse, vendor.name) == expected_list(remaining)
    assert not {c.customer_id for c in erased} & kept_identifiers(warehouse, vendor.name)
    # And nothing is asked again: the next sync removes nobody.
    assert sync(warehouse, every_list_tenant, vendor).removed == 0


def test_a_list_deleted_at_the_vendor_is_refilled_and_the_log_says_repaired(
    warehouse, every_list_tenant, vendor
):
    people = customers(150)
    write_marts(warehouse, people)
    sync(warehouse, every_list_tenant, vendor)
    vendor.lose_list()
    again = sync(warehouse, every_list_tenant, vendor)
    assert again.drift is not None and not again.drift.state.exists and again.drift.repairs
    assert again.repaired == len(expected_list(people)) and again.sent == 0
    assert vendor.hashes() == expected_hashes(people)
    logged = warehouse.query(
        "select action, count(*) as n from ops.activation_log where run_id = %(r)s group by 1",
        {"r": again.run_id},
    )
    assert dict(zip(logged["action"], logged["n"], strict=True))["repair"] == again.repaired
    # Once repaired, the list agrees with the log: the next sync sends nothing.
    third = sync(warehouse, every_list_tenant, vendor)
    assert (third.sent, third.repaired, third.removed) == (0, 0, 0)
    assert not third.drift.repairs


def test_an_emptied_klaviyo_list_is_seen_by_its_count_and_refilled(warehouse, tenant):
    people = customers(120)
    write_marts(warehouse, people)
    fake = FakeKlaviyo(api_key=KLAVIYO_KEY)
    with serving(fake) as base_url:
        client = klaviyo.from_config(
            {"base_url": base_url}, {"api_key": KLAVIYO_KEY}, sleep=lambda _: None
        )
        activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client)
        (list_id,) = fake.list_named(NAME)
        fake.members[list_id].clear()  # every member removed by hand in Klaviyo's UI
        again = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client)
    assert again.drift.state.size == 0 and again.drift.short
    assert again.repaired == len(expected_list(people))
    assert {email_sha256(e) for e in fake.member_emails(list_id)} == expected_hashes(people)


def test_a_member_whose_email_changed_leaves_klaviyo_under_the_address_added(warehouse, tenant):
    people = customers(40)
    write_marts(warehouse, people)
    fake = FakeKlaviyo(api_key=KLAVIYO_KEY)
    with serving(fake) as base_url:
        client = klaviyo.from_config(
            {"base_url": base_url}, {"api_key": KLAVIYO_KEY}, sleep=lambda _: None
        )
        activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client)
        member = next(c for c in people if c.customer_id in expected_list(people))
        moved = member.but(email="nueva.direccion@ejemplo.cl", rfm_segment="Habituales")
        changed = [moved if c is member else c for c in people]
        write_marts(warehouse, changed)
        report = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client)
    (list_id,) = fake.list_named(NAME)
    assert report.removed == 1
    assert member.email.strip().lower() not in fake.member_emails(list_id)


def test_resync_sends_every_member_again_to_an_intact_list_and_changes_nothing(
    warehouse, every_list_tenant, vendor
):
    people = customers(60)
    write_marts(warehouse, people)
    sync(warehouse, every_list_tenant, vendor)
    again = sync(warehouse, every_list_tenant, vendor, resync=True)
    assert again.drift.resync and again.repaired == len(expected_list(people))
    assert vendor.hashes() == expected_hashes(people)
