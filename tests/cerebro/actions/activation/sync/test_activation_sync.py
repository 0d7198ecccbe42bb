"""The sync against an in-memory vendor on a crafted DuckDB warehouse.

Oracle: the segment as the test wrote it, the consent rule (SUBSCRIBED and an address) and the
documented control rule (SHA-256 of "tenant:customer", first 8 bytes below share x 2^64), each
recomputed here by hand; the vendor's own record of what it accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from cerebro.actions.activation.errors import ActivationError
from cerebro.actions.activation.log import COLUMNS, LogRow, open_log
from cerebro.actions.activation.sync import activate, audience_name
from cerebro.warehouse import WarehouseNotBuiltError
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    email_sha256,
    expected_list,
    held_out,
    phone_sha256,
    write_marts,
)
from tests.cerebro.actions.activation.sync.activation_fake_list import FakeList, VendorState

SEGMENT = "Frecuentes alejados"
LIST = audience_name(TENANT, SEGMENT)


def log_rows(warehouse):
    return warehouse.query("select * from ops.activation_log order by logged_at, customer_id")


def test_list_after_two_syncs_equals_the_consented_treated_segment(warehouse, tenant):
    people = customers(300)
    write_marts(warehouse, people)
    vendor = VendorState()
    first = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor))
    assert vendor.lists[LIST] == expected_list(people)
    assert first.sent == len(expected_list(people)) > 200
    # Ten leave the segment, ten withdraw e-mail consent, ten new ones join (with consent).
    changed = (
        [c.but(rfm_segment="Hibernando") for c in people[:10]]
        + [c.but(email_state="UNSUBSCRIBED") for c in people[10:20]]
        + people[20:]
        + [c.but(customer_id=f"n{c.customer_id}", email_state="SUBSCRIBED")
           for c in customers(10)]
    )  # fmt: skip
    write_marts(warehouse, changed)
    second = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor))
    assert vendor.lists[LIST] == expected_list(changed)
    leaving = expected_list(people) - expected_list(changed)
    assert second.removed == len(leaving) > 0
    assert second.sent == len(expected_list(changed) - expected_list(people)) > 0
    # Nobody was added twice.
    assert max(count for (action, _), count in vendor.accepted.items() if action == "add") == 1


def test_a_second_sync_with_no_change_sends_nothing(warehouse, tenant):
    write_marts(warehouse, customers(200))
    vendor = VendorState()
    activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor))
    client = FakeList(vendor)
    again = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client)
    assert client.calls == 0 and again.calls == 0
    assert (again.sent, again.removed, again.refused, again.failed) == (0, 0, 0, 0)
    assert again.plan.unchanged == len(vendor.lists[LIST])
    rows = log_rows(warehouse)
    second_run = rows[rows["run_id"] == again.run_id]
    assert set(second_run["action"]) == {"hold_out", "skip"}


def test_held_out_members_are_logged_never_sent_and_the_same_in_every_segment(warehouse, tenant):
    people = customers(400, churn_risk_segment="CLIENTE PERDIDO")
    write_marts(warehouse, people)
    vendor = VendorState()
    rfm = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor))
    churn = activate(warehouse, tenant, "CLIENTE PERDIDO", "klaviyo", destination=FakeList(vendor))
    again = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor))
    consented = {c.customer_id for c in people if c.email_state == "SUBSCRIBED"}
    control = {c for c in consented if held_out(c)}
    for report in (rfm, churn, again):
        assert {m.customer_id for m in report.plan.held_out} == control
    sent_to = {customer for (_, customer) in vendor.accepted}
    assert control and not control & sent_to
    rows = log_rows(warehouse)
    held = rows[rows["action"] == "hold_out"]
    assert set(held["status"]) == {"held_out"}
    assert set(held["customer_id"]) == control
    skipped = rows[rows["action"] == "skip"]
    assert set(skipped["status"]) == {"no_consent"}
    assert set(skipped["customer_id"]) == {c.customer_id for c in people} - consented


def test_dry_run_calls_nothing_and_writes_nothing(warehouse, tenant):
    write_marts(warehouse, customers(200))
    path = warehouse.settings.duckdb_path
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    client = FakeList()
    report = activate(warehouse, tenant, SEGMENT, "klaviyo", dry_run=True, destination=client)
    assert client.calls == 0 and client.state.requests == 0
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not warehouse.table_exists("ops", "activation_log")
    assert report.dry_run and len(report.plan.add) == len(expected_list(customers(200)))
    assert report.missing_secrets == ["FAKE_KEY"]


@pytest.mark.parametrize("one_shot", [False, True], ids=["list", "one_shot"])
def test_a_sync_killed_midway_is_completed_by_the_next_without_duplicates(
    warehouse, tenant, one_shot
):
    people = customers(300)
    write_marts(warehouse, people)
    vendor = VendorState()
    killed = FakeList(vendor, one_shot=one_shot, interrupt_after=57)
    with pytest.raises(KeyboardInterrupt):
        activate(warehouse, tenant, SEGMENT, "klaviyo", destination=killed)
    rows = log_rows(warehouse)
    logged = rows[rows["status"] == "sent"]
    assert len(logged) == 57 == sum(vendor.accepted.values())
    activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor, one_shot=one_shot))
    assert vendor.lists[LIST] == expected_list(people)
    assert set(vendor.accepted.values()) == {1}
    assert {c for (_, c) in vendor.accepted} == expected_list(people)


def test_a_one_shot_send_stopped_midway_reached_the_most_recoverable_customers_first(
    warehouse, tenant
):
    """Oracle: recoverable value = P(alive) x value if retained, computed here for customers
    whose values are crafted so that it disagrees with value at risk and with the id order: a
    coupon run that stops after 10 has reached the 10 consented, treated members a coupon can
    save most from, not those already gone with the most value at risk."""
    people = [
        c.but(prob_alive=(i % 7 + 0.5) / 8, clv_if_retained_12m=1000.0 * (1 + (i * 37) % 23))
        for i, c in enumerate(customers(60))
    ]
    write_marts(warehouse, people)
    vendor = VendorState()
    with pytest.raises(KeyboardInterrupt):
        activate(warehouse, tenant, SEGMENT, "klaviyo",
                 destination=FakeList(vendor, one_shot=True, interrupt_after=10))  # fmt: skip
    by_id = {c.customer_id: c for c in people}
    recoverable = sorted(
        expected_list(people),
        key=lambda i: (-by_id[i].prob_alive * by_id[i].clv_if_retained_12m, i),
    )
    at_risk = sorted(
        expected_list(people),
        key=lambda i: (-(1 - by_id[i].prob_alive) * by_id[i].clv_if_retained_12m, i),
    )
    sent = [member.customer_id for member in vendor.members_seen]
    assert sent == recoverable[:10]
    assert set(sent) != set(at_risk[:10])


def test_a_destination_error_midway_stops_in_one_line_and_keeps_what_was_answered(
    warehouse, tenant
):
    write_marts(warehouse, customers(300))
    vendor = VendorState()
    with pytest.raises(ActivationError) as raised:
        activate(
            warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor, error_after=40)
        )
    message = str(raised.value)
    assert "\n" not in message
    assert "API key was revoked" in message and "40 answers before it are logged" in message
    rows = log_rows(warehouse)
    assert len(rows[rows["status"] == "sent"]) == 40 == len(vendor.lists[LIST])


def test_refused_are_not_asked_again_and_failed_are_retried(warehouse, tenant):
    people = customers(100)
    write_marts(warehouse, people)
    target = sorted(expected_list(people))
    refused, failed = target[0], target[1]
    vendor = VendorState()
    client = FakeList(vendor, refuse=frozenset({refused}), fail=frozenset({failed}))
    first = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client)
    assert (first.refused, first.failed) == (1, 1)
    second = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor))
    assert [m.customer_id for m in second.plan.add] == [failed]
    assert second.plan.refused_before == 1
    assert vendor.lists[LIST] == set(target) - {refused}
    rows = log_rows(warehouse)
    assert rows.loc[rows["status"] == "refused", "detail"].tolist() == ["invalid email"]


def test_the_log_has_the_agreed_columns_and_hashes_never_contacts(warehouse, tenant):
    people = customers(50)
    write_marts(warehouse, people)
    report = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList())
    rows = log_rows(warehouse)
    assert list(rows.columns) == [
        "run_id", "tenant_id", "destination", "segment", "customer_id", "identifier_sha256",
        "action", "status", "detail", "vendor_ref", "logged_at", "run_started_at",
    ] == list(COLUMNS)  # fmt: skip
    assert set(rows["run_id"]) == {report.run_id}
    assert rows["run_started_at"].nunique() == 1
    assert (rows["logged_at"] >= rows["run_started_at"]).all()
    by_id = {c.customer_id: c for c in people}
    for row in rows.itertuples():
        person = by_id[row.customer_id]
        assert row.identifier_sha256 == email_sha256(person.email)
    text = rows.astype(str).to_csv()
    assert "@" not in text and "+56" not in text
    assert phone_sha256("+56 9 1234 5678") == hashlib.sha256(b"+56912345678").hexdigest()


def test_members_without_email_are_logged_by_their_phone_hash(warehouse, tenant):
    people = [c.but(email=None, sms_state="SUBSCRIBED") for c in customers(30)]
    write_marts(warehouse, people)
    activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(consent="sms"))
    rows = log_rows(warehouse)
    assert set(rows["action"]) <= {"add", "hold_out"}
    by_id = {c.customer_id: c for c in people}
    assert all(
        row.identifier_sha256 == phone_sha256(by_id[row.customer_id].phone)
        for row in rows.itertuples()
    )


def test_members_carry_contacts_predictions_and_the_tenants_currency(warehouse, tenant):
    write_marts(warehouse, customers(20))
    vendor = VendorState()
    activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeList(vendor))
    member = vendor.members_seen[0]
    assert member.email == "cliente.1@ejemplo.cl" and member.country_code == "CL"
    assert member.attributes["p_alive"] == 0.25
    assert member.attributes["predicted_clv_12m"] == 30000.0
    assert member.attributes["currency"] == "CLP"


@pytest.mark.parametrize(
    "segment, destination, message",
    [
        ("Frecuentes Alejados", "klaviyo",
         r"unknown segment 'Frecuentes Alejados' \(did you mean 'Frecuentes alejados'\?\); RFM "
         r"segments: .*churn-risk segments: ALTO RIESGO - VIP, .*"),
        # A name from before decision 0047: the new one, not an empty list or "unknown".
        ("En riesgo", "klaviyo",
         r"^el segmento RFM «En riesgo» ahora se llama «Frecuentes alejados»; los clientes en "
         r"riesgo del modelo son «ALTO RIESGO - VIP» y «CLIENTE PERDIDO» \(decisión 0047\)$"),
        (SEGMENT, "klavio", r"unknown destination 'klavio' \(did you mean 'klaviyo'\?\)"),
        (SEGMENT, "whatsapp",
         r"destination 'whatsapp' is not configured for tenant tienda_cl \(configured: klaviyo\)"),
    ],
)  # fmt: skip
def test_unknown_segment_or_destination_is_one_line_and_nothing_is_written(
    warehouse, tenant, segment, destination, message
):
    write_marts(warehouse, customers(20))
    client = FakeList()
    with pytest.raises(ActivationError, match=message) as raised:
        activate(warehouse, tenant, segment, destination, destination=client)
    assert "\n" not in str(raised.value)
    assert client.calls == 0 and not warehouse.table_exists("ops", "activation_log")


def test_marts_built_before_the_consent_columns_are_one_line_saying_to_rebuild(warehouse, tenant):
    write_marts(warehouse, customers(20))
    old = warehouse.query("select * from marts.mart_customer_contacts")
    warehouse.replace_table(
        "marts", "mart_customer_contacts", old.drop(columns=["sms_marketing_state"])
    )
    with pytest.raises(WarehouseNotBuiltError) as raised:
        activate(warehouse, tenant, SEGMENT, "klaviyo", dry_run=True, destination=FakeList())
    assert str(raised.value) == (
        f"the marts in {warehouse.location} lack marts.mart_customer_contacts."
        "sms_marketing_state (built by an older Cerebro): run `cerebro run` to rebuild them"
    )


def test_a_message_carries_each_members_valid_rescue_coupon_from_the_log(warehouse, tenant):
    """Oracle: coupon rows written here as the coupon destination logs them (code in
    vendor_ref, "<percent> hasta <last day>"): a member gets the latest coupon whose last day
    is not past, and nobody else's; an expired or refused coupon, or another tenant's, is none."""
    people = customers(40)
    write_marts(warehouse, people)
    a, b, c, d = sorted(expected_list(people))[:4]
    day = dt.datetime(2026, 11, 20, 12)

    def coupon(tenant_id, customer_id, status, code, detail, logged_at):
        return LogRow("r0", tenant_id, "shopify_coupons", "ALTO RIESGO - VIP", customer_id,
                      None, "send", status, detail, code, logged_at, logged_at)  # fmt: skip

    with open_log(warehouse) as log:
        log.write([
            coupon(TENANT, a, "sent", "VUELVE-OLD", "5% hasta 2026-11-25", day),
            coupon(TENANT, a, "sent", "VUELVE-A", "12,5% hasta 2026-12-04", day + dt.timedelta(1)),
            coupon(TENANT, b, "sent", "VUELVE-B", "5% hasta 2026-11-19", day),  # expired
            coupon(TENANT, c, "refused", None, "sin descuento rentable", day),
            coupon("otra_tienda", d, "sent", "VUELVE-D", "5% hasta 2026-12-04", day),
        ])  # fmt: skip
    vendor = VendorState()
    activate(
        warehouse, tenant, SEGMENT, "klaviyo",
        destination=FakeList(vendor, one_shot=True), now=lambda: day,
    )  # fmt: skip

    seen = {m.customer_id: m.attributes for m in vendor.members_seen}
    assert seen[a]["discount_code"] == "VUELVE-A" and seen[a]["discount_percent"] == "12,5%"
    assert all("discount_code" not in seen[i] for i in (b, c, d))
    assert sum("discount_code" in attributes for attributes in seen.values()) == 1


def test_a_phone_refusal_is_lifted_by_correcting_the_phone_not_the_email(warehouse, tenant):
    """A message destination (SMS consent, WhatsApp's) remembers a refusal against the phone's
    hash: a new e-mail does not ask again, a corrected phone does."""
    people = customers(40)
    write_marts(warehouse, people)
    target = sorted(expected_list(people, channel="sms"))
    refused = target[0]

    def sync(**fake):
        client = FakeList(VendorState(), consent="sms", one_shot=True, **fake)
        return activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client)

    assert sync(refuse=frozenset({refused})).refused == 1
    by_id = {c.customer_id: c for c in people}
    write_marts(warehouse, [*[c for c in people if c.customer_id != refused],
                            by_id[refused].but(email="nuevo@ejemplo.cl")])  # fmt: skip
    assert [m.customer_id for m in sync().plan.add] == []
    write_marts(warehouse, [*[c for c in people if c.customer_id != refused],
                            by_id[refused].but(phone="+56 9 87654321")])  # fmt: skip
    assert [m.customer_id for m in sync().plan.add] == [refused]
