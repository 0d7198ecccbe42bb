"""Audiences from saved questions (decision 0073): a question of the tenant's "Audiencias"
collection, read through the stateful fake Metabase, synced like a built-in segment.

Oracles: the ids the test gave the question; the consent rule and the documented control rule
recomputed by hand (``activation_crafted_marts``); the vendor's own record of what it
accepted; Metabase's answers as its source gives them (the fake's docstring names the files).
Every refusal is one Spanish line with nothing logged and nothing sent.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cerebro.actions.activation.audiences import metabase_reader
from cerebro.actions.activation.errors import ActivationError
from cerebro.actions.activation.sync import activate, audience_name
from cerebro.actions.requests import run_pending, submit
from cerebro.serving.metabase.client import MetabaseClient
from cerebro.serving.metabase.desired import with_marker
from cerebro.tenants import load_tenants
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    held_out,
    write_marts,
)
from tests.cerebro.actions.activation.sync.activation_fake_list import FakeList, VendorState
from tests.cerebro.serving.metabase.fake_metabase import FakeMetabase

OTHER = "otra_pe"
ADMIN = ("admin@cerebro.test", "Adm1n-never-printed")
QUESTION = "Compraron en verano"
SQL = "select customer_id from marts.fct_orders where tenant_id = 'tienda_cl' -- verano"


class MetabaseWorld:
    """The fake Metabase with what provisioning would have made for two tenants (their
    connections, collections and Audiencias collections), built through its HTTP API."""

    def __init__(self, fake: FakeMetabase) -> None:
        self.fake = fake
        self.client = MetabaseClient(fake.url)
        self.client.use_session(
            self.client.post("/api/session", {"username": ADMIN[0], "password": ADMIN[1]})["id"]
        )
        self.databases, self.audiences, self.tops = {}, {}, {}
        for tenant_id in (TENANT, OTHER):
            self.databases[tenant_id] = self.client.post(
                "/api/database",
                {"engine": "postgres", "name": f"Cerebro · {tenant_id}",
                 "details": {"host": "postgres", "dbname": "cerebro"}},
            )["id"]  # fmt: skip
            top = self.client.post(
                "/api/collection", {"name": tenant_id, "description": with_marker("", tenant_id)}
            )["id"]
            self.tops[tenant_id] = top
            self.audiences[tenant_id] = self.client.post(
                "/api/collection",
                {"name": "Audiencias", "parent_id": top,
                 "description": with_marker("Audiencias.", f"{tenant_id}/audiencias")},
            )["id"]  # fmt: skip

    def question(
        self,
        name: str,
        titles: list[str],
        rows: list[list],
        *,
        tenant_id: str = TENANT,
        collection: int | None = None,
        database: str | None = None,
    ) -> int:
        sql = f"select /* {name} */ 1"
        self.fake.results[sql] = (titles, rows)
        return self.client.post(
            "/api/card",
            {
                "name": name,
                "display": "table",
                "collection_id": self.audiences[tenant_id] if collection is None else collection,
                "dataset_query": {
                    "type": "native",
                    "database": self.databases[database or tenant_id],
                    "native": {"query": sql},
                },
                "visualization_settings": {},
            },
        )["id"]


@pytest.fixture
def world():
    fake = FakeMetabase(admin=ADMIN).start()
    yield MetabaseWorld(fake)
    fake.stop()


@pytest.fixture
def environ(world):
    return {
        "METABASE_URL": world.fake.url,
        "METABASE_ADMIN_EMAIL": ADMIN[0],
        "METABASE_ADMIN_PASSWORD": ADMIN[1],
    }


def write_customers(warehouse, people, others=()) -> None:
    """The crafted marts plus ``marts.dim_customers`` for this tenant and another one."""
    write_marts(warehouse, people)
    rows = [(TENANT, c.customer_id) for c in people] + [(OTHER, i) for i in others]
    warehouse.replace_table(
        "marts", "dim_customers", pd.DataFrame(rows, columns=["tenant_id", "customer_id"])
    )


def log_count(warehouse) -> int:
    if not warehouse.table_exists("ops", "activation_log"):
        return 0
    return int(warehouse.query("select count(*) as n from ops.activation_log")["n"].iloc[0])


def test_question_audience_syncs_consented_treated_members_and_holdout_is_stable(
    warehouse, tenant, world, environ
):
    people = customers(200)
    write_customers(warehouse, people)
    chosen = people[:120]
    # Repeated ids and NULLs are how a join often answers: one member each, NULL ignored.
    rows = [[c.customer_id] for c in chosen] + [[chosen[0].customer_id], [None]]
    world.question(QUESTION, ["customer_id"], rows)
    reader = metabase_reader(environ)
    segment = f"audiencia:{QUESTION}"

    preview = activate(
        warehouse, tenant, segment, "klaviyo", dry_run=True, audience_reader=reader
    ).plan
    consented = [c for c in chosen if c.email_state == "SUBSCRIBED"]
    assert preview.members == len(chosen)
    assert {m.customer_id for m in preview.no_consent} == {
        c.customer_id for c in chosen if c.email_state != "SUBSCRIBED"
    }
    assert {m.customer_id for m in preview.held_out} == {
        c.customer_id for c in consented if held_out(c.customer_id)
    }
    assert preview.no_consent and preview.held_out  # both rules had someone to apply to
    treated = {c.customer_id for c in consented if not held_out(c.customer_id)}
    assert {m.customer_id for m in preview.add} == treated
    assert log_count(warehouse) == 0  # a dry run writes nothing

    vendor = VendorState()
    first = activate(
        warehouse, tenant, segment, "klaviyo", destination=FakeList(vendor), audience_reader=reader
    )
    assert vendor.lists[audience_name(TENANT, segment)] == treated
    assert first.sent == len(treated)
    second = activate(
        warehouse, tenant, segment, "klaviyo", destination=FakeList(vendor), audience_reader=reader
    )
    assert (second.sent, second.removed) == (0, 0)
    assert {m.customer_id for m in second.plan.held_out} == {
        m.customer_id for m in preview.held_out
    }
    held = warehouse.query(
        "select run_id, count(*) as n from ops.activation_log where action = 'hold_out' group by 1"
    )
    assert list(held["n"]) == [len(preview.held_out)] * 2


def test_question_named_by_id_with_a_query_builder_title(warehouse, tenant, world, environ):
    people = customers(30)
    write_customers(warehouse, people)
    card = world.question("Otra", ["Customer ID", "Total"], [[c.customer_id, 1] for c in people])
    plan = activate(
        warehouse, tenant, f"audiencia:{card}", "klaviyo", dry_run=True,
        audience_reader=metabase_reader(environ),
    ).plan  # fmt: skip
    assert plan.members == len(people)


def refusal(warehouse, tenant, segment, reader) -> str:
    with pytest.raises(ActivationError) as caught:
        activate(
            warehouse, tenant, segment, "klaviyo", destination=FakeList(VendorState()),
            audience_reader=reader,
        )  # fmt: skip
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert log_count(warehouse) == 0
    return message


def test_unknown_question_by_name_and_by_id_is_refused(warehouse, tenant, world, environ):
    write_customers(warehouse, customers(10))
    world.question(QUESTION, ["customer_id"], [["c0001"]])
    reader = metabase_reader(environ)
    by_name = refusal(warehouse, tenant, "audiencia:No existe", reader)
    assert by_name.startswith("No existe la pregunta «No existe»") and QUESTION in by_name
    assert "No existe la pregunta «999»" in refusal(warehouse, tenant, "audiencia:999", reader)
    assert "no nombra ninguna pregunta" in refusal(warehouse, tenant, "audiencia: ", reader)


def test_question_outside_the_tenants_audiences_is_refused(warehouse, tenant, world, environ):
    write_customers(warehouse, customers(10))
    reader = metabase_reader(environ)
    elsewhere = world.question("Suelta", ["customer_id"], [["c0001"]],
                               collection=world.tops[TENANT])  # fmt: skip
    assert "no está en la colección Audiencias de tienda_cl" in refusal(
        warehouse, tenant, f"audiencia:{elsewhere}", reader
    )
    # The other tenant's audience, by id or by name, is not this tenant's.
    theirs = world.question("De la otra", ["customer_id"], [["c0001"]], tenant_id=OTHER)
    assert "no está en la colección" in refusal(warehouse, tenant, f"audiencia:{theirs}", reader)
    assert "No existe la pregunta" in refusal(warehouse, tenant, "audiencia:De la otra", reader)


def test_question_on_another_tenants_connection_is_refused(warehouse, tenant, world, environ):
    write_customers(warehouse, customers(10))
    world.question("Cruzada", ["customer_id"], [["c0001"]], database=OTHER)
    message = refusal(warehouse, tenant, "audiencia:Cruzada", metabase_reader(environ))
    assert "consulta la base «Cerebro · otra_pe», no «Cerebro · tienda_cl»" in message


def test_question_without_an_id_column_or_ids_is_refused(warehouse, tenant, world, environ):
    write_customers(warehouse, customers(10))
    reader = metabase_reader(environ)
    world.question("Correos", ["email"], [["a@b.cl"]])
    world.question("Vacía", ["customer_id"], [])
    world.question("Nulos", ["customer_id"], [[None], [" "]])
    assert "no devuelve una columna de id de cliente" in refusal(
        warehouse, tenant, "audiencia:Correos", reader
    )
    assert "no devuelve ningún id" in refusal(warehouse, tenant, "audiencia:Vacía", reader)
    assert "no devuelve ningún id" in refusal(warehouse, tenant, "audiencia:Nulos", reader)


def test_ids_of_another_tenant_are_refused_and_nothing_is_sent(warehouse, tenant, world, environ):
    people = customers(20)
    write_customers(warehouse, people, others=["p0001", "p0002"])
    rows = [[c.customer_id] for c in people] + [["p0001"], ["zz-unknown"]]
    world.question("Mezcla", ["customer_id"], rows)
    vendor = VendorState()
    with pytest.raises(ActivationError) as caught:
        activate(
            warehouse, tenant, "audiencia:Mezcla", "klaviyo", destination=FakeList(vendor),
            audience_reader=metabase_reader(environ),
        )  # fmt: skip
    assert str(caught.value).startswith("2 de los 22 ids que devuelve «Mezcla» no son clientes")
    assert "p0001" in str(caught.value)
    assert not vendor.lists and log_count(warehouse) == 0


def test_a_credential_that_cannot_read_the_collection_is_refused(warehouse, tenant, world, environ):
    write_customers(warehouse, customers(10))
    world.question(QUESTION, ["customer_id"], [["c0001"]])
    outsiders = world.client.post("/api/permissions/group", {"name": "Ajenos"})["id"]
    # All Users wrote in the root when the collections were made; take that away first.
    for levels in world.fake.collection_permissions.values():
        for collection in (world.tops[TENANT], world.audiences[TENANT]):
            levels[collection] = "none"
    key = world.fake.add_api_key("ajena", outsiders)
    reader = metabase_reader({"METABASE_URL": world.fake.url, "METABASE_API_KEY": key})
    message = refusal(warehouse, tenant, f"audiencia:{QUESTION}", reader)
    # Metabase does not list a collection the key cannot read, and answers 403 on its items.
    assert "o esta credencial no puede leerla" in message and key not in message
    forbidden = world.client.__class__(world.fake.url)
    forbidden.use_api_key(key)
    with pytest.raises(Exception, match="HTTP 403: You don't have permissions to do that"):
        forbidden.get(f"/api/collection/{world.audiences[TENANT]}/items", models="card")


def test_without_metabase_settings_an_audience_is_one_line(warehouse, tenant):
    write_customers(warehouse, customers(5))
    message = refusal(warehouse, tenant, "audiencia:x", lambda *_: metabase_reader({})(*_))
    assert "defina METABASE_URL" in message


def test_the_tenants_file_accepts_an_audience_in_activations(tmp_path):
    path = tmp_path / "tenants.yml"
    path.write_text(
        """
