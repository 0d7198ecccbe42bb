"""Provisioning against the stateful fake Metabase: per tenant a connection as its
row-level-security role, a collection, groups and permissions; the agency's portfolio; a
second apply writes nothing; a changed spec updates only what changed; a tenant removed from
the tenants file has its objects archived and its groups' access removed."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.metabase.access import load_access
from cerebro.serving.metabase.desired import marker_key
from cerebro.serving.metabase.layout import AGENCY
from cerebro.serving.metabase.provision import load_portfolio, provision
from tests.cerebro.serving.metabase.fake_metabase import ALL_USERS_GROUP_ID
from tests.cerebro.serving.metabase.provisioning_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    TENANTS,
    make_context,
)

PORTFOLIO = load_portfolio()
#: Buttons per kind of request: a sync is a preview and its confirmation.
ACTIONS_PER_KIND = {"guardar_escenario": 1, "sincronizar_segmento": 2, "detener_activacion": 1,
                    "alerta": 1, "registrar_experimento": 1, "retirar_experimento": 1}  # fmt: skip


def _totals(dashboards, tenants: int = 2) -> dict[str, int]:
    """Objects the apply creates: per tenant its collection, one per area, "Preguntas" and one
    per dashboard, "Audiencias" (decision 0073), its cards and its requests model, the Acciones
    page's actions (scenario, sync preview, sync, stop, alert, experiment and its withdrawal:
    decisions 0063, 0069, 0072 and 0075), dashboards and groups; the agency's collections,
    cards, dashboard and group."""
    access = load_access()
    asking = access.request_kinds()
    per_tenant = {
        # ... and per asking group (decision 0075) its Acciones collection, requests model,
        # the actions of its kinds and its Acciones dashboard.
        "collections": 1 + len(access.areas) + 1 + len(dashboards) + 1 + len(asking),
        "cards": sum(len(d.cards) for d in dashboards) + 1 + len(asking),
        "actions": sum(ACTIONS_PER_KIND[kind] for kinds in asking.values() for kind in kinds),
        "dashboards": len(dashboards) + len(asking),
        "groups": len(access.roles),
    }
    agency = {
        "collections": 2 + len(PORTFOLIO),
        "cards": sum(len(d.cards) for d in PORTFOLIO),
        "actions": 0,
        "dashboards": len(PORTFOLIO),
        "groups": 1,
    }
    return {k: tenants * per_tenant[k] + agency[k] for k in per_tenant}


def _apply(settings, specs_dir: Path, tenants=TENANTS, **kwargs):
    dashboards = load_dashboards(specs_dir)
    context = make_context(dashboards, tenants)
    return provision(settings, dashboards, context, sleep=lambda _: None, **kwargs)


def _edit_spec(specs_dir: Path, dashboard_key: str, edit) -> None:
    """Load one spec file, let ``edit`` change the document, write it back."""
    for path in specs_dir.glob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if document["key"] == dashboard_key:
            edit(document)
            path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
            return
    raise AssertionError(f"no spec {dashboard_key}")


def _by_key(objects: dict) -> dict[str, dict]:
    return {marker_key(o["description"]): o for o in objects.values() if not o.get("archived")}


def test_fresh_apply_creates_per_tenant_objects_and_connections_as_their_roles(
    fake, settings, specs_dir
):
    dashboards = load_dashboards(specs_dir)
    totals = _totals(dashboards)

    result = _apply(settings, specs_dir)

    assert fake.users == {ADMIN_EMAIL: ADMIN_PASSWORD}
    assert len(fake.live(fake.collections)) == totals["collections"]
    assert len(fake.live(fake.cards)) == totals["cards"]
    assert len(fake.live(fake.dashboards)) == totals["dashboards"]
    assert len(fake.live(fake.actions)) == totals["actions"]
    assert len(fake.groups) == 2 + totals["groups"]
    assert result.counts() == {"create": sum(totals.values()), "update": 0, "archive": 0}
    # One connection per tenant, logged in as its role (settings: METABASE_TENANT_<ID>_USER),
    # and the all-tenant reader for the portfolio; all restricted to the marts.
    users = {db["name"]: db["details"]["user"] for db in fake.databases.values()}
    # ... and one per tenant and asking group, logged in as the group's login (decision 0075).
    assert users == {
        "Cerebro · casafacil_cl": "casafacil_cl_metabase",
        "Cerebro · casafacil_pe": "casafacil_pe_metabase",
        "Cerebro": "metabase_reader",
        **{f"Cerebro · {t.tenant_id} · {group}": f"{t.tenant_id}_{group}"
           for t in TENANTS for group in load_access().request_kinds()},
    }  # fmt: skip
    assert {db["details"]["schema-filters-patterns"] for db in fake.databases.values()} == {"marts"}
    # Every tenant card queries its tenant's connection, every portfolio card the reader.
    database_ids = {db["name"]: db["id"] for db in fake.databases.values()}
    for key, card in _by_key(fake.cards).items():
        owner, *rest = key.split("/")
        name = "Cerebro" if owner == AGENCY else f"Cerebro · {owner}"
        if rest[0] == "acciones" and len(rest) == 3:  # an asking group's requests model
            name = f"{name} · {rest[1]}"
        assert card["database_id"] == database_ids[name], key
    key_file = settings.api_key_file
    assert key_file.read_text().strip() == next(iter(fake.api_keys.values()))["key"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    print(f"\napply #1: {result.total_calls} API calls {dict(result.calls)}")


def _visible(fake, group_id: int) -> tuple[set[str], set[str]]:
    """The managed collections (by key) a group may read or write, and the connections it
    may query (by name)."""
    collections = {
        marker_key(c["description"])
        for c in fake.live(fake.collections)
        if fake.collection_level(group_id, c["id"]) != "none"
    }
    databases = {
        db["name"] for db in fake.databases.values() if fake.data_level(group_id, db["id"]) != "no"
    }
    return collections, databases


def test_each_tenant_group_sees_exactly_its_collections_and_connection(fake, settings, specs_dir):
    dashboards = load_dashboards(specs_dir)
    access = load_access()
    _apply(settings, specs_dir)

    for tenant in TENANTS:
        own = {key for key in _by_key(fake.collections) if key.split("/")[0] == tenant.tenant_id}
        for role in access.roles:
            group = fake.group_id(f"{tenant.name} · {role.name}")
            collections, databases = _visible(fake, group)
            # Only this tenant's collections, and exactly the areas the role is given.
            assert collections <= own, role.key
            # Its own Acciones page, if it asks requests: no other group's (decision 0075).
            pages = {k for k in collections if k.startswith(f"{tenant.tenant_id}/acciones/")}
            assert pages == ({f"{tenant.tenant_id}/acciones/{role.key}"} if role.requests
                             else set()), role.key  # fmt: skip
            collections -= pages
            areas = {k.split("/")[1] for k in collections if k.count("/") == 1} - {"preguntas"}
            assert areas == set(role.collections) - {"tenant"}, role.key
            readable = set(access.dashboards_readable_by(role))
            assert {k.split("/")[2] for k in collections if k.count("/") == 2} == readable
            expected_db = set() if role.queries == "no" else {f"Cerebro · {tenant.tenant_id}"}
            assert databases == expected_db, role.key
        database = next(
            d["id"] for d in fake.databases.values() if d["name"] == f"Cerebro · {tenant.tenant_id}"
        )
        levels = {
            role.key: fake.data_level(fake.group_id(f"{tenant.name} · {role.name}"), database)
            for role in access.roles
        }
        assert levels == {
            "directivo": "no",
            "marketing": "query-builder",
            "automatizacion": "no",
            "analista": "query-builder-and-native",
        }
    # Marketing may save its own questions in its area; Analista in the tenant's collection.
    chile = _by_key(fake.collections)
    assert fake.collection_level(fake.group_id("CasaFácil Chile · Marketing"),
                                 chile["casafacil_cl/marketing"]["id"]) == "write"  # fmt: skip
    # All Users had Metabase's defaults (SQL on a new database, write in new top collections):
    # revoked on every managed object.
    assert _visible(fake, ALL_USERS_GROUP_ID) == (set(), set())
    # The agency reads the portfolio and every store, and queries nothing itself.
    collections, databases = _visible(fake, fake.group_id(load_access().agency.name))
    assert collections == set(_by_key(fake.collections))
    assert databases == set()
    assert len([k for k in chile if k.startswith("casafacil_cl/preguntas/")]) == len(dashboards)


def test_the_portfolio_links_to_each_stores_collection(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    collections = _by_key(fake.collections)
    (board,) = [d for k, d in _by_key(fake.dashboards).items() if k.startswith(f"{AGENCY}/")]
    assert board["collection_id"] == collections[AGENCY]["id"]
    (text,) = [dc["visualization_settings"]["text"] for dc in board["dashcards"]
               if dc["card_id"] is None]  # fmt: skip
    for tenant in TENANTS:
        assert f"[{tenant.name}](/collection/{collections[tenant.tenant_id]['id']})" in text


def test_second_apply_makes_no_writes(fake, settings, specs_dir):
    first = _apply(settings, specs_dir)
    fake.reset_calls()
    revisions = dict(fake.revisions)

    second = _apply(settings, specs_dir)

    assert fake.writes() == []
    assert second.plan.is_empty
    assert second.calls.get("POST", 0) == second.calls.get("PUT", 0) == 0
    assert dict(fake.revisions) == revisions
    print(f"\napply #1: {first.total_calls} calls {dict(first.calls)}; "
          f"apply #2: {second.total_calls} calls {dict(second.calls)}")  # fmt: skip


def test_an_apply_right_after_another_creates_no_duplicate_dashboard(fake, settings, specs_dir):
    """Metabase's search index lags (fake_metabase: ``search_lag``); dashboards are found in
    their collections instead."""
    totals = _totals(load_dashboards(specs_dir))
    _apply(settings, specs_dir)
    assert len(fake.search_index) < totals["dashboards"]  # search does not list them all yet

    second = _apply(settings, specs_dir)

    assert second.plan.count("create") == 0
    assert len(fake.live(fake.dashboards)) == totals["dashboards"]
    assert not [note for note in second.notes if "repeats the key" in note]


def test_pie_cards_keep_the_percentages_in_their_legend(fake, settings, specs_dir):
    """Saved in Metabase's current settings version, a pie is not migrated to "inside"."""
    _apply(settings, specs_dir)
    pies = [card for card in fake.live(fake.cards) if card["display"] == "pie"]
    assert pies
    for card in pies:
        assert card["visualization_settings"]["pie.percent_visibility"] == "legend", card["name"]


