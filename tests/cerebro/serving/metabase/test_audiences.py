"""The "Audiencias" collection (decision 0073) against the stateful fake Metabase: provisioning
makes one per tenant inside the tenant's collection, writable by the roles metabase/access.yml
names, and a second apply writes nothing; a question saved there is read back as customer
ids; the fake answers the export and refuses as Metabase does (its docstring names the source
files: ``src/metabase/queries_rest/api/card.clj`` for
``POST /api/card/:card-id/query/:export-format``).
"""

from __future__ import annotations

import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.metabase.access import load_access
from cerebro.serving.metabase.audiences import AudienceError, audience_ids
from cerebro.serving.metabase.client import MetabaseApiError, MetabaseClient
from cerebro.serving.metabase.desired import marker_key
from cerebro.serving.metabase.provision import provision
from tests.cerebro.serving.metabase.provisioning_support import TENANTS, make_context


def _apply(settings, specs_dir):
    dashboards = load_dashboards(specs_dir)
    return provision(settings, dashboards, make_context(dashboards, TENANTS), sleep=lambda _: None)


def _collections(fake) -> dict[str, dict]:
    return {marker_key(c["description"]): c for c in fake.live(fake.collections)}


def _admin(fake, settings) -> MetabaseClient:
    client = MetabaseClient(fake.url)
    client.use_api_key(settings.api_key_file.read_text().strip())
    return client


def _question(client, fake, collection_id: int, database_id: int, titles, rows) -> int:
    sql = f"select customer_id from marts.dim_customers -- {len(fake.cards)}"
    fake.results[sql] = (titles, rows)
    return client.post(
        "/api/card",
        {"name": f"Audiencia {len(fake.cards)}", "display": "table",
         "collection_id": collection_id, "visualization_settings": {},
         "dataset_query": {"type": "native", "database": database_id,
                           "native": {"query": sql}}},
    )["id"]  # fmt: skip


def test_each_tenant_gets_an_audiencias_collection_its_builders_write(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    collections = _collections(fake)
    access = load_access()
    for tenant in TENANTS:
        audiences = collections[f"{tenant.tenant_id}/audiencias"]
        top = collections[tenant.tenant_id]
        assert audiences["name"] == "Audiencias"
        assert audiences["location"] == f"{top['location']}{top['id']}/"
        for role in access.roles:
            group = fake.group_id(f"{tenant.name} · {role.name}")
            expected = role.collections.get("audiencias", "none")
            assert fake.collection_level(group, audiences["id"]) == expected, role.key
        levels = {
            role.key: fake.collection_level(
                fake.group_id(f"{tenant.name} · {role.name}"), audiences["id"]
            )
            for role in access.roles
        }
        # Who builds questions writes there; the directors read; DevOps does not see it.
        assert levels == {
            "directivo": "read", "marketing": "write", "automatizacion": "none",
            "analista": "write",
        }  # fmt: skip
        # No other tenant's group reaches it.
        other = next(t for t in TENANTS if t is not tenant)
        for role in access.roles:
            group = fake.group_id(f"{other.name} · {role.name}")
            assert fake.collection_level(group, audiences["id"]) == "none"
    fake.reset_calls()
    second = _apply(settings, specs_dir)
    assert fake.writes() == [] and second.plan.is_empty


def test_a_question_in_a_tenants_audiencias_is_read_as_its_customer_ids(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    client = _admin(fake, settings)
    collections = _collections(fake)
    databases = {db["name"]: db["id"] for db in fake.databases.values()}
    card = _question(
        client, fake, collections["casafacil_cl/audiencias"]["id"],
        databases["Cerebro · casafacil_cl"], ["customer_id", "n"],
        [["6200010001647", 3], ["6200010001648", 1], ["6200010001647", 2]],
    )  # fmt: skip
    ids = audience_ids(client, "casafacil_cl", str(card), "Cerebro · casafacil_cl")
    assert ids == ["6200010001647", "6200010001648"]
    name = fake.cards[card]["name"]
    assert audience_ids(client, "casafacil_cl", name, "Cerebro · casafacil_cl") == ids
    # The same question is not the other tenant's audience.
    with pytest.raises(AudienceError, match="no está en la colección Audiencias de casafacil_pe"):
        audience_ids(client, "casafacil_pe", str(card), "Cerebro · casafacil_pe")


def test_fake_export_answers_rows_by_title_and_refuses_as_metabase(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    client = _admin(fake, settings)
    collections = _collections(fake)
    database = next(iter(fake.databases))
    card = _question(client, fake, collections["casafacil_cl/audiencias"]["id"], database,
                     ["Customer ID"], [["a"], ["b"]])  # fmt: skip
    assert client.post(f"/api/card/{card}/query/json", {"format_rows": False}) == [
        {"Customer ID": "a"}, {"Customer ID": "b"},
    ]  # fmt: skip
    with pytest.raises(MetabaseApiError) as missing:
        client.post("/api/card/9999/query/json", {})
    assert (missing.value.status, missing.value.message) == (404, "Not found.")
    client.put(f"/api/card/{card}", {"archived": True})
    with pytest.raises(MetabaseApiError, match="HTTP 404"):
        client.post(f"/api/card/{card}/query/json", {})
    with pytest.raises(MetabaseApiError, match="HTTP 400"):
        client.post(f"/api/card/{card}/query/pdf", {})
    # A key of a group that cannot read the collection: 403 on its items, and the collection
    # is not listed (Metabase lists what the caller may read).
    group = fake.group_id("CasaFácil Perú · Analista")
    key = fake.add_api_key("perú", group)
    peru = MetabaseClient(fake.url)
    peru.use_api_key(key)
    forbidden = collections["casafacil_cl/audiencias"]["id"]
    with pytest.raises(MetabaseApiError) as denied:
        peru.get(f"/api/collection/{forbidden}/items", models="card")
    assert (denied.value.status, denied.value.message) == (
        403, "You don't have permissions to do that.",
    )  # fmt: skip
    listed = {c["id"] for c in peru.get("/api/collection")}
    assert forbidden not in listed and collections["casafacil_pe/audiencias"]["id"] in listed
    with pytest.raises(AudienceError, match="o esta credencial no puede leerla"):
        audience_ids(peru, "casafacil_cl", "x", "Cerebro · casafacil_cl")
