"""Errors from Metabase give messages that say what failed and how to fix it, never a secret;
the card check runs every card through Metabase and names the ones that fail."""

from __future__ import annotations

import dataclasses

import pytest

from cerebro.serving.metabase.client import MetabaseApiError, MetabaseAuthError, MetabaseError
from cerebro.serving.metabase.provision import load_portfolio, provision, run_cards
from tests.cerebro.serving.metabase.provisioning_support import (
    ADMIN_PASSWORD,
    READER_PASSWORD,
    TENANTS,
    make_context,
)

TENANT_IDS = [tenant.tenant_id for tenant in TENANTS]


def _apply(settings, dashboards, **kwargs):
    return provision(settings, dashboards, make_context(dashboards), sleep=lambda _: None, **kwargs)


def test_wrong_admin_password_is_a_clear_authentication_error(fake, settings, dashboards):
    _apply(settings, dashboards)
    settings.api_key_file.unlink()
    fake.users = {settings.admin_email: "another-password"}

    with pytest.raises(MetabaseAuthError) as raised:
        _apply(settings, dashboards)

    message = str(raised.value)
    assert "POST /api/session" in message and "HTTP 401" in message
    assert "METABASE_ADMIN_EMAIL" in message and "METABASE_ADMIN_PASSWORD" in message
    assert ADMIN_PASSWORD not in message


def test_a_revoked_api_key_without_admin_credentials_says_which_setting_to_fix(
    fake, settings, dashboards
):
    _apply(settings, dashboards)
    fake.api_keys.clear()
    key_only = dataclasses.replace(settings, admin_email=None, admin_password=None)

    with pytest.raises(MetabaseAuthError, match="METABASE_API_KEY"):
        _apply(key_only, dashboards)


def test_a_server_error_names_the_call_and_metabase_message(fake, settings, dashboards):
    fake.fail("POST", "/api/card", 500, "Unexpected error: connection pool exhausted")

    with pytest.raises(MetabaseApiError) as raised:
        _apply(settings, dashboards)

    assert str(raised.value) == (
        "POST /api/card failed with HTTP 500: Unexpected error: connection pool exhausted"
    )


def test_error_messages_are_scrubbed_of_secrets(fake, settings, dashboards):
    # A (careless) server echoing the password it was sent must not leak it through us, nor
    # through the line that names the connection Metabase could not make.
    fake.fail("POST", "/api/database", 400, f"cannot connect with password {READER_PASSWORD}")

    with pytest.raises(MetabaseError) as raised:
        _apply(settings, dashboards)

    assert READER_PASSWORD not in str(raised.value)
    assert "password ***" in str(raised.value)


def test_an_unreachable_metabase_is_reported_with_its_url(settings, dashboards):
    unreachable = dataclasses.replace(settings, url="http://127.0.0.1:9")

    with pytest.raises(MetabaseError, match=r"cannot reach Metabase at http://127\.0\.0\.1:9"):
        _apply(unreachable, dashboards)


def test_a_new_metabase_without_admin_credentials_says_what_to_set(settings, dashboards):
    bare = dataclasses.replace(settings, admin_email=None, admin_password=None)

    with pytest.raises(MetabaseError, match="Metabase has no admin yet: set METABASE_ADMIN_EMAIL"):
        _apply(bare, dashboards)


def test_missing_reader_password_stops_before_registering_the_warehouse(settings, dashboards):
    no_password = dataclasses.replace(
        settings, warehouse=dataclasses.replace(settings.warehouse, password="")
    )

    with pytest.raises(MetabaseError, match="METABASE_WAREHOUSE_PASSWORD"):
        _apply(no_password, dashboards)


