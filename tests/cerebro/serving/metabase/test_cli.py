"""`cerebro metabase plan | apply | check` with settings from the environment, against the fake;
the output shows what changes and never a secret."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.serving.dashboards.spec import load_dashboards
from tests.cerebro.serving.metabase.provisioning_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    READER_PASSWORD,
    TENANT_PASSWORDS,
    WAREHOUSE_ENVIRONMENT,
    tenant_logins,
)


@pytest.fixture
def environment(fake, tmp_path, monkeypatch) -> dict[str, str]:
    """Metabase settings for the fake; Cerebro's warehouse is an embedded one not built yet."""
    monkeypatch.delenv("CEREBRO_WAREHOUSE", raising=False)
    monkeypatch.delenv("CEREBRO_DUCKDB_PATH", raising=False)
    return {
        "METABASE_URL": fake.url,
        "METABASE_ADMIN_EMAIL": ADMIN_EMAIL,
        "METABASE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "METABASE_API_KEY_FILE": str(tmp_path / "key"),
        **WAREHOUSE_ENVIRONMENT,
        "METABASE_WAREHOUSE_PASSWORD": READER_PASSWORD,
        "METABASE_SYNC_TIMEOUT_SECONDS": "10",
        "CEREBRO_DATA_DIR": str(tmp_path / "data"),
        **tenant_logins(),
    }


def _run(command: str, environment: dict, specs_dir, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["metabase", command, "--specs-dir", str(specs_dir), *options], env=environment
    )
    return result.exit_code, result.output


def test_plan_then_apply_then_a_quiet_apply(fake, environment, specs_dir, tmp_path):
    code, planned = _run("plan", environment, specs_dir)
    assert code == 0, planned
    assert "plan (dry run" in planned and "+ first-user setup" in planned
    assert fake.writes() == []

    code, applied = _run("apply", environment, specs_dir)
    assert code == 0, applied
    assert "0 to update, 0 to archive, 0 unchanged" in applied
    assert "Cerebro · casafacil_pe" in applied
    assert "the warehouse has no marts yet" in applied

    code, again = _run("apply", environment, specs_dir)
    assert code == 0, again
    assert "no changes" in again and "0 to create, 0 to update, 0 to archive" in again
    key = (tmp_path / "key").read_text().strip()
    for output in (planned, applied, again):
        assert ADMIN_PASSWORD not in output and READER_PASSWORD not in output
        assert key not in output
        assert not any(password in output for password in TENANT_PASSWORDS.values())


def test_a_wrong_warehouse_password_is_one_line_naming_what_to_fix(fake, environment, specs_dir):
    wrong = {**environment, "METABASE_WAREHOUSE_PASSWORD": "not-the-password"}

    result = CliRunner().invoke(
        main, ["metabase", "apply", "--specs-dir", str(specs_dir)], env=wrong
    )

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # not a traceback
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: Metabase cannot connect to the warehouse as metabase_reader@")
    assert "Looks like your Password is incorrect." in line
    assert "METABASE_WAREHOUSE_PASSWORD" in line and "not-the-password" not in line
    # The all-tenant reader's connection was not registered (the tenants' ones come first).
    assert "Cerebro" not in {db["name"] for db in fake.databases.values()}


def test_check_exits_non_zero_and_names_the_failing_card(fake, environment, specs_dir, dashboards):
    assert _run("apply", environment, specs_dir)[0] == 0
    broken = f"casafacil_cl/{dashboards[0].key}/{dashboards[0].cards[0].key}"
    fake.failing_cards[broken] = 'ERROR: syntax error at or near "selec"'

    code, output = _run("check", environment, specs_dir)

    assert code == 1
    assert f"{broken}: FAILED: ERROR: syntax error" in output
    assert f"1 cards failed: {broken}" in output


def test_offline_plan_lists_each_tenant_and_the_portfolio_without_a_server(environment, specs_dir):
    offline = {k: v for k, v in environment.items() if k != "METABASE_URL"}
    code, output = _run("plan", offline, specs_dir, "--offline")

    assert code == 0, output
    for name, currency in (("CasaFácil Chile", "CLP as $ with 0 decimals"),
                           ("CasaFácil Perú", "PEN as S/ with 2 decimals")):  # fmt: skip
        assert f"“{name}”" in output and currency in output
        assert f"“{name} · Directivo”" in output and f"“{name} · Analista”" in output
    assert "logs in as casafacil_pe_metabase (from METABASE_TENANT_CASAFACIL_PE_USER)" in output
    assert "Período (default Últimos 90 días" in output
    assert "“Audiencias”: questions saved there that return customer ids" in output
    assert "Agency “Agencia”" in output and "Portafolio de tiendas" in output
    # One Metabase card per spec card and a dashboard per spec; per tenant the requests model,
    # 4 groups, one connection and its collections: its own, one per area of
    # metabase/access.yml (3), "Preguntas" and one sub-collection of it per dashboard, and
    # "Audiencias" (decision 0073); per asking group (Directivo, Marketing, Automatización:
    # decision 0075) a connection as its login, a collection, a requests model, a dashboard
    # and the actions of its kinds: Directivo 4 (scenario, sync preview, sync, stop),
    # Marketing those and the experiment and its withdrawal (6), Automatización the alert (1).
    specs = load_dashboards(specs_dir)
    cards = sum(len(spec.cards) for spec in specs) + 1 + 3
    collections = 1 + 3 + 1 + len(specs) + 1 + 3
    dashboards = len(specs) + 3
    actions = 4 + 6 + 1
    assert (
        f"casafacil_cl: {collections + cards + actions + dashboards + 4 + 4} objects "
        f"({collections} collections, {cards} cards, {actions} actions, {dashboards} "
        "dashboards, 4 groups, 4 connections)"
    ) in output
    assert ("logs in as casafacil_cl_marketing (default); password from "
            "METABASE_TENANT_CASAFACIL_CL_MARKETING_PASSWORD") in output  # fmt: skip
    assert ("runs “CasaFácil Chile · Automatización/DevOps”'s requests: alerta") in output
    assert "agencia-cerebro: 7 objects (3 collections, 1 card, 1 dashboard" in output
    assert not any(password in output for password in TENANT_PASSWORDS.values())
    assert READER_PASSWORD not in output


def test_without_metabase_url_the_command_says_what_to_set(environment, specs_dir):
    code, output = _run("plan", {**environment, "METABASE_URL": ""}, specs_dir)
    assert code == 1
    assert "METABASE_URL is not set" in output
