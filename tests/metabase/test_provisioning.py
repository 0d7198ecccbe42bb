"""Provisioning against the stateful fake Metabase: a fresh apply creates every object the specs
describe, a second apply writes nothing, a changed spec updates only what changed, and what
the specs drop is archived."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml
from provisioning_support import ADMIN_EMAIL, ADMIN_PASSWORD, make_context

from cerebro.dashboards.spec import load_dashboards
from cerebro.metabase.desired import QUESTIONS, ROOT, marker_key, parameter_id
from cerebro.metabase.provision import provision


def _totals(dashboards) -> dict[str, int]:
    return {
        "dashboards": len(dashboards),
        "cards": sum(len(d.cards) for d in dashboards),
        # "Cerebro", "Preguntas" and one sub-collection per dashboard.
        "collections": 2 + len(dashboards),
        "mappings": sum(len(c.parameters) for d in dashboards for c in d.cards),
    }


def _apply(settings, specs_dir: Path, **kwargs):
    dashboards = load_dashboards(specs_dir)
    return provision(settings, dashboards, make_context(dashboards), sleep=lambda _: None, **kwargs)


def _edit_spec(specs_dir: Path, dashboard_key: str, edit) -> None:
    """Load one spec file, let ``edit`` change the document, write it back."""
    for path in specs_dir.glob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if document["key"] == dashboard_key:
            edit(document)
            path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
            return
    raise AssertionError(f"no spec {dashboard_key}")


def test_fresh_apply_sets_up_metabase_and_creates_every_spec_object(fake, settings, specs_dir):
    dashboards = load_dashboards(specs_dir)
    totals = _totals(dashboards)

    result = _apply(settings, specs_dir)

    assert fake.users == {ADMIN_EMAIL: ADMIN_PASSWORD}
    assert ("POST", "/api/setup") in fake.calls
    assert len(fake.live(fake.collections)) == totals["collections"]
    assert len(fake.live(fake.cards)) == totals["cards"]
    assert len(fake.live(fake.dashboards)) == totals["dashboards"]
    assert result.counts() == {"create": sum(totals[k] for k in ("dashboards", "cards",
                                                                 "collections")),
                               "update": 0, "archive": 0}  # fmt: skip
    dashcards = [dc for d in fake.live(fake.dashboards) for dc in d["dashcards"]]
    assert len(dashcards) == totals["cards"]
    assert sum(len(dc["parameter_mappings"]) for dc in dashcards) == totals["mappings"]
    # The warehouse is registered once, as the read-only role, restricted to the marts.
    (database,) = fake.databases.values()
    assert database["details"]["user"] == "metabase_reader"
    assert database["details"]["schema-filters-patterns"] == "marts"
    # The API key later runs use is in a file only its owner can read.
    key_file = settings.api_key_file
    assert key_file.read_text().strip() == next(iter(fake.api_keys.values()))["key"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    print(f"\napply #1: {result.total_calls} API calls {dict(result.calls)}")


def test_objects_are_laid_out_in_collections_with_markers_and_filters(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    dashboards = load_dashboards(specs_dir)
    by_key = {marker_key(c["description"]): c for c in fake.live(fake.collections)}
    assert by_key[ROOT]["location"] == "/"
    assert by_key[QUESTIONS]["location"] == f"/{by_key[ROOT]['id']}/"
    for spec in dashboards:
        (board,) = [
            d for d in fake.live(fake.dashboards) if marker_key(d["description"]) == spec.key
        ]
        assert board["name"] == spec.title
        assert board["collection_id"] == by_key[ROOT]["id"]
        assert board["collection_position"] == spec.position
        tenant = next(p for p in board["parameters"] if p["slug"] == "tenant")
        assert tenant["type"] == "string/=" and tenant["required"] is True
        assert tenant["default"] == ["casafacil_cl"]
        assert tenant["values_source_config"] == {"values": ["casafacil_cl", "casafacil_pe"]}
        for card in spec.cards:
            (saved,) = [
                c for c in fake.live(fake.cards)
                if marker_key(c["description"]) == f"{spec.key}/{card.key}"
            ]  # fmt: skip
            assert saved["name"] == card.title
            assert saved["collection_id"] == by_key[f"{QUESTIONS}/{spec.key}"]["id"]
            (dashcard,) = [dc for dc in board["dashcards"] if dc["card_id"] == saved["id"]]
            assert (dashcard["row"], dashcard["col"]) == (card.layout["row"], card.layout["col"])
            assert {m["parameter_id"] for m in dashcard["parameter_mappings"]} == {
                parameter_id(spec.key, name) for name in card.parameters
            }


def test_second_apply_makes_no_writes(fake, settings, specs_dir):
    first = _apply(settings, specs_dir)
    fake.reset_calls()

    second = _apply(settings, specs_dir)

    assert fake.writes() == []
    assert second.plan.is_empty
    assert second.calls.get("POST", 0) == second.calls.get("PUT", 0) == 0
    print(f"\napply #1: {first.total_calls} calls; apply #2: {second.total_calls} calls "
          f"{dict(second.calls)}")  # fmt: skip


def test_changed_sql_updates_only_that_card(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    fake.reset_calls()
    edited = {}

    def edit(document):
        card = document["cards"][-1]
        card["sql"] = card["sql"].rstrip() + "\nlimit 50\n"
        edited["key"] = f"{document['key']}/{card['key']}"

    _edit_spec(specs_dir, "adquisicion", edit)
    result = _apply(settings, specs_dir)

    (change,) = result.plan.changes
    assert (change.action, change.model, change.key, change.fields) == (
        "update", "card", edited["key"], ("sql",))  # fmt: skip
    (write,) = fake.writes()
    card_id = next(c["id"] for c in fake.cards.values()
                   if marker_key(c["description"]) == edited["key"])  # fmt: skip
    assert write == ("PUT", f"/api/card/{card_id}")
    assert fake.cards[card_id]["dataset_query"]["native"]["query"].endswith("limit 50\n")


def test_changed_title_updates_only_that_card(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    fake.reset_calls()
    _edit_spec(specs_dir, "adquisicion", lambda d: d["cards"][0].update(title="Clientes nuevos"))

    result = _apply(settings, specs_dir)

    assert [(c.action, c.model, c.fields) for c in result.plan.changes] == [
        ("update", "card", ("name",))
    ]
    assert len(fake.writes()) == 1
    assert "Clientes nuevos" in {c["name"] for c in fake.live(fake.cards)}


def test_removed_card_is_archived_and_taken_off_its_dashboard(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    fake.reset_calls()
    removed = {}

    def edit(document):
        card = document["cards"].pop()
        removed["key"] = f"{document['key']}/{card['key']}"

    _edit_spec(specs_dir, "adquisicion", edit)
    result = _apply(settings, specs_dir)

    assert sorted((c.action, c.model, c.key) for c in result.plan.changes) == [
        ("archive", "card", removed["key"]),
        ("update", "dashboard", "adquisicion"),
    ]
    card = next(c for c in fake.cards.values() if marker_key(c["description"]) == removed["key"])
    assert card["archived"] is True
    board = next(
        d for d in fake.dashboards.values() if marker_key(d["description"]) == "adquisicion"
    )
    assert card["id"] not in {dc["card_id"] for dc in board["dashcards"]}
    assert len(fake.writes()) == 2
    # Nothing is duplicated: a third run is quiet again.
    assert _apply(settings, specs_dir).plan.is_empty


def test_removed_dashboard_is_archived_with_its_cards_and_collection(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    spec = next(p for p in specs_dir.glob("*.yml") if "adquisicion" in p.read_text())
    cards = len(yaml.safe_load(spec.read_text())["cards"])
    extra = specs_dir / "99_prueba.yml"
    extra.write_text(spec.read_text().replace("key: adquisicion", "key: prueba")
                     .replace("position: 1", "position: 99"))  # fmt: skip
    _apply(settings, specs_dir)
    extra.unlink()

    result = _apply(settings, specs_dir)

    archived = sorted((c.model, c.key) for c in result.plan.changes if c.action == "archive")
    assert archived[0] == ("card", archived[0][1]) and len(archived) == cards + 2
    assert ("dashboard", "prueba") in archived
    assert ("collection", f"{QUESTIONS}/prueba") in archived
    assert all(c.action == "archive" for c in result.plan.changes)


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
    assert result.plan.count("create") == sum(
        _totals(dashboards)[k] for k in ("dashboards", "cards", "collections")
    )
    assert "first-user setup" in result.render(settings)


def test_plan_after_an_edit_lists_the_change_and_writes_nothing(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    _edit_spec(specs_dir, "adquisicion", lambda d: d.update(title="Adquisición de clientes"))
    fake.reset_calls()

    result = _apply(settings, specs_dir, dry_run=True)

    assert fake.writes() == []
    # The dashboard's question collection carries its title too.
    assert [(c.action, c.model, c.key, c.fields) for c in result.plan.changes] == [
        ("update", "collection", f"{QUESTIONS}/adquisicion", ("name", "description")),
        ("update", "dashboard", "adquisicion", ("name",)),
    ]
    assert "~ update dashboard adquisicion “Adquisición de clientes” (name)" in result.render(
        settings
    )


def test_a_lost_api_key_file_is_regenerated_not_duplicated(fake, settings, specs_dir):
    _apply(settings, specs_dir)
    settings.api_key_file.unlink()

    _apply(settings, specs_dir)

    (key,) = fake.api_keys.values()
    assert settings.api_key_file.read_text().strip() == key["key"]
    assert ("PUT", "/api/api-key/1/regenerate") in fake.calls