tenants:
  - tenant_id: tienda_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services}
    sources: {shopify: {tap: demo}}
    destinations:
      klaviyo: {secrets: {api_key: KLAVIYO_KEY_CL}}
    activations:
      - {segment: "audiencia:Compraron en verano", destination: klaviyo}
""",
        encoding="utf-8",
    )
    (loaded,) = load_tenants(path)
    assert [a.segment for a in loaded.activations] == ["audiencia:Compraron en verano"]


def test_a_request_from_metabase_previews_and_refuses_an_audience(
    warehouse, tenant, world, environ, monkeypatch
):
    people = customers(60)
    write_customers(warehouse, people)
    world.question(QUESTION, ["customer_id"], [[c.customer_id] for c in people[:40]])
    for name in ("METABASE_API_KEY", "METABASE_API_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    plan = activate(
        warehouse, tenant, f"audiencia:{QUESTION}", "klaviyo", dry_run=True,
        audience_reader=metabase_reader(environ),
    ).plan  # fmt: skip
    for segment in (f"audiencia:{QUESTION}", "audiencia:No existe"):
        submit(warehouse, "cl_reader", tenant_id=TENANT, kind="sincronizar_segmento",
               segment=segment, destination="klaviyo", preview=True)  # fmt: skip
    done, refused = sorted(run_pending(warehouse, {TENANT: tenant}), key=lambda o: o.state)
    assert done.state == "done" and done.result.startswith(
        f"Vista previa de «audiencia:{QUESTION}» → klaviyo: {plan.members} clientes en el "
        f"segmento, {len(plan.add)} por agregar"
    )
    assert refused.state == "refused" and "\n" not in refused.result
    assert "No existe la pregunta «No existe» en la colección Audiencias" in refused.result
    assert log_count(warehouse) == 0