def test_every_date_style_is_one_metabase_knows(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    assert fake.browser_warnings == []


def test_a_tenant_removed_from_the_file_is_archived_and_its_groups_lose_access(
    fake, settings, specs_dir
):
    dashboards = load_dashboards(specs_dir)
    _apply(settings, specs_dir)
    peru = TENANTS[1]
    peru_groups = [g for g, name in fake.groups.items() if name.startswith(peru.name)]
    fake.reset_calls()

    result = _apply(settings, specs_dir, tenants=TENANTS[:1])

    archives = [c for c in result.plan.changes if c.action == "archive"]
    assert {(c.model, c.key.split("/")[0]) for c in archives} == {
        (m, peru.tenant_id) for m in ("action", "card", "dashboard", "collection")
    }
    # The only other change: the portfolio's links to the stores, one store fewer.
    (links,) = [c for c in result.plan.changes if c.action != "archive"]
    assert (links.model, links.key, links.fields) == ("dashboard", f"{AGENCY}/portafolio",
                                                      ("dashcards",))  # fmt: skip
    per_tenant = _totals(dashboards, 1)
    agency = _totals(dashboards, 0)
    assert result.plan.count("archive") == sum(
        per_tenant[k] - agency[k] for k in ("collections", "cards", "actions", "dashboards")
    )
    assert not [a for a in fake.live(fake.actions) if peru.tenant_id in a["description"]]
    live = _by_key(fake.cards) | _by_key(fake.dashboards) | _by_key(fake.collections)
    assert not [k for k in live if k.split("/")[0] == peru.tenant_id]
    # Its groups (kept, with their members) and All Users may reach nothing of it.
    peru_db = next(d["id"] for d in fake.databases.values() if d["name"].endswith(peru.tenant_id))
    for group in [*peru_groups, ALL_USERS_GROUP_ID]:
        assert _visible(fake, group) == (set(), set())
        assert fake.data_level(group, peru_db) == "no"
    assert any("serves no tenant" in note for note in result.notes)
    # Chile is untouched.
    assert not [c for c in result.plan.changes if c.key.startswith("casafacil_cl/")]
    fake.reset_calls()
    third = _apply(settings, specs_dir, tenants=TENANTS[:1])
    assert fake.writes() == [] and third.plan.is_empty


def test_changed_sql_updates_that_card_for_every_tenant(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    fake.reset_calls()
    edited = {}

    def edit(document):
        card = document["cards"][-1]
        card["sql"] = card["sql"].rstrip() + "\nlimit 50\n"
        edited["key"] = f"{document['key']}/{card['key']}"

    _edit_spec(specs_dir, "adquisicion", edit)
    result = _apply(settings, specs_dir)

    assert [(c.action, c.model, c.key, c.fields) for c in result.plan.changes] == [
        ("update", "card", f"{t.tenant_id}/{edited['key']}", ("sql",)) for t in TENANTS
    ]
    assert [method for method, _ in fake.writes()] == ["PUT"] * len(TENANTS)


def test_changed_title_updates_only_that_card(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    fake.reset_calls()
    _edit_spec(specs_dir, "adquisicion", lambda d: d["cards"][0].update(title="Clientes nuevos"))

    result = _apply(settings, specs_dir)

    assert [(c.action, c.model, c.fields) for c in result.plan.changes] == [
        ("update", "card", ("name",))
    ] * len(TENANTS)
    assert len(fake.writes()) == len(TENANTS)


def test_removed_card_is_archived_and_taken_off_its_dashboards(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    fake.reset_calls()
    removed = {}

    def edit(document):
        card = document["cards"].pop()
        removed["key"] = f"{document['key']}/{card['key']}"

    _edit_spec(specs_dir, "adquisicion", edit)
    result = _apply(settings, specs_dir)

    assert sorted((c.action, c.model, c.key) for c in result.plan.changes) == sorted(
        [("archive", "card", f"{t.tenant_id}/{removed['key']}") for t in TENANTS]
        + [("update", "dashboard", f"{t.tenant_id}/adquisicion") for t in TENANTS]
    )
    assert len(fake.writes()) == 2 * len(TENANTS)
    assert _apply(settings, specs_dir).plan.is_empty


def test_first_user_setup_happens_only_when_metabase_has_no_admin(fake, settings, specs_dir):
    fake.users = {ADMIN_EMAIL: ADMIN_PASSWORD}  # someone set Metabase up already
    settings_without_key_file = type(settings)(**{**settings.__dict__, "api_key_file": None})

    result = _apply(settings_without_key_file, specs_dir)

    assert ("POST", "/api/setup") not in fake.calls
    assert ("POST", "/api/session") in fake.calls
    assert not result.set_up and fake.api_keys == {}


def test_plan_changes_nothing_not_even_first_user_setup(fake, settings, specs_dir):
    dashboards = load_dashboards(specs_dir)

    result = _apply(settings, specs_dir, dry_run=True)

    assert fake.writes() == []
    assert result.needs_setup
    assert result.plan.count("create") == sum(_totals(dashboards).values())
    assert "first-user setup" in result.render(settings)


def test_a_lost_api_key_file_is_regenerated_not_duplicated(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    settings.api_key_file.unlink()

    _apply(settings, specs_dir)

    (key,) = fake.api_keys.values()
    assert settings.api_key_file.read_text().strip() == key["key"]
    assert ("PUT", "/api/api-key/1/regenerate") in fake.calls
