"""The fake Metabase behaves as the real server does where provisioning depends on it. Each
oracle is Metabase's own source or test (github.com/metabase/metabase, v0.64 line), named in
the test; the fake's module docstring says where each behaviour is implemented."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.cerebro.serving.metabase.fake_metabase import (
    DATE_STYLES,
    FakeMetabase,
    migrate_visualization_settings,
)
from tests.cerebro.serving.metabase.provisioning_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    READER_PASSWORD,
    WAREHOUSE,
)


@pytest.fixture
def server():
    fake = FakeMetabase(admin=(ADMIN_EMAIL, ADMIN_PASSWORD), warehouse=WAREHOUSE).start()
    yield fake
    fake.stop()


def _call(fake, method: str, path: str, body=None, session: str | None = None):
    """(status, decoded JSON) of one request to the fake."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if session:
        headers["X-Metabase-Session"] = session
    request = urllib.request.Request(fake.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _login(fake) -> str:
    status, answer = _call(
        fake, "POST", "/api/session", {"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert status == 200
    return answer["id"]


def _details(**changes) -> dict:
    return {
        "host": "postgres",
        "port": 5432,
        "dbname": "cerebro",
        "user": "metabase_reader",
        "password": READER_PASSWORD,
        **changes,
    }


# Visualization settings: test/metabase/models/interface_test.clj, upgrade-to-v2-viz-settings-test
# (the cases below are that test's), and card_test.clj's upgrade-to-v2-db-test.


@pytest.mark.parametrize(
    ("legend", "percent", "expected"),
    [(True, True, "inside"), (False, True, "legend")],
)
def test_pie_legend_settings_migrate_as_metabases_own_test_says(legend, percent, expected):
    migrated = migrate_visualization_settings(
        {
            "pie.show_legend": legend,
            "pie.show_legend_perecent": percent,
            "pie.show_data_labels": True,
        }
    )
    assert (migrated["version"], migrated["pie.percent_visibility"]) == (2, expected)


@pytest.mark.parametrize("legend", [False, None])
@pytest.mark.parametrize("percent", [False, None])
@pytest.mark.parametrize("labels", [True, False, None])
def test_anything_else_is_left_as_it_was_without_a_version(legend, percent, labels):
    settings = {
        "pie.show_legend": legend,
        "pie.show_legend_perecent": percent,
        "pie.show_data_labels": labels,
    }
    assert migrate_visualization_settings(settings) == settings


def test_settings_already_at_version_two_are_not_migrated():
    settings = {"version": 2, "pie.show_legend": True, "pie.percent_visibility": "legend"}
    assert migrate_visualization_settings(settings) == settings


def test_a_card_saved_with_version_one_pie_settings_comes_back_rewritten(server):
    session = _login(server)
    _call(
        server,
        "POST",
        "/api/database",
        {"name": "w", "engine": "postgres", "details": _details()},
        session,
    )
    card = {
        "name": "Torta",
        "display": "pie",
        "description": "d",
        "dataset_query": {"type": "native", "database": 1, "native": {"query": "select 1"}},
        "visualization_settings": {"pie.show_legend": True},
    }

    status, created = _call(server, "POST", "/api/card", card, session)

    assert status == 200
    assert created["visualization_settings"] == {
        "pie.show_legend": True,
        "pie.percent_visibility": "inside",
        "version": 2,
    }


# Connection test: src/metabase/warehouses/api.clj (POST "/" answers 400 with the failure,
# PUT "/:id" tests changed details) and src/metabase/driver/util.clj's messages.


def test_a_database_with_a_wrong_password_is_refused_with_metabases_message(server):
    session = _login(server)

    status, answer = _call(
        server,
        "POST",
        "/api/database",
        {"name": "w", "engine": "postgres", "details": _details(password="wrong")},
        session,
    )

    assert status == 400
    assert answer == {
        "message": "Looks like your Password is incorrect.",
        "errors": {"password": "check your password"},
    }
    assert server.databases == {}


def test_an_unknown_host_is_refused(server):
    session = _login(server)
    status, answer = _call(
        server,
        "POST",
        "/api/database",
        {"name": "w", "engine": "postgres", "details": _details(host="warehouse.invalid")},
        session,
    )
    assert (status, answer["message"]) == (400, "The connection attempt failed.")


def test_an_update_keeps_the_masked_password_and_tests_changed_details(server):
    session = _login(server)
    _, created = _call(
        server,
        "POST",
        "/api/database",
        {"name": "w", "engine": "postgres", "details": _details()},
        session,
    )
    assert created["details"]["password"] == "**MetabasePass**"
    path = f"/api/database/{created['id']}"

    # The masked password stands for the stored one: unchanged details, no connection test.
    assert _call(server, "PUT", path, {"details": created["details"]}, session)[0] == 200
    assert server.databases[created["id"]]["details"]["password"] == READER_PASSWORD
    # A changed port is tested, and refused.
    status, answer = _call(server, "PUT", path, {"details": _details(port=6543)}, session)
    assert status == 400 and "Host and Port" in answer["message"]
    assert server.databases[created["id"]]["details"]["port"] == 5432


# Search: src/metabase/search/ingestion.clj (a delay queue feeds the index); collection items
# (src/metabase/collections/api.clj) read the application database.


def test_a_new_dashboard_is_in_its_collection_at_once_and_in_search_only_later(server):
    session = _login(server)
    _, collection = _call(server, "POST", "/api/collection", {"name": "C"}, session)
    _, board = _call(
        server, "POST", "/api/dashboard", {"name": "T", "collection_id": collection["id"]}, session
    )

    _, items = _call(
        server, "GET", f"/api/collection/{collection['id']}/items?models=dashboard", session=session
    )
    _, search = _call(server, "GET", "/api/search?models=dashboard", session=session)
    assert [item["id"] for item in items["data"]] == [board["id"]]
    assert search["data"] == []

    for _ in range(server.search_lag):
        _call(server, "GET", "/api/health")
    _, search = _call(server, "GET", "/api/search?models=dashboard", session=session)
    assert [item["id"] for item in search["data"]] == [board["id"]]


# Date styles: ::date-style in src/metabase/models/visualization_settings.cljc and
# DATE_STYLE_TO_FORMAT in frontend/src/metabase/lib/formatting/date.tsx.


def test_an_unknown_date_style_is_stored_and_logged_as_the_browser_would(server):
    assert len(DATE_STYLES) == 6 and "MMMM, YYYY" not in DATE_STYLES
    session = _login(server)
    _call(
        server,
        "POST",
        "/api/database",
        {"name": "w", "engine": "postgres", "details": _details()},
        session,
    )
    settings = {
        "column_settings": {
            '["name","month"]': {"date_style": "MMMM, YYYY"},
            '["name","day"]': {"date_style": "D/M/YYYY"},
        }
    }
    card = {
        "name": "Meses",
        "display": "table",
        "description": "d",
        "dataset_query": {"type": "native", "database": 1, "native": {"query": "select 1"}},
        "visualization_settings": settings,
    }

    status, created = _call(server, "POST", "/api/card", card, session)

    assert status == 200 and created["visualization_settings"] == settings
    assert server.browser_warnings == [
        f'card {created["id"]} column ["name","month"]: Unknown date style \'MMMM, YYYY\''
    ]