def test_a_wrong_tenant_password_names_the_connection_and_the_variable(settings, dashboards):
    variable = "METABASE_TENANT_CASAFACIL_CL_PASSWORD"
    wrong = dataclasses.replace(
        settings, tenant_logins={**settings.tenant_logins, variable: "not-the-password"}
    )

    with pytest.raises(MetabaseError) as raised:
        _apply(wrong, dashboards)

    message = str(raised.value)
    assert message.startswith(
        "Metabase cannot connect to the warehouse as "
        "casafacil_cl_metabase@postgres:5432/cerebro (“Cerebro · casafacil_cl”): "
        "Looks like your Password is incorrect."
    )
    assert variable in message and "\n" not in message
    assert "not-the-password" not in message


def test_a_changed_role_metabase_cannot_log_in_as_is_refused_on_update(fake, settings, dashboards):
    _apply(settings, dashboards)
    renamed = dataclasses.replace(
        settings,
        tenant_logins={**settings.tenant_logins, "METABASE_TENANT_CASAFACIL_PE_USER": "nobody"},
    )
    fake.reset_calls()

    with pytest.raises(MetabaseError, match=r"as nobody@postgres.*Username is incorrect"):
        _apply(renamed, dashboards)

    assert [call for call in fake.writes() if call[1].startswith("/api/database")] == [
        ("PUT", "/api/database/2")
    ]
    assert fake.databases[2]["details"]["user"] == "casafacil_pe_metabase"


def test_every_card_runs_through_metabase_and_failures_are_named(fake, settings, dashboards):
    _apply(settings, dashboards)
    broken = f"casafacil_pe/{dashboards[0].key}/{dashboards[0].cards[-1].key}"
    fake.failing_cards[broken] = 'ERROR: relation "marts.no_such_mart" does not exist'
    fake.reset_calls()

    runs, calls = run_cards(settings, dashboards, TENANT_IDS)

    failed = {run.key: run.error for run in runs if run.error}
    assert failed == {broken: 'ERROR: relation "marts.no_such_mart" does not exist'}
    portfolio = sum(len(d.cards) for d in load_portfolio())
    # Each tenant's cards, its requests model (decision 0063) and each asking group's
    # (decision 0075: Directivo, Marketing, Automatización), and the portfolio's.
    groups = ("directivo", "marketing", "automatizacion")
    per_tenant = sum(len(d.cards) for d in dashboards) + 1 + len(groups)
    assert len(runs) == len(TENANT_IDS) * per_tenant + portfolio
    assert {run.key for run in runs} >= {f"{t}/acciones/solicitudes" for t in TENANT_IDS}
    assert {run.key for run in runs} >= {f"{t}/acciones/{g}/solicitudes" for t in TENANT_IDS
                                         for g in groups}  # fmt: skip
    assert all(run.rows == 1 for run in runs if run.error is None)
    # Running cards changes nothing: the only POSTs are the query runs.
    assert all(path.endswith("/query") for _, path in fake.writes())
    assert calls == len(fake.calls)


def test_a_card_missing_from_metabase_is_reported_not_run(fake, settings, dashboards):
    _apply(settings, dashboards)
    missing = next(iter(fake.cards.values()))
    missing["archived"] = True

    runs, _ = run_cards(settings, dashboards, TENANT_IDS)

    assert [run.error for run in runs if run.card_id is None] == [
        "not in Metabase: run `cerebro metabase apply`"
    ]


def test_an_access_file_without_the_agency_name_is_one_line(tmp_path):
    """Issue 56: the agency's name was read after the file's error handling (a KeyError)."""
    from cerebro.serving.metabase.access import ACCESS_FILE, AccessError, load_access

    text = ACCESS_FILE.read_text(encoding="utf-8")
    agency = text[text.index("\nagency:") :]
    name_line = next(line for line in agency.splitlines() if line.strip().startswith("name:"))
    path = tmp_path / "access.yml"
    path.write_text(text.replace(name_line + "\n", "", 1), encoding="utf-8")
    with pytest.raises(AccessError, match=r"access\.yml: agency: 'name' is required$"):
        load_access(path)
