"""A real sync end to end: the engine, the Klaviyo client and the local Klaviyo fake of the
Klaviyo destination's tests, on a crafted warehouse. Oracle: the fake account's list, which
after each sync holds exactly the consented, treated members' e-mails."""

from __future__ import annotations

from cerebro.actions.activation.destinations.klaviyo import from_config
from cerebro.actions.activation.sync import activate, audience_name

# The fake lives beside the Klaviyo client's own tests.
from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import FakeKlaviyo, serving
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    customers,
    expected_list,
    write_marts,
)

API_KEY = "pk_test_cerebro"


def test_klaviyo_list_equals_the_consented_treated_segment_after_each_sync(warehouse, tenant):
    people = customers(120)
    changed = [c.but(rfm_segment="Habituales") for c in people[:15]] + people[15:]
    fake = FakeKlaviyo(api_key=API_KEY)
    with serving(fake) as base_url:
        client = from_config({"base_url": base_url}, {"api_key": API_KEY}, sleep=lambda _: None)
        for segment_now in (people, changed):
            write_marts(warehouse, segment_now)
            report = activate(
                warehouse, tenant, "Frecuentes alejados", "klaviyo", destination=client
            )
            [list_id] = fake.list_named(audience_name("tienda_cl", "Frecuentes alejados"))
            by_id = {c.customer_id: c.email.strip().lower() for c in segment_now}
            assert fake.member_emails(list_id) == {by_id[c] for c in expected_list(segment_now)}
            assert report.failed == report.refused == 0
        before = fake.calls()
        again = activate(warehouse, tenant, "Frecuentes alejados", "klaviyo", destination=client)
    # The third sync only finds the list and reads its size (it agrees with the log): two
    # reads, nothing written.
    assert report.removed > 0 and again.calls == 2 and fake.calls() == before + 2
    assert [s.route for s in fake.seen[-2:]] == ["get_lists", "get_list"]
    assert again.drift and not again.drift.repairs
