"""A segment sync asked from Metabase runs only after a preview that still holds, and an
activation can be stopped, on a crafted DuckDB warehouse with the Klaviyo fake of the Klaviyo
client's tests.

Oracles: the fake account's list (after a confirmed sync it holds exactly the consented,
treated members, as ``cerebro activate`` leaves it), the fake's call count (a refused
confirmation calls nothing), the activation log and the request table's states.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cerebro.actions.activation.stops import stopped_since
from cerebro.actions.activation.sync import audience_name
from cerebro.actions.requests import run_pending, submit
from cerebro.tenants import ActivationConfig, DestinationConfig, Tenant
from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import FakeKlaviyo, serving
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    expected_list,
    write_marts,
)

SEGMENT = "Frecuentes alejados"
API_KEY = "pk_test_cerebro"
T0 = dt.datetime(2026, 11, 27, 12, 0)


@pytest.fixture
def klaviyo(monkeypatch):
    fake = FakeKlaviyo(api_key=API_KEY)
    monkeypatch.setenv("KLAVIYO_KEY_TEST", API_KEY)
    with serving(fake) as base_url:
        tenant = Tenant(
            TENANT, "Tienda", "America/Santiago", "CLP", "CL", sources={},
            destinations={"klaviyo": DestinationConfig(
                "klaviyo", settings={"base_url": base_url},
                secrets={"api_key": "KLAVIYO_KEY_TEST"})},
            activations=(ActivationConfig(SEGMENT, "klaviyo"),),
        )  # fmt: skip
        yield fake, tenant


def _ask(warehouse, kind="sincronizar_segmento", segment=SEGMENT, **fields) -> int | None:
    return submit(warehouse, "cl_reader", tenant_id=TENANT, kind=kind, segment=segment,
                  destination="klaviyo", **fields)  # fmt: skip


def _run(warehouse, tenant, at: dt.datetime = T0):
    return run_pending(warehouse, {TENANT: tenant}, now=lambda: at)


def test_a_confirmed_sync_after_its_preview_leaves_the_list_as_cerebro_activate_does(
    warehouse, klaviyo
):
    fake, tenant = klaviyo
    people = customers(120)
    write_marts(warehouse, people)
    _ask(warehouse, preview=True)
    (preview,) = _run(warehouse, tenant)
    assert preview.state == "done" and "nada enviado" in preview.result
    assert fake.calls() == 0
    confirm = _ask(warehouse, preview=False)
    (outcome,) = _run(warehouse, tenant, T0 + dt.timedelta(minutes=5))
    assert (outcome.request_id, outcome.state) == (confirm, "done"), outcome.result
    assert outcome.result.startswith(f"Sincronizado «{SEGMENT}» → klaviyo:")
    [list_id] = fake.list_named(audience_name(TENANT, SEGMENT))
    by_id = {c.customer_id: c.email.strip().lower() for c in people}
    assert fake.member_emails(list_id) == {by_id[c] for c in expected_list(people)}
    used = warehouse.query("select confirmed_by from ops.sync_previews")["confirmed_by"]
    assert used.tolist() == [confirm]


def _refused_without_sending(warehouse, fake, tenant, at, words):
    before = fake.calls()
    _ask(warehouse, preview=False)
    (outcome,) = _run(warehouse, tenant, at)
    assert outcome.state == "refused" and words in outcome.result, outcome.result
    assert "\n" not in outcome.result
    assert fake.calls() == before
    return outcome


def test_a_confirmation_without_a_preview_is_refused_and_sends_nothing(warehouse, klaviyo):
    fake, tenant = klaviyo
    write_marts(warehouse, customers(40))
    _refused_without_sending(warehouse, fake, tenant, T0, "Falta la vista previa")
    assert not warehouse.table_exists("ops", "activation_log")


def test_a_preview_older_than_an_hour_cannot_confirm(warehouse, klaviyo):
    fake, tenant = klaviyo
    write_marts(warehouse, customers(40))
    _ask(warehouse, preview=True)
    _run(warehouse, tenant)
    _refused_without_sending(
        warehouse, fake, tenant, T0 + dt.timedelta(minutes=61), "tiene más de 60 minutos"
    )


def test_a_segment_changed_since_its_preview_cannot_confirm(warehouse, klaviyo):
    fake, tenant = klaviyo
    write_marts(warehouse, customers(40))
    _ask(warehouse, preview=True)
    _run(warehouse, tenant)
    write_marts(warehouse, customers(60))
    outcome = _refused_without_sending(
        warehouse, fake, tenant, T0 + dt.timedelta(minutes=1), "El segmento cambió"
    )
    assert "40 clientes entonces" in outcome.result


def test_a_preview_confirms_one_sync_only(warehouse, klaviyo):
    fake, tenant = klaviyo
    write_marts(warehouse, customers(40))
    _ask(warehouse, preview=True)
    _run(warehouse, tenant)
    first = _ask(warehouse, preview=False)
    assert _ask(warehouse, preview=False) is None  # a double click: one row
    (done,) = _run(warehouse, tenant, T0 + dt.timedelta(minutes=1))
    assert done.state == "done"
    _refused_without_sending(
        warehouse, fake, tenant, T0 + dt.timedelta(minutes=2), f"ya confirmó la solicitud {first}"
    )


def test_stopping_an_activation_skips_it_until_a_sync_is_confirmed_again(warehouse, klaviyo):
    fake, tenant = klaviyo
    write_marts(warehouse, customers(40))
    stop = _ask(warehouse, kind="detener_activacion")
    assert _ask(warehouse, kind="detener_activacion") is None  # a double click: one row
    (outcome,) = _run(warehouse, tenant)
    assert (outcome.request_id, outcome.state) == (stop, "done"), outcome.result
    assert stopped_since(warehouse, TENANT, SEGMENT, "klaviyo") == T0
    _ask(warehouse, kind="detener_activacion")
    (again,) = _run(warehouse, tenant)
    assert again.state == "refused" and "ya está detenida" in again.result
    _ask(warehouse, preview=True)
    _ask(warehouse, preview=False)
    _run(warehouse, tenant, T0 + dt.timedelta(minutes=1))
    assert stopped_since(warehouse, TENANT, SEGMENT, "klaviyo") is None
    assert fake.calls() > 0


def test_stopping_a_pair_never_synced_nor_scheduled_is_refused(warehouse, klaviyo):
    _, tenant = klaviyo
    write_marts(warehouse, customers(40))
    _ask(warehouse, kind="detener_activacion", segment="Campeones")
    (outcome,) = _run(warehouse, tenant)
    assert outcome.state == "refused" and "nunca se ha sincronizado" in outcome.result
    assert not warehouse.table_exists("ops", "stopped_activations")
